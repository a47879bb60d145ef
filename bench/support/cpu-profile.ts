// Reads a V8 .cpuprofile (node --cpu-prof) and says where the time went, by package:
// self time of every sample, grouped by the npm package its code came from (our own code
// is "hourglass"; V8's pseudo-frames keep their names).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber?: number; columnNumber?: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** Profiled wall time, ms (the profiler starts just after node boots, ends at exit). */
  totalMs: number;
  /** Self time by group, ms, largest first. */
  groups: [string, number][];
}

const sourceMaps = new Map<string, SourceMap | null>();

/** Where a frame's code came from: the CLI bundle carries packages (pg, commander …), found through dist's source maps. */
function originalUrl(frame: ProfileNode['callFrame']): string {
  const { url, lineNumber, columnNumber } = frame;
  if (!url.startsWith('file:') || !url.includes('/dist/') || lineNumber === undefined || columnNumber === undefined) return url;
  if (!sourceMaps.has(url)) {
    const mapFile = `${fileURLToPath(url)}.map`;
    sourceMaps.set(url, existsSync(mapFile) ? new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8'))) : null);
  }
  const entry = sourceMaps.get(url)?.findEntry(lineNumber, columnNumber) as { originalSource?: string } | undefined;
  return entry?.originalSource ?? url;
}

export function packageOf(frame: ProfileNode['callFrame']): string {
  const { functionName } = frame;
  const url = originalUrl(frame);
  if (!url) return functionName.startsWith('(') ? functionName : '(native / V8)';
  if (url.startsWith('node:')) return 'node (built-in modules)';
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (match) return match[1]!;
  if (/\/(dist|functions|bin|infra)\//.test(url)) return 'hourglass';
  return url.replace(/^file:\/\//, '');
}

/**
 * Time spent inside node's own modules (compiling a required file, sockets, fs) is charged
 * to the nearest caller that belongs to a package, so "node" keeps only what no package
 * asked for (bootstrap, the ESM loader fetching our bundle's chunks).
 */
export function summarizeProfile(file: string): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const owner = (id: number): string => {
    const own = packageOf(byId.get(id)!.callFrame);
    if (own !== 'node (built-in modules)') return own;
    for (let up = parent.get(id); up !== undefined; up = parent.get(up)) {
      const group = packageOf(byId.get(up)!.callFrame);
      if (!group.startsWith('(') && group !== own) return group;
    }
    return 'node (bootstrap, ESM loader)';
  };
  const self = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const group = byId.has(id) ? owner(id) : '(unknown)';
    self.set(group, (self.get(group) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  return { totalMs: (profile.endTime - profile.startTime) / 1000, groups: [...self].sort((a, b) => b[1] - a[1]) };
}

/** The single .cpuprofile node wrote into `dir`. */
export function profileIn(dir: string): string {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile in ${dir}`);
  return join(dir, file);
}

export function profileLines(summary: ProfileSummary, top = 8): string[] {
  return summary.groups.slice(0, top).map(([group, ms]) => `  ${group.padEnd(40)} ${ms.toFixed(0).padStart(6)} ms  (${((100 * ms) / summary.totalMs).toFixed(0)}%)`);
}
