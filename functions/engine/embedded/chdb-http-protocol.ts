// The parts of ClickHouse's HTTP interface that are pure protocol: who the request says it
// is, which HTTP status an exception code gets, how an error body reads. Kept apart from
// the server so each can be read in one sitting.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export interface Credentials {
  user: string;
  password: string;
}

export class ClickHouseHttpError extends Error {
  constructor(readonly code: number, readonly type: string, message: string) {
    super(message);
  }
}

/**
 * Credentials as ClickHouse reads them: X-ClickHouse-User/X-ClickHouse-Key headers, Basic
 * auth, or `user`/`password` URL parameters; none means user `default` with no password.
 * Mixing methods is refused, as the server does.
 */
export function credentialsOf(req: IncomingMessage, params: URLSearchParams): Credentials {
  const headerUser = header(req, 'x-clickhouse-user');
  const headerKey = header(req, 'x-clickhouse-key');
  const authorization = header(req, 'authorization');
  const paramUser = params.get('user');
  const paramPassword = params.get('password');
  const methods = [headerUser !== undefined || headerKey !== undefined, authorization !== undefined, paramUser !== null || paramPassword !== null];
  if (methods.filter(Boolean).length > 1) {
    throw new ClickHouseHttpError(516, 'AUTHENTICATION_FAILED', 'Invalid authentication: it is not allowed to use several authentication methods simultaneously');
  }
  if (authorization !== undefined) {
    const match = /^Basic\s+(\S+)$/i.exec(authorization);
    if (!match) throw new ClickHouseHttpError(516, 'AUTHENTICATION_FAILED', 'Invalid authentication: only Basic authorization is supported');
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon === -1 ? { user: decoded, password: '' } : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (methods[0]) return { user: headerUser ?? 'default', password: headerKey ?? '' };
  return { user: paramUser ?? 'default', password: paramPassword ?? '' };
}

export function checkCredentials(given: Credentials, expected: Credentials): void {
  if (given.user === expected.user && sameText(given.password, expected.password)) return;
  // ClickHouse's own wording: it does not say which of the two was wrong.
  throw new ClickHouseHttpError(516, 'AUTHENTICATION_FAILED', `${given.user}: Authentication failed: password is incorrect, or there is no user with such name`);
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

// ClickHouse's src/Server/HTTP/exceptionCodeToHTTPStatus.cpp, by exception name (chdb's
// errors carry the name, so no code table has to be kept in step with the engine).
const STATUS_GROUPS: Array<[number, string[]]> = [
  [401, ['REQUIRED_PASSWORD']],
  [403, ['UNKNOWN_USER', 'WRONG_PASSWORD', 'AUTHENTICATION_FAILED', 'SET_NON_GRANTED_ROLE', 'ACCESS_DENIED']],
  [400, ['BAD_ARGUMENTS', 'CANNOT_COMPILE_REGEXP', 'CANNOT_PARSE_TEXT', 'CANNOT_PARSE_ESCAPE_SEQUENCE', 'CANNOT_PARSE_QUOTED_STRING',
    'CANNOT_PARSE_DATE', 'CANNOT_PARSE_DATETIME', 'CANNOT_PARSE_NUMBER', 'CANNOT_PARSE_DOMAIN_VALUE_FROM_STRING', 'CANNOT_PARSE_IPV4',
    'CANNOT_PARSE_IPV6', 'CANNOT_PARSE_INPUT_ASSERTION_FAILED', 'CANNOT_PARSE_UUID', 'DUPLICATE_COLUMN', 'ILLEGAL_COLUMN',
    'UNKNOWN_ELEMENT_IN_AST', 'UNKNOWN_TYPE_OF_AST_NODE', 'THERE_IS_NO_COLUMN', 'TOO_DEEP_AST', 'TOO_BIG_AST', 'UNEXPECTED_AST_STRUCTURE',
    'SYNTAX_ERROR', 'INCORRECT_DATA', 'TYPE_MISMATCH', 'VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE']],
  [404, ['UNKNOWN_TABLE', 'UNKNOWN_FUNCTION', 'UNKNOWN_IDENTIFIER', 'UNKNOWN_TYPE', 'UNKNOWN_STORAGE', 'UNKNOWN_DATABASE', 'UNKNOWN_SETTING',
    'UNKNOWN_DIRECTION_OF_SORTING', 'UNKNOWN_AGGREGATE_FUNCTION', 'UNKNOWN_FORMAT', 'UNKNOWN_DATABASE_ENGINE', 'UNKNOWN_TYPE_OF_QUERY', 'UNKNOWN_ROLE']],
  [413, ['QUERY_IS_TOO_LARGE']],
  [501, ['NOT_IMPLEMENTED']],
  [503, ['SOCKET_TIMEOUT', 'CANNOT_OPEN_FILE', 'CANNOT_SCHEDULE_TASK']],
  [411, ['HTTP_LENGTH_REQUIRED']],
  [408, ['TIMEOUT_EXCEEDED']],
  [415, ['UNSUPPORTED_MEDIA_TYPE']],
];
const STATUS_BY_NAME = new Map(STATUS_GROUPS.flatMap(([status, names]) => names.map((name) => [name, status] as const)));

export function httpStatusOf(type: string): number {
  return STATUS_BY_NAME.get(type) ?? 500;
}

/** The body a ClickHouse server sends for an exception; @clickhouse/client parses code and type out of it. */
export function errorBody(code: number, type: string, message: string, version: string): string {
  const text = message.replace(/\s+$/, '');
  const typed = type === '' ? text : `${text} (${type})`;
  return `Code: ${code}. DB::Exception: ${typed} (version ${version})\n`;
}

// What ClickHouse answers with for the formats clients ask for most; others are text.
const CONTENT_TYPES: Record<string, string> = {
  JSON: 'application/json', JSONCompact: 'application/json', JSONEachRow: 'application/x-ndjson',
  JSONCompactEachRow: 'application/x-ndjson', JSONStringsEachRow: 'application/x-ndjson',
  TabSeparated: 'text/tab-separated-values', TSV: 'text/tab-separated-values', CSV: 'text/csv', CSVWithNames: 'text/csv',
};

export function contentTypeOf(format: string): string {
  return `${CONTENT_TYPES[format] ?? 'text/plain'}; charset=UTF-8`;
}

/** A GET runs with readonly=1 on a server: only statements that change nothing. */
export function isReadOnlyStatement(query: string): boolean {
  const first = /^\s*(?:(?:--[^\n]*\n|\/\*[\s\S]*?\*\/)\s*)*([A-Za-z]+)/.exec(query)?.[1]?.toUpperCase();
  return first !== undefined && ['SELECT', 'WITH', 'SHOW', 'DESCRIBE', 'DESC', 'EXISTS', 'EXPLAIN'].includes(first);
}

/** A ClickHouse string literal holding `text` exactly. */
export function sqlString(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * The `param_<name>` values of a request as the statements that set them in the request's own
 * session (`SET param_x = '…'`, as clickhouse-client does): the engine then reads each value
 * in the escaped text format, exactly as a server reads the URL parameter (\N is NULL, \' a quote).
 * Bound this way rather than through chdb's binder, whose one queue per process would hold
 * every parameterized request behind the one running.
 */
export function paramStatements(params: URLSearchParams): string[] {
  const out: string[] = [];
  for (const [key, value] of params) {
    if (!key.startsWith('param_')) continue;
    if (!/^param_[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new ClickHouseHttpError(36, 'BAD_ARGUMENTS', `Invalid query parameter name: ${key.slice(6)}`);
    out.push(`SET ${key} = ${sqlString(value)}`);
  }
  return out;
}
