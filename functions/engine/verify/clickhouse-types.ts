// Whether a value of one ClickHouse type lands intact in a column of another: the question
// behind a materialized view writing into its TO table. ClickHouse converts each column
// the view produces into the target column's type on insert; that conversion may be exact
// (String → LowCardinality(String), Float32 → Float64), lose data silently
// (Float64 → Float32, Int64 → Int32, DateTime64(9) → DateTime) or fail (String → Float64).
import { splitTopLevel } from './normalize.js';

export type Conversion = 'exact' | 'lossy' | 'incompatible';

interface ParsedType {
  name: string;
  args: string[];
}

function parse(type: string): ParsedType {
  const t = type.trim();
  const open = t.indexOf('(');
  if (open === -1 || !t.endsWith(')')) return { name: t, args: [] };
  return { name: t.slice(0, open), args: splitTopLevel(t.slice(open + 1, -1)) };
}

/** Removes LowCardinality and Nullable wrappers: storage details, not the value's type. */
export function baseType(type: string): string {
  let t = parse(type);
  while ((t.name === 'LowCardinality' || t.name === 'Nullable') && t.args.length === 1) t = parse(t.args[0]);
  return t.args.length ? `${t.name}(${t.args.join(', ')})` : t.name;
}

/** True when two types differ only in LowCardinality wrappers (a storage encoding, like a codec). */
export function sameModuloLowCardinality(a: string, b: string): boolean {
  return withoutLowCardinality(a) === withoutLowCardinality(b);
}

/** The type with every LowCardinality wrapper removed, at any depth (`Map(LowCardinality(String), String)` → `Map(String, String)`). */
export function withoutLowCardinality(type: string): string {
  const t = parse(type);
  if (t.name === 'LowCardinality' && t.args.length === 1) return withoutLowCardinality(t.args[0]!);
  if (t.args.length === 0) return t.name;
  // Arguments may be literals (`DateTime64(9, 'UTC')`) or named tuple elements: only types are rewritten.
  return `${t.name}(${t.args.map((arg) => (/^[A-Za-z]\w*(\(.*\))?$/s.test(arg) ? withoutLowCardinality(arg) : arg)).join(', ')})`;
}

const INTEGER = /^(U?)Int(8|16|32|64|128|256)$/;

function integerInfo(name: string): { signed: boolean; bits: number } | null {
  if (name === 'Bool') return { signed: false, bits: 1 };
  const m = INTEGER.exec(name);
  return m ? { signed: m[1] !== 'U', bits: Number(m[2]) } : null;
}

function integerConversion(from: { signed: boolean; bits: number }, to: { signed: boolean; bits: number }): Conversion {
  if (from.signed && !to.signed) return 'lossy';
  if (!from.signed && to.signed) return to.bits > from.bits ? 'exact' : 'lossy';
  return to.bits >= from.bits ? 'exact' : 'lossy';
}

function dateTimePrecision(t: ParsedType): number | null {
  if (t.name === 'Date' || t.name === 'Date32') return -1;
  if (t.name === 'DateTime') return 0;
  if (t.name === 'DateTime64') return Number(t.args[0] ?? 3);
  return null;
}

export function conversion(fromType: string, toType: string): Conversion {
  const fromBase = baseType(fromType);
  const toBase = baseType(toType);
  if (fromBase === toBase) return 'exact';
  const from = parse(fromBase);
  const to = parse(toBase);

  const fi = integerInfo(from.name);
  const ti = integerInfo(to.name);
  // ClickHouse comparisons and logical functions return UInt8 0/1: writing one into a Bool
  // column is the idiom (`x = 'y' AS flag`), not a loss.
  if (from.name === 'UInt8' && to.name === 'Bool') return 'exact';
  if (fi && ti) return to.name === 'Bool' ? 'lossy' : integerConversion(fi, ti);
  if (fi && (to.name === 'Float64' || to.name === 'Float32')) return fi.bits <= (to.name === 'Float64' ? 32 : 16) ? 'exact' : 'lossy';
  if (from.name === 'Float32' && to.name === 'Float64') return 'exact';
  if ((from.name === 'Float64' || from.name === 'Float32') && (to.name.startsWith('Float') || ti || to.name.startsWith('Decimal'))) return 'lossy';
  if (from.name.startsWith('Decimal') || to.name.startsWith('Decimal')) return decimalConversion(from, to);

  const fd = dateTimePrecision(from);
  const td = dateTimePrecision(to);
  // Time zones change how a value prints, not the instant it holds.
  if (fd !== null && td !== null) return td >= fd && !(fd >= 0 && td === -1) ? 'exact' : 'lossy';

  if (to.name === 'String' && ['FixedString', 'UUID', 'Enum8', 'Enum16', 'IPv4', 'IPv6'].includes(from.name)) return 'exact';
  if (from.name === 'String' && (to.name === 'FixedString' || to.name.startsWith('Enum'))) return 'lossy';

  if (from.name === to.name && from.args.length === to.args.length && ['Array', 'Map', 'Tuple'].includes(from.name)) {
    return worst(from.args.map((arg, i) => conversion(arg, to.args[i]!)));
  }
  return 'incompatible';
}

function decimalConversion(from: ParsedType, to: ParsedType): Conversion {
  const scale = (t: ParsedType) => Number(t.args.at(-1) ?? 0);
  const digits = (t: ParsedType) => (t.name === 'Decimal' ? Number(t.args[0] ?? 10) : { Decimal32: 9, Decimal64: 18, Decimal128: 38, Decimal256: 76 }[t.name] ?? 0) - scale(t);
  if (from.name.startsWith('Decimal') && to.name.startsWith('Decimal')) return scale(to) >= scale(from) && digits(to) >= digits(from) ? 'exact' : 'lossy';
  if (integerInfo(from.name) || from.name.startsWith('Float') || to.name.startsWith('Float') || integerInfo(to.name)) return 'lossy';
  return 'incompatible';
}

function worst(conversions: Conversion[]): Conversion {
  if (conversions.includes('incompatible')) return 'incompatible';
  return conversions.includes('lossy') ? 'lossy' : 'exact';
}
