// Splits ClickHouse's `engine_full` text (`ReplacingMergeTree(ts) PARTITION BY toDate(ts)
// ORDER BY (a, ts) TTL … SETTINGS …`) into the engine with its parameters and each clause.
// system.tables has columns for the keys but none for TTL, and none for the engine's
// parameters, so those come from here.

export interface EngineClauses {
  /** Engine name and parameters, e.g. `ReplacingMergeTree(ts)` or `MergeTree`. */
  engine: string;
  ttl: string | null;
  settings: string | null;
}

const KEYWORDS = ['PARTITION BY', 'PRIMARY KEY', 'ORDER BY', 'SAMPLE BY', 'TTL', 'SETTINGS', 'COMMENT'] as const;

/** Positions of top-level clause keywords (outside parentheses and quotes), in order. */
function clausePositions(text: string): { keyword: string; at: number }[] {
  const found: { keyword: string; at: number }[] = [];
  let depth = 0;
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === "'" || c === '`' || c === '"') quote = c;
    else if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (depth === 0 && c === ' ') {
      const rest = text.slice(i + 1);
      const keyword = KEYWORDS.find((k) => rest.startsWith(`${k} `) || rest === k);
      if (keyword) found.push({ keyword, at: i + 1 });
    }
  }
  return found;
}

export function parseEngineFull(engineFull: string, engineName: string): EngineClauses {
  const text = engineFull.trim();
  if (text === '') return { engine: engineName, ttl: null, settings: null };
  const positions = clausePositions(text);
  const clause = (keyword: string): string | null => {
    const index = positions.findIndex((p) => p.keyword === keyword);
    if (index === -1) return null;
    const start = positions[index].at + keyword.length;
    const end = positions[index + 1]?.at ?? text.length;
    return text.slice(start, end).trim();
  };
  const engine = (positions[0] ? text.slice(0, positions[0].at) : text).trim();
  return { engine: engine || engineName, ttl: clause('TTL'), settings: clause('SETTINGS') };
}
