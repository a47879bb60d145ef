// ClickHouse refuses a Nullable column in the sorting key unless the table sets
// allow_nullable_key; the refusal comes mid-migration, after earlier statements have run.
import type { Token } from '../../sql/lexer.js';
import { parseAlterTable, parseCreateTable, referencedColumns, keyExpressions } from '../ddl.js';
import { findTopWords, wordsAt } from '../tokens.js';
import type { Hit, LintStatement, Rule } from '../types.js';

function nullableKeys(keys: Token[][], types: Map<string, string> | null | undefined): string[] {
  const names = keys.flatMap(referencedColumns);
  return [...new Set(names.filter((n) => /^Nullable\(/i.test(types?.get(n) ?? '')))];
}

function allowsNullableKey(tail: Token[]): boolean {
  const at = findTopWords(tail, ['ALLOW_NULLABLE_KEY']);
  return at !== -1 && ['1', 'TRUE', 'true'].includes(tail[at + 2]?.text ?? '');
}

export const rule: Rule = {
  name: 'nullable-in-sorting-key',
  severity: 'error',
  engines: ['clickhouse'],
  summary: 'a Nullable column in ORDER BY / PRIMARY KEY (refused unless allow_nullable_key, and slow with it)',
  check(m, ctx) {
    const hits: Hit[] = [];
    const report = (s: LintStatement, table: string, columns: string[]) => hits.push({
      statement: s,
      message: `sorting key of ${table} uses Nullable column${columns.length > 1 ? 's' : ''} ${columns.join(', ')}: ClickHouse refuses it unless allow_nullable_key = 1`,
      fix: `declare ${columns.join(', ')} without Nullable (use a default such as '' or 0), or key on ifNull(${columns[0]}, …)`,
    });
    for (const s of m.statements) {
      const create = parseCreateTable(s.code);
      if (create?.columns && !allowsNullableKey(create.tail)) {
        const types = new Map(create.columns.map((c) => [c.name, c.type]));
        const bad = nullableKeys([...create.orderBy, ...keyExpressions(create.tail, ['PRIMARY', 'KEY'])], types);
        if (bad.length) report(s, create.name, bad);
      }
      const alter = parseAlterTable(s.code);
      for (const action of alter?.actions ?? []) {
        if (!wordsAt(action, 0, ['MODIFY', 'ORDER', 'BY'])) continue;
        const bad = nullableKeys(keyExpressions(action, ['ORDER', 'BY']), ctx.schemaBefore(s).get(alter!.name)?.columns);
        if (bad.length) report(s, alter!.name, bad);
      }
    }
    return hits;
  },
};
