// Helpers for reading a synthesized template: the state machine definition with its tokens
// turned into placeholders, and the IAM statements attached to a function's role.
import type { Template } from 'aws-cdk-lib/assertions';

export type Resources = Record<string, { Type: string; Properties: Record<string, any>; Metadata?: Record<string, unknown> }>;

export interface Statement {
  Action: string | string[];
  Resource: unknown;
  Effect: string;
}

export function resources(template: Template): Resources {
  return template.toJSON().Resources as Resources;
}

/** Fn::Join pieces concatenated, any other token → "<logicalId>" (GetAtt) or "<Ref:…>". */
export function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  const obj = value as Record<string, unknown>;
  if (Array.isArray(obj['Fn::Join'])) {
    const [sep, parts] = obj['Fn::Join'] as [string, unknown[]];
    return parts.map(flatten).join(sep);
  }
  if (Array.isArray(obj['Fn::GetAtt'])) return `<${(obj['Fn::GetAtt'] as string[]).join('.')}>`;
  if (typeof obj.Ref === 'string') return `<Ref:${obj.Ref}>`;
  return `<${JSON.stringify(value)}>`;
}

export function stateMachineDefinition(template: Template): any {
  const [sm] = Object.values(resources(template)).filter((r) => r.Type === 'AWS::StepFunctions::StateMachine');
  return JSON.parse(flatten(sm!.Properties.DefinitionString));
}

/** Every state of a definition, Map children included, by name. */
export function allStates(definition: any): Record<string, any> {
  const out: Record<string, any> = {};
  const walk = (states: Record<string, any>): void => {
    for (const [name, state] of Object.entries(states)) {
      out[name] = state;
      if (state.ItemProcessor) walk(state.ItemProcessor.States);
      if (state.Iterator) walk(state.Iterator.States);
    }
  };
  walk(definition.States);
  return out;
}

/** The statements of every policy attached to the role of the Lambda function `functionId` (logical id prefix). */
export function functionStatements(template: Template, functionIdPrefix: string): Statement[] {
  const all = resources(template);
  const fnId = Object.keys(all).find((id) => id.startsWith(functionIdPrefix) && all[id]!.Type === 'AWS::Lambda::Function');
  if (!fnId) throw new Error(`no function ${functionIdPrefix}`);
  const roleId = (all[fnId]!.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
  return Object.values(all)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && (r.Properties.Roles as { Ref: string }[]).some((ref) => ref.Ref === roleId))
    .flatMap((r) => r.Properties.PolicyDocument.Statement as Statement[]);
}

export function actions(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

export function resourceList(statement: Statement): string[] {
  return (Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource]).map(flatten);
}
