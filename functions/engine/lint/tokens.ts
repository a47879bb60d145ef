// Small readers over code tokens: keyword sequences, parentheses, top-level splitting, names.
import type { Token } from '../sql/lexer.js';

export function isWord(t: Token | undefined, ...values: string[]): boolean {
  return t?.kind === 'word' && (values.length === 0 || values.includes(t.value));
}

/** True when the words start at index `i` (case-insensitive; each entry may list alternatives with |). */
export function wordsAt(code: Token[], i: number, words: string[]): boolean {
  return words.every((w, k) => isWord(code[i + k], ...w.split('|')));
}

/** Index of the first position at or after `from` where the words follow, at any depth; -1 if none. */
export function findWords(code: Token[], words: string[], from = 0, to = code.length): number {
  for (let i = from; i < to; i++) if (wordsAt(code, i, words)) return i;
  return -1;
}

/** Index of the first top-level (depth 0) position where the words follow; -1 if none. */
export function findTopWords(code: Token[], words: string[], from = 0, to = code.length): number {
  let depth = 0;
  for (let i = from; i < to; i++) {
    const t = code[i].text;
    if (t === '(' || t === '[') depth++;
    else if (t === ')' || t === ']') depth--;
    else if (depth === 0 && wordsAt(code, i, words)) return i;
  }
  return -1;
}

/** Index of the `)` matching the `(` at `open`, or the last index when unbalanced. */
export function closing(code: Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < code.length; i++) {
    if (code[i].text === '(' || code[i].text === '[') depth++;
    else if (code[i].text === ')' || code[i].text === ']') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return code.length - 1;
}

/** Splits code[from, to) at top-level commas. */
export function splitTop(code: Token[], from = 0, to = code.length): Token[][] {
  const parts: Token[][] = [];
  let current: Token[] = [];
  let depth = 0;
  for (let i = from; i < to; i++) {
    const t = code[i];
    if (t.text === '(' || t.text === '[') depth++;
    else if (t.text === ')' || t.text === ']') depth--;
    if (depth === 0 && t.text === ',') {
      parts.push(current);
      current = [];
    } else {
      current.push(t);
    }
  }
  if (current.length > 0) parts.push(current);
  return parts;
}

/** An identifier's name: a quoted one unquoted, a bare one as written. */
export function identifier(t: Token | undefined): string | undefined {
  if (!t) return undefined;
  if (t.kind === 'quoted') return t.value;
  if (t.kind === 'word') return t.text;
  return undefined;
}

/** Reads `a`, `db.a` or `"s"."a"` at `i`: the last part, and the index after the name. */
export function qualifiedName(code: Token[], i: number): { name: string; next: number } | undefined {
  let name = identifier(code[i]);
  if (name === undefined) return undefined;
  let next = i + 1;
  while (code[next]?.text === '.' && identifier(code[next + 1]) !== undefined) {
    name = identifier(code[next + 1])!;
    next += 2;
  }
  return { name, next };
}

/** Tokens as compact text: words spaced, punctuation tight (`Nullable(String)`, `numeric(12,6)`). */
export function compact(tokens: Token[]): string {
  let out = '';
  for (const t of tokens) {
    const prev = out[out.length - 1];
    const tight = prev === undefined || prev === '(' || prev === ',' || prev === '.' || /^[(),.\]]/.test(t.text) || prev === '[';
    out += (tight ? '' : ' ') + t.text;
  }
  return out;
}
