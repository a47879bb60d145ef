// The cloud assembly `cdk synth` builds, WITH the esbuild bundling of every function, for the
// Lambda-like host (--deployed). Synthesis with bundling takes tens of seconds, so the result
// is cached in the temp directory as hourglass-cdk.out-<hash>, keyed by the repository path
// and everything that goes into it: infra/, functions/, migrations/ (and the script compiling its TypeScript), cdk.json and
// package-lock.json (less the CLI and this host, which no function bundles: the
// bundle-imports test checks that against the source maps). Outside the repository on purpose: no node_modules is reachable from the
// bundles there, as in Lambda, so a bundle that imports a module it does not carry fails here
// too. Concurrent callers (parallel test files, two CLIs) wait on a lock directory instead of
// synthesizing twice.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { REPO_ROOT } from './repo-root.js';

const INPUTS = ['infra', 'functions', 'migrations', 'scripts/compile-migrations.mjs', 'cdk.json', 'package-lock.json'];
/** Never part of a Lambda bundle. */
export const NOT_BUNDLED = ['functions/cli', 'functions/local'];
/** Names the repository an assembly was synthesized from, so a newer one can replace it. */
const ROOT_FILE = '.hourglass-root';
/** A lock older than this belongs to a synth that died; it is taken over. */
const STALE_LOCK_MS = 10 * 60_000;

export function assemblyHash(root = REPO_ROOT): string {
  const hash = createHash('sha256').update(root).update('\0');
  const add = (path: string): void => {
    if (NOT_BUNDLED.some((dir) => path === join(root, dir))) return;
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const name of readdirSync(path).sort()) add(join(path, name));
    } else {
      hash.update(path.slice(root.length)).update('\0').update(readFileSync(path));
    }
  };
  for (const input of INPUTS) if (existsSync(join(root, input))) add(join(root, input));
  return hash.digest('hex').slice(0, 16);
}

/** The directory of the bundled cloud assembly for the current sources, synthesized if needed. */
export async function bundledCloudAssembly(opts: { root?: string; cacheDir?: string; log?: (line: string) => void } = {}): Promise<string> {
  const root = opts.root ?? REPO_ROOT;
  const cacheDir = opts.cacheDir ?? tmpdir();
  mkdirSync(cacheDir, { recursive: true });
  const dir = join(cacheDir, `hourglass-cdk.out-${assemblyHash(root)}`);
  const lock = `${dir}.lock`;
  for (;;) {
    if (existsSync(join(dir, 'manifest.json'))) return dir;
    try {
      mkdirSync(lock);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const held = statSync(lock, { throwIfNoEntry: false });
      if (held && Date.now() - held.mtimeMs > STALE_LOCK_MS) rmSync(lock, { recursive: true, force: true });
      await sleep(500);
      continue;
    }
    try {
      if (existsSync(join(dir, 'manifest.json'))) return dir;
      opts.log?.(`synthesizing the stack with bundling into ${dir} (once per change of the sources)`);
      const building = `${dir}.building-${process.pid}`;
      rmSync(building, { recursive: true, force: true });
      await synthesizeBundled(building);
      writeFileSync(join(building, ROOT_FILE), root);
      renameSync(building, dir);
      removeOlderAssemblies(cacheDir, root, dir);
      return dir;
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

/** Assemblies of earlier sources of the same repository are never read again. */
function removeOlderAssemblies(cacheDir: string, root: string, keep: string): void {
  for (const name of readdirSync(cacheDir)) {
    const path = join(cacheDir, name);
    if (!/^hourglass-cdk\.out-[0-9a-f]{16}$/.test(name) || path === keep) continue;
    const owner = join(path, ROOT_FILE);
    if (existsSync(owner) && readFileSync(owner, 'utf8') === root) rmSync(path, { recursive: true, force: true });
  }
}

async function synthesizeBundled(outdir: string): Promise<void> {
  const { createHourglassApp, cdkJsonContext } = await import('../../../infra/hourglass-app.js');
  // Asset metadata (aws:asset:path) is what the CDK CLI adds for SAM-style local tools; we read it.
  const { app } = createHourglassApp({ context: { ...cdkJsonContext(), 'aws:cdk:enable-asset-metadata': true }, outdir });
  app.synth();
}
