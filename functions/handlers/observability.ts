// Structured logs and metrics (Powertools for AWS Lambda) and the wrapper every Lambda entry
// point goes through: context in the logs, a redacted error line, metrics flushed, and errors
// rethrown in a shape the state machine's Retry/Catch can match without leaking secrets.
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { HourglassError } from '../engine/errors.js';
import { redact } from '../engine/redact.js';
import { AWS_SERVICE_ERROR } from './error-names.js';

/** Service name and namespace come from POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE set by the stack. */
export const logger = new Logger();
export const metrics = new Metrics();
export { MetricUnit };

/** An error with only a redacted message and a name Step Functions can match: the Cause a Catch records. */
export function stateMachineError(error: unknown): Error {
  const out = new Error(redact(error instanceof Error ? error.message : String(error)).split('\n')[0] ?? 'unknown error');
  out.name = errorName(error);
  out.stack = `${out.name}: ${out.message}`;
  return out;
}

function errorName(error: unknown): string {
  if (error instanceof HourglassError) return error.name;
  // AWS SDK v3 service errors carry $metadata; their own names (ThrottlingException…) are too many to list in Retry.
  if (typeof error === 'object' && error !== null && '$metadata' in error) return AWS_SERVICE_ERROR;
  return error instanceof Error ? error.name : 'Error';
}

/**
 * Wraps a step as a Lambda handler. `run` gets the Lambda context too (the window batch reads
 * its remaining time). `afterStep` records metrics from the result; they are flushed even when
 * the step throws.
 */
export function lambdaHandler<E, R>(step: string, run: (event: E, context: Context) => Promise<R>, afterStep?: (result: R) => void): (event: E, context: Context) => Promise<R> {
  return async (event, context) => {
    logger.addContext(context);
    logger.appendKeys({ step });
    const started = Date.now();
    try {
      const result = await run(event, context);
      afterStep?.(result);
      logger.info(`${step} done`, { durationMs: Date.now() - started });
      return result;
    } catch (error) {
      const out = stateMachineError(error);
      logger.error(`${step} failed`, { errorName: out.name, error: out.message, stack: redact(error instanceof Error ? error.stack ?? '' : '') });
      throw out;
    } finally {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };
}
