// Builds the CDK app: the one place that reads configuration and attaches cdk-nag, used by the
// CDK entry point (app.ts), the template tests and synth-definition.ts alike.
import { App, Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CONTEXT_KEYS, readConfig } from './config.js';
import { HourglassStack } from './stack.js';

// HOURGLASS_REPO_ROOT: set by bin/hourglass.mjs, since the bundled CLI lives in dist/.
export const REPO_ROOT = (process.env.HOURGLASS_REPO_ROOT ?? fileURLToPath(new URL('..', import.meta.url))).replace(/\/$/, '');
/** One stack per stage, so dev and prod live side by side in one account: Hourglass-dev, Hourglass-prod. */
export function stackName(stage: string): string {
  return `Hourglass-${stage}`;
}

export interface CreateAppOptions {
  /** Context on top of the CLI's (cdk.json, -c). Tests pass cdkJsonContext() plus overrides. */
  context?: Record<string, unknown>;
  /** false: skip esbuild bundling (placeholder code assets) — for tests that only read the template. */
  bundle?: boolean;
  outdir?: string;
}

export function createHourglassApp(options: CreateAppOptions = {}): { app: App; stack: HourglassStack } {
  const context: Record<string, unknown> = { ...options.context };
  if (options.bundle === false) context['aws:cdk:bundling-stacks'] = [];
  const app = new App({ context, outdir: options.outdir });
  const config = readConfig(app.node, REPO_ROOT);
  const stack = new HourglassStack(app, stackName(config.stage), {
    config,
    repoRoot: REPO_ROOT,
    // Bound to an account and region only when the stage says so (its env setting).
    ...(config.env ? { env: config.env } : {}),
    description: `Hourglass (${config.stage}): schema migrations and hourly backfills for ClickHouse and PostgreSQL on Step Functions`,
  });
  Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  return { app, stack };
}

/**
 * The context block of cdk.json, for in-process synthesis (tests, the local runner, the
 * deployed-test host, the bench): what the CLI would pass, plus hourglass:allowExample, since
 * these run on cdk.json's example targets, which `npx cdk synth` refuses (deploy-guard.ts).
 * `{allowExample: false}`: exactly what the CLI passes.
 */
export function cdkJsonContext(options: { allowExample?: boolean } = {}): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(`${REPO_ROOT}/cdk.json`, 'utf8')) as { context?: Record<string, unknown> };
  return { ...cdkJson.context, ...(options.allowExample === false ? {} : { [CONTEXT_KEYS.allowExample]: true }) };
}
