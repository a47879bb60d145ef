// The run report in a real browser (Debian's Chromium, driven by playwright-core): a partial
// run with failed windows — written through the real run store on dynalite, rendered by the
// bundled CLI — shows the right cells, counts and errors in the DOM, escapes hostile error
// text, shows a cell's detail on keyboard focus, has a dark scheme, and 87,600 windows
// (ten years) render folded by month. Screenshot: docs/report.png (HOURGLASS_SCREENSHOT=1
// refreshes it; otherwise it goes to the temp dir).
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStateStore } from '../../functions/cli/state.js';
import { planWindows } from '../../functions/engine/backfill/windows.js';
import { renderRunReport } from '../../functions/engine/report/html.js';
import type { RunRecord, WindowRecord } from '../../functions/engine/state/records.js';
import { hourglass } from '../corpus/cli.js';

const CHROMIUM = process.env.HOURGLASS_CHROMIUM ?? '/usr/bin/chromium';
const HOUR = 3_600_000;
const RUN = 'report-partial-1';
const HOSTILE = `<img src=x onerror="window.__pwned=1"> duplicate key "a&b" </td></table><script>window.__pwned=2</script>`;
const dir = mkdtempSync(join(tmpdir(), 'hourglass-report-'));
const state = join(dir, 'state');
const FROM = new Date('2024-02-27T00:00:00Z');
const WINDOWS = 96; // four days, across a month boundary (Feb 27 2024 → Mar 1)
const FAILED_AT = [5, 30, 31, 50]; // window indexes
const RUNNING_AT = [60];
const DONE_BELOW = 58; // windows [0, 58) are attempted; 58…71 stay pending except the running one

let browser: Browser;
let page: Page;

beforeAll(async () => {
  const store = await openStateStore(state);
  try {
    const to = new Date(FROM.getTime() + WINDOWS * HOUR);
    await store.runs.createRun({ runId: RUN, migrationVersion: 3, migrationName: 'traces_new <rebuild>', target: 'chdb:/data/ch', engine: 'clickhouse', rangeStart: FROM, rangeEnd: to, windowSize: '1h', windowCount: WINDOWS, batchSize: 24, concurrency: 4, strategy: 'delete' });
    await store.runs.putWindows(RUN, planWindows(FROM, to, HOUR, 24));
    await store.runs.updateRunStatus(RUN, 'running');
    for (let i = 0; i < WINDOWS; i++) {
      const start = new Date(FROM.getTime() + i * HOUR);
      if (i >= DONE_BELOW && !RUNNING_AT.includes(i)) continue;
      await store.runs.claimWindow(RUN, start, 'test', { leaseMs: 600_000, allow: ['pending'] });
      if (RUNNING_AT.includes(i)) continue;
      if (FAILED_AT.includes(i)) await store.runs.failWindow(RUN, start, 'test', { error: new Error(i === 5 ? HOSTILE : `timeout in window ${i}`), durationMs: 900 + i });
      else await store.runs.completeWindow(RUN, start, 'test', { rows: 1000 + i, sourceRows: 1000 + i, durationMs: 100 + i * 10 });
    }
  } finally {
    await store.close();
  }
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
});

afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('report of a partial run with failed windows', () => {
  const out = join(dir, 'report.html');

  it('the CLI writes one self-contained page', async () => {
    const r = await hourglass(['--state', state, 'report', RUN, '--out', out]);
    expect(r.stderr).toContain(`wrote ${out}`);
    expect(r.code).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).not.toMatch(/<(link|img|iframe)\b|\bsrc=["']?(https?:)?\/\//i); // nothing external (the hostile <img> is escaped text)
    expect(html).not.toContain(HOSTILE);
  });

  it('shows every window as a cell with the right status, and the counts', async () => {
    await page.goto(pathToFileURL(out).href);
    const statuses = await page.$$eval('td.cell', (cells) => cells.map((c) => (c as HTMLElement).dataset.status));
    expect(statuses).toHaveLength(WINDOWS);
    const expected = Array.from({ length: WINDOWS }, (_, i) => (FAILED_AT.includes(i) ? 'failed' : RUNNING_AT.includes(i) ? 'running' : i < DONE_BELOW ? 'succeeded' : 'pending'));
    expect(statuses).toEqual(expected);
    const counts = await page.$$eval('[data-count]', (els) => Object.fromEntries(els.map((e) => [(e as HTMLElement).dataset.count, Number(e.textContent)])));
    expect(counts).toEqual({ pending: WINDOWS - DONE_BELOW - RUNNING_AT.length, running: 1, succeeded: DONE_BELOW - FAILED_AT.length, failed: FAILED_AT.length, held: 0 });
    // colour is not the only signal: each status has its own symbol
    const symbols = await page.$$eval('td.cell', (cells) => [...new Set(cells.map((c) => `${(c as HTMLElement).dataset.status}:${c.textContent}`))].sort());
    expect(symbols).toEqual(['failed:✕', 'pending:·', 'running:▶', 'succeeded:✓']);
    expect(await page.$$eval('details.month', (d) => d.map((x) => x.querySelector('summary')!.textContent!.slice(0, 7)))).toEqual(['2024-02', '2024-03']);
    expect(await page.$$eval('tbody th[scope=row]', (d) => d.map((x) => x.textContent))).toEqual(['2024-02-27', '2024-02-28', '2024-02-29', '2024-03-01']);
  });

  it('lists the failed windows with their errors, as text (never markup)', async () => {
    const rows = await page.$$eval('#failed tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    expect(rows.map((r) => r[0])).toEqual(FAILED_AT.map((i) => new Date(FROM.getTime() + i * HOUR).toISOString()));
    expect(rows[0]![2]).toContain(HOSTILE);
    expect(rows[1]![2]).toContain('timeout in window 30');
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.$$eval('[data-figure=failed] b', (b) => b[0]!.textContent)).toBe(String(FAILED_AT.length));
  });

  it('shows a cell’s rows, source rows, attempts, duration and error on keyboard focus', async () => {
    await page.focus('td.cell[data-status=failed]');
    const tip = await page.textContent('#tip');
    expect(tip).toContain(`${new Date(FROM.getTime() + 5 * HOUR).toISOString()} · failed · rows 0`);
    expect(tip).toContain('attempts 1');
    expect(tip).toContain(HOSTILE);
    await page.hover('td.cell[data-i="2"]');
    expect(await page.textContent('#tip')).toMatch(/succeeded · rows 1002 · source rows 1002 · attempts 1 · 120 ms/);
    const shot = join(dir, 'report.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(readFileSync(shot).subarray(1, 4).toString()).toBe('PNG');
    if (process.env.HOURGLASS_SCREENSHOT === '1') copyFileSync(shot, fileURLToPath(new URL('../../docs/report.png', import.meta.url)));
  });

  it('has a dark scheme', async () => {
    const light = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await page.emulateMedia({ colorScheme: 'dark' });
    const dark = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await page.emulateMedia({ colorScheme: 'light' });
    expect(light).toBe('rgb(255, 255, 255)');
    expect(dark).not.toBe(light);
  });
});

it('87,600 windows (ten years) render, folded by month', async () => {
  const from = new Date('2015-01-01T00:00:00Z');
  const n = 87_600;
  const now = new Date().toISOString();
  const run: RunRecord = { runId: 'ten-years', migrationVersion: 9, migrationName: 'big', target: 'chdb:x', engine: 'clickhouse', rangeStart: from.toISOString(), rangeEnd: new Date(from.getTime() + n * HOUR).toISOString(), windowSize: '1h', windowCount: n, batchSize: 500, concurrency: 8, strategy: 'insert', status: 'running', counts: { pending: n - 1000, running: 0, succeeded: 990, failed: 10 }, rowsWritten: 0, sourceRows: 0, createdAt: now, updatedAt: now };
  const windows: WindowRecord[] = Array.from({ length: n }, (_, i) => ({ runId: run.runId, start: new Date(from.getTime() + i * HOUR).toISOString(), end: new Date(from.getTime() + (i + 1) * HOUR).toISOString(), batch: Math.floor(i / 500), status: i < 990 ? 'succeeded' : i < 1000 ? 'failed' : 'pending', attempts: i < 1000 ? 1 : 0, rows: 0, updatedAt: now, ...(i >= 990 && i < 1000 ? { lastError: 'boom' } : {}) }));
  const file = join(dir, 'big.html');
  writeFileSync(file, renderRunReport(run, windows));
  const big = await browser.newPage();
  await big.goto(pathToFileURL(file).href, { timeout: 120_000 });
  expect(await big.$$eval('details.month', (d) => d.length)).toBe(120);
  expect(await big.$$eval('details.month[open]', (d) => d.length)).toBe(1); // only the month with failed windows
  expect(await big.$$eval('td.cell', (c) => c.length)).toBe(n);
  expect(await big.$$eval('td.cell[data-status=failed]', (c) => c.length)).toBe(10);
  await big.close();
});
