// Whether a failure to open a target was the server refusing the credentials: the one case
// where reading the secret again (it may have been rotated) and retrying can help.
//   PostgreSQL: SQLSTATE 28P01 invalid_password, 28000 invalid_authorization_specification
//   ClickHouse: 516 AUTHENTICATION_FAILED (and the older 192 UNKNOWN_USER, 193 WRONG_PASSWORD, 194 REQUIRED_PASSWORD)
const POSTGRES = new Set(['28P01', '28000']);
const CLICKHOUSE = new Set(['516', '192', '193', '194']);

export function isAuthenticationFailure(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && POSTGRES.has(code)) return true;
    if ((typeof code === 'string' || typeof code === 'number') && CLICKHOUSE.has(String(code)) && 'type' in e) return true;
  }
  return false;
}
