// The repository root without loading the CDK app (infra/hourglass-app.ts pulls in aws-cdk-lib,
// seconds of start-up a refused command should not pay). Same rule as infra: the bundled CLI
// lives in dist/, so bin/hourglass.mjs sets HOURGLASS_REPO_ROOT.
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = (process.env.HOURGLASS_REPO_ROOT ?? fileURLToPath(new URL('../../..', import.meta.url))).replace(/\/$/, '');
