// Bundles the CLI into dist/ so `npx hourglass` starts without a TypeScript loader
// (start-up time is a product feature: a no-op `status` should cost well under 150 ms).
import { build } from 'esbuild';

await build({
  entryPoints: { hourglass: 'functions/cli/main.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
});
