// Every rule, one file each (squawk's layout). PostgreSQL rules carry squawk's names; the
// TimescaleDB rules go beyond squawk and fire only on migrations that use TimescaleDB.
import type { Rule } from '../types.js';
import { rule as requireConcurrentIndexCreation } from './require-concurrent-index-creation.js';
import { rule as banConcurrentIndexCreationInTransaction } from './ban-concurrent-index-creation-in-transaction.js';
import { rule as addingNotNullableField } from './adding-not-nullable-field.js';
import { rule as addingFieldWithDefault } from './adding-field-with-default.js';
import { rule as changingColumnType } from './changing-column-type.js';
import { rule as constraintMissingNotValid } from './constraint-missing-not-valid.js';
import { rule as addingForeignKeyConstraint } from './adding-foreign-key-constraint.js';
import { rule as renamingColumn } from './renaming-column.js';
import { rule as renamingTable } from './renaming-table.js';
import { rule as banDropColumn } from './ban-drop-column.js';
import { rule as banDropTable } from './ban-drop-table.js';
import { rule as requireTimeoutSettings } from './require-timeout-settings.js';
import { rule as preferTimestamptz } from './prefer-timestamptz.js';
import { rule as mvPopulate } from './mv-populate.js';
import { rule as mvColumnsMissingInTarget } from './mv-columns-missing-in-target.js';
import { rule as mutationOnLargeTable } from './mutation-on-large-table.js';
import { rule as orderByChange } from './order-by-change.js';
import { rule as nonIdempotentDdl } from './non-idempotent-ddl.js';
import { rule as onClusterMismatch } from './on-cluster-mismatch.js';
import { rule as nullableInSortingKey } from './nullable-in-sorting-key.js';
import { rule as dropTable } from './drop-table.js';
import { rule as exchangeWithoutVerify } from './exchange-without-verify.js';
import { rule as hypertableUniqueWithoutTimeColumn } from './hypertable-unique-without-time-column.js';
import { rule as createHypertableOnFilledTable } from './create-hypertable-on-filled-table.js';
import { rule as continuousAggregateWithData } from './continuous-aggregate-with-data.js';
import { rule as retentionBeforeAggregation } from './retention-before-aggregation.js';
import { rule as refreshInTransaction } from './refresh-in-transaction.js';
import { rule as foreignKeyToHypertable } from './foreign-key-to-hypertable.js';

export const RULES: readonly Rule[] = [
  requireConcurrentIndexCreation, banConcurrentIndexCreationInTransaction, addingNotNullableField, addingFieldWithDefault,
  changingColumnType, constraintMissingNotValid, addingForeignKeyConstraint, renamingColumn, renamingTable, banDropColumn,
  banDropTable, requireTimeoutSettings, preferTimestamptz,
  mvPopulate, mvColumnsMissingInTarget, mutationOnLargeTable, orderByChange, nonIdempotentDdl, onClusterMismatch,
  nullableInSortingKey, dropTable, exchangeWithoutVerify,
  // TimescaleDB (PostgreSQL migrations that call it; squawk has none of these)
  hypertableUniqueWithoutTimeColumn, createHypertableOnFilledTable, continuousAggregateWithData, retentionBeforeAggregation,
  refreshInTransaction, foreignKeyToHypertable,
];
