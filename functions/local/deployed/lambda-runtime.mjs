// One Lambda execution environment, run in a worker thread of the host: its own process.env
// (the Worker's `env`), its own module instance of the bundle, reused across invocations
// (warm starts keep module-scope clients), one invocation at a time. The handler is loaded on
// the first invocation (the init phase); an init failure is reported as Lambda reports it and
// retried on the next invocation. Results and errors cross as JSON, as a Lambda payload does.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import { lambdaContext } from './lambda-context.mjs';

const { taskRoot, handler: handlerSpec, functionName, memorySize, region } = workerData;
const dot = handlerSpec.lastIndexOf('.');
const moduleName = handlerSpec.slice(0, dot);
const exportName = handlerSpec.slice(dot + 1);
let loading;

function loadHandler() {
  const file = ['.mjs', '.js', '.cjs'].map((ext) => join(taskRoot, moduleName + ext)).find((f) => existsSync(f));
  if (!file) return Promise.reject(named('Runtime.ImportModuleError', `Error: Cannot find module '${moduleName}'`));
  return import(pathToFileURL(file).href).then(
    (module) => {
      const fn = module[exportName];
      if (typeof fn !== 'function') throw named('Runtime.HandlerNotFound', `${handlerSpec} is undefined or not exported`);
      return fn;
    },
    (error) => {
      throw named('Runtime.ImportModuleError', `${error?.name ?? 'Error'}: ${error?.message ?? String(error)}`);
    },
  );
}

function named(name, message) {
  const error = new Error(message);
  error.name = name;
  return error;
}

/** Resolves once everything written to stdout so far has been handed to the host. */
const flushStdout = () => new Promise((resolve) => process.stdout.write('', () => resolve()));

parentPort.on('message', async ({ requestId, event, deadline }) => {
  let reply;
  try {
    loading ??= loadHandler().catch((error) => {
      loading = undefined;
      throw error;
    });
    const handler = await loading;
    const result = await handler(JSON.parse(event), lambdaContext({ functionName, memorySize, region, requestId, deadline }));
    reply = { requestId, ok: true, payload: JSON.stringify(result ?? null) };
  } catch (error) {
    // Lambda's errorType is the error's name, errorMessage its message.
    reply = { requestId, ok: false, errorType: error?.name ?? 'Error', errorMessage: error?.message ?? String(error) };
  }
  await flushStdout();
  parentPort.postMessage(reply);
});
