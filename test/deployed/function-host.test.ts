// The Lambda-like host itself, on a small handler written here (no synthesis): Lambda's
// context (getRemainingTimeInMillis counting down from the configured timeout), the function's
// own process.env, warm starts reusing the module instance, scale-out when invocations overlap,
// errors as errorType/errorMessage, the timeout ending the environment with Sandbox.Timedout,
// and stdout captured as the function's log.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LambdaFunction } from '../../functions/local/deployed/function-host.js';

const HANDLER = `
let invocations = 0;
export async function handler(event, context) {
  invocations++;
  if (event.print) console.log(JSON.stringify({ message: event.print }));
  if (event.fail) { const e = new Error(event.fail); e.name = 'ConnectionError'; throw e; }
  if (event.sleepMs) await new Promise((r) => setTimeout(r, event.sleepMs));
  return { invocations, remaining: context.getRemainingTimeInMillis(), functionName: context.functionName, requestId: context.awsRequestId,
    arn: context.invokedFunctionArn, memory: context.memoryLimitInMB, own: process.env.OWN_SETTING, home: process.env.HOME ?? null };
}`;

let dir: string;
const logs: string[] = [];
const open: LambdaFunction[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hourglass-host-'));
  writeFileSync(join(dir, 'index.mjs'), HANDLER);
});

afterAll(async () => {
  await Promise.all(open.map((f) => f.close()));
  rmSync(dir, { recursive: true, force: true });
});

function fn(timeoutSeconds: number): LambdaFunction {
  const f = new LambdaFunction({
    fn: { logicalId: 'TestFunction', assetDir: dir, handler: 'index.handler', timeoutSeconds, memorySize: 256, variables: {} },
    functionName: 'Hourglass-TestFunction',
    region: 'us-east-1',
    env: { OWN_SETTING: 'only-here' },
    onLog: (line) => logs.push(line),
  });
  open.push(f);
  return f;
}

it('gives the handler Lambda context and its own environment, and reuses the module instance (warm start)', async () => {
  const f = fn(30);
  const first = (await f.invoke({})) as Record<string, unknown>;
  expect(first).toMatchObject({ invocations: 1, functionName: 'Hourglass-TestFunction', memory: '256', own: 'only-here', home: null, arn: 'arn:aws:lambda:us-east-1:000000000000:function:Hourglass-TestFunction' });
  expect(first.remaining).toBeGreaterThan(0);
  expect(first.remaining).toBeLessThanOrEqual(30_000);
  expect(process.env.OWN_SETTING).toBeUndefined();
  const second = (await f.invoke({ sleepMs: 20 })) as Record<string, unknown>;
  expect(second.invocations).toBe(2);
  expect(second.requestId).not.toBe(first.requestId);
  expect(second.remaining).toBeLessThan(30_000 - 19); // counted down through the handler's own wait
  expect(f.coldStarts).toBe(1);
});

it('overlapping invocations each get an environment of their own', async () => {
  const f = fn(30);
  const results = (await Promise.all([f.invoke({ sleepMs: 200 }), f.invoke({ sleepMs: 200 })])) as { invocations: number }[];
  expect(results.map((r) => r.invocations)).toEqual([1, 1]);
  expect(f.coldStarts).toBe(2);
});

it('a thrown error arrives with its name as errorType and its message', async () => {
  await expect(fn(30).invoke({ fail: 'database restarting' })).rejects.toMatchObject({ name: 'ConnectionError', message: 'database restarting' });
});

it('an invocation past the timeout fails with Sandbox.Timedout and ends its environment', async () => {
  const f = fn(1);
  await expect(f.invoke({ sleepMs: 5_000 })).rejects.toMatchObject({ name: 'Sandbox.Timedout', message: expect.stringMatching(/Task timed out after 1\.00 seconds$/) });
  expect(((await f.invoke({})) as { invocations: number }).invocations).toBe(1); // a fresh module instance
  expect(f.coldStarts).toBe(2);
});

it('captures what the function prints, as its log stream', async () => {
  const f = fn(30);
  await f.invoke({ print: 'hello from the function' });
  await f.close();
  expect(logs).toContain('{"message":"hello from the function"}');
});
