// A Lambda function of the bundled stack, hosted locally: a pool of execution environments
// (worker threads running lambda-runtime.mjs), each one invocation at a time. An idle
// environment is reused (a warm start); when all are busy, as when the Map runs batches in
// parallel, a new one starts (a cold start), as Lambda scales out. An invocation that outlives
// the function's timeout ends its environment and fails with Sandbox.Timedout, as in Lambda.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Worker } from 'node:worker_threads';
import { REPO_ROOT } from './repo-root.js';
import type { DeployedFunction } from './template.js';

const RUNTIME = join(REPO_ROOT, 'functions/local/deployed/lambda-runtime.mjs');

export interface LambdaFunctionOptions {
  fn: DeployedFunction;
  /** The name Lambda would give it (AWS_LAMBDA_FUNCTION_NAME, context.functionName). */
  functionName: string;
  region: string;
  /** The whole process.env of each environment (nothing is inherited from the host). */
  env: Record<string, string>;
  /** Every line the function writes to stdout/stderr (its CloudWatch log stream). */
  onLog?: (line: string) => void;
}

/** A function error as Lambda reports it: errorType as the name, errorMessage as the message. */
export function lambdaError(errorType: string, errorMessage: string): Error {
  const error = new Error(errorMessage);
  error.name = errorType;
  return error;
}

interface Reply {
  requestId: string;
  ok: boolean;
  payload?: string;
  errorType?: string;
  errorMessage?: string;
}

class ExecutionEnvironment {
  private readonly worker: Worker;
  private pending: { requestId: string; resolve: (r: Reply) => void; reject: (e: Error) => void } | undefined;
  private readonly outputDone: Promise<void>[] = [];
  dead = false;

  constructor(private readonly options: LambdaFunctionOptions) {
    const { fn, functionName, region, env } = options;
    this.worker = new Worker(RUNTIME, {
      env,
      workerData: { taskRoot: fn.assetDir, handler: fn.handler, functionName, memorySize: fn.memorySize, region },
      stdout: true,
      stderr: true,
      // The function's memory setting bounds its heap, roughly as in Lambda.
      resourceLimits: { maxOldGenerationSizeMb: fn.memorySize },
    });
    for (const stream of [this.worker.stdout, this.worker.stderr]) {
      const lines = createInterface({ input: stream, crlfDelay: Infinity });
      lines.on('line', (line) => options.onLog?.(line));
      this.outputDone.push(new Promise((resolve) => lines.once('close', () => resolve())));
    }
    this.worker.on('message', (reply: Reply) => {
      if (this.pending?.requestId === reply.requestId) this.pending.resolve(reply);
    });
    this.worker.on('error', (error) => this.end(lambdaError('Runtime.ExitError', `RequestId: ${this.pending?.requestId ?? '-'} Error: Runtime exited with error: ${error.message}`)));
    this.worker.on('exit', (code) => this.end(lambdaError('Runtime.ExitError', `Runtime exited with code ${code}`)));
  }

  async invoke(event: unknown): Promise<unknown> {
    const requestId = randomUUID();
    const timeoutMs = this.options.fn.timeoutSeconds * 1000;
    const deadline = Date.now() + timeoutMs;
    const reply = await new Promise<Reply>((resolve, reject) => {
      this.pending = { requestId, resolve, reject };
      const timer = setTimeout(() => {
        this.end(lambdaError('Sandbox.Timedout', `RequestId: ${requestId} Error: Task timed out after ${this.options.fn.timeoutSeconds.toFixed(2)} seconds`));
      }, timeoutMs);
      const clear = () => clearTimeout(timer);
      this.pending.resolve = (r) => (clear(), resolve(r));
      this.pending.reject = (e) => (clear(), reject(e));
      this.worker.postMessage({ requestId, event: JSON.stringify(event ?? null), deadline });
    }).finally(() => (this.pending = undefined));
    if (!reply.ok) throw lambdaError(reply.errorType ?? 'Error', reply.errorMessage ?? '');
    return JSON.parse(reply.payload ?? 'null') as unknown;
  }

  /** Ends the environment; a pending invocation fails with `error`. */
  private end(error: Error): void {
    if (!this.dead) {
      this.dead = true;
      void this.worker.terminate();
    }
    this.pending?.reject(error);
  }

  async close(): Promise<void> {
    this.dead = true;
    await this.worker.terminate();
    await Promise.all(this.outputDone);
  }
}

export class LambdaFunction {
  private readonly idle: ExecutionEnvironment[] = [];
  private readonly all = new Set<ExecutionEnvironment>();
  private closed = false;
  /** Execution environments started (cold starts). */
  coldStarts = 0;

  constructor(private readonly options: LambdaFunctionOptions) {}

  get name(): string {
    return this.options.functionName;
  }

  async invoke(event: unknown): Promise<unknown> {
    if (this.closed) throw lambdaError('Lambda.ServiceException', `function ${this.name} is shut down`);
    let environment = this.idle.pop();
    if (!environment) {
      environment = new ExecutionEnvironment(this.options);
      this.all.add(environment);
      this.coldStarts++;
    }
    try {
      return await environment.invoke(event);
    } finally {
      if (environment.dead || this.closed) this.all.delete(environment);
      else this.idle.push(environment);
    }
  }

  /** Ends every environment and waits until all their output has been delivered. */
  async close(): Promise<void> {
    this.closed = true;
    const environments = [...this.all];
    this.all.clear();
    this.idle.length = 0;
    await Promise.all(environments.map((e) => e.close()));
  }
}
