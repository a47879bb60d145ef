// Builds the CLI bundle once (CLI tests spawn bin/hourglass.mjs) before any test file runs.
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
}
