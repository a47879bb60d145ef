// Which time column to compare between a materialized view's target and its source. The
// target's: a time column the view writes, preferring one in the target's sorting key.
// The source's: the time column the view's SELECT computes it from (`toStartOfMinute(TimeUnix)
// AS ts` → TimeUnix), else one with the same name, else the source's first time column
// in its sorting key, else its first time column.
import { splitTopLevel, unquoteIdentifier } from './normalize.js';
import type { ColumnInfo, TableInfo, ViewInfo } from './types.js';

export interface TimeColumnPair {
  target: string;
  source: string;
}

export function timeColumnPair(view: ViewInfo, target: TableInfo, source: TableInfo, isTime: (c: ColumnInfo) => boolean): TimeColumnPair | null {
  const produced = new Set((view.columns ?? []).map((c) => c.name));
  const candidates = target.columns.filter((c) => produced.has(c.name) && isTime(c));
  const targetColumn = candidates.find((c) => c.inKey) ?? candidates[0];
  if (!targetColumn) return null;
  const sourceTimes = source.columns.filter(isTime);
  if (sourceTimes.length === 0) return null;
  const expression = selectExpression(view.query, targetColumn.name);
  const fromExpression = expression ? sourceTimes.find((c) => new RegExp(`(^|[^\\w])${escape(c.name)}([^\\w]|$)`).test(expression)) : undefined;
  const sourceColumn = fromExpression
    ?? sourceTimes.find((c) => c.name === targetColumn.name)
    ?? sourceTimes.find((c) => c.inKey)
    ?? sourceTimes[0]!;
  return { target: targetColumn.name, source: sourceColumn.name };
}

/** The expression of the SELECT list item that produces `column`, or null. */
export function selectExpression(query: string, column: string): string | null {
  const select = /^\s*SELECT\s+(?:DISTINCT\s+)?/i.exec(query);
  if (!select) return null;
  const rest = query.slice(select[0].length);
  const from = topLevelFrom(rest);
  const items = splitTopLevel(from === -1 ? rest : rest.slice(0, from));
  for (const item of items) {
    const alias = /^(.*)\s+AS\s+(`[^`]+`|"[^"]+"|\w+)$/is.exec(item);
    if (alias && unquoteIdentifier(alias[2]!) === column) return alias[1]!;
    if (!alias && unquoteIdentifier(item) === column) return item;
  }
  return null;
}

function topLevelFrom(text: string): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 0 && /^\sFROM\s$/i.test(text.slice(i, i + 6))) return i;
  }
  return -1;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
