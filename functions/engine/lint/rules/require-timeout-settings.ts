// A DDL statement waiting for an ACCESS EXCLUSIVE lock queues every later query on the table
// behind it; lock_timeout makes it give up instead. Reported once per migration, at the first
// such statement that comes before any `SET [LOCAL] lock_timeout`.
import type { Token } from '../../sql/lexer.js';
import { droppedTables, parseAlterTable } from '../ddl.js';
import { isWord, wordsAt } from '../tokens.js';
import type { Rule } from '../types.js';
import { createdBefore } from './helpers.js';

function accessExclusive(code: Token[], created: Set<string>): boolean {
  const alter = parseAlterTable(code);
  if (alter) {
    if (created.has(alter.name)) return false;
    // VALIDATE CONSTRAINT, SET STATISTICS and foreign keys take weaker locks.
    return alter.actions.some((a) => !wordsAt(a, 0, ['VALIDATE']) && !(wordsAt(a, 0, ['ADD']) && a.some((t) => isWord(t, 'FOREIGN', 'REFERENCES'))) && !a.some((t) => isWord(t, 'STATISTICS')));
  }
  if (droppedTables(code).some((t) => !created.has(t))) return true;
  if (wordsAt(code, 0, ['DROP', 'INDEX']) || wordsAt(code, 0, ['REINDEX']) || wordsAt(code, 0, ['REFRESH', 'MATERIALIZED'])) return !code.some((t) => isWord(t, 'CONCURRENTLY'));
  if (wordsAt(code, 0, ['VACUUM', 'FULL'])) return true;
  return isWord(code[0], 'TRUNCATE', 'CLUSTER', 'LOCK');
}

export const rule: Rule = {
  name: 'require-timeout-settings',
  severity: 'warning',
  engines: ['postgres'],
  summary: 'a DDL statement that takes ACCESS EXCLUSIVE with no `SET lock_timeout` before it',
  check(m) {
    for (const s of m.statements) {
      if (wordsAt(s.code, 0, ['SET', 'LOCK_TIMEOUT']) || wordsAt(s.code, 0, ['SET', 'LOCAL|SESSION', 'LOCK_TIMEOUT'])) return [];
      if (accessExclusive(s.code, createdBefore(m, s))) {
        return [{
          statement: s,
          message: 'takes an ACCESS EXCLUSIVE lock with no lock_timeout: while it waits, every query on the table waits behind it',
          fix: "start the migration with SET lock_timeout = '5s'; (SET LOCAL inside its transaction) and retry on timeout",
        }];
      }
    }
    return [];
  },
};
