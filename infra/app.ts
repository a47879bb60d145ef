// CDK entry point (cdk.json "app"). Configuration comes from cdk.json context or -c flags.
import { UsageError } from '../functions/engine/errors.js';
import { createHourglassApp } from './hourglass-app.js';

try {
  createHourglassApp().app.synth();
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  process.stderr.write(`hourglass: ${error.message}\n`);
  process.exit(2);
}
