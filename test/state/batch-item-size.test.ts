// A batch item holds the hourly records of all its windows (state/batch-items.ts), so it grows
// with the batch size. At the largest batch a plan can make (MAX_WINDOWS windows), with every
// record at its largest (failed after many attempts, the longest error shortError keeps, in
// three-byte characters, a local holder on its lease), the item stays far below DynamoDB's
// 400 KB limit: under a quarter of it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { RunStore } from '../../functions/engine/state/run-store.js';
import { batchKey } from '../../functions/engine/state/keys.js';
import { MAX_WINDOWS, chooseBatchSize, gridWindows } from '../../functions/engine/backfill/windows.js';
import { dynamoItemSize } from '../../bench/support/dynamo-size.js';
import { startDynamoFixture, type DynamoFixture } from './dynamo-fixture.js';
import { newRun } from './run-fixture.js';

const HOUR = 3_600_000;
const LIMIT = 400 * 1024;

let fx: DynamoFixture;
beforeAll(async () => {
  fx = await startDynamoFixture();
});
afterAll(async () => {
  await fx?.close();
});

describe('batch item size', () => {
  it('stays under a quarter of 400 KB at the largest batch, every record at its largest', async () => {
    const batchSize = Math.max(chooseBatchSize(MAX_WINDOWS), chooseBatchSize(MAX_WINDOWS, 'process'), chooseBatchSize(1, 'process'));
    expect(batchSize).toBeGreaterThanOrEqual(50);
    const table = await fx.freshTable();
    const store = new RunStore(fx.doc, table, { holder: { pid: 4_194_304, host: 'ip-10-0-123-234.eu-central-1.compute.internal' } });
    const from = new Date('2015-01-01T00:00:00Z');
    const to = new Date(from.getTime() + MAX_WINDOWS * HOUR);
    await store.createRun(newRun('largest', { rangeStart: from, rangeEnd: to, windowCount: MAX_WINDOWS, batchSize, windowsOnDemand: true }));
    const last = Math.floor((MAX_WINDOWS - 1) / batchSize);
    const windows = gridWindows(from, to, HOUR, batchSize).filter((w) => w.batch === last).map((w) => ({ start: w.start.toISOString(), end: w.end.toISOString(), batch: w.batch }));
    expect(windows).toHaveLength(batchSize);
    const owner = `hourglass-backfill-windows:${'9'.repeat(12)}:execution:${'x'.repeat(80)}`;
    const error = new Error('€'.repeat(2_000)); // shortError keeps 500 characters, 1,500 bytes here
    for (let attempt = 0; attempt < 120; attempt++) {
      const claimed = await store.claimWindows('largest', windows, owner, { leaseMs: HOUR, allow: ['pending', 'failed'] });
      expect(claimed).toHaveLength(batchSize);
      expect((await store.failWindows('largest', owner, windows, { error, durationMs: 899_999_999 })).size).toBe(batchSize);
    }
    await store.claimWindows('largest', windows, owner, { leaseMs: HOUR, allow: ['failed'] }); // running: the lease fields too, and the error kept
    const item = (await fx.doc.send(new GetCommand({ TableName: table, Key: batchKey('largest', last), ConsistentRead: true }))).Item!;
    const records = Object.values(item.w as Record<string, Record<string, unknown>>);
    expect(records).toHaveLength(batchSize);
    expect(records.every((r) => r.status === 'running' && r.attempts === 121 && Buffer.byteLength(String(r.lastError)) >= 1_500 && r.leaseHost)).toBe(true);
    const size = dynamoItemSize(item);
    expect(size).toBeGreaterThan(batchSize * 1_500); // the measure sees the errors
    expect(size).toBeLessThan(LIMIT / 4);
  });
});
