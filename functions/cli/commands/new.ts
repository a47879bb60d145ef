// new <name> [--backfill] [--engine clickhouse|postgres]: writes the next numbered migration's
// files (NNNN_name.up.sql, .down.sql, and .backfill.sql with --backfill), as files.ts names them.
// Reads only file names (a half-written migration in the folder does not stop the next one).
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { UsageError } from '../../engine/errors.js';
import { makeDirectories } from '../../engine/make-dirs.js';
import type { Engine } from '../../engine/drivers/driver.js';
import type { CliContext } from '../context.js';

const NAME = /^[a-z0-9][a-z0-9_]{0,62}$/;
const ENGINES: Engine[] = ['clickhouse', 'postgres'];

export async function newCommand(ctx: CliContext): Promise<number> {
  const name = ctx.args.positionals[0]!;
  if (!NAME.test(name)) throw new UsageError(`invalid migration name "${name}": lowercase letters, digits and _ only (at most 63), e.g. add_user_email`);
  const engine = engineOf(ctx);
  const dir = folderOf(ctx, engine);
  const { next, width } = nextVersion(dir);
  const prefix = `${String(next).padStart(width, '0')}_${name}`;
  const files: [string, string][] = [
    [`${prefix}.up.sql`, upTemplate(engine, prefix)],
    [`${prefix}.down.sql`, downTemplate(prefix)],
    ...(ctx.args.options.backfill === true ? [[`${prefix}.backfill.sql`, backfillTemplate(engine)] as [string, string]] : []),
  ];
  if (!existsSync(dir)) {
    try {
      makeDirectories(dir);
    } catch (error) {
      throw new UsageError(`cannot create migrations folder ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }
  const paths = files.map(([file]) => join(dir, file));
  files.forEach(([, text], i) => writeFileSync(paths[i]!, text, { flag: 'wx' })); // wx: never overwrite
  const shown = paths.map((p) => relative(process.cwd(), p) || p);
  if (ctx.json) ctx.io.out(JSON.stringify({ version: next, name, engine, files: shown }));
  else ctx.io.out(shown.join('\n'));
  return 0;
}

function engineOf(ctx: CliContext): Engine {
  const given = ctx.args.options.engine;
  if (given === undefined) return ctx.target.engine;
  if (!ENGINES.includes(given as Engine)) throw new UsageError(`invalid --engine "${String(given)}": expected ${ENGINES.join(' or ')}`);
  return given as Engine;
}

/** --migrations (or the config target's folder) wins; else migrations/<engine>, after --engine. */
function folderOf(ctx: CliContext, engine: Engine): string {
  const o = ctx.args.options;
  if (o.migrations !== undefined || o.target !== undefined || o.engine === undefined) return ctx.migrationsDir;
  return resolve(process.cwd(), `migrations/${engine}`);
}

/** One past the highest version in the folder, padded like its files (at least 4 digits). */
function nextVersion(dir: string): { next: number; width: number } {
  if (!existsSync(dir)) return { next: 1, width: 4 };
  if (!statSync(dir).isDirectory()) throw new UsageError(`migrations folder ${dir} is not a directory`);
  let max = 0;
  let width = 4;
  for (const entry of readdirSync(dir)) {
    const match = /^(\d+)_[^.]+\.(?:up\.sql|down\.sql|backfill\.sql|verify\.sql|ts)$/.exec(entry);
    if (!match) continue;
    max = Math.max(max, Number(match[1]));
    width = Math.max(width, match[1]!.length);
  }
  return { next: max + 1, width };
}

// Blank files are refused by the migration set (files.ts), so each holds a harmless statement
// to replace: the folder stays valid between `new` and the edit.
function upTemplate(engine: Engine, prefix: string): string {
  const example = engine === 'clickhouse'
    ? "-- e.g. CREATE TABLE IF NOT EXISTS events (ts DateTime64(3, 'UTC'), id UInt64) ENGINE = MergeTree ORDER BY ts;"
    : '-- e.g. CREATE TABLE events (ts timestamptz NOT NULL, id bigint NOT NULL);';
  return `-- ${prefix}: replace the placeholder below with the change.\n${example}\nSELECT 1;\n`;
}

function downTemplate(prefix: string): string {
  return `-- ${prefix}: undo what the up migration did (or delete this file: the migration then cannot be reverted).\nSELECT 1;\n`;
}

function backfillTemplate(engine: Engine): string {
  const to = engine === 'clickhouse' ? 'SELECT max(ts) + toIntervalMillisecond(1) FROM events' : "SELECT max(ts) + interval '1 millisecond' FROM events";
  return [
    '-- window: 1h',
    '-- target: events_new',
    '-- time-column: ts',
    '-- source: events',
    '-- from: SELECT min(ts) FROM events',
    `-- to: ${to}`,
    '-- strategy: delete',
    'INSERT INTO events_new (ts, id)',
    'SELECT ts, id FROM events',
    'WHERE ts >= {window_start} AND ts < {window_end}',
    '',
  ].join('\n');
}
