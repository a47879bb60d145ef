// Local state shared between hourglass processes on one --state directory. The LevelDB under
// it opens in one process only, so the first process serves it (dynalite on 127.0.0.1) and
// records {pid, port} in <state>/server.json; later processes find that file and connect.
// A stale file (its pid gone) is ignored. When the serving process exits while others are
// connected, their next request is refused, and the first of them to notice takes the
// directory over (serves it itself, rewrites server.json); the others follow the new file.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LockBusyError } from '../engine/errors.js';
import type { LocalDynamo } from '../engine/state/local-dynamo.js';

interface ServerFile {
  pid: number;
  port: number;
}

export interface SharedLocalState {
  /** The endpoint at open time (requests follow takeovers on their own). */
  endpoint: string;
  /** This process serves the directory (it opened it first). */
  serving(): boolean;
  /** Routes every request of this client to the current server, taking over if it is gone. */
  attach(client: DynamoDBDocumentClient): void;
  close(): Promise<void>;
}

const WAIT_FOR_SERVER_MS = 15_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readServerFile(path: string): ServerFile | null {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<ServerFile>;
    return Number.isInteger(parsed.pid) && Number.isInteger(parsed.port) ? (parsed as ServerFile) : null;
  } catch {
    return null;
  }
}

export async function openSharedLocalState(stateDir: string): Promise<SharedLocalState> {
  const { startLocalDynamo } = await import('../engine/state/local-dynamo.js');
  const file = join(stateDir, 'server.json');
  let local: LocalDynamo | undefined;
  let port = 0;

  /** Serve the directory, or connect to whoever serves it; waits out a server that is starting or a takeover. */
  const acquire = async (): Promise<void> => {
    const deadline = Date.now() + WAIT_FOR_SERVER_MS;
    for (;;) {
      try {
        local = await startLocalDynamo({ dir: join(stateDir, 'dynamodb') });
        port = Number(new URL(local.endpoint).port);
        writeFileSync(file, JSON.stringify({ pid: process.pid, port }));
        return;
      } catch (error) {
        if (!(error instanceof LockBusyError)) throw error;
        const server = readServerFile(file);
        if (server && server.pid !== process.pid && server.port !== port && alive(server.pid)) {
          port = server.port;
          return;
        }
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  };
  await acquire();
  let takingOver: Promise<void> | undefined;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    serving: () => local !== undefined,
    attach(client) {
      client.middlewareStack.add(
        (next) => async (args) => {
          const request = args.request as { hostname: string; port?: number };
          request.hostname = '127.0.0.1';
          request.port = port;
          try {
            return await next(args);
          } catch (error) {
            if (local || (error as NodeJS.ErrnoException).code !== 'ECONNREFUSED') throw error;
            const gone = port;
            await (takingOver ??= acquire().finally(() => (takingOver = undefined)));
            if (port === gone) throw error;
            request.port = port;
            return next(args);
          }
        },
        { step: 'finalizeRequest', priority: 'low', name: 'hourglassSharedLocalState' },
      );
    },
    async close() {
      if (!local) return;
      if (readServerFile(file)?.pid === process.pid) rmSync(file, { force: true });
      await local.close();
    },
  };
}
