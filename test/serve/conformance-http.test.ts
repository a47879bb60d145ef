// The whole ClickHouse migration conformance suite (apply, failures, files, revert, ten
// concurrent applies under the DynamoDB lease, the CLI contract) through the clickhouse://
// driver — the only ClickHouse path used in AWS — against the HTTP endpoint over embedded
// ClickHouse. Each test gets its own database on the one served directory; the CLI children
// reach it over the network like a Lambda reaches a server, with a password in the URL.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChdbHttp, type ChdbHttpServer } from '../../functions/engine/embedded/chdb-http.js';
import { clickHouseHarness } from '../conformance/harness-clickhouse.js';
import { defineMigrationConformance, type EngineHarness } from '../conformance/suite.js';

const PASSWORD = 'Http-endpoint-pw/7:@';

function clickHouseOverHttpHarness(): EngineHarness {
  const base = clickHouseHarness();
  let dir: string | undefined;
  let server: ChdbHttpServer | undefined;
  const urlOf = (database: string): string => server!.url.replace(/\/default$/, `/${database}`);
  return {
    ...base,
    secrets: [...base.secrets, PASSWORD],
    async start() {
      dir = mkdtempSync(join(tmpdir(), 'hourglass-http-conformance-'));
      server = await startChdbHttp(join(dir, 'chdb'), { password: PASSWORD });
    },
    async stop() {
      await server?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
    async freshTarget(id) {
      const database = `conformance_${id}`;
      await base.inspect(server!.url, (driver) => driver.exec(`CREATE DATABASE ${database}`));
      return urlOf(database);
    },
    unreachableUrls() {
      return [
        ...base.unreachableUrls(),
        { what: 'wrong password', url: `clickhouse://default:Wrong-pw-${PASSWORD.length}x@127.0.0.1:${server!.port}/default`, password: `Wrong-pw-${PASSWORD.length}x` },
      ];
    },
  };
}

defineMigrationConformance(clickHouseOverHttpHarness());
