// The strategies, by the name a definition's `strategy:` header gives. One file each.
import type { Strategy } from '../definition.js';
import { dedupTokenStrategy } from './dedup-token.js';
import { deleteStrategy } from './delete.js';
import { refreshStrategy } from './refresh.js';
import { replacePartitionStrategy } from './replace-partition.js';
import type { BackfillStrategy } from './types.js';

export type { BackfillStrategy, GroupRun, PlannedStatement } from './types.js';
export { windowKey } from './types.js';

export const STRATEGIES: Record<Strategy, BackfillStrategy> = {
  delete: deleteStrategy,
  'dedup-token': dedupTokenStrategy,
  'replace-partition': replacePartitionStrategy,
  refresh: refreshStrategy,
};
