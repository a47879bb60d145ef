// What the verify process and its ClickHouse scratch child (scratch-child.ts) exchange.
import type { ScratchPlan } from './scratch-apply.js';

/** Marks the result line on the child's stdout: chdb or a TypeScript migration may print there too. */
export const RESULT_MARK = '@@hourglass-verify-scratch@@ ';

export interface ScratchRequest extends ScratchPlan {
  migrationsDir: string;
  /** ISO time used for `{cutover}` of migrations the target has not applied. */
  now: string;
}
