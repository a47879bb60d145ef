-- The pre-SpanId table, kept under the name traces_new since the swap, retires once the
-- rebuilt `traces` is verified in production.
DROP TABLE IF EXISTS traces_new;
