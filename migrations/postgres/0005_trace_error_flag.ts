// A hybrid migration: DDL, then a data transform that SQL alone states poorly.
import type { MigrationContext } from '../../functions/engine/migrations/set.js';

export async function up(ctx: MigrationContext): Promise<void> {
  await ctx.exec('ALTER TABLE traces ADD COLUMN has_error boolean NOT NULL DEFAULT false');
  await ctx.exec(`UPDATE traces t SET has_error = true
                  WHERE t.status = 'error' OR EXISTS (SELECT 1 FROM spans s WHERE s.trace_id = t.trace_id AND s.status = 'error')`);
}

export async function down(ctx: MigrationContext): Promise<void> {
  await ctx.exec('ALTER TABLE traces DROP COLUMN has_error');
}
