// Identifier quoting for generated repair SQL. Names come from the catalogs of the
// scratch or live database (not from users), but may still need quotes: mixed case,
// reserved words, odd characters. Plain names stay bare so the SQL reads like a person
// wrote it.
import type { Engine } from '../drivers/driver.js';

// PostgreSQL's reserved key words (those that cannot be a column or table name unquoted).
const PG_RESERVED = new Set(`all analyse analyze and any array as asc asymmetric authorization binary both case cast check
collate collation column concurrently constraint create cross current_catalog current_date current_role current_schema
current_time current_timestamp current_user default deferrable desc distinct do else end except false fetch for foreign
freeze from full grant group having ilike in initially inner intersect into is isnull join lateral leading left like limit
localtime localtimestamp natural not notnull null offset on only or order outer overlaps placing primary references
returning right select session_user similar some symmetric system_user table tablesample then to trailing true union
unique user using variadic verbose when where window with`.split(/\s+/));

const CH_KEYWORDS = new Set(['from', 'select', 'where', 'order', 'group', 'by', 'index', 'table', 'as', 'to', 'key', 'primary', 'partition', 'ttl', 'settings', 'default', 'with', 'limit', 'join', 'on', 'in', 'and', 'or', 'not']);

export function quotePg(name: string): string {
  if (/^[a-z_][a-z0-9_$]*$/.test(name) && !PG_RESERVED.has(name)) return name;
  return `"${name.replace(/"/g, '""')}"`;
}

export function quoteCh(name: string): string {
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !CH_KEYWORDS.has(name.toLowerCase())) return name;
  return `\`${name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;
}

/** A possibly schema-qualified name (`schema.table` when outside the current schema). */
export function quoteName(engine: Engine, name: string): string {
  const quote = engine === 'postgres' ? quotePg : quoteCh;
  const dot = name.indexOf('.');
  if (engine === 'postgres' && dot > 0) return `${quote(name.slice(0, dot))}.${quote(name.slice(dot + 1))}`;
  return quote(name);
}
