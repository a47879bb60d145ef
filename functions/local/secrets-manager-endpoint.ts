// A local Secrets Manager endpoint: an HTTP server speaking the AWS JSON 1.1 protocol
// (POST /, `X-Amz-Target: secretsmanager.<Operation>`, `application/x-amz-json-1.1`) for
// the SDK calls hourglass makes (GetSecretValue) and what local tooling needs to set
// secrets up (CreateSecret, PutSecretValue, DeleteSecret). No emulator installs here (no
// Docker, no PyPI), so this fake stays at the edge and enforces the documented errors
// (secrets-manager-store.ts); point a real SDK client at `endpoint` (client config or
// AWS_ENDPOINT_URL_SECRETS_MANAGER). Loopback only; requests must be signed (any keys).
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AwsError, SecretsStore } from './secrets-manager-store.js';

export interface SecretsManagerEndpoint {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  region: string;
  /** Creates a secret holding `value` as its SecretString; returns its full ARN. */
  createSecret(name: string, value: string, opts?: { kmsKeyId?: string }): Promise<string>;
  /** A new AWSCURRENT version of a secret (a rotation); the old one becomes AWSPREVIOUS. */
  putSecretValue(secretId: string, value: string): Promise<void>;
  /** Requests answered so far, by operation. */
  readonly calls: Readonly<Record<string, number>>;
  close(): Promise<void>;
}

const JSON_11 = 'application/x-amz-json-1.1';

export async function startSecretsManagerEndpoint(opts: { region?: string } = {}): Promise<SecretsManagerEndpoint> {
  const region = opts.region ?? 'us-east-1';
  const store = new SecretsStore(region);
  const calls: Record<string, number> = {};

  const server = createServer((req, res) => {
    answer(req).then(
      (body) => reply(res, 200, body),
      (error: unknown) => {
        const e = error instanceof AwsError ? error : new AwsError('InternalServiceError', error instanceof Error ? error.message : String(error), 500);
        reply(res, e.status, e.message === '' ? { __type: e.type } : { __type: e.type, Message: e.message });
      },
    );
  });

  async function answer(req: IncomingMessage): Promise<Record<string, unknown>> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method !== 'POST' || (req.url ?? '/').split('?')[0] !== '/') throw new AwsError('UnknownOperationException', '');
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = /^secretsmanager\.([A-Za-z]+)$/.exec(target)?.[1];
    if (operation === undefined) throw new AwsError('UnknownOperationException', '');
    if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) {
      throw new AwsError('MissingAuthenticationTokenException', 'Missing Authentication Token');
    }
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    } catch {
      throw new AwsError('SerializationException', 'Start of structure or map found where not expected.');
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new AwsError('SerializationException', 'Start of structure or map found where not expected.');
    calls[operation] = (calls[operation] ?? 0) + 1;
    return store.call(operation, body as Record<string, unknown>);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | null = null;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    region,
    calls,
    async createSecret(name, value, secretOpts = {}) {
      const created = store.createSecret({ Name: name, SecretString: value, ...(secretOpts.kmsKeyId ? { KmsKeyId: secretOpts.kmsKeyId } : {}) });
      return String(created.ARN);
    },
    async putSecretValue(secretId, value) {
      store.putSecretValue({ SecretId: secretId, SecretString: value });
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function reply(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': JSON_11, 'Content-Length': Buffer.byteLength(text), 'x-amzn-RequestId': randomUUID() });
  res.end(text);
}
