// The handler layer without AWS: the payloads the state machine sends (run id from the execution
// name), the error shape Step Functions' Retry/Catch sees, Finalize on invalid input, and target
// resolution from Secrets Manager (a stub reader: no local Secrets Manager exists).
import { describe, expect, it } from 'vitest';
import { ConnectionError, UsageError } from '../../functions/engine/errors.js';
import { redact } from '../../functions/engine/redact.js';
import type { StepEnvironment } from '../../functions/engine/service/types.js';
import { finalizeInputOf, runInputOf, windowBatchInputOf } from '../../functions/handlers/events.js';
import { invoke as finalizeInvoke } from '../../functions/handlers/finalize.js';
import { stateMachineError } from '../../functions/handlers/observability.js';
import { createTargetResolver, type SecretReader } from '../../functions/handlers/target-resolver.js';

describe('step payloads', () => {
  it('takes the run id from the execution name unless the input names one', () => {
    expect(runInputOf({ input: { action: 'backfill', target: 'analytics', version: 3 }, executionName: 'backfill-20240301T120000Z-abc123' })).toEqual({ action: 'backfill', target: 'analytics', version: 3, runId: 'backfill-20240301T120000Z-abc123' });
    expect(runInputOf({ input: { action: 'retry', target: 'analytics', runId: 'run-1' }, executionName: 'retry-run-1-0123456789abcdef' }).runId).toBe('run-1');
    // Console-started executions may have names that are not run ids: then none is set.
    expect(runInputOf({ input: { action: 'apply', target: 'analytics' }, executionName: 'my run (manual)' }).runId).toBeUndefined();
  });

  it('validates the input fully, including what the state machine only checks coarsely', () => {
    expect(() => runInputOf({ input: { action: 'apply', target: 'analytics', concurrency: 1000 }, executionName: 'x' })).toThrow(UsageError);
    expect(() => runInputOf({ input: { action: 'retry', target: 'analytics' }, executionName: 'x' })).toThrow('"runId" is required for retry');
    expect(() => runInputOf(null as never)).toThrow('step event must be a JSON object');
  });

  it('validates Map items', () => {
    expect(windowBatchInputOf({ runId: 'r-1', batch: 4, target: 'analytics', mode: 'retry' })).toEqual({ runId: 'r-1', batch: 4, target: 'analytics', mode: 'retry' });
    expect(() => windowBatchInputOf({ runId: '../x', batch: 4, target: 'analytics' })).toThrow('"runId" must be a run id');
    expect(() => windowBatchInputOf({ runId: 'r-1', batch: -1, target: 'analytics' })).toThrow('"batch" must be a non-negative whole number');
    expect(() => windowBatchInputOf({ runId: 'r-1', batch: 1, target: 'a', mode: 'all' })).toThrow('"mode" must be backfill or retry');
  });

  it('passes a caught error on to Finalize and nothing else of the state data', () => {
    const event = { input: { action: 'backfill', target: 'analytics', version: 3 }, executionName: 'run-9', plan: { batches: [0] }, error: { Error: 'MigrationFailedError', Cause: '{"errorMessage":"x"}' } };
    expect(finalizeInputOf(event, runInputOf(event))).toEqual({ action: 'backfill', runId: 'run-9', error: { Error: 'MigrationFailedError', Cause: 'x' } });
    // In AWS the Cause of a Lambda error is a JSON document; Finalize gets its message, as locally.
    const aws = { ...event, error: { Error: 'ConnectionError', Cause: JSON.stringify({ errorType: 'ConnectionError', errorMessage: 'cannot reach db', trace: ['ConnectionError: cannot reach db'] }) } };
    expect(finalizeInputOf(aws, runInputOf(aws)).error).toEqual({ Error: 'ConnectionError', Cause: 'cannot reach db' });
    const ok = { input: { action: 'apply', target: 'analytics' }, executionName: 'run-10' };
    expect(finalizeInputOf(ok, runInputOf(ok))).toEqual({ action: 'apply', runId: 'run-10' });
  });

  it('finalizes an execution with invalid input as failed without touching the environment', async () => {
    const untouchable = new Proxy({} as StepEnvironment, {
      get: (_t, key) => {
        throw new Error(`environment used: ${String(key)}`);
      },
    });
    const out = await finalizeInvoke(untouchable, { input: { action: 'apply', target: 'bad target!' }, executionName: 'x', error: { Error: 'UsageError' } });
    expect(out).toEqual({ status: 'failed', error: '"target" must be a target name: letters, digits, _ and -' });
  });
});

describe('errors as the state machine sees them', () => {
  it('keeps Hourglass error names for Retry, names AWS SDK errors AwsServiceError, and redacts', () => {
    const connection = stateMachineError(new ConnectionError('cannot reach postgres://app:hunter22@db:5432/app'));
    expect(connection.name).toBe('ConnectionError');
    expect(connection.message).toBe('cannot reach postgres://app:***@db:5432/app');
    expect(connection.stack).toBe(`ConnectionError: ${connection.message}`);
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
    expect(stateMachineError(throttled).name).toBe('AwsServiceError');
    const bug = stateMachineError(new TypeError('x is not a function\n    at somewhere'));
    expect([bug.name, bug.message]).toEqual(['TypeError', 'x is not a function']);
  });
});

describe('target resolution from Secrets Manager', () => {
  const targets = { analytics: { engine: 'clickhouse' as const, secretName: 'hourglass/analytics' }, pg: { engine: 'postgres' as const, secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:pg-AbCdEf', migrations: 'postgres' } };

  function reader(values: Record<string, string | undefined>): SecretReader & { reads: string[] } {
    const reads: string[] = [];
    return {
      reads,
      async secretString(id) {
        reads.push(id);
        if (!(id in values)) throw Object.assign(new Error(`Secrets Manager can't find the specified secret.`), { name: 'ResourceNotFoundException', $metadata: {} });
        return values[id];
      },
    };
  }

  it('reads the URL from the secret, points at the bundled migrations, caches, and registers the password for redaction', async () => {
    let now = 0;
    const secrets = reader({ 'hourglass/analytics': JSON.stringify({ url: 'clickhouses://svc:Sup3rSecretPw@ch.internal:8443/otel' }) });
    const resolve = createTargetResolver({ targets, secrets, migrationsRoot: '/var/task/migrations', cacheMs: 1000, now: () => now });
    expect(await resolve('analytics')).toEqual({ url: 'clickhouses://svc:Sup3rSecretPw@ch.internal:8443/otel', migrationsDir: '/var/task/migrations/clickhouse' });
    await resolve('analytics');
    expect(secrets.reads).toEqual(['hourglass/analytics']);
    now = 1001;
    await resolve('analytics');
    expect(secrets.reads).toHaveLength(2);
    expect(redact('server said: bad password Sup3rSecretPw')).toBe('server said: bad password ***');
  });

  it.each([
    [{}, 'nope', 'unknown target "nope" (configured: analytics, pg)'],
    [{ 'hourglass/analytics': 'postgres-pw-in-plain-text' }, 'analytics', 'secret hourglass/analytics of target "analytics" is not JSON: store {"url": "..."}'],
    [{ 'hourglass/analytics': '{"password":"x"}' }, 'analytics', 'secret hourglass/analytics of target "analytics" has no "url" string'],
    [{ 'hourglass/analytics': undefined }, 'analytics', 'secret hourglass/analytics of target "analytics" has no string value: store JSON {"url": "..."}'],
    [{ 'hourglass/analytics': '{"url":"postgres://u:pw1234@h:5432/db"}' }, 'analytics', 'secret hourglass/analytics of target "analytics" holds a postgres URL but the target is configured as clickhouse'],
    [{ 'hourglass/analytics': '{"url":"chdb:/tmp/x"}' }, 'analytics', 'target "analytics" points at an embedded engine (chdb:); in AWS use a server URL'],
  ])('refuses %j for %s with one clear line that never echoes the secret', async (values, name, message) => {
    const resolve = createTargetResolver({ targets, secrets: reader(values), migrationsRoot: '/var/task/migrations' });
    const error = await resolve(name).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toBe(message);
    expect((error as UsageError).message).not.toContain('plain-text');
  });

  it('does not cache a failed read', async () => {
    const values: Record<string, string> = {};
    const secrets = reader(values);
    const resolve = createTargetResolver({ targets, secrets, migrationsRoot: '/m' });
    await expect(resolve('pg')).rejects.toThrow("can't find the specified secret");
    values['arn:aws:secretsmanager:eu-west-1:123456789012:secret:pg-AbCdEf'] = '{"url":"postgres://app:pw1234@db:5432/app"}';
    expect(await resolve('pg')).toEqual({ url: 'postgres://app:pw1234@db:5432/app', migrationsDir: '/m/postgres' });
  });
});
