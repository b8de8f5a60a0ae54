/**
 * `npm start`: a live sluice job on generated auction bids.
 *
 *   fromGenerator (≈50 000 bids/s, event time ≈ wall time, up to 1.5 s of disorder, a few very late bids)
 *     → watermarks (bounded out-of-orderness 2 s, periodic emission every 200 ms, as in Flink)
 *     → keyBy(auction) → 5 s tumbling event-time windows
 *     → aggregate { bids: count(), volume: sum(price), top: max(price) }
 *     → printed here: the top 5 auctions of every window as it fires
 *
 * Options: `--seconds N` stops after N seconds (exit 0); `--rate N` sets bids per second.
 * Without `--seconds` it runs until Ctrl-C, then prints a summary.
 */
import { StreamEnvironment, callbackSink, type JobHandle, type JobMetrics } from '../src/index';
import { OUT_OF_ORDERNESS_MS, WINDOW_MS, WINDOW_OPERATOR, topAuctions, type WindowRow } from './auction-job';

// ---------------------------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------------------------

function parseArgs(argv: readonly string[]): { seconds: number | undefined; rate: number } {
  let seconds: number | undefined;
  let rate = 50_000;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split('=', 2) as [string, string | undefined];
    const value = (): number => {
      const raw = inline ?? argv[++i];
      const n = Number(raw);
      if (raw === undefined || !Number.isFinite(n) || n <= 0) usage(`${flag} needs a positive number, got ${String(raw)}`);
      return n;
    };
    if (flag === '--seconds') seconds = value();
    else if (flag === '--rate') rate = Math.round(value());
    else if (flag === '--help' || flag === '-h') usage();
    else usage(`unknown option ${flag}`);
  }
  return { seconds, rate };
}

function usage(error?: string): never {
  if (error !== undefined) console.error(`live: ${error}`);
  console.error('usage: npm start -- [--seconds N] [--rate EVENTS_PER_SECOND]');
  process.exit(error === undefined ? 0 : 2);
}

// ---------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------

const tty = process.stdout.isTTY === true;
const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const money = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });

function clock(ms: number): string {
  if (!Number.isFinite(ms)) return ms > 0 ? '+∞' : '—';
  return new Date(ms).toISOString().slice(11, 23);
}

let progressShown = false;

function clearProgress(): void {
  if (tty && progressShown) process.stdout.write('\r\x1b[K');
  progressShown = false;
}

function printLines(lines: readonly string[]): void {
  clearProgress();
  process.stdout.write(`${lines.join('\n')}\n`);
}

function windowTable(rows: readonly WindowRow[], first: boolean): string[] {
  const { start, end } = rows[0]!;
  let bids = 0;
  let volume = 0;
  for (const r of rows) {
    bids += r.bids;
    volume += r.volume;
  }
  const top = [...rows].sort((a, b) => b.bids - a.bids || b.volume - a.volume || a.key - b.key).slice(0, 5);
  const lines = [
    '',
    `window ${clock(start)} – ${clock(end)}${first ? ' (partial: the job started inside it)' : ''}: ` +
      `${int.format(rows.length)} auctions, ${int.format(bids)} bids, volume ${money.format(volume)}`,
    `  ${'#'.padEnd(3)}${'auction'.padStart(8)}${'bids'.padStart(10)}${'volume'.padStart(16)}${'top bid'.padStart(12)}`,
  ];
  top.forEach((r, i) => {
    lines.push(
      `  ${String(i + 1).padEnd(3)}${String(r.key).padStart(8)}${int.format(r.bids).padStart(10)}` +
        `${money.format(r.volume).padStart(16)}${money.format(r.top).padStart(12)}`,
    );
  });
  return lines;
}

// ---------------------------------------------------------------------------------------------
// The job
// ---------------------------------------------------------------------------------------------

const { seconds, rate } = parseArgs(process.argv.slice(2));

// Event time follows wall time, starting 100 ms before a window boundary (at most 5 s in the past):
// the first window is partial but closes ~2.3 s after the start (2 s of out-of-orderness plus one
// watermark period) rather than up to 7 s later.
const startedAt = Date.now();

const env = new StreamEnvironment();
const pending = new Map<number, WindowRow[]>();
let windowsFired = 0;
let flushQueued = false;

/**
 * Every result of one firing reaches the sink within one synchronous call (the watermark fires all
 * the window's timers at once), so a microtask queued by the first row runs once the window is complete.
 */
function flushWindows(): void {
  flushQueued = false;
  for (const [start, rows] of [...pending].sort((a, b) => a[0] - b[0])) {
    pending.delete(start);
    printLines(windowTable(rows, windowsFired === 0));
    windowsFired++;
  }
  renderProgress();
}

topAuctions(env, rate, startedAt).sinkTo(
    callbackSink((row: WindowRow) => {
      let rows = pending.get(row.start);
      if (rows === undefined) pending.set(row.start, (rows = []));
      rows.push(row);
      if (!flushQueued) {
        flushQueued = true;
        queueMicrotask(flushWindows);
      }
    }),
  );

console.log(
  `sluice live demo: ${int.format(rate)} bids/s → watermarks (out-of-orderness ${OUT_OF_ORDERNESS_MS / 1000} s, periodic) → ` +
    `keyBy(auction) → tumbling ${WINDOW_MS / 1000} s windows → count / sum / max`,
);
console.log(seconds === undefined ? 'Press Ctrl-C to stop.' : `Stopping after ${seconds} s.`);

const job: JobHandle = await env.execute('live auctions');

interface Figures {
  events: number;
  watermark: number;
  lateDropped: number;
}

function figures(metrics: JobMetrics): Figures {
  const source = metrics.operators.find((o) => o.recordsIn === 0 && o.name.startsWith('fromGenerator'));
  const windowOp = metrics.operators.find((o) => o.name === WINDOW_OPERATOR);
  return {
    events: source?.recordsOut ?? 0,
    watermark: windowOp?.watermark ?? Number.NEGATIVE_INFINITY,
    lateDropped: windowOp?.extra.numLateRecordsDropped ?? 0,
  };
}

// events/s over the last second, from samples of the source's record count.
const samples0 = performance.now();
const samples: Array<{ at: number; events: number }> = [{ at: samples0, events: 0 }];

function progressLine(): string {
  const now = performance.now();
  const f = figures(job.metrics());
  samples.push({ at: now, events: f.events });
  while (samples.length > 2 && now - samples[1]!.at >= 1000) samples.shift();
  const oldest = samples[0]!;
  const perSecond = now > oldest.at ? ((f.events - oldest.events) * 1000) / (now - oldest.at) : 0;
  const lag = Number.isFinite(f.watermark) ? ` (${((Date.now() - f.watermark) / 1000).toFixed(1)} s behind wall time)` : '';
  return (
    `[${((now - samples0) / 1000).toFixed(1).padStart(5)} s] ${int.format(perSecond).padStart(7)} events/s | ` +
    `${int.format(f.events)} events | watermark ${clock(f.watermark)}${lag} | ` +
    `windows fired: ${windowsFired} | late dropped: ${int.format(f.lateDropped)}`
  );
}

function renderProgress(): void {
  if (!tty || stopping) return;
  process.stdout.write(`\r\x1b[K${progressLine()}`);
  progressShown = true;
}

let stopping = false;
const ticker = setInterval(
  () => {
    if (tty) renderProgress();
    else console.log(progressLine());
  },
  tty ? 250 : 1000,
);

async function stop(reason: string): Promise<never> {
  if (stopping) process.exit(130);
  stopping = true;
  clearInterval(ticker);
  const f = figures(job.metrics());
  await job.cancel();
  flushWindows();
  clearProgress();
  const elapsed = (performance.now() - samples0) / 1000;
  console.log(
    `\n${reason} after ${elapsed.toFixed(1)} s: ${int.format(f.events)} events (${int.format(f.events / elapsed)} events/s), ` +
      `${windowsFired} window${windowsFired === 1 ? '' : 's'} fired, ${int.format(f.lateDropped)} late bids dropped, final watermark ${clock(f.watermark)}; job ${job.status}.`,
  );
  process.exit(0);
}

process.on('SIGINT', () => void stop('Interrupted'));
if (seconds !== undefined) setTimeout(() => void stop('Stopped'), seconds * 1000);

job.done.then(
  (result) => {
    if (!stopping) {
      console.error(`\nThe job ended by itself (${result.status}).`);
      process.exit(1);
    }
  },
  (error: unknown) => {
    clearProgress();
    console.error('\nThe job failed:', error);
    process.exit(1);
  },
);
