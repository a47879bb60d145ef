// N trivial migrations, one folder per tool and engine, each creating its own table (so the
// tools share a database without touching each other's objects).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface NoopFolders {
  hourglassClickHouse: string;
  hourglassPostgres: string;
  /** clickhouse-migrations: `N_name.sql`. */
  peerClickHouse: string;
  /** node-pg-migrate: `N_name.sql` with `-- Up Migration` / `-- Down Migration`. */
  peerPostgres: string;
}

export function writeNoopMigrations(root: string, count: number): NoopFolders {
  const folders: NoopFolders = {
    hourglassClickHouse: join(root, 'hourglass-clickhouse'),
    hourglassPostgres: join(root, 'hourglass-postgres'),
    peerClickHouse: join(root, 'peer-clickhouse'),
    peerPostgres: join(root, 'peer-postgres'),
  };
  for (const dir of Object.values(folders)) mkdirSync(dir, { recursive: true });
  for (let i = 1; i <= count; i++) {
    const n = String(i).padStart(4, '0');
    writeFileSync(join(folders.hourglassClickHouse, `${n}_table_${n}.up.sql`), `CREATE TABLE IF NOT EXISTS hg_${n} (id UInt64, at DateTime) ENGINE = MergeTree ORDER BY id;\n`);
    writeFileSync(join(folders.hourglassClickHouse, `${n}_table_${n}.down.sql`), `DROP TABLE IF EXISTS hg_${n};\n`);
    writeFileSync(join(folders.hourglassPostgres, `${n}_table_${n}.up.sql`), `CREATE TABLE hg_${n} (id bigint PRIMARY KEY, at timestamptz);\n`);
    writeFileSync(join(folders.hourglassPostgres, `${n}_table_${n}.down.sql`), `DROP TABLE hg_${n};\n`);
    writeFileSync(join(folders.peerClickHouse, `${i}_table_${n}.sql`), `CREATE TABLE IF NOT EXISTS peer_${n} (id UInt64, at DateTime) ENGINE = MergeTree ORDER BY id;\n`);
    writeFileSync(join(folders.peerPostgres, `${n}_table_${n}.sql`), `-- Up Migration\nCREATE TABLE peer_${n} (id bigint PRIMARY KEY, at timestamptz);\n\n-- Down Migration\nDROP TABLE peer_${n};\n`);
  }
  return folders;
}
