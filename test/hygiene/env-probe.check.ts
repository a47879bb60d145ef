// Run by scrubbed-env.test.ts in a child vitest whose own environment is poisoned: a test
// worker must see none of the poison (vitest.config.ts removed it before the workers forked).
import { expect, it } from 'vitest';
import { POISON } from './poison.js';

it('a vitest worker inherits no HOURGLASS_* / AWS_* poison', () => {
  expect(Object.keys(POISON).filter((name) => process.env[name] !== undefined)).toEqual([]);
  expect(process.env.HOURGLASS_CRASH_SEED).toBe('7'); // test knobs (read by tests, not product code) pass
});
