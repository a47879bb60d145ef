// The stage's `logs` setting: one retention for every log group of the stack (the functions',
// the state machine's, the API's access logs) and the state machine's log level. Log groups
// are RETAIN like the state table: the dashboard and an audit read the functions' "window
// finished" lines, so they must outlive a deleted stack as long as the run records do.
//   {"logs": {"level": "ERROR", "retentionDays": 90}}
// level: ALL logs every state transition (Map children included) with its data, the right
// thing while developing and costly at 87,600 windows; so the default is ALL only in the
// stage named dev, ERROR elsewhere. Execution data (inputs, outputs) is logged only at ALL.
import { RemovalPolicy } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { UsageError } from '../functions/engine/errors.js';

export const STATE_MACHINE_LOG_LEVELS = ['ALL', 'ERROR', 'FATAL', 'OFF'] as const;
export type StateMachineLogLevel = (typeof STATE_MACHINE_LOG_LEVELS)[number];

export const DEFAULT_RETENTION_DAYS = 90;
/** The removal policy of every log group of the stack (see the top). */
export const LOG_REMOVAL_POLICY = RemovalPolicy.RETAIN;

/** The retention periods CloudWatch Logs accepts (INFINITE, 9999, excluded: logs are kept for a stated time). */
const RETENTIONS = Object.values(logs.RetentionDays).filter((d): d is number => typeof d === 'number' && d !== logs.RetentionDays.INFINITE).sort((a, b) => a - b);

export interface LogsConfig {
  level: StateMachineLogLevel;
  retention: logs.RetentionDays;
}

export function defaultLogLevel(stage: string): StateMachineLogLevel {
  return stage === 'dev' ? 'ALL' : 'ERROR';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseLogs(raw: unknown, label: string, stage: string): LogsConfig {
  const config: LogsConfig = { level: defaultLogLevel(stage), retention: DEFAULT_RETENTION_DAYS as logs.RetentionDays };
  if (raw === undefined || raw === null) return config;
  if (!isObject(raw)) throw new UsageError(`${label} must be {level?, retentionDays?}`);
  for (const key of Object.keys(raw)) if (key !== 'level' && key !== 'retentionDays') throw new UsageError(`${label}: unknown field "${key.slice(0, 40)}" (known: level, retentionDays)`);
  if (raw.level !== undefined) {
    if (typeof raw.level !== 'string' || !(STATE_MACHINE_LOG_LEVELS as readonly string[]).includes(raw.level)) throw new UsageError(`${label}.level must be one of ${STATE_MACHINE_LOG_LEVELS.join(', ')}`);
    config.level = raw.level as StateMachineLogLevel;
  }
  if (raw.retentionDays !== undefined) {
    if (typeof raw.retentionDays !== 'number' || !RETENTIONS.includes(raw.retentionDays)) throw new UsageError(`${label}.retentionDays must be one of ${RETENTIONS.join(', ')}`);
    config.retention = raw.retentionDays as logs.RetentionDays;
  }
  return config;
}

/** The props every log group of the stack is created with. */
export interface LogGroupSettings {
  retention: logs.RetentionDays;
  removalPolicy: RemovalPolicy;
}

export function logGroupProps(config: LogsConfig): LogGroupSettings {
  return { retention: config.retention, removalPolicy: LOG_REMOVAL_POLICY };
}
