// The project's vitest config (its scrub of the environment included, on import) running only
// the worker-environment probe, without the global setup's build: used by scrubbed-env.test.ts.
import base from '../../vitest.config.js';

export default { ...base, test: { ...base.test, include: ['test/hygiene/env-probe.check.ts'], globalSetup: [] } };
