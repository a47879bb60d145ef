// Turns a target's secret text into a connection URL. Two shapes are accepted:
//   {"url": "postgres://…" | "clickhouses://…"}
//   the RDS shape Secrets Manager uses for database credentials:
//   {"engine", "host", "port", "username", "password", "dbname"}
//     engine postgres | postgresql | aurora-postgresql → postgres://…?sslmode=<sslmode, default require>
//     engine clickhouse → clickhouses:// (TLS, port 8443 by default); "ssl": false → clickhouse:// (8123)
// Every secret part is registered for redaction before anything can fail, and no error
// carries the secret's text: they name the secret's ARN and the field only.
import { UsageError } from '../engine/errors.js';
import { registerSecret } from '../engine/redact.js';
import type { Engine } from '../engine/target-url.js';

const POSTGRES_ENGINES = new Set(['postgres', 'postgresql', 'aurora-postgresql']);
const SSL_MODES = new Set(['disable', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify']);
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])$/;

export interface SecretUrl {
  url: string;
  engine: Engine;
}

/** `where` names the secret in errors, e.g. `secret arn:… of target "analytics"`. */
export function urlFromSecret(text: string, where: string): SecretUrl {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    // Never echo the text or the parser's message: both can hold the secret.
    throw new UsageError(`${where} is not JSON: store {"url": "…"} or the RDS shape {"engine", "host", "port", "username", "password", "dbname"}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UsageError(`${where} is not a JSON object`);
  const secret = parsed as Record<string, unknown>;
  if (typeof secret.password === 'string') registerSecret(secret.password);
  if ('url' in secret) {
    if (typeof secret.url !== 'string' || secret.url.trim() === '') throw new UsageError(`${where} has a "url" that is not a non-empty string`);
    registerSecret(secret.url);
    return { url: secret.url, engine: engineOfUrl(secret.url, where) };
  }
  if (!('engine' in secret)) throw new UsageError(`${where} has neither "url" nor the RDS fields (engine, host, port, username, password, dbname)`);
  return rdsShapeUrl(secret, where);
}

function rdsShapeUrl(secret: Record<string, unknown>, where: string): SecretUrl {
  const engineName = field(secret, 'engine', where).toLowerCase();
  const host = field(secret, 'host', where);
  if (!HOST.test(host)) throw new UsageError(`${where} has an invalid "host"`);
  const username = field(secret, 'username', where);
  const password = field(secret, 'password', where, { allowEmpty: true });
  const auth = `${encodeURIComponent(username)}${password === '' ? '' : `:${encodeURIComponent(password)}`}@`;
  if (POSTGRES_ENGINES.has(engineName)) {
    const port = portOf(secret, 5432, where);
    const dbname = optionalField(secret, 'dbname', where) ?? 'postgres';
    const sslmode = optionalField(secret, 'sslmode', where) ?? 'require';
    if (!SSL_MODES.has(sslmode)) throw new UsageError(`${where} has an invalid "sslmode" (expected one of ${[...SSL_MODES].join(', ')})`);
    return registered({ url: `postgres://${auth}${host}:${port}/${encodeURIComponent(dbname)}?sslmode=${sslmode}`, engine: 'postgres' });
  }
  if (engineName === 'clickhouse') {
    if (secret.ssl !== undefined && typeof secret.ssl !== 'boolean') throw new UsageError(`${where} has an "ssl" that is not true or false`);
    const tls = secret.ssl !== false;
    const port = portOf(secret, tls ? 8443 : 8123, where);
    const dbname = optionalField(secret, 'dbname', where) ?? 'default';
    return registered({ url: `${tls ? 'clickhouses' : 'clickhouse'}://${auth}${host}:${port}/${encodeURIComponent(dbname)}`, engine: 'clickhouse' });
  }
  throw new UsageError(`${where} has engine "${engineName.slice(0, 40)}", which hourglass does not run: expected ${[...POSTGRES_ENGINES].join(', ')} or clickhouse`);
}

function registered(result: SecretUrl): SecretUrl {
  registerSecret(result.url);
  return result;
}

function engineOfUrl(url: string, where: string): Engine {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url.trim())?.[1]?.toLowerCase();
  if (scheme === 'postgres' || scheme === 'postgresql' || scheme === 'pg-embedded') return 'postgres';
  if (scheme === 'clickhouse' || scheme === 'clickhouses' || scheme === 'chdb') return 'clickhouse';
  throw new UsageError(`${where} has a "url" of no known scheme: expected postgres://, postgresql://, clickhouse:// or clickhouses://`);
}

function field(secret: Record<string, unknown>, key: string, where: string, opts: { allowEmpty?: boolean } = {}): string {
  const value = secret[key];
  if (typeof value !== 'string' || (!opts.allowEmpty && value.trim() === '')) throw new UsageError(`${where} has no "${key}" string`);
  return value;
}

function optionalField(secret: Record<string, unknown>, key: string, where: string): string | undefined {
  return secret[key] === undefined || secret[key] === null ? undefined : field(secret, key, where);
}

function portOf(secret: Record<string, unknown>, fallback: number, where: string): number {
  const raw = secret.port;
  if (raw === undefined || raw === null || raw === '') return fallback;
  const port = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`${where} has an invalid "port" (expected 1…65535)`);
  return port;
}
