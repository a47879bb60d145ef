-- The pre-SpanId table, kept under the name traces_new since the swap, retires once the
-- rebuilt `traces` is verified in production.
-- hourglass:allow drop-table the pre-SpanId copy, swapped out by 0004; its rows all live on in the rebuilt traces
DROP TABLE IF EXISTS traces_new;
