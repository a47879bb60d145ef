// Routes of the HTTP API, separate from the Lambda entry so they can be tested with a real
// state store (dynalite) and a stub of the Step Functions client (no local SFN API exists).
//
//   POST /runs               start a run (body: the execution input; Idempotency-Key, see api-run-guards.ts)  202 | 400 | 409 | 422
//   POST /runs/revert        start a revert (same body, action revert or absent); 403 unless the stage allows it  202 | 400 | 403 | 409 | 422
//   GET  /runs/{id}          the run record with its window counts            200 | 400 | 404
//   GET  /runs/{id}/windows  ?status=&limit=&after= (pages by window start, read page by page)  200 | 400 | 404
//   GET  /runs/{id}/report   the run as one self-contained HTML page           200 | 400 | 404 | 413 (over REPORT_MAX_WINDOWS)
//   POST /runs/{id}/pause    pause the run: workers finish their window, claim no more  200 | 400 | 404
//   POST /runs/{id}/unpause  let it claim again                                 200 | 400 | 404
//   POST /runs/{id}/throttle {"concurrency": N}: at most N windows at once, and the Map run's MaxConcurrency  200 | 400 | 404
//   POST /runs/{id}/retry    re-run only the failed windows (body: {target?, concurrency?})  202 | 400 | 404 | 409
//   POST /runs/{id}/resume   run every window not done: pending, failed, or running with an expired lease (same body)  202 | 400 | 404 | 409
//
// Retry and resume are idempotent: the execution name is derived from the run and the windows
// it would run (repair-plan.ts repairExecutionName), so the same request twice names the
// same execution (Step Functions returns the running one for identical input, or
// ExecutionAlreadyExists → 409), and while one of the run is running another of the same
// action is refused with 409 instead of starting a second.
import { randomBytes } from 'node:crypto';
import { ExecutionAlreadyExists, ExecutionDoesNotExist, ListExecutionsCommand, ListMapRunsCommand, StartExecutionCommand, UpdateMapRunCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { changeValve, checkConcurrency, type ValveChange } from '../engine/backfill/valve-control.js';
import { UsageError } from '../engine/errors.js';
import { parseRunInput } from '../engine/service/input.js';
import { repairExecutionName, repairPrefix, resumableWindows } from '../engine/service/repair-plan.js';
import type { RunAction, RunInput } from '../engine/service/types.js';
import { redact } from '../engine/redact.js';
import { renderRunReport } from '../engine/report/html.js';
import { assertRunId } from '../engine/state/keys.js';
import type { RunRecord } from '../engine/state/records.js';
import type { RunStore } from '../engine/state/run-store.js';
import { PAGE_MAX_LIMIT } from '../engine/state/window-pages.js';
import { ConflictError, NotFoundError, TooLargeError, UnprocessableError, afterParam, errorResponse, json, limitParam, parseJsonBody, query, statusFilter, type ApiRequest, type ApiResponse } from './api-http.js';
import { ForbiddenError, refuseRevertOnRuns, refuseRevertUnlessAllowed, refuseWhileLeased, revertBody, startOncePerKey, takeIdempotencyKey, type RunGuardDeps } from './api-run-guards.js';
import { runIdForKey } from '../engine/state/idempotency-keys.js';

export interface ApiDeps extends RunGuardDeps {
  runs: Pick<RunStore, 'getRun' | 'listWindows' | 'pageWindows' | 'failedOrStuckWindows' | 'setValve'>;
  sfn: Pick<SFNClient, 'send'>;
  stateMachineArn: string;
  /** Configured target names. */
  targets: string[];
  now?: () => Date;
}

type Route = (request: ApiRequest, deps: ApiDeps) => Promise<ApiResponse>;

const ROUTES: Record<string, Record<string, Route>> = {
  '/runs': { POST: startRun },
  '/runs/revert': { POST: startRevert },
  '/runs/{id}': { GET: getRun },
  '/runs/{id}/windows': { GET: listWindows },
  '/runs/{id}/report': { GET: runReport },
  '/runs/{id}/pause': { POST: (request, deps) => valve(request, deps, { paused: true }) },
  '/runs/{id}/unpause': { POST: (request, deps) => valve(request, deps, { paused: false }) },
  '/runs/{id}/throttle': { POST: (request, deps) => valve(request, deps, throttleBody(parseJsonBody(request, false))) },
  '/runs/{id}/retry': { POST: (request, deps) => repairRun('retry', runIdParam(request), parseJsonBody(request, true), deps) },
  '/runs/{id}/resume': { POST: (request, deps) => repairRun('resume', runIdParam(request), parseJsonBody(request, true), deps) },
};

export const WINDOW_PAGE_MAX = PAGE_MAX_LIMIT;

export async function handleApiRequest(request: ApiRequest, deps: ApiDeps): Promise<ApiResponse> {
  try {
    const methods = Object.hasOwn(ROUTES, request.resource) ? ROUTES[request.resource] : undefined;
    if (!methods) throw new NotFoundError(`no such resource ${request.resource}`);
    const route = Object.hasOwn(methods, request.httpMethod) ? methods[request.httpMethod] : undefined;
    if (!route) return errorResponse(405, `${request.httpMethod} is not allowed on ${request.resource} (allowed: ${Object.keys(methods).join(', ')})`);
    return await route(request, deps);
  } catch (error) {
    if (error instanceof UsageError) return errorResponse(400, error.message);
    if (error instanceof ForbiddenError) return errorResponse(403, error.message);
    if (error instanceof NotFoundError) return errorResponse(404, error.message);
    if (error instanceof ConflictError) return errorResponse(409, error.message, error.details);
    if (error instanceof UnprocessableError) return errorResponse(422, error.message);
    if (error instanceof TooLargeError) return errorResponse(413, error.message);
    throw error;
  }
}

function runIdParam(request: ApiRequest): string {
  const id = request.pathParameters?.id;
  if (id === undefined || id === '') throw new UsageError('the run id is missing from the path');
  return assertRunId(id);
}

async function existingRun(deps: ApiDeps, runId: string): Promise<RunRecord> {
  const run = await deps.runs.getRun(runId);
  if (!run) throw new NotFoundError(`run ${runId} not found`);
  return run;
}

function checkTarget(deps: ApiDeps, target: string): void {
  if (!deps.targets.includes(target)) throw new UsageError(`unknown target "${target}" (configured: ${deps.targets.join(', ')})`);
}

async function startRun(request: ApiRequest, deps: ApiDeps): Promise<ApiResponse> {
  const { key, body } = takeIdempotencyKey(request, parseJsonBody(request, false));
  const input = parseRunInput(body);
  refuseRevertOnRuns(input);
  return startInput(input, key, deps);
}

async function startRevert(request: ApiRequest, deps: ApiDeps): Promise<ApiResponse> {
  refuseRevertUnlessAllowed(deps);
  const { key, body } = takeIdempotencyKey(request, parseJsonBody(request, false));
  return startInput(parseRunInput(revertBody(body)), key, deps);
}

async function startInput(input: RunInput, key: string | undefined, deps: ApiDeps): Promise<ApiResponse> {
  checkTarget(deps, input.target);
  // Retry and resume are idempotent on their own fingerprint: a key adds nothing to them.
  if (input.action === 'retry' || input.action === 'resume') {
    const fields = input as unknown as Record<string, unknown>;
    return repairRun(input.action, input.runId ?? '', Object.fromEntries(REPAIR_FIELDS.filter((k) => fields[k] !== undefined).map((k) => [k, fields[k]])), deps);
  }
  // The execution name is the run id (the state machine uses it when the input names none).
  const name = input.runId ?? (key ? runIdForKey(key) : newRunId(input.action, (deps.now ?? (() => new Date()))()));
  const start = async (): Promise<ApiResponse> => {
    if (input.action === 'backfill') await refuseWhileLeased(deps, input.target, input.version!, name);
    if (input.runId !== undefined && (await deps.runs.getRun(input.runId))) {
      throw new ConflictError(`run ${input.runId} already exists: re-run its failed windows with POST /runs/${input.runId}/retry`);
    }
    return json(202, { runId: name, executionName: name, executionArn: await startExecution(deps, name, input) });
  };
  if (key === undefined) return start();
  return startOncePerKey(deps, key, name, input, start, async (runId) => json(202, { runId, executionName: runId, executionArn: await startExecutionOnce(deps, runId, input) }));
}

/** The key's execution again: started if it never was, else the one that exists (same name, same input). */
async function startExecutionOnce(deps: ApiDeps, name: string, input: RunInput): Promise<string> {
  try {
    return await startExecution(deps, name, input);
  } catch (error) {
    if (error instanceof ConflictError && typeof error.details.executionArn === 'string') return error.details.executionArn;
    throw error;
  }
}

async function getRun(request: ApiRequest, deps: ApiDeps): Promise<ApiResponse> {
  return json(200, await existingRun(deps, runIdParam(request)));
}

async function listWindows(request: ApiRequest, deps: ApiDeps): Promise<ApiResponse> {
  const runId = runIdParam(request);
  const status = statusFilter(query(request, 'status'));
  const limit = limitParam(query(request, 'limit'), WINDOW_PAGE_MAX, WINDOW_PAGE_MAX);
  const after = afterParam(query(request, 'after'));
  await existingRun(deps, runId);
  // Paged in DynamoDB (window-pages.ts): a page reads about the batch items it returns, or a
  // bounded number when a status filter matches little, then hands back `next` to continue.
  const { windows, next } = await deps.runs.pageWindows(runId, { limit, ...(status ? { status } : {}), ...(after ? { after } : {}) });
  return json(200, { runId, ...(status ? { status } : {}), count: windows.length, windows, ...(next ? { next } : {}) });
}

/**
 * Windows a report renders through the API at most: a year of hours. Past it the page would not
 * fit the function's 29 s, 512 MB and API Gateway's 6 MB response, so the run is refused up
 * front from its record (O(1)), before a single window is read.
 */
export const REPORT_MAX_WINDOWS = 8_760;
/** API Gateway's response cap is 6 MB (10 MB payload to the integration): keep clear of it. */
const REPORT_MAX_BYTES = 5_500_000;

function tooLarge(runId: string, what: string): TooLargeError {
  return new TooLargeError(`the report of run ${runId} is too large for the API (${what}): page its windows with GET /runs/${runId}/windows, or render it with the CLI: hourglass report ${runId} --out report.html`);
}

async function runReport(request: ApiRequest, deps: ApiDeps): Promise<ApiResponse> {
  const run = await existingRun(deps, runIdParam(request));
  if (run.windowCount > REPORT_MAX_WINDOWS) throw tooLarge(run.runId, `${run.windowCount} windows, at most ${REPORT_MAX_WINDOWS}`);
  const html = redact(renderRunReport(run, await deps.runs.listWindows(run.runId), (deps.now ?? (() => new Date()))()));
  if (Buffer.byteLength(html) > REPORT_MAX_BYTES) throw tooLarge(run.runId, `${Buffer.byteLength(html)} bytes, at most ${REPORT_MAX_BYTES}`);
  // The page has its own inline script and style and loads nothing: a CSP that says so.
  return { statusCode: 200, headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:", 'x-content-type-options': 'nosniff' }, body: html };
}

function throttleBody(body: unknown): ValveChange {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new UsageError('throttle body must be a JSON object: {"concurrency": N}');
  for (const key of Object.keys(body)) if (key !== 'concurrency') throw new UsageError(`unknown throttle field "${key.slice(0, 40)}" (known: concurrency)`);
  return { concurrency: checkConcurrency((body as { concurrency?: unknown }).concurrency) };
}

async function valve(request: ApiRequest, deps: ApiDeps, change: ValveChange): Promise<ApiResponse> {
  const run = await existingRun(deps, runIdParam(request));
  const identity = request.requestContext?.identity;
  const by = identity?.userArn ?? identity?.caller ?? 'unknown IAM caller';
  const updated = await changeValve(deps.runs, run.runId, change, by, (deps.now ?? (() => new Date()))());
  const mapRuns = 'concurrency' in change ? await throttleMapRuns(deps, run.runId, change.concurrency) : [];
  return json(200, { runId: run.runId, status: updated.status, valve: updated.valve, ...('concurrency' in change ? { mapRuns } : {}) });
}

/** Step Functions' own Map concurrency follows the throttle: UpdateMapRun on the run's running Map runs. */
async function throttleMapRuns(deps: ApiDeps, runId: string, concurrency: number): Promise<string[]> {
  const executionArn = `${deps.stateMachineArn.replace(':stateMachine:', ':execution:')}:${runId}`;
  let listed;
  try {
    listed = await deps.sfn.send(new ListMapRunsCommand({ executionArn }));
  } catch (error) {
    if (error instanceof ExecutionDoesNotExist) return []; // a run planned by the CLI, or already expired: the record is enough
    throw error;
  }
  const updated: string[] = [];
  for (const { mapRunArn } of listed.mapRuns ?? []) {
    if (!mapRunArn) continue;
    await deps.sfn.send(new UpdateMapRunCommand({ mapRunArn, maxConcurrency: concurrency }));
    updated.push(mapRunArn);
  }
  return updated;
}

const REPAIR_FIELDS = ['target', 'concurrency', 'toleratedFailurePercentage'];

/** retry (failed windows) or resume (every window not done), idempotent on the windows it would run. */
async function repairRun(action: 'retry' | 'resume', runId: string, body: unknown, deps: ApiDeps): Promise<ApiResponse> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new UsageError(`${action} body must be a JSON object: {"target"?, "concurrency"?, "toleratedFailurePercentage"?}`);
  const fields = body as Record<string, unknown>;
  for (const key of Object.keys(fields)) if (!REPAIR_FIELDS.includes(key)) throw new UsageError(`unknown ${action} field "${key.slice(0, 40)}" (known: ${REPAIR_FIELDS.join(', ')})`);
  const run = await existingRun(deps, assertRunId(runId));
  const input = parseRunInput({ ...fields, action, runId, target: fields.target ?? targetOf(run, deps) });
  checkTarget(deps, input.target);
  await refuseWhileLeased(deps, run.targetName ?? input.target, run.migrationVersion, runId);
  const now = (deps.now ?? (() => new Date()))().getTime();
  const todo = action === 'retry' ? await deps.runs.failedOrStuckWindows(runId, now) : resumableWindows(await deps.runs.listWindows(runId), now);
  if (todo.length === 0) throw new ConflictError(action === 'retry' ? `run ${runId} has no failed windows to retry` : `run ${runId} has no windows to resume: every window succeeded or is held by a live worker`, { counts: run.counts });
  const running = await runningExecution(deps, repairPrefix(action, runId));
  if (running) throw new ConflictError(`a ${action} of run ${runId} is already running`, { executionArn: running });
  const name = repairExecutionName(action, runId, todo);
  const executionArn = await startExecution(deps, name, input);
  return json(202, { runId, executionName: name, executionArn, windows: todo.length });
}

/** The target a retry runs against: recorded on the run if the engine recorded it, else the only configured one. */
function targetOf(run: RunRecord, deps: ApiDeps): string {
  const recorded = (run as RunRecord & { targetName?: unknown }).targetName;
  if (typeof recorded === 'string') return recorded;
  if (deps.targets.length === 1) return deps.targets[0]!;
  throw new UsageError(`run ${run.runId} does not record its target name: pass {"target": "<name>"} (configured: ${deps.targets.join(', ')})`);
}

async function startExecution(deps: ApiDeps, name: string, input: RunInput): Promise<string> {
  try {
    const out = await deps.sfn.send(new StartExecutionCommand({ stateMachineArn: deps.stateMachineArn, name, input: JSON.stringify(input) }));
    return out.executionArn ?? executionArnOf(deps.stateMachineArn, name);
  } catch (error) {
    if (!(error instanceof ExecutionAlreadyExists)) throw error;
    throw new ConflictError(`execution ${name} already exists (execution names are never reused)`, { executionArn: executionArnOf(deps.stateMachineArn, name) });
  }
}

/** ARN of a running execution whose name starts with `prefix`, if any. */
async function runningExecution(deps: ApiDeps, prefix: string): Promise<string | undefined> {
  let nextToken: string | undefined;
  for (let page = 0; page < 20; page++) {
    const out = await deps.sfn.send(new ListExecutionsCommand({ stateMachineArn: deps.stateMachineArn, statusFilter: 'RUNNING', maxResults: 1000, nextToken }));
    const hit = out.executions?.find((e) => e.name?.startsWith(prefix));
    if (hit) return hit.executionArn ?? executionArnOf(deps.stateMachineArn, hit.name ?? '');
    nextToken = out.nextToken;
    if (!nextToken) return undefined;
  }
  return undefined;
}

export function newRunId(action: RunAction, now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${action}-${stamp}-${randomBytes(3).toString('hex')}`;
}

export function executionArnOf(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}
