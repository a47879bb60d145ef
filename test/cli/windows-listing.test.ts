// Issue 20 item 10: `windows` prints a header row, and each window's end and source rows.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { hourglass } from '../corpus/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'hourglass-windows-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('lists start, end, status, attempts, rows and source rows under a header', async () => {
  const mig = join(dir, 'mig');
  mkdirSync(mig);
  const table = (name: string) => `CREATE TABLE ${name} (ts DateTime64(3, 'UTC'), v UInt32) ENGINE = MergeTree ORDER BY ts;`;
  writeFileSync(join(mig, '0001_src.up.sql'), `${table('src')}\nINSERT INTO src SELECT toDateTime64('2024-01-01 00:00:00', 3, 'UTC') + toIntervalMinute(number * 20), number FROM numbers(6);`);
  writeFileSync(join(mig, '0002_dst.up.sql'), table('dst'));
  writeFileSync(join(mig, '0002_dst.backfill.sql'), ['-- window: 1h', '-- target: dst', '-- time-column: ts', '-- from: 2024-01-01T00:00:00Z', '-- to: 2024-01-01T02:00:00Z',
    '-- source-count: SELECT count() FROM src WHERE ts >= {window_start} AND ts < {window_end}',
    'INSERT INTO dst SELECT ts, v FROM src WHERE ts >= {window_start} AND ts < {window_end}'].join('\n'));
  const common = ['--url', `chdb:${join(dir, 'ch')}`, '--state', join(dir, 'state'), '--migrations', mig];
  expect((await hourglass([...common, 'apply'])).code).toBe(0);
  const run = await hourglass([...common, 'backfill', '2', '--run-id', 'w-run']);
  expect(run.code, run.stderr).toBe(0);
  const listed = await hourglass([...common, 'windows', 'w-run'], { env: { PAGER: 'cat' } });
  expect(listed.code, listed.stderr).toBe(0);
  const lines = listed.stdout.trimEnd().split('\n').map((l) => l.trim().split(/\s{2,}/));
  expect(lines[0]).toEqual(['start', 'end', 'status', 'attempts', 'rows', 'source rows', 'error']);
  expect(lines.slice(1, 3)).toEqual([
    ['2024-01-01T00:00:00.000Z', '2024-01-01T01:00:00.000Z', 'succeeded', '1', '3', '3'],
    ['2024-01-01T01:00:00.000Z', '2024-01-01T02:00:00.000Z', 'succeeded', '1', '3', '3'],
  ]);
  expect(lines[3]).toEqual(['2 window(s)']);
  const offGrid = await hourglass([...common, 'plan', '2', '--from', '2024-01-01T00:30:00Z']);
  expect(offGrid.code, offGrid.stderr).toBe(0);
  expect(offGrid.stderr).toContain('note: 2024-01-01T00:30:00.000Z is not on the window grid: the first window [2024-01-01T00:30:00.000Z, 2024-01-01T01:00:00.000Z) is partial');
  const onGrid = await hourglass([...common, 'plan', '2']);
  expect(onGrid.stderr).not.toContain('note:');
}, 120_000);
