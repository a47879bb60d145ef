// The HTTP API's routes against a real state store (dynalite) and a stub of the Step Functions
// client at the SDK level (no local Step Functions API exists). The stub keeps Step Functions'
// documented naming rules: a name is never reused, except that the same name with identical
// input while RUNNING returns the running execution. useApiHarness() gives each test a fresh
// table, stub and deps (exported as live bindings).
import { ExecutionAlreadyExists, ExecutionDoesNotExist, InvalidArn, ListExecutionsCommand, ListMapRunsCommand, ResourceNotFound, StartExecutionCommand, UpdateMapRunCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { RunStore } from '../../functions/engine/state/run-store.js';
import { handleApiRequest, type ApiDeps } from '../../functions/handlers/api-routes.js';
import type { ApiRequest } from '../../functions/handlers/api-http.js';
import { startDynamoFixture, type DynamoFixture } from '../state/dynamo-fixture.js';
import { seedPartialRun as seedPartialRunIn } from '../state/run-fixture.js';

export const SM = 'arn:aws:states:eu-west-1:123456789012:stateMachine:Runs';

export class FakeStepFunctions {
  readonly executions = new Map<string, { input: string; status: 'RUNNING' | 'SUCCEEDED' }>();
  readonly sent: string[] = [];
  async send(command: unknown): Promise<unknown> {
    if (command instanceof StartExecutionCommand) {
      const { name = '', input = '', stateMachineArn } = command.input;
      this.sent.push(`start ${name}`);
      expect(stateMachineArn).toBe(SM);
      const arn = `${SM.replace(':stateMachine:', ':execution:')}:${name}`;
      const existing = this.executions.get(name);
      if (existing && !(existing.status === 'RUNNING' && existing.input === input)) throw new ExecutionAlreadyExists({ message: `Execution Already Exists: '${arn}'`, $metadata: {} });
      if (!existing) this.executions.set(name, { input, status: 'RUNNING' });
      return { executionArn: arn, startDate: new Date() };
    }
    if (command instanceof ListExecutionsCommand) {
      this.sent.push('list');
      const running = [...this.executions].filter(([, e]) => e.status === 'RUNNING');
      return { executions: running.map(([name]) => ({ name, executionArn: `${SM}:${name}`, status: 'RUNNING' })) };
    }
    if (command instanceof ListMapRunsCommand) {
      // ListMapRuns: ExecutionDoesNotExist for an unknown execution, InvalidArn for a malformed one.
      const { executionArn = '' } = command.input;
      if (!executionArn.startsWith(`${SM.replace(':stateMachine:', ':execution:')}:`)) throw new InvalidArn({ message: `Invalid Arn: '${executionArn}'`, $metadata: {} });
      const name = executionArn.split(':').pop()!;
      if (!this.executions.has(name)) throw new ExecutionDoesNotExist({ message: `Execution Does Not Exist: '${executionArn}'`, $metadata: {} });
      this.sent.push(`list-map-runs ${name}`);
      return { mapRuns: (this.mapRuns.get(name) ?? []).map((mapRunArn) => ({ mapRunArn, executionArn })) };
    }
    if (command instanceof UpdateMapRunCommand) {
      // UpdateMapRun: ResourceNotFound for an unknown map run; maxConcurrency is 0…MAX_INT.
      const { mapRunArn = '', maxConcurrency } = command.input;
      if (![...this.mapRuns.values()].flat().includes(mapRunArn)) throw new ResourceNotFound({ message: `Resource not found: '${mapRunArn}'`, $metadata: {} });
      expect(Number.isInteger(maxConcurrency) && maxConcurrency! >= 0).toBe(true);
      this.sent.push(`update-map-run ${mapRunArn.split(':').pop()} ${maxConcurrency}`);
      return {};
    }
    throw new Error(`unexpected command ${String(command)}`);
  }
  readonly mapRuns = new Map<string, string[]>();
  inputOf(name: string): unknown {
    return JSON.parse(this.executions.get(name)?.input ?? 'null');
  }
}

let fx: DynamoFixture;
export let store: RunStore;
export let sfn: FakeStepFunctions;
export let deps: ApiDeps;

/** Registers the hooks in the calling test file: dynalite once, a fresh table, stub and deps per test. */
export function useApiHarness(): void {
  beforeAll(async () => {
    fx = await startDynamoFixture();
  });
  afterAll(async () => {
    await fx?.close();
  });
  beforeEach(async () => {
    store = new RunStore(fx.doc, await fx.freshTable());
    sfn = new FakeStepFunctions();
    deps = { runs: store, sfn: sfn as unknown as Pick<SFNClient, 'send'>, stateMachineArn: SM, targets: ['analytics'], now: () => new Date('2024-03-01T12:00:00Z') };
  });
}

export function request(httpMethod: string, resource: string, opts: { id?: string; body?: unknown; query?: Record<string, string> } = {}): ApiRequest {
  return {
    httpMethod,
    resource,
    pathParameters: opts.id === undefined ? null : { id: opts.id },
    queryStringParameters: opts.query ?? null,
    body: opts.body === undefined ? null : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body),
  };
}

export async function call(req: ApiRequest): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await handleApiRequest(req, deps);
  expect(res.headers['content-type']).toBe('application/json');
  return { status: res.statusCode, body: JSON.parse(res.body) as Record<string, unknown> };
}


export const seedPartialRun = (runId: string) => seedPartialRunIn(store, runId);
