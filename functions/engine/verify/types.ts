// The shapes verify works with: a normalized schema snapshot (the same for the live
// target and for the scratch database the migrations were applied to), the differences
// between two snapshots, and the report. Snapshots are plain JSON: the ClickHouse scratch
// snapshot is produced in a child process and printed on its stdout.
import type { Engine } from '../drivers/driver.js';

export interface ColumnInfo {
  name: string;
  /** Engine-normalized type: ClickHouse `DateTime64(9)`, PostgreSQL `double precision`. Nullable is part of a ClickHouse type. */
  type: string;
  /** `DEFAULT 0`, `MATERIALIZED …`, `GENERATED ALWAYS AS IDENTITY`; null when none. */
  default: string | null;
  nullable: boolean;
  /** ClickHouse `CODEC(…)`; null when the engine default is used (and always on PostgreSQL). */
  codec: string | null;
  /** Part of a ClickHouse sorting, primary or partition key (its type can change only in metadata-compatible ways). */
  inKey: boolean;
}

export interface IndexInfo {
  name: string;
  /** Name-independent definition: ClickHouse `expr TYPE t GRANULARITY g`; PostgreSQL `[UNIQUE ]USING btree (col)`. */
  definition: string;
  unique: boolean;
  /** PostgreSQL: the constraint this index backs (compared as a constraint, not as an index). */
  constraint: string | null;
}

export type ConstraintKind = 'primary_key' | 'foreign_key' | 'check' | 'unique' | 'exclusion';

export interface ConstraintInfo {
  name: string;
  kind: ConstraintKind;
  /** pg_get_constraintdef: `CHECK (…)`, `FOREIGN KEY (a) REFERENCES t(b) …`. */
  definition: string;
}

export interface TableInfo {
  name: string;
  columns: ColumnInfo[];
  /** ClickHouse engine with its parameters (`ReplacingMergeTree(ts)`); PostgreSQL `table` or `partitioned table`. */
  engine: string;
  sortingKey: string | null;
  primaryKey: string | null;
  partitionKey: string | null;
  samplingKey: string | null;
  ttl: string | null;
  indexes: IndexInfo[];
  constraints: ConstraintInfo[];
  /** DDL that creates the table as it is (database qualifiers removed), for repair. */
  createSql: string;
}

export interface ViewInfo {
  name: string;
  materialized: boolean;
  /** ClickHouse `TO` table of a materialized view; null otherwise. */
  target: string | null;
  /** Normalized SELECT text (database qualifiers removed, white space collapsed). */
  query: string;
  /** Columns the view's SELECT produces now; null when the SELECT no longer runs. */
  columns: ColumnInfo[] | null;
  /** Why the SELECT no longer runs (a source table or column is gone), when it does not. */
  invalid: string | null;
  /** Tables the view reads from (ClickHouse: the tables that trigger it). */
  sources: string[];
  createSql: string;
}

export interface SchemaSnapshot {
  engine: Engine;
  /** The database the snapshot was taken in (its qualifier is removed from names and queries). */
  database: string;
  tables: TableInfo[];
  views: ViewInfo[];
  /** TimescaleDB objects, when the target has the extension (continuous aggregates are also in `views`). */
  timescale?: TimescaleSnapshot;
}

export interface HypertableInfo {
  name: string;
  timeColumn: string;
  chunkInterval: string | null;
  compressionEnabled: boolean;
  segmentby: string | null;
  orderby: string | null;
}

export interface ContinuousAggregateInfo {
  name: string;
  hypertable: string;
  materializedOnly: boolean;
  bucket: string | null;
}

export type PolicyKind = 'retention' | 'compression' | 'refresh' | 'reorder';

export interface PolicyInfo {
  kind: PolicyKind;
  /** The hypertable (retention, compression, reorder) or continuous aggregate (refresh). */
  relation: string;
  scheduleInterval: string;
  /** The job's settings (`drop_after`, `compress_after`, `start_offset`, `end_offset`, …). */
  config: Record<string, unknown>;
}

export interface TimescaleSnapshot {
  hypertables: HypertableInfo[];
  continuousAggregates: ContinuousAggregateInfo[];
  policies: PolicyInfo[];
}

export type Severity = 'error' | 'warning';

export type DifferenceKind =
  | 'missing_table' | 'extra_table' | 'missing_view' | 'extra_view'
  | 'missing_column' | 'extra_column' | 'column_type' | 'column_default' | 'column_nullability' | 'column_codec'
  | 'engine' | 'sorting_key' | 'primary_key' | 'partition_key' | 'sampling_key' | 'ttl'
  | 'missing_index' | 'extra_index' | 'duplicate_index' | 'index_name' | 'index_definition'
  | 'missing_constraint' | 'extra_constraint' | 'constraint_name' | 'constraint_definition'
  | 'view_query' | 'view_target' | 'view_invalid'
  | 'mv_column_missing_in_target' | 'mv_column_type_incompatible'
  | 'hypertable' | 'hypertable_time_column' | 'chunk_interval' | 'compression_segmentby' | 'compression_orderby'
  | 'cagg_materialized_only' | 'cagg_bucket' | 'missing_policy' | 'extra_policy' | 'policy_settings';

export interface Difference {
  kind: DifferenceKind;
  /** `table`, `table.column`, `table.index`, `view`, `view.column`; TimescaleDB policies `retention policy on table`. */
  object: string;
  expected: string | null;
  actual: string | null;
  severity: Severity;
  /** The table or view the difference belongs to, and the column/index/constraint name: for repair. */
  table: string;
  item?: string;
}

export interface RepairStatement {
  sql: string;
  /** One line saying why; printed as a comment above the statement. */
  reason: string;
}

/** A change that cannot be made in place: the steps, given as comments, never run by verify. */
export interface Rebuild {
  table: string;
  reasons: string[];
  steps: string[];
}

export interface RepairPlan {
  statements: RepairStatement[];
  rebuilds: Rebuild[];
  /** Differences no statement fixes (extra tables and columns, broken migrations), as comment lines. */
  notes: string[];
  /** The whole plan as one SQL script: statements, then rebuilds and notes as comments. */
  sql: string;
}

export interface WindowMismatch {
  start: string;
  end: string;
  rows: number;
  sourceRows: number;
}

export interface WindowCountCheck {
  runId: string;
  runStatus: string;
  /** Succeeded windows that recorded a source count. */
  checked: number;
  /** Windows not (yet) succeeded: their counts are not checked. */
  unfinished: number;
  mismatched: WindowMismatch[];
}

export interface FreshnessCheck {
  view: string;
  target: string;
  source: string | null;
  timeColumn: string | null;
  targetNewest: string | null;
  sourceNewest: string | null;
  /** How far the target's newest row is behind the source's newest (ms). */
  lagMs: number | null;
  ok: boolean;
  /** Why the check did not run (empty source, no time column). */
  skipped: string | null;
}

export interface DataReport {
  ok: boolean;
  windows: WindowCountCheck | null;
  freshness: FreshnessCheck[];
}

export interface VerifyReport {
  target: string;
  engine: Engine;
  /** No schema differences. */
  clean: boolean;
  differences: Difference[];
  repair: RepairPlan;
  data: DataReport;
  /** The migration versions the expected schema was built from. */
  expectedVersions: number[];
  warnings: string[];
}
