// lambdaHandler (functions/handlers/observability.ts) as it runs in Lambda: through the window
// function's cdk.out bundle in the host, its stdout captured as CloudWatch would get it.
// - the error renaming the state machine's Retry relies on: a thrown error reaches Step
//   Functions with its name as the Error (UsageError, and AwsServiceError for any AWS SDK error);
// - the WindowsFailed metric the failed-windows alarm watches, in the EMF lines Powertools prints;
// - one "window finished" line per window with the fields the dashboard's slowest-windows query reads;
// - no password in anything the functions log, while they hold and use the target's URL.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { StateHandle } from '../../functions/cli/state.js';
import { withDriver } from '../../functions/engine/open-target.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';
import { startDeployedHost } from '../../functions/local/deployed/deployed-host.js';
import { SYNTH_TIMEOUT_MS, cloudAssembly } from './support.js';
import { SLOWEST_WINDOWS_QUERY } from '../../infra/constructs/run-dashboard.js';
import { WINDOW_FINISHED } from '../../functions/handlers/log-messages.js';
import { TARGET, finalizeOf, openState, startDeployedTarget, type DeployedTarget } from './deployed-run.js';

const HOURS = 6;
let pgServer: TestPostgres;
let dir: string;
let state: StateHandle;
let deployed: DeployedTarget;
let password: string;

beforeAll(async () => {
  await cloudAssembly();
  pgServer = await startTestPostgres();
  dir = mkdtempSync(join(tmpdir(), 'hourglass-deployed-lambda-'));
  state = await openState(join(dir, 'state'));
  const url = await pgServer.createDatabase('deployed_lambda');
  password = decodeURIComponent(new URL(url).password);
  expect(password.length).toBeGreaterThan(3);
  deployed = await startDeployedTarget(url, state, { migrations: 'postgres' });
  const apply = await deployed.run({ action: 'apply', version: 4 }, 'lambda-apply');
  expect(finalizeOf(apply)).toMatchObject({ status: 'succeeded' });
  const start = Date.UTC(2024, 0, 1);
  await withDriver(deployed.stack.networkUrl, async (d) => {
    for (let h = 0; h < HOURS; h++) {
      await d.exec("INSERT INTO traces (trace_id, service_name, started_at) VALUES ({id}, 'chat', {at})", { id: `t${h}`, at: new Date(start + h * 3_600_000) });
      await d.exec("INSERT INTO spans (span_id, trace_id, name, service_name, start_time, duration_ms) VALUES ({id}, {trace}, 'llm', 'chat', {at}, 5)", { id: `s${h}`, trace: `t${h}`, at: new Date(start + h * 3_600_000 + 60_000) });
    }
  });
}, SYNTH_TIMEOUT_MS);

afterAll(async () => {
  await deployed?.close();
  await state?.close();
  await pgServer?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const jsonLines = () => deployed.logs.flatMap((line) => {
  try {
    return [JSON.parse(line) as Record<string, unknown>];
  } catch {
    return [];
  }
});

it('a thrown error reaches the state machine named for the Retry: UsageError as is, any AWS SDK error as AwsServiceError', async () => {
  const window = deployed.stack.host.fn('window');
  await expect(window.invoke({ runId: 'no-such-run', batch: 0, target: TARGET })).rejects.toMatchObject({ name: 'UsageError', message: 'unknown run "no-such-run"' });
  // The same function with its table missing: DynamoDB's ResourceNotFoundException, renamed.
  const missingTable = startDeployedHost({ cdkOut: await cloudAssembly(), tableName: 'no-such-table', endpoints: { dynamodb: state.endpoint! } });
  try {
    await expect(missingTable.fn('window').invoke({ runId: 'some-run', batch: 0, target: TARGET })).rejects.toMatchObject({ name: 'AwsServiceError', message: expect.stringMatching(/resource not found|non-existent table/i) });
  } finally {
    await missingTable.close();
  }
  const logged = jsonLines().filter((l) => l.message === 'window failed').map((l) => [l.errorName, l.error]);
  expect(logged).toContainEqual(['UsageError', 'unknown run "no-such-run"']);
});

it('WindowsFailed in the EMF output equals the windows that failed; no password in any log line', async () => {
  // Every window fails in the database: the rollup refuses every row.
  await withDriver(deployed.stack.networkUrl, (d) => d.exec('ALTER TABLE span_stats_hourly ADD CONSTRAINT refuse_all CHECK (span_count < 0)'));
  const to = new Date(Date.UTC(2024, 0, 1) + HOURS * 3_600_000).toISOString();
  const before = deployed.logs.length;
  const backfill = await deployed.run({ action: 'backfill', version: 4, runId: 'lambda-failing', to }, 'lambda-failing');
  expect(backfill.status).toBe('FAILED');
  expect(finalizeOf(backfill), JSON.stringify(finalizeOf(backfill))).toMatchObject({ status: 'failed', windows: { total: HOURS, failed: HOURS, succeeded: 0 } });
  await deployed.stack.host.fn('window').close(); // waits until the environments' stdout is delivered
  const emf = deployed.logs.slice(before).map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => '_aws' in l);
  const windowMetrics = emf.filter((l) => 'WindowsFailed' in l);
  expect(windowMetrics.length).toBeGreaterThan(0);
  const directive = (windowMetrics[0]!._aws as { CloudWatchMetrics: { Namespace: string; Metrics: { Name: string; Unit: string }[] }[] }).CloudWatchMetrics[0]!;
  expect(directive.Namespace).toBe('Hourglass');
  expect(directive.Metrics).toContainEqual({ Name: 'WindowsFailed', Unit: 'Count' });
  expect(windowMetrics.reduce((n, l) => n + Number(l.WindowsFailed), 0)).toBe(HOURS);
  expect(windowMetrics.reduce((n, l) => n + Number(l.WindowsSucceeded), 0)).toBe(0);

  // One line per window for the dashboard's "Slowest windows", with every field its query reads.
  const finished = deployed.logs.slice(before).map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.message === WINDOW_FINISHED);
  expect(finished.map((l) => l.windowStart).sort()).toEqual(Array.from({ length: HOURS }, (_, h) => new Date(Date.UTC(2024, 0, 1) + h * 3_600_000).toISOString()));
  const queried = SLOWEST_WINDOWS_QUERY[0]!.replace(/^fields /, '').split(', ').filter((f) => !f.startsWith('@'));
  for (const line of finished) {
    expect(Object.keys(line)).toEqual(expect.arrayContaining(queried));
    expect(line).toMatchObject({ runId: 'lambda-failing', status: 'failed', rows: 0, durationMs: expect.any(Number) });
  }

  // The failures were recorded with the database's reason…
  const failed = await state.runs.listWindows('lambda-failing', { status: 'failed' });
  expect(failed).toHaveLength(HOURS);
  expect(failed.every((w) => String(w.lastError).includes('refuse_all'))).toBe(true);
  // …and nothing the functions logged holds the password they connected with.
  expect(deployed.logs.join('\n')).not.toContain(password);
});
