// `{name}` placeholders → each driver's bound-parameter form. Only untyped placeholders whose
// name is a key of `params` are rewritten; nothing inside strings, quoted identifiers or
// comments is touched, because the lexer never reads a placeholder there.
import { tokenize, type Dialect } from './lexer.js';

export function rewritePlaceholders(sql: string, dialect: Dialect, params: object, replace: (name: string) => string): string {
  let out = '';
  let from = 0;
  for (const t of tokenize(sql, dialect)) {
    if (t.kind !== 'placeholder' || t.type !== undefined || !Object.hasOwn(params, t.value)) continue;
    out += sql.slice(from, t.start) + replace(t.value);
    from = t.end;
  }
  return out + sql.slice(from);
}

