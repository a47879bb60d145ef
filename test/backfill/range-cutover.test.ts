// Ranges: partial first/last windows, a backfill that ends at the recorded cut-over (held
// until the cut-over plus lateness has passed), and plan-time warnings about the time column.
import { describe, expect, it } from 'vitest';
import { DEFAULT_ROWS, fixtureWorkspace, type EngineName } from './fixture-migrations.js';
import { HOUR, cli, cliJson, facts, inRanges, iso, timeLiteral, windowsOf, withTarget, postgresForFile } from './support.js';

const pg = postgresForFile();

const engines: Array<[EngineName, string]> = [['clickhouse', 'ClickHouse'], ['postgres', 'PostgreSQL']];

describe.each(engines)('%s', (engine, label) => {
  const database = async (name: string) => (engine === 'postgres' ? pg.createDatabase(`${name}_${engine}`) : undefined);

  it(`${label}: --from/--to inside an hour make the first and last windows partial, rows exact`, async () => {
    const ws = fixtureWorkspace(engine, {}, await database('bf_partial'));
    expect((await cli(ws, ['apply'])).code).toBe(0);
    const from = Date.parse('2024-03-01T05:30:00Z');
    const to = Date.parse('2024-03-02T07:45:00Z');
    const range: Array<[number, number]> = [[from, to]];

    const plan = await cliJson(ws, ['plan', '2', '--from', iso(from), '--to', iso(to)]);
    expect(plan.json).toMatchObject({ from: iso(from), to: iso(to), window: '1h', windows: 27 });

    const run = await cliJson(ws, ['backfill', '2', '--from', iso(from), '--to', iso(to), '--run-id', 'partial']);
    const expected = await facts(ws.url, 'src', inRanges(engine, range));
    expect(expected.count).toBeGreaterThan(1000);
    expect(run.json).toMatchObject({ status: 'succeeded', windows: { total: 27, succeeded: 27, failed: 0 }, rows: expected.count });
    expect(run.code).toBe(0);

    const windows = await windowsOf(ws, 'partial');
    expect(windows[0]).toMatchObject({ start: '2024-03-01T05:30:00.000Z', end: '2024-03-01T06:00:00.000Z' });
    expect(windows.at(-1)).toMatchObject({ start: '2024-03-02T07:00:00.000Z', end: '2024-03-02T07:45:00.000Z' });
    for (const w of windows.slice(1, -1)) {
      expect(Date.parse(w.start) % HOUR).toBe(0);
      expect(Date.parse(w.end) - Date.parse(w.start)).toBe(HOUR);
    }
    for (let i = 1; i < windows.length; i++) expect(windows[i]!.start).toBe(windows[i - 1]!.end);
    expect(windows.every((w) => w.rows === w.sourceRows)).toBe(true);
    // The partial windows hold exactly the rows of their part of the hour (a row every 72 s).
    expect(windows[0]!.rows).toBe(25);
    expect(windows.at(-1)!.rows).toBe((await facts(ws.url, 'src', inRanges(engine, [[Date.parse('2024-03-02T07:00:00Z'), to]]))).count);
    expect(await facts(ws.url, 'dst')).toEqual(expected);
  });

  it(`${label}: to: cutover ends at the recorded cut-over; its last window waits for cut-over + lateness`, async () => {
    const ws = fixtureWorkspace(engine, { cutover: true }, await database('bf_cutover'));
    const applied = await cli(ws, ['apply'], { HOURGLASS_NOW: '2024-03-02T10:20:00Z' });
    expect(applied.code, applied.stderr).toBe(0);
    const cutover = Date.parse('2024-03-02T11:00:00Z'); // the start of the next window after apply
    const plan = await cliJson(ws, ['plan', '2']);
    expect(plan.json).toMatchObject({ from: '2024-03-01T00:00:00.000Z', to: iso(cutover), windows: 35 });

    // Rows arriving after apply: at/after the cut-over they go through the live path only.
    await withTarget(ws.url, async (d) => {
      const values = Array.from({ length: 50 }, (_, i) => `(${1_000_000 + i}, ${timeLiteral(engine, cutover + i * 61_000)}, 'live')`).join(', ');
      await d.exec(`INSERT INTO src (id, ts, v) VALUES ${values}`);
    });
    const live = await facts(ws.url, 'dst');
    expect(live.count).toBe(50);

    const at = (time: string) => ({ HOURGLASS_NOW: time });
    const first = await cliJson(ws, ['backfill', '2', '--lateness', '15m', '--run-id', 'cut'], at('2024-03-02T11:05:00Z'));
    expect(first.json).toMatchObject({ status: 'running', windows: { total: 35, succeeded: 34, failed: 0, pending: 1 } });
    expect(first.code).toBe(1);
    const held = await windowsOf(ws, 'cut', 'pending');
    expect(held).toEqual([expect.objectContaining({ start: '2024-03-02T10:00:00.000Z', end: iso(cutover), attempts: 0 })]);

    // Still inside the lateness allowance: --resume keeps it waiting.
    const early = await cliJson(ws, ['backfill', '--resume', 'cut', '--lateness', '15m'], at('2024-03-02T11:14:00Z'));
    expect(early.json).toMatchObject({ status: 'running', windows: { succeeded: 34, pending: 1 } });
    expect((await windowsOf(ws, 'cut', 'pending')).map((w) => w.start)).toEqual(['2024-03-02T10:00:00.000Z']);

    // A late row for the held hour arrives; the live path ignores it (before the cut-over).
    await withTarget(ws.url, (d) => d.exec(`INSERT INTO src (id, ts, v) VALUES (2000000, ${timeLiteral(engine, cutover - 1_000)}, 'late')`));

    const done = await cliJson(ws, ['backfill', '--resume', 'cut', '--lateness', '15m'], at('2024-03-02T11:16:00Z'));
    expect(done.json).toMatchObject({ status: 'succeeded', windows: { total: 35, succeeded: 35, failed: 0, pending: 0 } });
    expect(done.code).toBe(0);

    // Every row before the cut-over from the backfill, every live row from the live path: no gap, no overlap.
    const expected = await facts(ws.url, 'src', `ts < ${timeLiteral(engine, cutover)} OR id >= 1000000`);
    expect(expected.count).toBe(35 * 50 - 14 + 50 + 1); // sanity: 50 rows an hour from 00:17, 50 live, 1 late
    const target = await facts(ws.url, 'dst');
    expect(target.distinct).toBe(target.count);
    expect(target).toEqual(expected);
    expect(target.count).toBeLessThan(DEFAULT_ROWS);
  });

  it(`${label}: plan warns when the source's time column is not indexed, and not when it is`, async () => {
    const indexed = fixtureWorkspace(engine, {}, await database('bf_indexed'));
    const bare = fixtureWorkspace(engine, { sourceIndexed: false }, await database('bf_bare'));
    for (const ws of [indexed, bare]) expect((await cli(ws, ['apply'])).code).toBe(0);

    const quiet = await cli(indexed, ['plan', '2']);
    expect(quiet.code).toBe(0);
    expect(quiet.stdout).toMatch(/61 windows of 1h/);
    expect(quiet.stderr).not.toMatch(/warning/);
    expect((await cliJson(indexed, ['plan', '2'])).json.warnings).toEqual([]);

    const warned = await cli(bare, ['plan', '2']);
    expect(warned.code).toBe(0);
    const reason = engine === 'postgres' ? /warning: src\.ts has no index that starts with it/ : /warning: src\.ts is neither in the partition key \(none\) nor a prefix of the sorting key \(id\)/;
    expect(warned.stderr).toMatch(reason);
    expect(warned.stderr).toMatch(/reads it once per window/);
    expect((await cliJson(bare, ['plan', '2'])).json.warnings).toEqual([expect.stringMatching(/reads it once per window/)]);
  });
});
