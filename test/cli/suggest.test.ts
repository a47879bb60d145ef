// "did you mean": a swapped pair of letters is one edit, and a word far from every candidate
// gets no suggestion (a wrong guess is worse than none).
import { describe, expect, it } from 'vitest';
import { closest, editDistance } from '../../functions/cli/suggest.js';

describe('closest', () => {
  it('counts an adjacent swap as one edit', () => {
    expect(editDistance('statsu', 'status')).toBe(1);
    expect(editDistance('plna', 'plan')).toBe(1);
    expect(editDistance('', 'run')).toBe(3);
  });

  it.each([
    ['statsu', ['status', 'validate', 'runs'], 'status'],
    ['dryrun', ['to', 'dry-run'], 'dry-run'],
    ['verison', ['version', 'verify'], 'version'],
    ['runs', ['run', 'runs'], 'runs'],
    ['frobnicate', ['status', 'report', 'repair'], undefined],
    ['x', ['to', 'by'], undefined],
  ])('%s among %j is %s', (word, candidates, expected) => {
    expect(closest(word, candidates)).toBe(expected);
  });
});
