// Reads what the Lambda-like host needs from the synthesized template of a bundled cloud
// assembly: the state machine definition (tokens resolved) and, for every Lambda function,
// its asset directory, handler, timeout, memory and environment, with the template's tokens
// (the table, the state machine) resolved to local stand-ins.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveTokens } from '../definition.js';

export interface DeployedFunction {
  logicalId: string;
  /** The asset directory in cdk.out: index.mjs (+ migrations/). */
  assetDir: string;
  /** "index.handler" */
  handler: string;
  timeoutSeconds: number;
  memorySize: number;
  /** Environment.Variables as synthesized; tokens still unresolved. */
  variables: Record<string, unknown>;
}

export interface DeployedTemplate {
  definition: { States: Record<string, unknown> };
  functions: Record<string, DeployedFunction>;
  /** Task state name → logical id of the function its Resource names. */
  tasks: Record<string, string>;
  /** Logical id → resource type, for resolving Refs. */
  resourceTypes: Record<string, string>;
}

interface Resource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
}

const LOCAL_FUNCTION_ARN = /^arn:aws:lambda:local:000000000000:function:([A-Za-z0-9]+)$/;

/**
 * The template file of the Hourglass stack in a cloud assembly: the one stack artifact named
 * Hourglass-<stage> (the stage is whatever the assembly was synthesized with), or `stackName`.
 */
export function stackTemplateFile(cdkOut: string, stackName?: string): string {
  const manifest = JSON.parse(readFileSync(join(cdkOut, 'manifest.json'), 'utf8')) as { artifacts?: Record<string, { type?: string; properties?: { templateFile?: string } }> };
  const stacks = Object.entries(manifest.artifacts ?? {}).filter(([id, a]) => a.type === 'aws:cloudformation:stack' && (stackName === undefined ? /^Hourglass-[a-z][a-z0-9-]*$/.test(id) : id === stackName));
  if (stacks.length !== 1) throw new Error(`expected one ${stackName ?? 'Hourglass-<stage>'} stack in ${cdkOut}, found ${stacks.length}`);
  const [id, artifact] = stacks[0]!;
  return join(cdkOut, artifact.properties?.templateFile ?? `${id}.template.json`);
}

export function readDeployedTemplate(cdkOut: string, stackName?: string): DeployedTemplate {
  const template = JSON.parse(readFileSync(stackTemplateFile(cdkOut, stackName), 'utf8')) as { Resources: Record<string, Resource> };
  const resources = template.Resources;
  const functions: Record<string, DeployedFunction> = {};
  const resourceTypes: Record<string, string> = {};
  let definitionString: unknown;
  for (const [id, resource] of Object.entries(resources)) {
    resourceTypes[id] = resource.Type;
    if (resource.Type === 'AWS::StepFunctions::StateMachine') definitionString = resource.Properties?.DefinitionString;
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const props = resource.Properties ?? {};
    const assetPath = resource.Metadata?.['aws:asset:path'];
    if (typeof assetPath !== 'string') throw new Error(`function ${id} has no aws:asset:path metadata: synthesize with aws:cdk:enable-asset-metadata`);
    functions[id] = {
      logicalId: id,
      assetDir: join(cdkOut, assetPath),
      handler: String(props.Handler),
      timeoutSeconds: Number(props.Timeout ?? 3),
      memorySize: Number(props.MemorySize ?? 128),
      variables: ((props.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables) ?? {},
    };
  }
  if (definitionString === undefined) throw new Error('the synthesized stack has no state machine');
  const definition = JSON.parse(resolveTokens(definitionString)) as DeployedTemplate['definition'];
  const tasks: Record<string, string> = {};
  collectTasks(definition.States, tasks);
  for (const [state, id] of Object.entries(tasks)) if (!functions[id]) throw new Error(`Task state ${state} names ${id}, which is not a Lambda function of the template`);
  return { definition, functions, tasks, resourceTypes };
}

/** Walks the states, Map processors and Parallel branches included. */
function collectTasks(states: Record<string, unknown>, into: Record<string, string>): void {
  for (const [name, raw] of Object.entries(states)) {
    const state = raw as { Type?: string; Resource?: string; ItemProcessor?: { States: Record<string, unknown> }; Iterator?: { States: Record<string, unknown> }; Branches?: { States: Record<string, unknown> }[] };
    if (state.Type === 'Task') {
      const match = LOCAL_FUNCTION_ARN.exec(state.Resource ?? '');
      if (!match) throw new Error(`Task state ${name} does not invoke a function of the stack directly (Resource ${state.Resource})`);
      into[name] = match[1]!;
    }
    const nested = [state.ItemProcessor, state.Iterator, ...(state.Branches ?? [])].filter((s) => s !== undefined);
    for (const child of nested) collectTasks(child.States, into);
  }
}

/** The function whose handler file is `name` (apply, window, api…): its logical id starts with the capitalized name. */
export function functionByName(template: DeployedTemplate, name: string): DeployedFunction {
  const prefix = `${name[0]!.toUpperCase()}${name.slice(1)}Function`;
  const found = Object.values(template.functions).filter((f) => f.logicalId.startsWith(prefix));
  if (found.length !== 1) throw new Error(`expected one function ${prefix}… in the template, found ${found.length}`);
  return found[0]!;
}

/**
 * Environment.Variables with their tokens resolved: a Ref to a resource becomes the local
 * stand-in the caller gives for its type (the table name, the state machine ARN).
 */
export function resolveVariables(fn: DeployedFunction, template: DeployedTemplate, refs: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(fn.variables)) {
    if (typeof value === 'string') {
      out[key] = value;
      continue;
    }
    const ref = (value as { Ref?: string } | null)?.Ref;
    const type = ref === undefined ? undefined : template.resourceTypes[ref];
    const local = type === undefined ? undefined : refs[type];
    if (local === undefined) throw new Error(`${fn.logicalId}: cannot resolve environment variable ${key} locally (${JSON.stringify(value)})`);
    out[key] = local;
  }
  return out;
}
