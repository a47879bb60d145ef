// The handler layer without AWS: the payloads the state machine sends (run id from the execution
// name), the error shape Step Functions' Retry/Catch sees, Finalize on invalid input. Target
// resolution from Secrets Manager runs the real SDK against a local endpoint: test/serve/secrets-reader.test.ts.
import { describe, expect, it } from 'vitest';
import { ConnectionError, UsageError } from '../../functions/engine/errors.js';
import type { StepEnvironment } from '../../functions/engine/service/types.js';
import { TriggerRefusedError, finalizeInputOf, runInputOf, windowBatchInputOf } from '../../functions/handlers/events.js';
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

describe('EventBridge envelopes (the trigger rule\'s input, infra/constructs/run-triggers.ts)', () => {
  const envelope = (detail: Record<string, unknown>, over: Record<string, unknown> = {}) => ({
    input: { action: detail.action, target: detail.target, trigger: { source: 'eventbridge', eventId: 'ev-1', account: '123456789012' }, detail, ...over },
    executionName: 'f3c1a2b4-0000-4000-8000-000000000000',
  });

  it('unwraps the detail: the run input is exactly what the event requested', () => {
    expect(runInputOf(envelope({ action: 'backfill', target: 'analytics', version: 3, runId: 'nightly-1' }), {})).toEqual({ action: 'backfill', target: 'analytics', version: 3, runId: 'nightly-1' });
    // Without a runId the execution name is the run id, as for any other start.
    expect(runInputOf(envelope({ action: 'verify', target: 'analytics' }), {}).runId).toBe('f3c1a2b4-0000-4000-8000-000000000000');
    // The detail is validated like any input: unknown fields are refused.
    expect(() => runInputOf(envelope({ action: 'verify', target: 'analytics', force: true }), {})).toThrow('unknown input field "force"');
  });

  it('refuses revert with TriggerRefusedError unless the stack allows it', () => {
    const revert = envelope({ action: 'revert', target: 'analytics', version: 2 });
    for (const env of [{}, { HOURGLASS_EVENTBRIDGE_REVERT: 'refuse' }, { HOURGLASS_EVENTBRIDGE_REVERT: 'yes' }]) {
      expect(() => runInputOf(revert, env)).toThrow(TriggerRefusedError);
    }
    expect(() => runInputOf(revert, {})).toThrow('revert is refused from EventBridge (event ev-1): use the CLI, or allow it with the stage\'s eventBus.allowRevert');
    const error = (() => { try { runInputOf(revert, {}); } catch (e) { return e as Error; } })();
    // Its name is what Step Functions records (not retried: not in RETRYABLE_ERRORS); Finalize treats it as bad input.
    expect(stateMachineError(error).name).toBe('TriggerRefusedError');
    expect(error).toBeInstanceOf(UsageError);
    expect(runInputOf(revert, { HOURGLASS_EVENTBRIDGE_REVERT: 'allow' })).toMatchObject({ action: 'revert', target: 'analytics', version: 2 });
    // A revert started from the console or the API (no envelope) is not an EventBridge trigger.
    expect(runInputOf({ input: { action: 'revert', target: 'analytics' }, executionName: 'x' }, {})).toMatchObject({ action: 'revert' });
  });

  it('refuses an envelope whose routing fields differ from its detail, or that carries more', () => {
    // The state machine routes on the top-level action: it must be the detail's.
    expect(() => runInputOf(envelope({ action: 'revert', target: 'analytics' }, { action: 'verify' }), { HOURGLASS_EVENTBRIDGE_REVERT: 'allow' })).toThrow("EventBridge input: the envelope's action and target differ from its detail");
    expect(() => runInputOf(envelope({ action: 'verify', target: 'analytics' }, { target: 'other' }), {})).toThrow("EventBridge input: the envelope's action and target differ from its detail");
    expect(() => runInputOf(envelope({ action: 'verify', target: 'analytics' }, { version: 3 }), {})).toThrow('EventBridge input: unknown envelope field "version"');
  });

  it('finalizes a refused revert as failed without touching the environment', async () => {
    const untouchable = new Proxy({} as StepEnvironment, {
      get: (_t, key) => {
        throw new Error(`environment used: ${String(key)}`);
      },
    });
    const event = { ...envelope({ action: 'revert', target: 'analytics' }), error: { Error: 'TriggerRefusedError', Cause: 'revert is refused from EventBridge' } };
    const saved = process.env.HOURGLASS_EVENTBRIDGE_REVERT;
    delete process.env.HOURGLASS_EVENTBRIDGE_REVERT;
    try {
      expect(await finalizeInvoke(untouchable, event)).toEqual({ status: 'failed', error: expect.stringMatching(/^revert is refused from EventBridge/) });
    } finally {
      if (saved !== undefined) process.env.HOURGLASS_EVENTBRIDGE_REVERT = saved;
    }
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
