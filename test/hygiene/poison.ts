// Variables that would point code at an account, an endpoint or a state machine that is not
// the test's own. Every one leads nowhere: a port nothing listens on, a profile that does not
// exist, keys that are not keys.
export const POISON: Record<string, string> = {
  AWS_PROFILE: 'hourglass-nonexistent-profile',
  AWS_ACCESS_KEY_ID: 'AKIAPOISONPOISONPOIS',
  AWS_SECRET_ACCESS_KEY: 'poison-secret-access-key',
  AWS_SESSION_TOKEN: 'poison-session-token',
  AWS_REGION: 'eu-poison-1',
  AWS_DEFAULT_REGION: 'eu-poison-1',
  AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
  AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:9',
  AWS_USE_FIPS_ENDPOINT: 'true',
  AWS_USE_DUALSTACK_ENDPOINT: 'true',
  AWS_ACCOUNT_ID_ENDPOINT_MODE: 'required',
  AWS_CONFIG_FILE: '/nonexistent/hourglass/aws-config',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/hourglass/aws-credentials',
  HOURGLASS_STATE_MACHINE_ARN: 'arn:aws:states:eu-poison-1:000000000000:stateMachine:poison',
  HOURGLASS_TABLE_NAME: 'poison-table',
  HOURGLASS_DYNAMODB_ENDPOINT: 'http://127.0.0.1:9',
  HOURGLASS_URL: 'postgres://poison:poison@127.0.0.1:9/poison',
};

/** Only the AWS_* part: what a local state client must ignore even when it does reach it. */
export const AWS_POISON: Record<string, string> = Object.fromEntries(Object.entries(POISON).filter(([name]) => name.startsWith('AWS_')));

/** Sets `vars` in this process for the duration of `fn`, then restores what was there. */
export async function withProcessEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}
