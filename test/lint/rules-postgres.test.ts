// Every PostgreSQL rule fires on its positive case and stays silent on the safe rewrite.
import { describe, expect, it } from 'vitest';
import { RULES } from '../../functions/engine/lint/index.js';
import { ruleFindings, type RuleCase } from './support.js';
import { TIMESCALE_CASES } from './timescale-cases.js';

const TABLE = { '0001_t.up.sql': 'CREATE TABLE t (id bigint PRIMARY KEY, name text, n int);\nCREATE TABLE u (id bigint PRIMARY KEY);\n' };
const up = (sql: string) => ({ '0002_change.up.sql': sql });

const CASES: RuleCase[] = [
  { rule: 'require-concurrent-index-creation', before: TABLE, positive: up('CREATE INDEX t_name_idx ON t (name);'),
    safe: up('-- hourglass:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS t_name_idx ON t (name);') },
  { rule: 'require-concurrent-index-creation', before: TABLE, positive: up('CREATE UNIQUE INDEX IF NOT EXISTS t_n ON ONLY public.t (n);'),
    safe: up('CREATE TABLE v (id int);\nCREATE INDEX v_id ON v (id);') },
  { rule: 'ban-concurrent-index-creation-in-transaction', before: TABLE, positive: up('CREATE INDEX CONCURRENTLY t_name_idx ON t (name);'),
    safe: up('-- hourglass:no-transaction\nCREATE INDEX CONCURRENTLY t_name_idx ON t (name);') },
  { rule: 'adding-not-nullable-field', before: TABLE, positive: up('ALTER TABLE t ALTER COLUMN name SET NOT NULL;'),
    safe: up('ALTER TABLE t ADD CONSTRAINT name_nn CHECK (name IS NOT NULL) NOT VALID;') },
  { rule: 'adding-not-nullable-field', before: TABLE, positive: up('ALTER TABLE t ADD COLUMN flag boolean NOT NULL;'),
    safe: up('ALTER TABLE t ADD COLUMN flag boolean NOT NULL DEFAULT false;') },
  { rule: 'adding-field-with-default', before: TABLE, positive: up('ALTER TABLE t ADD COLUMN token uuid DEFAULT gen_random_uuid();'),
    safe: up("ALTER TABLE t ADD COLUMN created timestamptz DEFAULT now(), ADD COLUMN kind text DEFAULT 'x'::text;") },
  { rule: 'adding-field-with-default', before: TABLE, positive: up('ALTER TABLE t ADD COLUMN n2 int GENERATED ALWAYS AS (n * 2) STORED;'),
    safe: up('ALTER TABLE t ADD COLUMN n2 int;') },
  { rule: 'changing-column-type', before: TABLE, positive: up('ALTER TABLE t ALTER COLUMN n TYPE bigint;'),
    safe: up('ALTER TABLE t ADD COLUMN n_big bigint;') },
  { rule: 'changing-column-type', before: TABLE, positive: up('ALTER TABLE t ALTER n SET DATA TYPE bigint USING n::bigint;'),
    safe: up('ALTER TABLE t ALTER COLUMN n SET DEFAULT 0;') },
  { rule: 'constraint-missing-not-valid', before: TABLE, positive: up('ALTER TABLE t ADD CONSTRAINT n_pos CHECK (n > 0);'),
    safe: up('ALTER TABLE t ADD CONSTRAINT n_pos CHECK (n > 0) NOT VALID;') },
  { rule: 'constraint-missing-not-valid', before: TABLE, positive: up('ALTER TABLE t ADD CONSTRAINT n_pos CHECK (n > 0) NOT VALID;\nALTER TABLE t VALIDATE CONSTRAINT n_pos;'),
    safe: up('ALTER TABLE t VALIDATE CONSTRAINT n_pos;') },
  { rule: 'adding-foreign-key-constraint', before: TABLE, positive: up('ALTER TABLE t ADD CONSTRAINT t_u FOREIGN KEY (n) REFERENCES u (id);'),
    safe: up('ALTER TABLE t ADD CONSTRAINT t_u FOREIGN KEY (n) REFERENCES u (id) NOT VALID;') },
  { rule: 'adding-foreign-key-constraint', before: TABLE, positive: up('ALTER TABLE t ADD COLUMN u_id bigint REFERENCES u (id);'),
    safe: up('CREATE TABLE w (id bigint, u_id bigint REFERENCES u (id));') },
  { rule: 'renaming-column', before: TABLE, positive: up('ALTER TABLE t RENAME COLUMN name TO title;'),
    safe: up('ALTER TABLE t ADD COLUMN title text;') },
  { rule: 'renaming-column', before: TABLE, positive: up('ALTER TABLE t RENAME name TO title;'),
    safe: up('ALTER TABLE t RENAME CONSTRAINT a TO b;') },
  { rule: 'renaming-table', before: TABLE, positive: up('ALTER TABLE t RENAME TO things;'),
    safe: up('CREATE VIEW things AS SELECT * FROM t;') },
  { rule: 'ban-drop-column', before: TABLE, positive: up('ALTER TABLE t DROP COLUMN IF EXISTS name;'),
    safe: up('ALTER TABLE t DROP CONSTRAINT IF EXISTS t_u;') },
  { rule: 'ban-drop-column', before: TABLE, positive: up('ALTER TABLE t DROP COLUMN name;'),
    safe: up('-- hourglass:allow ban-drop-column nothing has read name since release 4.2\nALTER TABLE t DROP COLUMN name;') },
  { rule: 'ban-drop-table', before: TABLE, positive: up('DROP TABLE IF EXISTS u;'),
    safe: up('DROP VIEW IF EXISTS u_view;') },
  { rule: 'require-timeout-settings', before: TABLE, positive: up('ALTER TABLE t ADD COLUMN c boolean;'),
    safe: up("SET lock_timeout = '5s';\nALTER TABLE t ADD COLUMN c boolean;") },
  { rule: 'require-timeout-settings', before: TABLE, positive: up('DROP INDEX t_name_idx;'),
    safe: up('CREATE TABLE x (id int);\nALTER TABLE x ADD COLUMN c int;') },
  { rule: 'prefer-timestamptz', positive: up('CREATE TABLE e (id int, at timestamp NOT NULL, at2 timestamp(3) without time zone);'),
    safe: up('CREATE TABLE e (id int, at timestamptz NOT NULL, at2 timestamp with time zone);') },
  { rule: 'prefer-timestamptz', before: TABLE, positive: up('ALTER TABLE t ADD COLUMN seen timestamp;'),
    safe: up('ALTER TABLE t ADD COLUMN seen timestamptz;') },
];

describe('postgres rules', () => {
  it('every PostgreSQL rule has a case', () => {
    const covered = new Set([...CASES, ...TIMESCALE_CASES].map((c) => c.rule)); // TimescaleDB rules: timescale-rules.test.ts
    expect(RULES.filter((r) => r.engines.includes('postgres')).map((r) => r.name).filter((n) => !covered.has(n))).toEqual([]);
  });

  it.each(CASES.map((c, i) => [`${c.rule} #${i}`, c] as const))('%s fires on the positive case, silent on the safe one', async (_n, c) => {
    const fired = await ruleFindings('postgres', c, 'positive');
    expect(fired.length, JSON.stringify(c.positive)).toBeGreaterThan(0);
    for (const f of fired) {
      expect(f.fix.length).toBeGreaterThan(0);
      expect(f.file).toBe('0002_change.up.sql');
    }
    expect(await ruleFindings('postgres', c, 'safe')).toEqual([]);
  });
});
