// KILL QUERY over the chdb HTTP endpoint, by the query ids its clients gave. chdb names each
// statement with a query id of its own (it takes none from the caller), so the endpoint tags
// every statement it runs with log_comment = `chdb-http:<the request's query_id>` and
// answers `KILL QUERY WHERE <condition> [SYNC|ASYNC|TEST]` in three real steps:
//   1. the condition is evaluated by the engine over system.processes, with each tagged
//      statement's query_id column showing the request's id (so `startsWith(query_id, …)`,
//      `query_id = …`, `user`, `query` … mean what they mean on a server);
//   2. the engine's own KILL QUERY stops the matching statements by their engine ids (SYNC:
//      it returns once they are gone);
//   3. the request becomes a SELECT of the engine's kill report with the ids mapped back,
//      in the request's format.
// Statements a client tagged with its own log_comment are not reachable this way.
import { ClickHouseHttpError, sqlString } from './chdb-http-protocol.js';

export const TAG_PREFIX = 'chdb-http:';

const KILL_QUERY = /^\s*KILL\s+QUERY\s+WHERE\s+([\s\S]+?)(?:\s+(SYNC|ASYNC|TEST))?(?:\s+FORMAT\s+([A-Za-z]\w*))?\s*;?\s*$/i;
const ENGINE_ID = /^[0-9a-f-]{36}$/;

export interface KillQuery {
  condition: string;
  mode: 'SYNC' | 'ASYNC' | 'TEST';
  format: string | undefined;
}

export function parseKillQuery(query: string): KillQuery | null {
  const m = KILL_QUERY.exec(query);
  if (!m) return null;
  return { condition: m[1]!, mode: (m[2]?.toUpperCase() ?? 'ASYNC') as KillQuery['mode'], format: m[3] };
}

interface KillRow {
  kill_status: string;
  query_id: string;
  user: string;
  query: string;
}

/**
 * Runs steps 1 and 2 through `run` (a fresh engine session per call, the request's
 * `SET param_…` statements first) and returns step 3: the statement that answers the request.
 */
export async function killByRequestIds(kill: KillQuery, params: string[], run: (sql: string) => Promise<Record<string, string>[]>): Promise<string> {
  const tagged = `SELECT * REPLACE (substring(Settings['log_comment'], ${TAG_PREFIX.length + 1}) AS query_id)
    FROM (SELECT *, query_id AS engine_query_id FROM system.processes WHERE startsWith(Settings['log_comment'], ${sqlString(TAG_PREFIX)}))`;
  const matched = await run([...params, `SELECT engine_query_id, query_id FROM (${tagged}) WHERE ${kill.condition} FORMAT JSONEachRow`].join(';\n'));
  const requestIdOf = new Map(matched.map((r) => [r.engine_query_id!, r.query_id!]));
  for (const id of requestIdOf.keys()) if (!ENGINE_ID.test(id)) throw new ClickHouseHttpError(1001, 'STD_EXCEPTION', `unexpected engine query id ${id}`);
  const rows: KillRow[] = requestIdOf.size === 0 ? [] : (await run(`KILL QUERY WHERE query_id IN (${[...requestIdOf.keys()].map(sqlString).join(', ')}) ${kill.mode} FORMAT JSONEachRow`))
    .map((r) => ({ kill_status: r.kill_status ?? '', query_id: requestIdOf.get(r.query_id!) ?? r.query_id!, user: r.user ?? '', query: r.query ?? '' }));
  const columns = 'kill_status String, query_id String, user String, query String';
  const format = kill.format ? ` FORMAT ${kill.format}` : '';
  if (rows.length === 0) return `SELECT * FROM values(${sqlString(columns)}, ('', '', '', '')) WHERE 0${format}`;
  return `SELECT * FROM values(${sqlString(columns)}, ${rows.map((r) => `(${[r.kill_status, r.query_id, r.user, r.query].map(sqlString).join(', ')})`).join(', ')})${format}`;
}
