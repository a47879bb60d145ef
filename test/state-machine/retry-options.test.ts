// A state-machine retry honours the input's pass options, as the CLI's flags do: its
// statementTarget decides how the failed windows are grouped into statements. Every row the
// backfill writes carries toString(now64(9)) of the statement that wrote it, so the number of
// statements is read from the data, not from the code.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FinalizeOutput } from '../../functions/engine/service/types.js';
import { FROM, startHarness, type Harness } from './fixture.js';

const HOURS = 12;
const TO = new Date(Date.parse(FROM) + HOURS * 3_600_000).toISOString();

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    '0003_labelled.up.sql': [
      "CREATE TABLE labelled (ts DateTime64(3, 'UTC'), id UInt64, q String) ENGINE = MergeTree ORDER BY ts;",
      'CREATE TABLE fail_switch (on UInt8) ENGINE = MergeTree ORDER BY on;',
    ].join('\n'),
    '0003_labelled.backfill.sql': [
      '-- window: 1h', '-- target: labelled', '-- time-column: ts', `-- from: ${FROM}`, `-- to: ${TO}`,
      // While the switch holds a row, every statement fails (and writes nothing).
      'INSERT INTO labelled SELECT ts, id, toString(now64(9)) FROM events',
      'WHERE ts >= {window_start} AND ts < {window_end} AND throwIf((SELECT count() FROM fail_switch) > 0, \'switched off\') = 0',
    ].join('\n'),
  });
});
afterAll(async () => h?.close());

const finalizeOf = (r: { output?: unknown; lastStateInput?: unknown }) => ((r.output ?? r.lastStateInput) as { finalize: FinalizeOutput }).finalize;

it('retry with statementTarget "0" runs each failed window as its own statement, whatever the run chose', async () => {
  expect((await h.execute({ action: 'apply', target: 'local', version: 3 }, 'apply-3')).status).toBe('SUCCEEDED');
  await h.withDriver((d) => d.exec('INSERT INTO fail_switch VALUES (1)'));
  // The run groups by up to 5 s of work per statement; every window fails.
  const first = await h.execute({ action: 'backfill', target: 'local', version: 3, runId: 'grouping', statementTarget: '5s', concurrency: 1 }, 'grouping');
  expect(finalizeOf(first)).toMatchObject({ windows: { total: HOURS, failed: HOURS } });
  await h.withDriver((d) => d.exec('TRUNCATE TABLE fail_switch'));

  const retried = await h.execute({ action: 'retry', target: 'local', runId: 'grouping', statementTarget: '0', concurrency: 1 }, 'grouping-retry');
  expect(finalizeOf(retried), JSON.stringify(retried.error)).toMatchObject({ status: 'succeeded', windows: { succeeded: HOURS, failed: 0 } });
  const statements = await h.withDriver((d) => d.query<{ n: number }>('SELECT uniqExact(q) AS n FROM labelled'));
  expect(Number(statements[0]!.n)).toBe(HOURS);
});
