// The StepEnvironment of a Lambda function, built once per container (module scope) and
// reused by every invocation: DynamoDB clients, the run store, leases, and the target
// resolver that reads connection URLs from Secrets Manager (Powertools SecretsProvider,
// created at module scope like every client). Configuration comes from the
// environment the stack sets: TABLE_NAME and HOURGLASS_TARGETS (no secrets in either).
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { UsageError } from '../engine/errors.js';
import type { StepEnvironment } from '../engine/service/types.js';
import { createDocumentClient } from '../engine/state/client.js';
import { DynamoLeaseProvider } from '../engine/state/leases.js';
import { RunStore } from '../engine/state/run-store.js';
import { parseTargetsConfig, type TargetsConfig } from './target-config.js';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { powertoolsSecretReader } from './secret-reader.js';
import { createTargetResolver } from './target-resolver.js';

// Region and endpoint from the environment (AWS_REGION; AWS_ENDPOINT_URL_SECRETS_MANAGER when
// run against a local endpoint); it makes no call until a target is opened.
const secretsProvider = new SecretsProvider();

export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new UsageError(`environment variable ${name} is not set (the stack sets it)`);
  return value;
}

export function targetsFromEnv(): TargetsConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(requiredEnv('HOURGLASS_TARGETS'));
  } catch (error) {
    if (error instanceof SyntaxError) throw new UsageError('HOURGLASS_TARGETS is not valid JSON');
    throw error;
  }
  return parseTargetsConfig(raw, 'HOURGLASS_TARGETS');
}

async function build(): Promise<StepEnvironment> {
  const tableName = requiredEnv('TABLE_NAME');
  const targets = targetsFromEnv();
  const doc = await createDocumentClient();
  const secrets = powertoolsSecretReader(secretsProvider);
  const taskRoot = process.env.LAMBDA_TASK_ROOT ?? process.cwd();
  return {
    runs: new RunStore(doc, tableName),
    leases: new DynamoLeaseProvider(doc, tableName),
    resolveTarget: createTargetResolver({ targets, secrets, migrationsRoot: join(taskRoot, 'migrations') }),
    ...pinnedClock(),
    // One invocation at a time per container: the container is the worker.
    workerId: `${process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'hourglass'}:${randomUUID()}`,
  };
}

/** HOURGLASS_NOW pins the clock, as it does for the CLI: local drills only (run --deployed passes it); the stack never sets it. */
function pinnedClock(): Pick<StepEnvironment, 'now'> {
  const pinned = process.env.HOURGLASS_NOW;
  if (!pinned) return {};
  const at = new Date(pinned);
  if (Number.isNaN(at.getTime())) throw new UsageError(`HOURGLASS_NOW is not a time: ${pinned}`);
  return { now: () => at };
}

let environment: Promise<StepEnvironment> | undefined;

/** The container's environment; a failed build is not cached, so the next invocation tries again. */
export function lambdaEnvironment(): Promise<StepEnvironment> {
  environment ??= build().catch((error: unknown) => {
    environment = undefined;
    throw error;
  });
  return environment;
}
