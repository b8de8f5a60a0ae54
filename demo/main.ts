/**
 * The browser demo (`npx vite demo`): the job of `npm start`, running in the page on sluice's
 * single-thread scheduler (it yields to the event loop every few ms, so the page stays responsive).
 */
import { StreamEnvironment, callbackSink, type JobHandle } from '../src/index';
import { WINDOW_OPERATOR, topAuctions, type WindowRow } from './auction-job';

const SHOWN_WINDOWS = 6;

const $ = <E extends HTMLElement>(id: string): E => document.getElementById(id) as E;
const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const money = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
const clock = (ms: number): string => (Number.isFinite(ms) ? new Date(ms).toISOString().slice(11, 23) : '–');

function start(rate: number): Promise<JobHandle> {
  const env = new StreamEnvironment();
  topAuctions(env, rate, Date.now()).sinkTo(callbackSink((row: WindowRow) => collect(row)));
  return env.execute('live auctions (browser)');
}

// Rows of one firing arrive within one synchronous call; a microtask renders the complete window.
const pending = new Map<number, WindowRow[]>();
let fired = 0;
let renderQueued = false;

function collect(row: WindowRow): void {
  let rows = pending.get(row.start);
  if (rows === undefined) pending.set(row.start, (rows = []));
  rows.push(row);
  if (!renderQueued) {
    renderQueued = true;
    queueMicrotask(renderWindows);
  }
}

function renderWindows(): void {
  renderQueued = false;
  const body = $<HTMLTableSectionElement>('windows');
  for (const [windowStart, rows] of [...pending].sort((a, b) => a[0] - b[0])) {
    pending.delete(windowStart);
    fired++;
    const top = rows.sort((a, b) => b.bids - a.bids || a.key - b.key).slice(0, 5);
    const trs = top.map((r, i) => {
      const tr = document.createElement('tr');
      if (i === 0) tr.className = 'first';
      const cells = [
        i === 0 ? `${clock(r.start)} – ${clock(r.end)}` : '',
        String(i + 1),
        String(r.key),
        int.format(r.bids),
        money.format(r.volume),
        money.format(r.top),
      ];
      for (const text of cells) tr.appendChild(document.createElement('td')).textContent = text;
      return tr;
    });
    body.prepend(...trs);
    while (body.rows.length > SHOWN_WINDOWS * 5) body.deleteRow(-1);
  }
  $('fired').textContent = String(fired);
}

let job: JobHandle | undefined;
let ticker: ReturnType<typeof setInterval> | undefined;
let last = { at: 0, events: 0 };

function renderStats(): void {
  if (job === undefined) return;
  const metrics = job.metrics();
  const source = metrics.operators.find((o) => o.name.startsWith('fromGenerator'));
  const windowOp = metrics.operators.find((o) => o.name === WINDOW_OPERATOR);
  const events = source?.recordsOut ?? 0;
  const now = performance.now();
  $('eps').textContent = int.format(((events - last.events) * 1000) / Math.max(1, now - last.at));
  last = { at: now, events };
  $('events').textContent = int.format(events);
  $('watermark').textContent = clock(windowOp?.watermark ?? Number.NEGATIVE_INFINITY);
  $('late').textContent = int.format(windowOp?.extra.numLateRecordsDropped ?? 0);
  $('status').textContent = job.status;
}

async function run(): Promise<void> {
  const rate = Math.max(1, Number($<HTMLInputElement>('rate').value) || 20_000);
  job = await start(rate);
  last = { at: performance.now(), events: 0 };
  job.done.catch((error: unknown) => {
    $('status').textContent = `failed: ${String(error)}`;
  });
  ticker = setInterval(renderStats, 1000);
  $('toggle').textContent = 'Stop';
}

$('toggle').addEventListener('click', () => {
  if (job !== undefined && job.status === 'running') {
    clearInterval(ticker);
    $('toggle').textContent = 'Start';
    void job.cancel().then(renderStats);
  } else {
    void run();
  }
});

void run();

// Expose the handle for debugging and for a headless smoke check.
(globalThis as { sluiceDemo?: () => JobHandle | undefined }).sluiceDemo = () => job;
