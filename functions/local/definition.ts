// The state machine definition exactly as CDK synthesizes it, with its tokens resolved:
// Lambda ARNs become placeholders (the local runner binds Tasks by state name). Synthesis
// skips asset bundling (the definition does not depend on it) and is cached by a hash of
// infra/ and cdk.json in dist/ (written at install by scripts/build.mjs), so `npm start`
// pays for it once per change of the stack.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(process.env.HOURGLASS_REPO_ROOT ?? process.cwd());

function infraHash(): string {
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) hash.update(path).update(readFileSync(path));
    }
  };
  walk(join(ROOT, 'infra'));
  hash.update(readFileSync(join(ROOT, 'cdk.json')));
  // The Retry lists of the definition come from here too.
  hash.update(readFileSync(join(ROOT, 'functions/handlers/error-names.ts')));
  // And the batch's timeout Retry interval from the window lease's length.
  hash.update(readFileSync(join(ROOT, 'functions/engine/state/lease-heartbeat.ts')));
  return hash.digest('hex').slice(0, 16);
}

export async function localDefinition(cacheDir = join(ROOT, 'dist')): Promise<object> {
  const file = join(cacheDir, `definition-${infraHash()}.json`);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as object;
  const definition = await synthesizeDefinition();
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(file, JSON.stringify(definition, null, 2));
  return definition;
}

/** Synthesizes the stack in-process (no bundling) and resolves the state machine's DefinitionString. */
export async function synthesizeDefinition(): Promise<object> {
  const { createHourglassApp, cdkJsonContext } = await import('../../infra/hourglass-app.js');
  const { Template } = await import('aws-cdk-lib/assertions');
  const { stack } = createHourglassApp({ context: cdkJsonContext(), bundle: false });
  const machines = Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine');
  const [resource] = Object.values(machines) as { Properties: { DefinitionString: unknown } }[];
  if (!resource) throw new Error('the synthesized stack has no state machine');
  return JSON.parse(resolveTokens(resource.Properties.DefinitionString)) as object;
}

/** Fn::Join pieces are concatenated; any other intrinsic (a function ARN) becomes a placeholder ARN. */
export function resolveTokens(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    if (Array.isArray(obj['Fn::Join'])) {
      const [separator, parts] = obj['Fn::Join'] as [string, unknown[]];
      return parts.map(resolveTokens).join(separator);
    }
    const getAtt = obj['Fn::GetAtt'] as string[] | undefined;
    const name = getAtt?.[0] ?? (obj.Ref as string | undefined) ?? 'resource';
    return `arn:aws:lambda:local:000000000000:function:${name}`;
  }
  throw new Error(`unexpected token in the state machine definition: ${JSON.stringify(value)}`);
}
