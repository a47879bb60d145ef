// HTTP plumbing of the API handler: the request shape it routes on (the parts of an API
// Gateway proxy event it uses), JSON responses, and parsing of bodies and query values. Every
// problem becomes a UsageError with one line, answered as 400 {"error": "..."}.
import { UsageError } from '../engine/errors.js';
import { WINDOW_STATUSES, type WindowStatus } from '../engine/state/records.js';

export interface ApiRequest {
  httpMethod: string;
  /** The API resource, e.g. "/runs/{id}/windows" (not the raw path). */
  resource: string;
  pathParameters?: Record<string, string | undefined> | null;
  queryStringParameters?: Record<string, string | undefined> | null;
  /** As the client sent them (names in any case): Idempotency-Key. */
  headers?: Record<string, string | undefined> | null;
  body?: string | null;
  isBase64Encoded?: boolean;
  /** The IAM caller (IAM authorization on every method), recorded with a pause or throttle. */
  requestContext?: { identity?: { userArn?: string | null; caller?: string | null } | null } | null;
}

export interface ApiResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** A run or route that does not exist: 404. */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
}

/** The request conflicts with the run's state (already started, nothing to retry): 409. */
export class ConflictError extends Error {
  override name = 'ConflictError';
  constructor(message: string, readonly details: Record<string, unknown> = {}) {
    super(message);
  }
}

/** The request is well formed but contradicts an earlier one (an idempotency key reused with another body): 422. */
export class UnprocessableError extends Error {
  override name = 'UnprocessableError';
}

/** The answer would not fit the API function's time, memory or response limits (a report of a very large run): 413. */
export class TooLargeError extends Error {
  override name = 'TooLargeError';
}

export function json(statusCode: number, body: unknown): ApiResponse {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

export function errorResponse(statusCode: number, message: string, details: Record<string, unknown> = {}): ApiResponse {
  return json(statusCode, { error: message.split('\n')[0], ...details });
}

/** The body as JSON; `optional` bodies may be absent (→ {}). */
export function parseJsonBody(request: ApiRequest, optional: boolean): unknown {
  const raw = request.body ?? '';
  const text = request.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  if (text.trim() === '') {
    if (optional) return {};
    throw new UsageError('request body is required: a JSON object');
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    throw new UsageError('request body is not valid JSON');
  }
}

export function query(request: ApiRequest, name: string): string | undefined {
  return request.queryStringParameters?.[name] ?? undefined;
}

export function statusFilter(value: string | undefined): WindowStatus | undefined {
  if (value === undefined) return undefined;
  if (!(WINDOW_STATUSES as readonly string[]).includes(value)) throw new UsageError(`"status" must be one of ${WINDOW_STATUSES.join(', ')}`);
  return value as WindowStatus;
}

export function limitParam(value: string | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (!/^\d{1,6}$/.test(value) || Number(value) < 1 || Number(value) > max) throw new UsageError(`"limit" must be a whole number from 1 to ${max}`);
  return Number(value);
}

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

/** A window start to page after, as the canonical ISO form used in keys. */
export function afterParam(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  if (!INSTANT.test(value) || Number.isNaN(date.getTime())) throw new UsageError('"after" must be a UTC instant like 2024-01-01T00:00:00.000Z (the "next" of the previous page)');
  return date.toISOString();
}
