// Compiles the TypeScript migrations of a bundle's migrations/ folder to JavaScript at synth
// (the functions' afterBundling hook runs it on the copy in the asset), so Lambda imports
// plain ESM and needs no type stripping of its own (on by default only from Node 22.18) and
// no tsx. Each NNNN_name.ts gets .compiled/NNNN_name.ts.<sha256 of its bytes, 16 hex>.mjs
// beside it: the loader (functions/engine/migrations/set.ts, compiledPath) uses a compiled
// file only when it was built from exactly the .ts it sits next to. The .ts stays: its text
// is part of the migration's checksum, the same in Lambda as from the CLI.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';

const REQUIRE_SHIM = "import { createRequire as __hourglassCreateRequire } from 'node:module'; const require = __hourglassCreateRequire(import.meta.url);";

export function compiledName(file, bytes) {
  return `${file}.${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}.mjs`;
}

export function compileMigrations(root) {
  const compiled = [];
  const folders = [root, ...readdirSync(root).map((n) => join(root, n)).filter((p) => statSync(p).isDirectory() && !p.endsWith('.compiled'))];
  for (const dir of folders) {
    for (const file of readdirSync(dir)) {
      if (!/^\d+_.*\.ts$/.test(file) || file.endsWith('.d.ts')) continue;
      const outfile = join(dir, '.compiled', compiledName(file, readFileSync(join(dir, file))));
      // Self-contained: what the module imports (engine helpers, packages) goes into it, types vanish.
      buildSync({ entryPoints: [join(dir, file)], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', banner: { js: REQUIRE_SHIM }, logLevel: 'warning' });
      compiled.push(outfile);
    }
  }
  return compiled;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const root = process.argv[2];
  if (!root || !existsSync(root)) {
    process.stderr.write(`usage: compile-migrations.mjs <migrations folder> (got ${root ?? 'nothing'})\n`);
    process.exit(2);
  }
  compileMigrations(root);
}
