// What Finalize makes of Verify's output: the verdict per status and mode, and the state
// data it trusts (a malformed or missing verify result is never taken as clean).
import { describe, expect, it, vi } from 'vitest';
import { parseRunInput } from '../../functions/engine/service/input.js';
import { verdictOf } from '../../functions/engine/service/verdict.js';
import type { VerifyOutput } from '../../functions/engine/service/types.js';
import { finalizeInputOf, runInputOf } from '../../functions/handlers/events.js';
import { recordVerifyMetrics } from '../../functions/handlers/verify.js';
import { metrics } from '../../functions/handlers/observability.js';

const output = (over: Partial<VerifyOutput>): VerifyOutput => ({ status: 'clean', clean: true, differences: 0, dataMismatches: 0, summary: 's', ...over });

describe('the verify verdict', () => {
  it('is a problem for drift, count mismatches and unverified; not for clean; nothing to judge with skip', () => {
    expect(verdictOf(output({}))).toEqual({ status: 'clean', summary: 's' });
    expect(verdictOf(output({ status: 'drift', clean: false, differences: 2 }))?.problem).toBe('verify found 2 schema difference(s)');
    expect(verdictOf(output({ status: 'drift', clean: false, dataMismatches: 3 }))?.problem).toBe('verify found 3 window count mismatch(es)');
    expect(verdictOf(output({ status: 'unverified', clean: false, reason: 'no CREATE' }))?.problem).toBe('unverified: no CREATE');
    expect(verdictOf(output({ status: 'drift', clean: false, differences: 1 }), 'skip')).toBeUndefined();
    // No result at all is not a pass.
    expect(verdictOf(undefined)).toMatchObject({ status: 'unverified', problem: 'verify did not run' });
  });

  it('Finalize reads the verify result and the mode from the state data; a malformed result counts as none', () => {
    const event = { input: { action: 'backfill', target: 'a', version: 3, verify: 'warn' }, executionName: 'r1', verify: { status: 'drift', clean: false, differences: 1, dataMismatches: 0, summary: 'x' } };
    expect(finalizeInputOf(event, runInputOf(event))).toEqual({ action: 'backfill', runId: 'r1', verifyMode: 'warn', verify: { status: 'drift', clean: false, differences: 1, dataMismatches: 0, summary: 'x' } });
    const forged = { ...event, verify: { status: 'fine', clean: true } };
    expect(finalizeInputOf(forged, runInputOf(forged)).verify).toBeUndefined();
  });

  it('the input takes verify: require | warn | skip and nothing else', () => {
    expect(parseRunInput({ action: 'verify', target: 'a', verify: 'skip' }).verify).toBe('skip');
    expect(() => parseRunInput({ action: 'verify', target: 'a', verify: 'off' })).toThrow('"verify" must be one of require, warn, skip');
  });

  it('VerifyFailed counts drift and unverified, not clean or skipped', () => {
    // The EMF document Powertools prints is what CloudWatch turns into the alarm's metric.
    const counted = (status: VerifyOutput['status']) => {
      const lines: string[] = [];
      const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
        lines.push(String(chunk));
        return true;
      });
      try {
        recordVerifyMetrics(output({ status }));
        metrics.publishStoredMetrics();
      } finally {
        spy.mockRestore();
      }
      const emf = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((doc) => '_aws' in doc);
      return emf?.VerifyFailed;
    };
    expect([counted('clean'), counted('skipped'), counted('drift'), counted('unverified')]).toEqual([0, 0, 1, 1]);
  });
});
