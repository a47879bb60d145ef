// Can a scratch namespace on the live server hold the migrations without touching live
// objects? The migrations run there with the scratch as the current database (ClickHouse) or
// the only schema on the search_path (PostgreSQL), so unqualified names stay inside it. What
// could reach outside is found here, before anything runs:
//   ClickHouse  a name qualified by an existing database, ON CLUSTER (runs on every node),
//               a Replicated engine (joins the live table's replication path): refused.
//   PostgreSQL  a name qualified by an existing schema, schemas, extensions or search_path:
//               isolated by a scratch database instead of a schema. `CREATE EXTENSION IF NOT
//               EXISTS x` of an extension the database already has (TimescaleDB migrations
//               start with one) does nothing anywhere, so it needs no database of its own.
import { readFileSync } from 'node:fs';
import type { Driver } from '../drivers/driver.js';
import type { Migration, MigrationSet } from '../migrations/set.js';

/** The text that will run: SQL up, or the TypeScript module's source (read, not executed). */
function upText(m: Migration): string {
  if (m.form === 'sql') return m.upSql ?? '';
  return m.files.ts ? readFileSync(m.files.ts, 'utf8') : '';
}

function qualifiedBy(names: string[], text: string): string | undefined {
  return names.find((name) => {
    const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return new RegExp(`(?<![\\w.])(?:\`${escaped}\`|"${escaped}"|${escaped})\\s*\\.\\s*[\`"A-Za-z_]`, 'i').test(text);
  });
}

export type Isolation = { ok: true; kind: 'database' | 'schema' } | { ok: false; reason: string };

export async function scratchIsolation(driver: Driver, set: MigrationSet, versions: number[]): Promise<Isolation> {
  const wanted = set.migrations.filter((m) => versions.includes(m.version));
  if (driver.engine === 'clickhouse') {
    const databases = (await driver.query<{ name: string }>(
      "SELECT name FROM system.databases WHERE name NOT IN ('system', 'INFORMATION_SCHEMA', 'information_schema') AND NOT startsWith(name, 'hourglass_verify_')",
    )).map((r) => r.name);
    for (const m of wanted) {
      const text = upText(m);
      const where = `migration ${m.version} (${m.name})`;
      const db = qualifiedBy(databases, text);
      if (db) return { ok: false, reason: `${where} names database ${db}: a scratch database cannot isolate it` };
      if (/\bON\s+CLUSTER\b/i.test(text)) return { ok: false, reason: `${where} runs ON CLUSTER: a scratch database on one server cannot hold it` };
      if (/\bReplicated\w*MergeTree\b/.test(text)) return { ok: false, reason: `${where} uses a Replicated engine: its scratch copy would join the live table's replication path` };
    }
    return { ok: true, kind: 'database' };
  }
  const schemas = (await driver.query<{ name: string }>(
    "SELECT nspname AS name FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg\\_%' AND nspname NOT LIKE 'hourglass\\_verify\\_%'",
  )).map((r) => r.name);
  const installed = (await driver.query<{ name: string }>('SELECT extname AS name FROM pg_extension')).map((r) => r.name);
  for (const m of wanted) {
    const text = withoutInstalledExtensions(upText(m), installed);
    if (qualifiedBy(schemas, text) || /\b(?:CREATE|ALTER|DROP)\s+(?:SCHEMA|EXTENSION)\b|\bsearch_path\b/i.test(text)) return { ok: true, kind: 'database' };
  }
  return { ok: true, kind: 'schema' };
}

/** Removes `CREATE EXTENSION IF NOT EXISTS x …;` statements of extensions already installed: no-ops in any scratch. */
function withoutInstalledExtensions(text: string, installed: string[]): string {
  return text.replace(/\bCREATE\s+EXTENSION\s+IF\s+NOT\s+EXISTS\s+"?([A-Za-z_][\w-]*)"?([^;]*)(;|$)/gi, (statement, name: string, rest: string) =>
    installed.includes(name.toLowerCase()) && !/\bSCHEMA\b/i.test(rest) ? '' : statement);
}
