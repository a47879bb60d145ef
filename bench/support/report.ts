// What every benchmark prints and hands to bench/all.ts: the machine, the date, each
// measurement with all its repetitions and their median, the targets with met/missed, and
// notes (the profile, and why a target was missed). No wall-clock thresholds decide
// anything here: a bench always exits 0 once it has measured; the targets are reported.
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';

export interface Machine {
  cpus: number;
  cpuModel: string;
  node: string;
  platform: string;
  memGiB: number;
  /** 1, 5 and 15 minute load averages when the bench started (the machine may be shared). */
  loadStart: number[];
  loadEnd?: number[];
}

export interface Measurement {
  label: string;
  unit: string;
  /** One value per repetition. */
  values: number[];
  median: number;
}

export interface Target {
  name: string;
  /** The measured figure compared with the limit (a median where repeated). */
  value: number;
  limit: number;
  /** `<=` or `<`: lower is better for every target here. */
  op: '<=' | '<';
  unit: string;
  met: boolean;
  /** For a missed target: why (from the profile). */
  why?: string;
  /** For a missed target: what would fix it (or why nothing of ours can). */
  fix?: string;
}

export interface BenchReport {
  name: string;
  title: string;
  date: string;
  machine: Machine;
  settings: Record<string, string | number | boolean>;
  measurements: Measurement[];
  targets: Target[];
  /** Free lines: the profile, caveats, what was compared with what. */
  notes: string[];
}

export function machine(): Machine {
  return {
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    memGiB: Math.round(totalmem() / 2 ** 30),
    loadStart: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function measurement(label: string, unit: string, values: number[]): Measurement {
  return { label, unit, values, median: median(values) };
}

/** Per-repetition ratios a[i] / b[i] (measured in the same repetition, side by side). */
export function ratios(a: readonly number[], b: readonly number[]): number[] {
  return a.map((x, i) => x / b[i]!);
}

export function target(name: string, value: number, op: '<=' | '<', limit: number, unit: string, why?: () => string, fix?: string): Target {
  const met = op === '<=' ? value <= limit : value < limit;
  return { name, value, op, limit, unit, met, ...(met || !why ? {} : { why: why() }), ...(met || !fix ? {} : { fix }) };
}

export function newReport(name: string, title: string, settings: BenchReport['settings']): BenchReport {
  return { name, title, date: new Date().toISOString(), machine: machine(), settings, measurements: [], targets: [], notes: [] };
}

export function fmt(value: number, unit: string): string {
  if (!Number.isFinite(value)) return String(value);
  if (unit === 'ms') return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${value.toFixed(value < 10 ? 2 : 0)} ms`;
  if (unit === 's') return `${value.toFixed(2)} s`;
  if (unit === 'x') return `${value.toFixed(3)}×`;
  if (unit === 'USD') return `$${value.toFixed(value < 1 ? 4 : 2)}`;
  if (unit === 'bytes') return value >= 1024 ? `${(value / 1024).toFixed(1)} KiB` : `${value} B`;
  return `${Number.isInteger(value) ? value : value.toFixed(3)} ${unit}`;
}

export function machineLine(m: Machine): string {
  const load = m.loadEnd ? `${m.loadStart.join(' ')} → ${m.loadEnd.join(' ')}` : m.loadStart.join(' ');
  return `${m.cpus} × ${m.cpuModel}, ${m.memGiB} GiB, node ${m.node} ${m.platform}, load average ${load}`;
}

/** Prints the report for a human and, when BENCH_JSON_OUT names a file, writes it as JSON for bench/all.ts. */
export function finish(report: BenchReport): void {
  report.machine.loadEnd = loadavg().map((l) => Math.round(l * 100) / 100);
  const say = (line = '') => process.stdout.write(`${line}\n`);
  say();
  say(`== ${report.title} ==`);
  say(`${report.date} · ${machineLine(report.machine)}`);
  say(`settings: ${Object.entries(report.settings).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  for (const m of report.measurements) {
    say(`  ${m.label.padEnd(58)} median ${fmt(m.median, m.unit).padStart(12)}   (${m.values.map((v) => fmt(v, m.unit)).join(', ')})`);
  }
  for (const t of report.targets) {
    say(`  target ${t.name}: ${fmt(t.value, t.unit)} ${t.op} ${fmt(t.limit, t.unit)} → ${t.met ? 'MET' : 'MISSED'}`);
    if (t.why) say(`    why: ${t.why}`);
    if (t.fix) say(`    fix: ${t.fix}`);
  }
  for (const note of report.notes) say(`  · ${note}`);
  const out = process.env.BENCH_JSON_OUT;
  if (out) writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
}

/** Environment knobs: small defaults for development are set by the caller (bench/all.ts passes the full sizes). */
export function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw.replace(/_/g, ''));
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got ${JSON.stringify(raw)}`);
  return value;
}

/** Times one async call in milliseconds. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await fn();
  return { ms: performance.now() - started, value };
}

/** Repetition order rotates (a b c, b c a, c a b, …) so a machine that slows down over time does not bias one side. */
export function rotated<T>(items: readonly T[], rep: number): T[] {
  const k = rep % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}
