// A "Run Requested" event as the trigger rule hands it to the state machine: the input
// transformer of the synthesized rule applied to an event (EventBridge's documented
// substitution: a placeholder outside quotes becomes the JSON value at its path), then the
// synthesized definition run locally. Proves the envelope routes and unwraps, and that a
// revert which got past the pattern (a rule edited by hand) is refused by the steps with a
// named error, the run recorded as failed, and the schema left alone.
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FinalizeOutput } from '../../functions/engine/service/types.js';
import { cdkJsonContext, createHourglassApp } from '../../infra/hourglass-app.js';
import { FROM, startHarness, type Harness } from './fixture.js';

let h: Harness;
let transformer: { InputPathsMap: Record<string, string>; InputTemplate: string };

beforeAll(async () => {
  const { app, stack } = createHourglassApp({ context: { ...cdkJsonContext(), 'hourglass:targets': { local: { engine: 'clickhouse', secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:hourglass/local-AbCdEf' } } }, bundle: false });
  app.synth();
  const rules = Template.fromStack(stack).findResources('AWS::Events::Rule', { Properties: { EventPattern: { 'detail-type': ['Run Requested'] } } });
  const [rule] = Object.values(rules) as { Properties: { Targets: { InputTransformer: typeof transformer }[] } }[];
  transformer = rule!.Properties.Targets[0]!.InputTransformer;
  h = await startHarness();
  const setup = await h.execute({ action: 'apply', target: 'local', version: 2 }, 'eb-setup');
  expect(setup.status, JSON.stringify(setup.error)).toBe('SUCCEEDED');
});
afterAll(async () => h?.close());

/** EventBridge's input transformer: each <name> replaced by the JSON of the value at its path. */
function transform(event: Record<string, unknown>): unknown {
  const at = (path: string): unknown => path.replace(/^\$\./, '').split('.').reduce<unknown>((v, key) => (v as Record<string, unknown> | undefined)?.[key], event);
  const text = transformer.InputTemplate.replace(/<([A-Za-z0-9_.-]+)>/g, (_, name: string) => JSON.stringify(at(transformer.InputPathsMap[name]!)));
  return JSON.parse(text);
}

const event = (detail: object) => ({ version: '0', id: 'a1b2c3d4-0000-4000-8000-000000000001', 'detail-type': 'Run Requested', source: 'hourglass', account: '123456789012', time: '2024-03-07T00:00:00Z', region: 'eu-west-1', resources: [], detail });
const finalizeOf = (r: { output: unknown; lastStateInput?: unknown }) => ((r.output ?? r.lastStateInput) as { finalize: FinalizeOutput }).finalize;
const tables = () => h.withDriver(async (d) => (await d.query<{ name: string }>("SELECT name FROM system.tables WHERE database = currentDatabase() AND name = 'events_copy'")).map((t) => t.name));

describe('Run Requested events through the trigger rule\'s input transformer', () => {
  it('wraps the detail in an envelope the state machine routes on and every step unwraps', async () => {
    const input = transform(event({ action: 'backfill', target: 'local', version: 2, from: FROM, to: '2024-03-01T03:00:00Z', runId: 'eb-backfill' }));
    expect(input).toEqual({
      action: 'backfill', target: 'local',
      trigger: { source: 'eventbridge', eventId: 'a1b2c3d4-0000-4000-8000-000000000001', account: '123456789012' },
      detail: { action: 'backfill', target: 'local', version: 2, from: FROM, to: '2024-03-01T03:00:00Z', runId: 'eb-backfill' },
    });
    const r = await h.execute(input, 'eb-backfill-execution');
    expect(r.status, JSON.stringify(r.error)).toBe('SUCCEEDED');
    expect(finalizeOf(r)).toMatchObject({ status: 'succeeded', runId: 'eb-backfill', windows: { total: 3, succeeded: 3, failed: 0 } });
  });

  it('refuses a revert that got past the pattern: TriggerRefusedError in Apply, the run failed, the schema untouched', async () => {
    expect(await tables()).toEqual(['events_copy']);
    const r = await h.execute(transform(event({ action: 'revert', target: 'local', version: 1 })), 'eb-revert');
    expect(r.status).toBe('FAILED');
    expect(r.error?.name).toBe('RunFailed');
    expect(r.statesEntered).toEqual(expect.arrayContaining(['Apply', 'Finalize', 'RunFailed']));
    const state = r.lastStateInput as { error?: { Error: string } };
    expect(state.error?.Error).toBe('TriggerRefusedError');
    expect(finalizeOf(r)).toMatchObject({ status: 'failed', error: expect.stringMatching(/^revert is refused from EventBridge \(event a1b2c3d4-/) });
    expect(await tables()).toEqual(['events_copy']);
  });
});
