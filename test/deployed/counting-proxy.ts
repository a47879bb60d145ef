// A pass-through HTTP proxy in front of the local DynamoDB (dynalite) that records every call a
// bundled function makes: its operation, the Limit it asked for and the items the answer
// carried. Tests point the function's AWS_ENDPOINT_URL_DYNAMODB at it to count what one
// request reads, at the wire, without touching the bundle.
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export interface DynamoCall {
  /** e.g. Query, GetItem (the X-Amz-Target operation). */
  operation: string;
  limit?: number;
  /** Items the answer carried (Query Count; 1 or 0 for GetItem). */
  items: number;
  /** Bytes of the answer's body. */
  bytes: number;
}

export interface CountingProxy {
  endpoint: string;
  calls: DynamoCall[];
  close(): Promise<void>;
}

export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const upstream = new URL(target);
  const calls: DynamoCall[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const operation = String(req.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
      const up = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (upRes) => {
        const out: Buffer[] = [];
        upRes.on('data', (c: Buffer) => out.push(c));
        upRes.on('end', () => {
          const payload = Buffer.concat(out);
          calls.push({ operation, ...limitOf(body), items: itemsOf(payload, upRes.headers), bytes: payload.length });
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          res.end(payload);
        });
      });
      up.on('error', (error) => {
        res.statusCode = 502;
        res.end(String(error));
      });
      up.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function limitOf(body: Buffer): { limit?: number } {
  try {
    const limit = (JSON.parse(body.toString('utf8')) as { Limit?: unknown }).Limit;
    return typeof limit === 'number' ? { limit } : {};
  } catch {
    return {};
  }
}

function itemsOf(payload: Buffer, headers: IncomingHttpHeaders): number {
  try {
    const text = (headers['content-encoding'] === 'gzip' ? gunzipSync(payload) : payload).toString('utf8');
    const parsed = JSON.parse(text) as { Count?: unknown; Item?: unknown; Items?: unknown[] };
    if (typeof parsed.Count === 'number') return parsed.Count;
    if (Array.isArray(parsed.Items)) return parsed.Items.length;
    return parsed.Item ? 1 : 0;
  } catch {
    return 0;
  }
}
