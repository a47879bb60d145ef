// Parses the URL of a target database. Forms:
//   chdb:<dir>                          embedded ClickHouse stored in <dir>
//   clickhouse://user:pass@host:8123/db ClickHouse over HTTP (clickhouses:// for TLS)
//   pg-embedded:<dir>                   embedded PostgreSQL server with its data in <dir>
//   pglite:<dir>                        embedded TimescaleDB (PGlite) with its data in <dir>
//   postgres://user:pass@host:5432/db   PostgreSQL (postgresql:// too)
import { resolve } from 'node:path';
import { UsageError } from './errors.js';
import { registerSecret } from './redact.js';

export type Engine = 'clickhouse' | 'postgres';

export type TargetUrl =
  | { engine: 'clickhouse'; kind: 'embedded'; dir: string; display: string }
  | { engine: 'clickhouse'; kind: 'http'; url: string; username: string; password: string; database: string; display: string }
  | { engine: 'postgres'; kind: 'embedded'; dir: string; database: string; display: string }
  | { engine: 'postgres'; kind: 'pglite'; dir: string; database: string; display: string }
  | { engine: 'postgres'; kind: 'server'; connectionString: string; database: string; display: string };

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

export function parseTargetUrl(raw: string): TargetUrl {
  const text = raw.trim();
  if (text === '') throw new UsageError('target URL is empty');
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1]?.toLowerCase();
  if (!scheme) throw new UsageError(`target URL has no scheme: expected chdb:, clickhouse://, clickhouses://, pg-embedded:, pglite:, postgres:// or postgresql://`);
  switch (scheme) {
    case 'chdb':
      return { engine: 'clickhouse', kind: 'embedded', dir: embeddedDir(text, 'chdb'), display: `chdb:${text.slice(5)}` };
    case 'pg-embedded':
      return { engine: 'postgres', kind: 'embedded', dir: embeddedDir(text, 'pg-embedded'), database: 'hourglass', display: text };
    case 'pglite':
      // PGlite has one database, `postgres`.
      return { engine: 'postgres', kind: 'pglite', dir: embeddedDir(text, 'pglite'), database: 'postgres', display: text };
    case 'clickhouse':
    case 'clickhouses':
      return parseClickHouseServer(text, scheme);
    case 'postgres':
    case 'postgresql':
      return parsePostgresServer(text);
    default:
      throw new UsageError(`unknown URL scheme "${scheme}:": expected chdb:, clickhouse://, clickhouses://, pg-embedded:, pglite:, postgres:// or postgresql://`);
  }
}

function embeddedDir(text: string, scheme: string): string {
  const dir = text.slice(scheme.length + 1).replace(/^\/\/(?=\/)/, '');
  if (dir.trim() === '') throw new UsageError(`${scheme}: URL needs a directory, e.g. ${scheme}:.hourglass/data`);
  if (dir.includes('\0')) throw new UsageError(`${scheme}: directory contains a NUL byte`);
  return resolve(dir);
}

function parseServerUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`malformed target URL: ${redactInline(text)}`);
  }
  if (url.password) registerSecret(url.password);
  if (!url.hostname) throw new UsageError(`target URL has no host: ${redactInline(text)}`);
  const portText = /^[a-z]+:\/\/(?:[^@/]*@)?(?:\[[^\]]*\]|[^:/?#]*)(?::([^/?#]*))?/i.exec(text)?.[1];
  if (portText !== undefined && portText !== '' && !(/^\d{1,5}$/.test(portText) && Number(portText) >= 1 && Number(portText) <= 65535)) {
    throw new UsageError(`target URL has an invalid port "${portText}"`);
  }
  return url;
}

function databaseOf(url: URL, display: string): string {
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (database === '') throw new UsageError(`target URL names no database: ${display}`);
  if (!IDENTIFIER.test(database)) throw new UsageError(`target URL names an invalid database "${database}": letters, digits and _ only`);
  return database;
}

function parseClickHouseServer(text: string, scheme: string): TargetUrl {
  const url = parseServerUrl(text);
  const display = displayOf(url);
  const database = databaseOf(url, display);
  const port = url.port || (scheme === 'clickhouses' ? '8443' : '8123');
  const http = `${scheme === 'clickhouses' ? 'https' : 'http'}://${url.hostname}:${port}`;
  return {
    engine: 'clickhouse', kind: 'http', url: http,
    username: decodeURIComponent(url.username) || 'default',
    password: decodeURIComponent(url.password),
    database, display,
  };
}

function parsePostgresServer(text: string): TargetUrl {
  const url = parseServerUrl(text);
  const display = displayOf(url);
  const database = databaseOf(url, display);
  return { engine: 'postgres', kind: 'server', connectionString: text, database, display };
}

function displayOf(url: URL): string {
  const copy = new URL(url.href);
  if (copy.password) copy.password = '***';
  return copy.href;
}

function redactInline(text: string): string {
  return text.replace(/(\/\/[^:/@]*):[^@]*@/, '$1:***@');
}

/**
 * Whether a run's recorded target (a display URL) is `target`: servers by their display, embedded
 * ones by their directory (a run records the path as it was given, relative or not).
 */
export function isSameTarget(recorded: string, target: TargetUrl): boolean {
  if (recorded === target.display) return true;
  if (target.kind !== 'embedded' && target.kind !== 'pglite') return false;
  try {
    const other = parseTargetUrl(recorded);
    return other.engine === target.engine && other.kind === target.kind && other.dir === target.dir;
  } catch {
    return false;
  }
}
