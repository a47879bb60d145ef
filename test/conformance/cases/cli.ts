// The CLI contract around the engine: exit codes for bad usage and bad input (which never
// change anything), unreachable targets (exit 1, password redacted, also with --verbose),
// and --json output that parses on every command.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeRun, jsonOf, type CliResult } from '../cli.js';
import { errorLineMessage, expectExit, expectNoSecrets, expectUsageError } from '../harness.js';
import { tableMigrations, type StatusJson } from '../fixtures.js';
import { expectStatusShape } from './apply.js';
import type { Conformance } from '../suite.js';

export function defineCliCases({ harness: h, newTarget }: Conformance): void {
  describe(`${h.engine}: CLI contract`, () => {
    it('bad usage and bad input exit 2 with one line and change nothing', async () => {
      const t = await newTarget();
      t.write(tableMigrations(h, 2));
      expectUsageError(await t.cli('frobnicate'), 'unknown command "frobnicate"');
      expectUsageError(await t.cli('--bogus', 'apply'), '--bogus');
      expectUsageError(await t.cli('apply', '--bogus'), '--bogus');
      expectUsageError(await t.cli('status', '--to', '2'), 'option --to does not apply to "status"');
      expectUsageError(await t.cli('apply', 'extra-arg'), '"apply" takes no arguments');
      for (const url of h.malformedUrls) expectUsageError(await t.cliAt({ url }, 'apply'), /URL/);
      expectUsageError(await t.cliAt({ url: 'mysql://u:pw@127.0.0.1:3306/db' }, 'apply'), 'unknown URL scheme "mysql:"');
      const missing = join(t.dir, 'no-such-folder');
      expectUsageError(await t.cliAt({ url: t.url, migrations: missing }, 'apply'), `cannot read migrations folder ${missing}`);
      const notAFolder = join(t.dir, 'a-file');
      writeFileSync(notAFolder, 'not a folder');
      expectUsageError(await t.cliAt({ url: t.url, migrations: notAFolder }, 'apply'), `migrations folder ${notAFolder} is not a directory`);
      expect(await t.snapshot()).toEqual({ tables: [], schema: [], tracking: [], raw: [] });
    });

    it('an unreachable target exits 1 with a one-line error that never shows the password', async () => {
      const t = await newTarget();
      t.write(tableMigrations(h, 1));
      for (const { what, url, password } of h.unreachableUrls()) {
        for (const args of [['status'], ['apply'], ['--verbose', 'apply'], ['--json', 'status']]) {
          const result = await t.cliAt({ url }, ...args);
          expectExit(result, 1);
          expectNoSecrets(result, [password, encodeURIComponent(password)]);
          expect(result.stdout, `${what}: ${describeRun(result)}`).toBe('');
          const [first, ...rest] = result.stderr.trimEnd().split('\n');
          expect(errorLineMessage(result, first!), `${what}: ${describeRun(result)}`).toMatch(/^cannot connect to .*\*\*\*/);
          if (!args.includes('--verbose')) expect(rest, describeRun(result)).toEqual([]);
        }
      }
    });

    it('--json prints one JSON document on every command', async () => {
      const t = await newTarget();
      t.write(tableMigrations(h, 2));
      const json = async (...args: string[]): Promise<unknown> => {
        const result: CliResult = await t.cli('--json', ...args);
        expectExit(result, 0);
        return jsonOf(result);
      };
      expectStatusShape((await json('status')) as StatusJson);
      expect(await json('validate')).toMatchObject({ ok: true, problems: [] });
      expect(await json('apply', '--dry-run')).toMatchObject({ dryRun: true, planned: [{ version: 1 }, { version: 2 }] });
      expect(await json('apply', '--to', '1')).toMatchObject({ dryRun: false, applied: [{ version: 1 }], databaseVersion: 1 });
      expect(await json('apply')).toMatchObject({ applied: [{ version: 2 }], databaseVersion: 2, codeVersion: 2 });
      const status = (await json('status')) as StatusJson;
      expectStatusShape(status);
      expect(status.databaseVersion).toBe(2);
      expect(await json('validate')).toMatchObject({ ok: true });
      expect(await json('apply', '--dry-run')).toMatchObject({ planned: [] });
      expect(await json('revert')).toMatchObject({ reverted: [{ version: 2 }], databaseVersion: 1 });
    });
  });
}

