/**
 * The browser demo (`npx vite demo`): the job of `npm start`, running in the page on sluice's
 * single-thread scheduler (it yields to the event loop every few ms, so the page stays responsive).
 */
import {
  StreamEnvironment,
  aggregate,
  callbackSink,
  count,
  keyBy,
  max,
  sum,
  tumbling,
  watermarks,
  window,
  type JobHandle,
} from '../src/index';

interface Bid {
  readonly auction: number;
  readonly price: number;
  readonly ts: number;
}

interface WindowRow {
  readonly key: number;
  readonly start: number;
  readonly end: number;
  readonly bids: number;
  readonly volume: number;
  readonly top: number;
}

const WINDOW_MS = 5_000;
/** The window operator's name, to find its metrics (watermark, late records). */
const WINDOW_OPERATOR = 'top auctions';
const SHOWN_WINDOWS = 6;

const $ = <E extends HTMLElement>(id: string): E => document.getElementById(id) as E;
const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const money = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
const clock = (ms: number): string => (Number.isFinite(ms) ? new Date(ms).toISOString().slice(11, 23) : '–');

/** Seeded PRNG (mulberry32): the same bids on every run. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function start(rate: number): Promise<JobHandle> {
  const random = mulberry32(42);
  // Event time = wall time minus up to 1.5 s of disorder; starts just before a window boundary so the
  // first (partial) window closes after ~2 s.
  const origin = Math.floor((Date.now() + 100) / WINDOW_MS) * WINDOW_MS - 100;
  const env = new StreamEnvironment();
  env
    .fromGenerator<Bid>(
      (i) => {
        const r = random();
        return {
          auction: 1_000 + ((Math.floor(1_000 * r * r) * 389) % 1_000),
          price: Math.round(100 + 49_900 * random() ** 4) / 100,
          ts: Math.round(origin + (i * 1000) / rate - 1_500 * random() ** 2),
        };
      },
      { eventsPerSecond: rate },
    )
    .pipe(
      watermarks({ timestamp: (b: Bid) => b.ts, outOfOrderness: 2_000, emit: 'periodic' }),
      keyBy((b: Bid) => b.auction),
      window(tumbling(WINDOW_MS)),
      aggregate({ bids: count(), volume: sum((b: Bid) => b.price), top: max((b: Bid) => b.price) }, { name: WINDOW_OPERATOR }),
    )
    .sinkTo(callbackSink((row: WindowRow) => collect(row)));
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
