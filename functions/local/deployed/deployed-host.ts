// The bundled stack, hosted locally: every Lambda function of the synthesized template in its
// own pool of execution environments, with the environment Lambda would give it: the
// template's variables (tokens resolved to local stand-ins), Lambda's own variables, fake
// local credentials, and the AWS services it calls pointed at local endpoints through the
// SDK's service-specific endpoint variables (AWS_ENDPOINT_URL_<SERVICE>, honoured by the SDK
// the bundles carry). Task states are bound by name to their function, for the local runner.
import { parseTargetsConfig, type TargetsConfig } from '../../handlers/target-config.js';
import { LambdaFunction } from './function-host.js';
import { functionByName, readDeployedTemplate, resolveVariables, type DeployedFunction, type DeployedTemplate } from './template.js';

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_STATE_MACHINE_ARN = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:Hourglass-Runs`;

export interface DeployedHostOptions {
  cdkOut: string;
  tableName: string;
  /** Local endpoints of the AWS services the functions call. */
  endpoints: { dynamodb: string; secretsManager?: string; stepFunctions?: string };
  /** Targets added to (or replacing) the synthesized HOURGLASS_TARGETS: the local ones, with their local secrets' ARNs. */
  targets?: TargetsConfig;
  /** Variables beyond the template's (HOURGLASS_NOW, the drill clock the CLI honours too). */
  extraEnv?: Record<string, string>;
  /** Every log line of every function, with the function's name. */
  onLog?: (functionName: string, line: string) => void;
  /** Timeouts (seconds) replacing the template's, by handler name (apply, window…): tests of the time budget. */
  functionTimeouts?: Record<string, number>;
}

export interface DeployedHost {
  template: DeployedTemplate;
  /** The state machine definition from the template (function ARNs are placeholders; Tasks bind by name). */
  definition: object;
  /** Task state name → its function's handler, for taskResourceLocalHandlers. */
  taskHandlers: Record<string, (event: unknown) => Promise<unknown>>;
  /** A function by its handler file name (apply, window, api…). */
  fn(name: string): LambdaFunction;
  close(): Promise<void>;
}

export function startDeployedHost(options: DeployedHostOptions): DeployedHost {
  const template = readDeployedTemplate(options.cdkOut);
  const functions = new Map<string, LambdaFunction>();
  const timeouts = new Map(Object.entries(options.functionTimeouts ?? {}).map(([name, seconds]) => [functionByName(template, name).logicalId, seconds]));
  for (const templateFn of Object.values(template.functions)) {
    const seconds = timeouts.get(templateFn.logicalId);
    const fn = seconds === undefined ? templateFn : { ...templateFn, timeoutSeconds: seconds };
    const functionName = `Hourglass-${fn.logicalId}`;
    functions.set(fn.logicalId, new LambdaFunction({
      fn,
      functionName,
      region: LOCAL_REGION,
      env: lambdaEnvironment(fn, functionName, template, options),
      onLog: (line) => options.onLog?.(functionName, line),
    }));
  }
  const taskHandlers = Object.fromEntries(Object.entries(template.tasks).map(([state, id]) => [state, (event: unknown) => functions.get(id)!.invoke(event)]));
  return {
    template,
    definition: template.definition,
    taskHandlers,
    fn: (name) => functions.get(functionByName(template, name).logicalId)!,
    close: async () => {
      await Promise.all([...functions.values()].map((f) => f.close()));
    },
  };
}

function lambdaEnvironment(fn: DeployedFunction, functionName: string, template: DeployedTemplate, options: DeployedHostOptions): Record<string, string> {
  const variables = resolveVariables(fn, template, {
    'AWS::DynamoDB::Table': options.tableName,
    'AWS::StepFunctions::StateMachine': LOCAL_STATE_MACHINE_ARN,
  });
  if (variables.HOURGLASS_TARGETS !== undefined && options.targets) {
    const synthesized = parseTargetsConfig(JSON.parse(variables.HOURGLASS_TARGETS), 'synthesized HOURGLASS_TARGETS');
    variables.HOURGLASS_TARGETS = JSON.stringify({ ...synthesized, ...options.targets });
  }
  const { endpoints } = options;
  return {
    // What the Lambda runtime sets (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime)
    PATH: '/usr/local/bin:/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: 'local/[$LATEST]host',
    AWS_LAMBDA_LOG_FORMAT: 'JSON',
    LAMBDA_TASK_ROOT: fn.assetDir,
    // Local placeholder credentials: the local endpoints check no signature, and nothing can reach a real account with them.
    AWS_ACCESS_KEY_ID: 'AKIDLOCALHOURGLASS',
    AWS_SECRET_ACCESS_KEY: 'local-secret-access-key',
    AWS_SESSION_TOKEN: 'local-session-token',
    // Any service without a local endpoint gets a refused connection, never the real AWS.
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    ...(endpoints.secretsManager ? { AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoints.secretsManager } : {}),
    ...(endpoints.stepFunctions ? { AWS_ENDPOINT_URL_SFN: endpoints.stepFunctions } : {}),
    // Node 20 here, Node 22 in Lambda: the SDK's Node 20 notice is noise in the logs.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...variables,
    ...options.extraEnv,
  };
}
