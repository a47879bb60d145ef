// A whole number given as text (a CLI flag), in [min, max]: one line naming `what` otherwise.
// The CLI's integer flags and the run options' --concurrency share it, so their messages agree.
import { UsageError } from './errors.js';

export function parseWholeNumber(text: string, what: string, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}): number {
  if (!/^-?\d+$/.test(text.trim())) throw new UsageError(`invalid ${what} "${text}": expected a whole number`);
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`invalid ${what} ${text}: expected ${min}…${max}`);
  return n;
}
