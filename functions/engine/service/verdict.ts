// What Verify's output means for a run's outcome. Drift, count mismatches and a verify that
// could not run are each a problem; so is a missing verify result, since a run is never
// taken as verified by default. With "verify": "skip" there is nothing to judge.
import type { FinalizeOutput, VerifyMode, VerifyOutput } from './types.js';

export type Verdict = NonNullable<FinalizeOutput['verify']>;

export function verdictOf(verify: VerifyOutput | undefined, mode: VerifyMode = 'require'): Verdict | undefined {
  if (mode === 'skip') return undefined;
  if (!verify) return { status: 'unverified', summary: 'no verify result reached Finalize', problem: 'verify did not run' };
  if (verify.status === 'clean' || verify.status === 'skipped') return { status: verify.status, summary: verify.summary };
  const problem = verify.status === 'unverified'
    ? `unverified: ${verify.reason ?? verify.summary}`
    : `verify found ${[verify.differences ? `${verify.differences} schema difference(s)` : '', verify.dataMismatches ? `${verify.dataMismatches} window count mismatch(es)` : ''].filter(Boolean).join(' and ') || 'drift'}`;
  return { status: verify.status, summary: verify.summary, problem };
}
