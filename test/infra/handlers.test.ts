// The handler layer without AWS: the payloads the state machine sends (run id from the execution
// name), the error shape Step Functions' Retry/Catch sees, Finalize on invalid input. Target
// resolution from Secrets Manager runs the real SDK against a local endpoint: test/serve/secrets-reader.test.ts.
import { describe, expect, it } from 'vitest';
import { ConnectionError, UsageError } from '../../functions/engine/errors.js';
import type { StepEnvironment } from '../../functions/engine/service/types.js';
import { finalizeInputOf, runInputOf, windowBatchInputOf } from '../../functions/handlers/events.js';
import { invoke as finalizeInvoke } from '../../functions/handlers/finalize.js';
import { stateMachineError } from '../../functions/handlers/observability.js';

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
    expect(() => windowBatchInputOf({ runId: 'r-1', batch: 1, target: 'a', mode: 'all' })).toThrow('"mode" must be backfill, retry or resume');
    expect(windowBatchInputOf({ runId: 'r-1', batch: 0, target: 'analytics', mode: 'resume' })).toMatchObject({ mode: 'resume' });
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
