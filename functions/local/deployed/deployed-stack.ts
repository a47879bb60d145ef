// Everything `run --deployed` stands up around the bundles, and tears down again on success
// and on failure: the target served over the network, a Secrets Manager endpoint holding the
// target's {"url"} secret, and the Lambda-like host of the bundled functions pointed at them
// and at the state store's DynamoDB endpoint. The target configuration the functions get
// (HOURGLASS_TARGETS) names the local secret by its full ARN.
import { relative, sep } from 'node:path';
import { REPO_ROOT } from './repo-root.js';
import { UsageError } from '../../engine/errors.js';
import type { TargetUrl } from '../../engine/target-url.js';
import { bundledCloudAssembly } from './cdk-out.js';
import { startDeployedHost, type DeployedHost } from './deployed-host.js';
import { serveOverNetwork } from './network-target.js';

export interface DeployedStackOptions {
  targetName: string;
  target: TargetUrl;
  targetUrlText: string;
  migrationsDir: string;
  state: { endpoint?: string; tableName: string };
  /** Progress lines (synthesis). */
  log?: (line: string) => void;
  onLog?: (functionName: string, line: string) => void;
  /** HOURGLASS_NOW for the functions: the pinned clock of a drill (the CLI passes its own). */
  now?: string;
  /** Extra endpoints (the Step Functions API for the API function). */
  stepFunctionsEndpoint?: string;
  /** See DeployedHostOptions.functionTimeouts. */
  functionTimeouts?: Record<string, number>;
}

export interface DeployedStack {
  host: DeployedHost;
  /** The target's URL as the functions reach it (holds a password). */
  networkUrl: string;
  secretArn: string;
  close(): Promise<void>;
}

/** The bundles carry the repository's migrations/<folder>; a run can use only one of those. */
export function bundledMigrationsFolder(migrationsDir: string): string {
  const rel = relative(`${REPO_ROOT}/migrations`, migrationsDir);
  if (rel === '' || rel.startsWith('..') || rel.includes(sep)) throw new UsageError(`--deployed runs the migrations the bundles carry (migrations/<folder> of this repository), not ${migrationsDir}`);
  return rel;
}

export async function startDeployedStack(options: DeployedStackOptions): Promise<DeployedStack> {
  const folder = bundledMigrationsFolder(options.migrationsDir);
  if (options.state.endpoint === undefined) throw new UsageError('--deployed needs a local state store (dynalite, or HOURGLASS_DYNAMODB_ENDPOINT), not the real table');
  const cdkOut = await bundledCloudAssembly({ log: options.log });
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const closeOne of closers.reverse()) await closeOne().catch(() => undefined);
  };
  try {
    const network = await serveOverNetwork(options.target, options.targetUrlText);
    closers.push(() => network.close());
    const { startSecretsManagerEndpoint } = await import('../secrets-manager-endpoint.js');
    const secrets = await startSecretsManagerEndpoint();
    closers.push(() => secrets.close());
    const secretArn = await secrets.createSecret(`hourglass/${options.targetName}`, JSON.stringify({ url: network.url }));
    const host = startDeployedHost({
      cdkOut,
      tableName: options.state.tableName,
      endpoints: { dynamodb: options.state.endpoint, secretsManager: secrets.endpoint, ...(options.stepFunctionsEndpoint ? { stepFunctions: options.stepFunctionsEndpoint } : {}) },
      targets: { [options.targetName]: { engine: options.target.engine, secretArn, migrations: folder } },
      onLog: options.onLog,
      ...(options.functionTimeouts ? { functionTimeouts: options.functionTimeouts } : {}),
      ...(options.now ? { extraEnv: { HOURGLASS_NOW: options.now } } : {}),
    });
    closers.push(() => host.close());
    return { host, networkUrl: network.url, secretArn, close };
  } catch (error) {
    await close();
    throw error;
  }
}
