// The run report as one self-contained HTML page: no external assets, light and dark
// (prefers-color-scheme), status shown by colour AND symbol (failed cells are also striped),
// cell detail on hover and on keyboard focus, months folded (<details>) so 87,600 windows
// still render. Every piece of text from the run is HTML-escaped: errors can hold anything.
import type { WindowRecord } from '../state/records.js';
import { buildReport, CELL_STATUSES, type Cell, type CellStatus, type Month, type ReportModel } from './model.js';
import type { RunRecord } from '../state/records.js';
import { describeValve } from '../backfill/valve-control.js';

const SYMBOL: Record<CellStatus, string> = { pending: '·', running: '▶', succeeded: '✓', failed: '✕', held: '‖' };
const LABEL: Record<CellStatus, string> = { pending: 'pending', running: 'running', succeeded: 'succeeded', failed: 'failed', held: 'held back by the cut-over' };
/** Above this many windows, only months with failed or running windows start unfolded. */
const OPEN_ALL_UP_TO = 2000;

export function escapeHtml(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function renderRunReport(run: RunRecord, windows: WindowRecord[], now: Date = new Date()): string {
  const model = buildReport(run, windows, now);
  const details: Array<[string, number, number | null, number, number | null, string | null]> = [];
  const grid = model.months.map((m) => month(m, model.total <= OPEN_ALL_UP_TO, details)).join('\n');
  // Cell details as data, not markup: one small array per window instead of a tooltip element each.
  const data = JSON.stringify(details).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>hourglass run ${escapeHtml(run.runId)}</title>
<style>${CSS}</style></head>
<body>
<header>
<h1>Run <code>${escapeHtml(run.runId)}</code> <span class="badge run-${escapeHtml(run.status)}">${escapeHtml(run.status)}</span>${run.valve?.paused ? ' <span class="badge" id="paused">paused</span>' : ''}${run.valve?.concurrency !== undefined ? ` <span class="badge" id="throttled">throttled to ${run.valve.concurrency}</span>` : ''}</h1>
${parameters(model)}
${figures(model)}
</header>
<main>
<section aria-labelledby="legend-h"><h2 id="legend-h">Windows</h2>
<p class="legend">${CELL_STATUSES.map((s) => `<span><span class="cell s-${s}" aria-hidden="true">${SYMBOL[s]}</span> ${LABEL[s]} (<span data-count="${s}">${model.counts[s]}</span>)</span>`).join(' ')}</p>
<p class="hint">Hours (UTC) across, days down. Hover or focus a cell (Tab) for its detail.</p>
<div id="tip" role="status" aria-live="polite"></div>
${grid || '<p>No windows planned yet.</p>'}
</section>
${failedList(model)}
${slowestList(model)}
</main>
<footer>generated ${escapeHtml(model.generatedAt)} by hourglass</footer>
<script type="application/json" id="cells">${data}</script>
<script>${SCRIPT}</script>
</body></html>
`;
}

function parameters({ run }: ReportModel): string {
  const rows: Array<[string, unknown]> = [
    ['migration', `${run.migrationVersion} (${run.migrationName})`],
    ['target', run.target],
    ['range', `${run.rangeStart} … ${run.rangeEnd}`],
    ['window', run.windowSize],
    ['strategy', run.strategy],
    ['concurrency', run.concurrency],
    ['started', run.createdAt],
    ['updated', run.updatedAt],
    ...(run.waiting ? [['waiting', `${run.waiting.reason}: ${run.waiting.load ?? '?'} > ${run.waiting.threshold} since ${run.waiting.since}`] as [string, unknown]] : []),
    ...(run.valve ? [['valve', describeValve(run.valve)] as [string, unknown]] : []),
    ...(run.error ? [['error', run.error] as [string, unknown]] : []),
  ];
  return `<dl class="params">${rows.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>`;
}

function figures(model: ReportModel): string {
  const c = model.counts;
  const items: Array<[string, string, string]> = [
    ['total', 'windows', String(model.total)],
    ['succeeded', 'succeeded', String(c.succeeded)],
    ['failed', 'failed', String(c.failed)],
    ['pending', 'pending', String(c.pending + c.running)],
    ['held', 'held back', String(c.held)],
    ['rows', 'rows written', model.run.rowsWritten.toLocaleString('en-US')],
    ['rate', 'rows/s', model.rowsPerSecond === null ? '–' : Math.round(model.rowsPerSecond).toLocaleString('en-US')],
    ['eta', 'ETA', model.etaMs === null ? '–' : duration(model.etaMs)],
  ];
  return `<ul class="figures">${items.map(([key, label, value]) => `<li data-figure="${key}"><b>${escapeHtml(value)}</b> ${escapeHtml(label)}</li>`).join('')}</ul>`;
}

function month(m: Month, openAll: boolean, details: unknown[][]): string {
  const open = openAll || m.counts.failed > 0 || m.counts.running > 0;
  const summary = CELL_STATUSES.filter((s) => m.counts[s] > 0).map((s) => `${SYMBOL[s]} ${m.counts[s]} ${s}`).join(' · ');
  const head = `<tr><th scope="col">day</th>${Array.from({ length: 24 }, (_, h) => `<th scope="col">${String(h).padStart(2, '0')}</th>`).join('')}</tr>`;
  const rows = m.days.map((d) => `<tr><th scope="row">${d.date}</th>${d.cells.map((c) => cell(c, details)).join('')}</tr>`).join('\n');
  return `<details class="month"${open ? ' open' : ''}><summary>${m.month} <span class="muted">${summary}</span></summary>
<table class="grid"><thead>${head}</thead><tbody>
${rows}
</tbody></table></details>`;
}

function cell(c: Cell | null, details: unknown[][]): string {
  if (!c) return '<td class="none"></td>';
  const index = details.length;
  const w = c.windows[0]!;
  const sum = (pick: (x: WindowRecord) => number | undefined) => (c.windows.some((x) => pick(x) !== undefined) ? c.windows.reduce((a, x) => a + (pick(x) ?? 0), 0) : null);
  const error = c.windows.find((x) => x.lastError)?.lastError ?? null;
  details.push([w.start, sum((x) => x.rows) ?? 0, sum((x) => x.sourceRows), Math.max(...c.windows.map((x) => x.attempts)), sum((x) => x.durationMs), error]);
  return `<td class="cell s-${c.status}" tabindex="0" data-i="${index}" data-status="${c.status}" aria-label="${escapeHtml(`${w.start} ${LABEL[c.status]}`)}">${SYMBOL[c.status]}</td>`;
}

function failedList(model: ReportModel): string {
  if (model.failed.length === 0) return '';
  const shown = model.failed.slice(0, 200);
  const more = model.failed.length - shown.length;
  return `<section aria-labelledby="failed-h"><h2 id="failed-h">Failed windows (${model.failed.length})</h2>
<table class="list" id="failed"><thead><tr><th>window</th><th>attempts</th><th>error</th></tr></thead><tbody>
${shown.map((w) => `<tr><td><code>${escapeHtml(w.start)}</code></td><td>${w.attempts}</td><td class="error">${escapeHtml(w.lastError ?? '')}</td></tr>`).join('\n')}
</tbody></table>${more > 0 ? `<p>and ${more} more: <code>hourglass windows ${escapeHtml(model.run.runId)} --status failed</code></p>` : ''}</section>`;
}

function slowestList(model: ReportModel): string {
  if (model.slowest.length === 0) return '';
  return `<section aria-labelledby="slow-h"><h2 id="slow-h">Slowest windows</h2>
<table class="list" id="slowest"><thead><tr><th>window</th><th>duration</th><th>rows</th></tr></thead><tbody>
${model.slowest.map((w) => `<tr><td><code>${escapeHtml(w.start)}</code></td><td>${duration(w.durationMs ?? 0)}</td><td>${w.rows.toLocaleString('en-US')}</td></tr>`).join('\n')}
</tbody></table></section>`;
}

export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  const m = Math.round(s / 60);
  return m < 120 ? `${m} min` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

const CSS = `
:root{--bg:#fff;--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--ok:#2da44e;--fail:#cf222e;--run:#0969da;--pend:#eaeef2;--held:#bf8700}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#8d96a0;--line:#30363d;--ok:#2ea043;--fail:#f85149;--run:#4493f8;--pend:#21262d;--held:#d29922}}
body{background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5rem}
h1{font-size:1.4rem;margin:0 0 .5rem}h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
.muted,.hint,footer{color:var(--muted)}footer{margin-top:2rem;font-size:12px}
.badge{font-size:.8rem;padding:.1rem .5rem;border-radius:1rem;border:1px solid var(--line)}
.run-failed,.run-partial{color:var(--fail)}.run-succeeded{color:var(--ok)}.run-running{color:var(--run)}
.params{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem;margin:0}.params dt{color:var(--muted)}.params dd{margin:0;word-break:break-all}
.figures{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.5rem 1.5rem}.figures b{font-size:1.2rem}
.legend>span{margin-right:1rem;white-space:nowrap}
.grid{border-collapse:collapse;font-size:12px}.grid th{font-weight:normal;color:var(--muted);padding:0 .3rem;text-align:right}
.cell{width:1.4rem;height:1.2rem;text-align:center;border:1px solid var(--bg);color:#fff;cursor:default;display:table-cell}
.legend .cell{display:inline-block;line-height:1.2rem}
.s-succeeded{background:var(--ok)}.s-running{background:var(--run)}.s-pending{background:var(--pend);color:var(--muted)}
.s-held{background:var(--held)}
.s-failed{background:var(--fail) repeating-linear-gradient(45deg,transparent 0 3px,rgba(0,0,0,.25) 3px 5px);font-weight:bold}
.cell:focus,.cell:hover{outline:2px solid var(--fg);outline-offset:-1px}
#tip{position:sticky;top:0;min-height:1.5rem;padding:.3rem .6rem;background:var(--pend);border:1px solid var(--line);border-radius:4px;white-space:pre-wrap;z-index:1}
details.month{margin:.4rem 0}summary{cursor:pointer;font-weight:600}
.list{border-collapse:collapse}.list td,.list th{border-bottom:1px solid var(--line);padding:.2rem .6rem;text-align:left;vertical-align:top}
.list code{white-space:nowrap}
.error{white-space:pre-wrap;word-break:break-word;max-width:60rem}
`;

// Shows one cell's detail in the #tip line; the text goes in as textContent (never as HTML).
const SCRIPT = `(()=>{const d=JSON.parse(document.getElementById('cells').textContent);const tip=document.getElementById('tip');
const fmt=(ms)=>ms===null?'–':ms<1000?ms+' ms':(ms/1000).toFixed(1)+' s';
const show=(e)=>{const t=e.target.closest&&e.target.closest('td.cell');if(!t)return;const [start,rows,src,att,dur,err]=d[+t.dataset.i];
tip.textContent=start+' · '+t.dataset.status+' · rows '+rows+' · source rows '+(src===null?'–':src)+' · attempts '+att+' · '+fmt(dur)+(err?'\\nerror: '+err:'');};
document.addEventListener('mouseover',show);document.addEventListener('focusin',show);})();`;
