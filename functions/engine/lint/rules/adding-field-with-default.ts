// PostgreSQL 11+ adds a column with a constant or non-volatile DEFAULT without touching rows;
// a volatile DEFAULT (random(), gen_random_uuid(), clock_timestamp(), nextval()…) or a stored
// generated column rewrites the whole table under ACCESS EXCLUSIVE.
import type { Token } from '../../sql/lexer.js';
import { addedColumn } from '../ddl.js';
import { findWords, isWord } from '../tokens.js';
import type { Hit, Rule } from '../types.js';
import { alterActions } from './helpers.js';

// Functions that are not volatile, common in defaults. Any other call is treated as volatile:
// a default that calls a user function cannot be proven safe from the text.
const NON_VOLATILE = new Set([
  'NOW', 'CURRENT_TIMESTAMP', 'CURRENT_DATE', 'CURRENT_TIME', 'LOCALTIMESTAMP', 'LOCALTIME', 'TRANSACTION_TIMESTAMP', 'STATEMENT_TIMESTAMP',
  'LOWER', 'UPPER', 'COALESCE', 'NULLIF', 'GREATEST', 'LEAST', 'LENGTH', 'CONCAT', 'ARRAY', 'JSONB_BUILD_OBJECT', 'JSON_BUILD_OBJECT',
  'JSONB_BUILD_ARRAY', 'JSON_BUILD_ARRAY', 'TO_JSONB', 'MAKE_INTERVAL', 'DATE_TRUNC', 'ABS', 'ROUND', 'TRIM', 'TIMEZONE', 'EXTRACT',
  'CAST', 'CURRENT_USER', 'SESSION_USER',
]);

function volatileCall(expr: Token[]): string | undefined {
  for (let i = 0; i < expr.length - 1; i++) {
    if (expr[i].kind === 'word' && expr[i + 1].text === '(' && expr[i - 1]?.text !== ':' && !NON_VOLATILE.has(expr[i].value)) return expr[i].text;
  }
  return undefined;
}

export const rule: Rule = {
  name: 'adding-field-with-default',
  severity: 'warning',
  engines: ['postgres'],
  summary: 'ADD COLUMN with a volatile DEFAULT or a STORED generated column rewrites the table under ACCESS EXCLUSIVE',
  check(m) {
    const hits: Hit[] = [];
    for (const { statement, table, action } of alterActions(m)) {
      const column = addedColumn(action);
      if (!column) continue;
      const at = findWords(column.rest, ['DEFAULT']);
      const fn = at === -1 ? undefined : volatileCall(defaultExpression(column.rest, at + 1));
      const generated = findWords(column.rest, ['GENERATED']) !== -1 && findWords(column.rest, ['STORED']) !== -1;
      if (!fn && !generated) continue;
      hits.push({
        statement,
        message: generated
          ? `stored generated column ${column.name} rewrites ${table} under an ACCESS EXCLUSIVE lock`
          : `DEFAULT ${fn}(…) is volatile: adding ${column.name} rewrites ${table} under an ACCESS EXCLUSIVE lock`,
        fix: `add ${column.name} without the default (or with a constant one), SET DEFAULT for new rows, and backfill existing rows in batches`,
      });
    }
    return hits;
  },
};

function defaultExpression(rest: Token[], from: number): Token[] {
  let end = from;
  let depth = 0;
  for (; end < rest.length; end++) {
    if (rest[end].text === '(') depth++;
    else if (rest[end].text === ')') depth--;
    else if (depth === 0 && isWord(rest[end], 'NOT', 'NULL', 'CONSTRAINT', 'CHECK', 'REFERENCES', 'UNIQUE', 'PRIMARY', 'COLLATE')) break;
  }
  return rest.slice(from, end);
}
