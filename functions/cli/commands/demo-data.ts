// Synthetic spans for the demo, generated inside ClickHouse (INSERT … SELECT FROM numbers),
// so seeding millions of rows takes a second and nothing streams through Node.
import type { Driver } from '../../engine/drivers/driver.js';

/** `traces` spans per trace: one root and four children. */
export const SPANS_PER_TRACE = 5;

export async function seedSpans(driver: Driver, from: Date, to: Date, traces: number, firstTrace = 0): Promise<void> {
  const spanSeconds = (to.getTime() - from.getTime()) / 1000;
  await driver.exec(
    `INSERT INTO otel_traces (Timestamp, TraceId, SpanId, ParentSpanId, SpanName, SpanKind, ServiceName, Duration, StatusCode, SpanAttributes)
     SELECT
       toDateTime64({from}, 9, 'UTC') + toIntervalMillisecond(intDiv(t - {first}, ${SPANS_PER_TRACE}) * {step_ms} + s * 3),
       lower(hex(cityHash64(intDiv(t, ${SPANS_PER_TRACE}), 'trace'))),
       lower(hex(cityHash64(t, 'span'))),
       if(s = 0, '', lower(hex(cityHash64(intDiv(t, ${SPANS_PER_TRACE}) * ${SPANS_PER_TRACE}, 'span')))),
       arrayElement(['query', 'mutation', 'subscription', 'fetch', 'resolve'], s + 1),
       if(s = 0, 'SPAN_KIND_SERVER', 'SPAN_KIND_INTERNAL'),
       arrayElement(['router', 'accounts', 'products', 'reviews'], (intDiv(t, ${SPANS_PER_TRACE}) % 4) + 1),
       (cityHash64(t) % 900000000) + 1000000,
       if(cityHash64(t, 'err') % 50 = 0, 'STATUS_CODE_ERROR', 'STATUS_CODE_OK'),
       map('http.method', 'POST')
     FROM (SELECT number + {first} AS t, number % ${SPANS_PER_TRACE} AS s FROM numbers({spans}))`,
    { from, step_ms: Math.max(1, Math.floor((spanSeconds * 1000) / traces)), spans: traces * SPANS_PER_TRACE, first: firstTrace * SPANS_PER_TRACE },
  );
}
