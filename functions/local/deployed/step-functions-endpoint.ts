// A local Step Functions API endpoint (AWS JSON 1.0: POST /, X-Amz-Target:
// AWSStepFunctions.<Op>) for the calls the API function makes: StartExecution, ListExecutions,
// DescribeExecution, and RedriveExecution (when `redrive` is bound). No npm emulator of Step
// Functions exists, so this is a fake kept at the edge: it enforces the documented errors
// (InvalidArn, InvalidName, InvalidExecutionInput, StateMachineDoesNotExist,
// ExecutionAlreadyExists, ExecutionDoesNotExist, ExecutionNotRedrivable) with the messages
// moto uses, and starts each execution through `start`, e.g. on the local runner.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LocalExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  input: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  startDate: number;
  /** Times redriven, and when last (RedriveExecution). */
  redriveCount: number;
  redriveDate?: number;
  stopDate?: number;
  output?: string;
  error?: string;
  cause?: string;
}

export interface StepFunctionsEndpointOptions {
  stateMachineArn: string;
  /** Runs an execution; its result decides SUCCEEDED/FAILED. Not awaited by StartExecution. */
  start: (name: string, input: unknown) => Promise<ExecutionResult>;
  /** Redrives a FAILED execution (e.g. redrive.ts on the local runner); without it RedriveExecution is not served. */
  redrive?: (name: string) => Promise<ExecutionResult>;
}

export interface ExecutionResult {
  status: 'SUCCEEDED' | 'FAILED';
  output?: unknown;
  error?: { name: string; cause: string };
}

/** Redrives of one execution, at most (the Step Functions quota). */
const MAX_REDRIVES = 1000;
/** RedriveExecution answers the same for the last 10 client tokens that succeeded. */
const REMEMBERED_TOKENS = 10;

export interface StepFunctionsEndpoint {
  endpoint: string;
  executions: LocalExecutionRecord[];
  /** Resolves when every execution started so far has ended. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

class ApiError extends Error {
  constructor(readonly type: string, message: string) {
    super(message);
  }
}

const ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:(stateMachine|execution):[A-Za-z0-9_-]{1,80}(:[^:]{1,80})?$/;
// https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html: name
const BAD_NAME = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/;
const MAX_INPUT_BYTES = 256 * 1024;

export async function startStepFunctionsEndpoint(options: StepFunctionsEndpointOptions): Promise<StepFunctionsEndpoint> {
  const executions: LocalExecutionRecord[] = [];
  const running = new Set<Promise<void>>();
  const machineName = options.stateMachineArn.split(':').pop()!;

  const redriveTokens = new Map<string, Map<string, number>>();

  /** Runs `run` for the record: RUNNING until it ends, then its status, output or error. */
  const follow = (record: LocalExecutionRecord, run: () => Promise<ExecutionResult>): void => {
    const done = run().then(
      (result) => {
        delete record.output;
        delete record.error;
        delete record.cause;
        Object.assign(record, { status: result.status, ...(result.output !== undefined ? { output: JSON.stringify(result.output) } : {}), ...(result.error ? { error: result.error.name, cause: result.error.cause } : {}) });
      },
      (error: unknown) => Object.assign(record, { status: 'FAILED', error: 'States.Runtime', cause: (error as Error).message }),
    ).then(() => {
      record.stopDate = Date.now() / 1000;
      running.delete(done);
    });
    running.add(done);
  };

  const execution = (arn: unknown): LocalExecutionRecord => {
    if (typeof arn !== 'string' || !ARN.test(arn) || !arn.includes(`:execution:${machineName}:`)) throw new ApiError('InvalidArn', `Invalid Arn: 'Resource type not valid in this context: ${String(arn)}'`);
    const found = executions.find((e) => e.executionArn === arn);
    if (!found) throw new ApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return found;
  };

  const stateMachine = (arn: unknown): void => {
    if (typeof arn !== 'string' || !ARN.test(arn) || !arn.includes(':stateMachine:')) throw new ApiError('InvalidArn', `Invalid Arn: 'Resource type not valid in this context: ${String(arn)}'`);
    if (arn !== options.stateMachineArn) throw new ApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
  };

  const operations: Record<string, (body: Record<string, unknown>) => unknown> = {
    StartExecution(body) {
      stateMachine(body.stateMachineArn);
      const name = body.name;
      if (typeof name !== 'string' || name.length < 1 || name.length > 80 || BAD_NAME.test(name)) throw new ApiError('InvalidName', `Invalid Name: '${String(name)}'`);
      const input = typeof body.input === 'string' ? body.input : '{}';
      let parsed: unknown;
      try {
        if (Buffer.byteLength(input) > MAX_INPUT_BYTES) throw new Error('input exceeds 256 KiB');
        parsed = JSON.parse(input);
      } catch (error) {
        throw new ApiError('InvalidExecutionInput', `Invalid State Machine Execution Input: '${(error as Error).message}'`);
      }
      const existing = executions.find((e) => e.name === name);
      if (existing) {
        // Same name and input while running: idempotent, the running execution is returned.
        if (existing.status === 'RUNNING' && existing.input === input) return { executionArn: existing.executionArn, startDate: existing.startDate };
        throw new ApiError('ExecutionAlreadyExists', `Execution Already Exists: '${existing.executionArn}'`);
      }
      const record: LocalExecutionRecord = {
        executionArn: `${options.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`,
        stateMachineArn: options.stateMachineArn,
        name,
        input,
        status: 'RUNNING',
        startDate: Date.now() / 1000,
        redriveCount: 0,
      };
      executions.push(record);
      follow(record, () => options.start(name, parsed));
      return { executionArn: record.executionArn, startDate: record.startDate };
    },
    ListExecutions(body) {
      stateMachine(body.stateMachineArn);
      const filter = body.statusFilter;
      const max = typeof body.maxResults === 'number' && body.maxResults > 0 ? Math.min(body.maxResults, 1000) : 100;
      const offset = typeof body.nextToken === 'string' ? Number(body.nextToken) : 0;
      const matching = executions.filter((e) => filter === undefined || e.status === filter).slice().reverse();
      const page = matching.slice(offset, offset + max);
      return {
        executions: page.map(({ executionArn, stateMachineArn, name, status, startDate, stopDate }) => ({ executionArn, stateMachineArn, name, status, startDate, ...(stopDate ? { stopDate } : {}) })),
        ...(offset + max < matching.length ? { nextToken: String(offset + max) } : {}),
      };
    },
    DescribeExecution(body) {
      const found = execution(body.executionArn);
      const redrivable = found.status === 'FAILED' && found.redriveCount < MAX_REDRIVES && options.redrive !== undefined;
      return { ...found, redriveStatus: redrivable ? 'REDRIVABLE' : 'NOT_REDRIVABLE', ...(redrivable ? {} : { redriveStatusReason: notRedrivable(found) }) };
    },
  };
  // https://docs.aws.amazon.com/step-functions/latest/apireference/API_RedriveExecution.html
  if (options.redrive) {
    const redrive = options.redrive;
    operations.RedriveExecution = (body) => {
      const found = execution(body.executionArn);
      const token = typeof body.clientToken === 'string' ? body.clientToken : undefined;
      if (token !== undefined && (token.length < 1 || token.length > 64)) throw new ApiError('ValidationException', 'clientToken must be 1 to 64 characters');
      // The same token again: the same answer, and no second redrive.
      const seen = token === undefined ? undefined : redriveTokens.get(found.executionArn)?.get(token);
      if (seen !== undefined) return { redriveDate: seen };
      if (found.status !== 'FAILED' || found.redriveCount >= MAX_REDRIVES) throw new ApiError('ExecutionNotRedrivable', `Execution not redrivable: '${found.executionArn}': ${notRedrivable(found)}`);
      const redriveDate = Date.now() / 1000;
      Object.assign(found, { status: 'RUNNING', redriveCount: found.redriveCount + 1, redriveDate });
      delete found.stopDate;
      if (token !== undefined) {
        const tokens = redriveTokens.get(found.executionArn) ?? new Map<string, number>();
        tokens.set(token, redriveDate);
        if (tokens.size > REMEMBERED_TOKENS) tokens.delete(tokens.keys().next().value!);
        redriveTokens.set(found.executionArn, tokens);
      }
      follow(found, () => redrive(found.name));
      return { redriveDate };
    };
  }

  const server = createServer((req, res) => {
    void handle(req, res, operations);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    executions,
    settled: async () => {
      while (running.size > 0) await Promise.all([...running]);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** DescribeExecution's redriveStatusReason wording. */
function notRedrivable(e: LocalExecutionRecord): string {
  if (e.status === 'RUNNING' || e.status === 'SUCCEEDED') return `Execution is ${e.status} and cannot be redriven`;
  if (e.redriveCount >= MAX_REDRIVES) return 'Execution has exceeded the max redrive count';
  return 'Redrive is not bound on this local endpoint';
}

async function handle(req: IncomingMessage, res: ServerResponse, operations: Record<string, (body: Record<string, unknown>) => unknown>): Promise<void> {
  const send = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
    res.end(JSON.stringify(body));
  };
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const target = String(req.headers['x-amz-target'] ?? '');
  const op = target.startsWith('AWSStepFunctions.') ? target.slice('AWSStepFunctions.'.length) : '';
  try {
    const operation = Object.hasOwn(operations, op) ? operations[op] : undefined;
    if (req.method !== 'POST' || !operation) throw new ApiError('UnknownOperationException', `operation ${target || '(none)'} is not served by the local endpoint`);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
    } catch {
      throw new ApiError('SerializationException', 'request body is not JSON');
    }
    send(200, operation(body));
  } catch (error) {
    if (error instanceof ApiError) send(400, { __type: error.type, message: error.message });
    else send(500, { __type: 'InternalFailure', message: (error as Error).message });
  }
}
