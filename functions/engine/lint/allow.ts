// `-- hourglass:allow <rule> <reason>`: a statement that carries it is exempt from that rule.
// The reason is required; an allow without one, or naming no known rule, is itself a finding
// (invalid-allow) and exempts nothing.
import type { Token } from '../sql/lexer.js';

const ALLOW = /hourglass:allow\b[ \t]*([A-Za-z0-9_-]*)[ \t]*(.*)$/;

export interface Allow {
  rule: string;
  reason: string;
  line: number;
}

export function allowsIn(tokens: Token[]): Allow[] {
  const allows: Allow[] = [];
  for (const t of tokens) {
    if (t.kind !== 'comment') continue;
    t.text.split('\n').forEach((text, k) => {
      const match = ALLOW.exec(text.replace(/\*\/\s*$/, '').trimEnd());
      if (match) allows.push({ rule: match[1], reason: match[2].trim(), line: t.line + k });
    });
  }
  return allows;
}
