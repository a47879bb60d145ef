// The one line a bad configuration fails synth with: the UsageError's message, or the test fails.
import { expect } from 'vitest';
import { UsageError } from '../../functions/engine/errors.js';
import { cdkJsonContext, createHourglassApp } from '../../infra/hourglass-app.js';

export function synthError(context: Record<string, unknown>): string {
  try {
    createHourglassApp({ context: { ...cdkJsonContext(), ...context }, bundle: false });
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('expected a UsageError');
}
