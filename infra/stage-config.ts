// The stage (`-c stage=prod`, default dev) and where its settings come from. A stage's
// settings (targets, vpc, schedule, eventBus, api, logs, env) are read, key by key, from the first source
// that has them:
//   1. the stage's block in the JSON file named by context hourglass:configFile
//      ({"prod": {"targets": …, "eventBus": …}}), kept outside cdk.json for real accounts;
//   2. the stage's block in context hourglass:stages (same shape, inside cdk.json or -c);
//   3. the top-level context keys hourglass:targets, hourglass:vpc, … (cdk.json's example).
// Every value keeps a label naming its source, so a bad one fails synth with one line that
// says where to look.
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { Node } from 'constructs';
import { UsageError } from '../functions/engine/errors.js';

export const DEFAULT_STAGE = 'dev';
/** Lower case, so it fits stack names, export names, bus names and dashboard names alike. */
const STAGE = /^[a-z][a-z0-9-]{0,19}$/;

export const SETTINGS = ['targets', 'vpc', 'schedule', 'eventBus', 'api', 'logs', 'env'] as const;
export type Setting = (typeof SETTINGS)[number];

export const CONTEXT_KEYS = {
  stage: 'stage',
  stages: 'hourglass:stages',
  configFile: 'hourglass:configFile',
  targets: 'hourglass:targets',
  vpc: 'hourglass:vpc',
  schedule: 'hourglass:schedule',
  eventBus: 'hourglass:eventBus',
  api: 'hourglass:api',
  logs: 'hourglass:logs',
  env: 'hourglass:env',
  /** true: synth may use cdk.json's example targets (tests, the local runner, an offline look); never for a deploy. */
  allowExample: 'hourglass:allowExample',
} as const;

export interface SettingValue {
  value: unknown;
  /** Names the source in error messages, e.g. "context hourglass:targets" or "config/prod.json prod.targets". */
  label: string;
}

export interface StageSettings {
  stage: string;
  get(setting: Setting): SettingValue;
}

/** Context passed with `-c` arrives as a string; cdk.json gives objects. */
export function contextValue(node: Node, key: string): unknown {
  const value: unknown = node.tryGetContext(key);
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch (error) {
    if (error instanceof SyntaxError) throw new UsageError(`context ${key} is not valid JSON`);
    throw error;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function readStage(node: Node): string {
  const raw: unknown = node.tryGetContext(CONTEXT_KEYS.stage) ?? DEFAULT_STAGE;
  if (typeof raw !== 'string' || !STAGE.test(raw)) throw new UsageError(`context ${CONTEXT_KEYS.stage} must be lower-case letters, digits and - (at most 20, starting with a letter), e.g. -c stage=prod`);
  return raw;
}

/** The stage's block of a {stage: {setting: value}} object, checked for unknown settings. */
function stageBlock(all: unknown, stage: string, where: string): Record<string, unknown> | undefined {
  if (all === undefined || all === null) return undefined;
  if (!isObject(all)) throw new UsageError(`${where} must be an object of stage name → {${SETTINGS.join(', ')}}`);
  const block = all[stage];
  if (block === undefined) return undefined;
  if (!isObject(block)) throw new UsageError(`${where}.${stage} must be an object with ${SETTINGS.join(', ')}`);
  for (const key of Object.keys(block)) {
    if (!(SETTINGS as readonly string[]).includes(key)) throw new UsageError(`${where}.${stage}: unknown setting "${key.slice(0, 40)}" (known: ${SETTINGS.join(', ')})`);
  }
  return block;
}

function readConfigFile(node: Node, repoRoot: string): { path: string; content: unknown } | undefined {
  const path: unknown = node.tryGetContext(CONTEXT_KEYS.configFile);
  if (path === undefined || path === null) return undefined;
  if (typeof path !== 'string' || path === '') throw new UsageError(`context ${CONTEXT_KEYS.configFile} must be the path of a JSON file`);
  let text: string;
  try {
    text = readFileSync(isAbsolute(path) ? path : join(repoRoot, path), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code === 'string') throw new UsageError(`context ${CONTEXT_KEYS.configFile}: cannot read ${path} (${code})`);
    throw error;
  }
  try {
    return { path, content: JSON.parse(text) };
  } catch (error) {
    if (error instanceof SyntaxError) throw new UsageError(`${path} is not valid JSON`);
    throw error;
  }
}

export function readStageSettings(node: Node, repoRoot: string): StageSettings {
  const stage = readStage(node);
  const file = readConfigFile(node, repoRoot);
  const fromFile = file ? stageBlock(file.content, stage, file.path) : undefined;
  const fromContext = stageBlock(contextValue(node, CONTEXT_KEYS.stages), stage, `context ${CONTEXT_KEYS.stages}`);
  return {
    stage,
    get(setting) {
      if (fromFile && fromFile[setting] !== undefined) return { value: fromFile[setting], label: `${file!.path} ${stage}.${setting}` };
      if (fromContext && fromContext[setting] !== undefined) return { value: fromContext[setting], label: `context ${CONTEXT_KEYS.stages}.${stage}.${setting}` };
      return { value: contextValue(node, CONTEXT_KEYS[setting]), label: `context ${CONTEXT_KEYS[setting]}` };
    },
  };
}
