#!/usr/bin/env node
// Thin launcher: the CLI is bundled to dist/ by `npm ci` (prepare script).
// The AWS SDK warns on every start under Node 20 about a support date; that is noise for a CLI.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.HOURGLASS_REPO_ROOT ??= new URL('..', import.meta.url).pathname;
// Node 22+ caches compiled modules on disk (no-op on Node 20): faster starts for every command.
const { enableCompileCache } = await import('node:module');
enableCompileCache?.();
// dist/ is minified: with --verbose, stack traces point into the sources through its source maps
// (only then: reading the maps costs start-up time).
if (process.argv.includes('--verbose')) process.setSourceMapsEnabled(true);
const { main } = await import('../dist/hourglass.mjs');

process.exitCode = await main(process.argv.slice(2));
