// TimescaleDB calls read from a statement's tokens: create_hypertable (the old positional form
// and by_range/by_hash), continuous aggregates (CREATE MATERIALIZED VIEW … WITH
// (timescaledb.continuous)), retention and refresh policies, refresh_continuous_aggregate.
// Arguments may be positional or named (`drop_after => INTERVAL '30 days'`).
import type { Token } from '../sql/lexer.js';
import { afterCreate, selectList } from './ddl.js';
import { closing, findTopWords, findWords, identifier, isWord, qualifiedName, splitTop } from './tokens.js';

export interface CallArgs {
  positional: Token[][];
  named: Map<string, Token[]>;
}

/** Every call of the function `name` (upper case) in the statement, with its arguments. */
export function callsOf(code: Token[], name: string): CallArgs[] {
  const calls: CallArgs[] = [];
  for (let i = 0; i < code.length - 1; i++) {
    if (!isWord(code[i], name) || code[i + 1].text !== '(') continue;
    calls.push(argsOf(code, i + 1));
  }
  return calls;
}

function argsOf(code: Token[], open: number): CallArgs {
  const positional: Token[][] = [];
  const named = new Map<string, Token[]>();
  for (const arg of splitTop(code, open + 1, closing(code, open))) {
    const key = identifier(arg[0]);
    if (key !== undefined && arg[1]?.text === '=' && arg[2]?.text === '>') named.set(key.toLowerCase(), arg.slice(3));
    else positional.push(arg);
  }
  return { positional, named };
}

/** A named argument, or the positional one at `index`. */
export function arg(call: CallArgs, name: string, index: number): Token[] | undefined {
  return call.named.get(name) ?? call.positional[index];
}

/** A relation argument: `'t'`, `'public.t'`, `'"T"'`, `'t'::regclass` → the table's name (unquoted names folded to lower case). */
export function relationOf(value: Token[] | undefined): string | undefined {
  if (!value || value[0]?.kind !== 'string') return undefined;
  const last = value[0].value.trim().split('.').pop() ?? '';
  const quoted = /^"(.*)"$/.exec(last);
  if (quoted) return quoted[1].replace(/""/g, '"');
  return /^[A-Za-z_][A-Za-z0-9_$]*$/.test(last) ? last.toLowerCase() : undefined;
}

function columnOf(value: Token[] | undefined): string | undefined {
  return value?.length === 1 && value[0].kind === 'string' ? value[0].value : undefined;
}

function isTrue(value: Token[] | undefined): boolean {
  if (!value || value.length !== 1) return false;
  const t = value[0];
  return isWord(t, 'TRUE', 'ON', 'YES') || (t.kind === 'string' && ['true', 't', 'on', 'yes', '1'].includes(t.value.toLowerCase()));
}

export interface HypertableCall {
  table: string;
  /** The partitioning columns: the time (or main) dimension, and the old form's space column. */
  columns: string[];
  migrateData: boolean;
  /** The call as written, for messages. */
  text: string;
}

/** `create_hypertable('t', 'time' …)` or `create_hypertable('t', by_range('time') …)`. */
export function hypertableCalls(code: Token[]): HypertableCall[] {
  const out: HypertableCall[] = [];
  for (const call of callsOf(code, 'CREATE_HYPERTABLE')) {
    const table = relationOf(arg(call, 'relation', 0));
    const dimension = call.named.get('dimension') ?? (call.named.has('time_column_name') ? undefined : call.positional[1]);
    const builder = dimension && isWord(dimension[0], 'BY_RANGE', 'BY_HASH') && dimension[1]?.text === '(' ? argsOf(dimension, 1) : undefined;
    let columns: (string | undefined)[];
    let migrateData: Token[] | undefined;
    if (builder) {
      columns = [columnOf(arg(builder, 'column_name', 0))];
      migrateData = arg(call, 'migrate_data', 4);
    } else {
      columns = [columnOf(arg(call, 'time_column_name', 1)), columnOf(arg(call, 'partitioning_column', 2))];
      migrateData = arg(call, 'migrate_data', 10);
    }
    const main = columns[0];
    if (table === undefined || main === undefined) continue;
    out.push({ table, columns: columns.filter((c): c is string => c !== undefined), migrateData: isTrue(migrateData), text: `create_hypertable('${table}', …)` });
  }
  return out;
}

export interface ContinuousAggregate {
  name: string;
  /** The hypertable (or aggregate) its SELECT reads first. */
  source: string | undefined;
  /** No `WITH NO DATA`: TimescaleDB's default, which refreshes the whole history on creation. */
  withData: boolean;
}

export function continuousAggregate(code: Token[]): ContinuousAggregate | undefined {
  const head = afterCreate(code, ['MATERIALIZED', 'VIEW']);
  if (!head) return undefined;
  const named = qualifiedName(code, head.next);
  if (!named) return undefined;
  const as = findTopWords(code, ['AS'], named.next);
  if (as === -1) return undefined;
  const continuous = code.slice(named.next, as).some((t, i, h) => isWord(t, 'TIMESCALEDB') && h[i + 1]?.text === '.' && isWord(h[i + 2], 'CONTINUOUS'));
  if (!continuous) return undefined;
  const select = findWords(code, ['SELECT'], as);
  const from = select === -1 ? undefined : selectList(code, select).from;
  return { name: named.name, source: from, withData: findTopWords(code, ['WITH', 'NO', 'DATA'], as) === -1 };
}

/** `DROP MATERIALIZED VIEW [IF EXISTS] a, b`: the names. */
export function droppedViews(code: Token[]): string[] {
  if (!isWord(code[0], 'DROP') || !isWord(code[1], 'MATERIALIZED') || !isWord(code[2], 'VIEW')) return [];
  const from = isWord(code[3], 'IF') && isWord(code[4], 'EXISTS') ? 5 : 3;
  return splitTop(code, from).map((p) => qualifiedName(p, 0)?.name).filter((n): n is string => n !== undefined);
}

/** `add_retention_policy('t', drop_after => …)`: the relation and its drop_after (undefined with drop_created_before). */
export function retentionCalls(code: Token[]): { table: string; dropAfter: Token[] | undefined }[] {
  return callsOf(code, 'ADD_RETENTION_POLICY').flatMap((call) => {
    const table = relationOf(arg(call, 'relation', 0));
    return table === undefined ? [] : [{ table, dropAfter: arg(call, 'drop_after', 1) }];
  });
}

/** `add_continuous_aggregate_policy('v', start_offset => …)`: the view and its start_offset. */
export function aggregatePolicyCalls(code: Token[]): { view: string; startOffset: Token[] | undefined }[] {
  return callsOf(code, 'ADD_CONTINUOUS_AGGREGATE_POLICY').flatMap((call) => {
    const view = relationOf(arg(call, 'continuous_aggregate', 0));
    return view === undefined ? [] : [{ view, startOffset: arg(call, 'start_offset', 1) }];
  });
}

/** The relations a `remove_…(relation)` call names. */
export function removedFrom(code: Token[], fn: 'REMOVE_RETENTION_POLICY' | 'REMOVE_CONTINUOUS_AGGREGATE_POLICY'): string[] {
  return callsOf(code, fn).map((call) => relationOf(call.positional[0] ?? [...call.named.values()][0])).filter((n): n is string => n !== undefined);
}

/** `CALL refresh_continuous_aggregate(…)` (a procedure: CALL is the only way to run it). */
export function isRefreshCall(code: Token[]): boolean {
  return isWord(code[0], 'CALL') && callsOf(code, 'REFRESH_CONTINUOUS_AGGREGATE').length > 0;
}
