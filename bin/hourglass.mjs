#!/usr/bin/env node
// Thin launcher: the CLI is bundled to dist/ by `npm ci` (prepare script).
import { main } from '../dist/hourglass.mjs';

process.exitCode = await main(process.argv.slice(2));
