// gridWindows (a run's windows derived from its grid, in part or whole) must agree exactly with
// planWindows, the plan it stands for: same starts, ends and batches, for ranges on and off the grid.
import { describe, expect, it } from 'vitest';
import { gridWindows, planWindows } from '../../functions/engine/backfill/windows.js';

const H = 3_600_000;
const cases: [string, string, number, number][] = [
  ['2024-01-01T00:00:00Z', '2024-01-03T00:00:00Z', H, 24],
  ['2024-01-01T00:20:00Z', '2024-01-02T05:40:00Z', H, 7],
  ['2024-01-01T00:00:00Z', '2024-01-01T00:30:00Z', H, 24],
  ['2024-01-01T03:15:00Z', '2024-01-09T00:00:00Z', 6 * H, 3],
];

describe('gridWindows', () => {
  it.each(cases)('equals planWindows for %s … %s', (from, to, ms, batch) => {
    const plan = planWindows(new Date(from), new Date(to), ms, batch);
    expect(gridWindows(new Date(from), new Date(to), ms, batch)).toEqual(plan);
    for (let i = 0; i < plan.length; i += 3) {
      for (let j = i; j < plan.length; j += 5) {
        expect(gridWindows(new Date(from), new Date(to), ms, batch, { first: plan[i]!.start, last: plan[j]!.start })).toEqual(plan.slice(i, j + 1));
      }
    }
    // Bounds between window starts select the windows starting inside them.
    if (plan.length > 2) {
      const first = new Date(plan[0]!.start.getTime() + 1);
      expect(gridWindows(new Date(from), new Date(to), ms, batch, { first })).toEqual(plan.slice(1));
    }
  });
});
