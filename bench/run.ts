/**
 * `npm run bench`: keyed event-time windows, sum + count, over N in-memory object records —
 * sluice's public API against the same computation in RxJS and in a hand-written loop.
 *
 *   npm run bench -- [--events N] [--rounds R] [--only b-periodic,b-periodic-sliding] [--rows keep]
 *
 * Every variant runs in a child process of its own (as JMH forks per benchmark): it generates the
 * same input, runs once untimed (so the JIT has compiled it and the kernel has grown its memory),
 * then R timed rounds. No variant pays for garbage another left: the sliding hand loop and RxJS
 * leave hundreds of MB, and with 10M input objects on the heap whichever variant ran next paid the
 * full collection (1–2 s). The table shows medians of wall time and of CPU time (all threads), the
 * steadier of the two on a shared machine. `--only` runs the listed variants and the hand loops.
 * Every round's results are checked against the hand-written loop's (row count, Σcount, Σsum and
 * a key/window-weighted checksum), so no line can be fast by computing less. Rows go to a sink
 * that folds them into those totals; `--rows keep` keeps them all in an array, as `collect()`
 * does. Memory is measured apart, untimed: each variant runs once more in a fresh child process,
 * which reports its maximum RSS and the peak of `heapUsed`, sampled every 2^16 records.
 * See bench/README.md.
 */
import { from, groupBy, map, mergeMap, reduce } from 'rxjs';
import { machineInfo, median, mulberry32, parseOptions, saveResults, runInChild } from './support';
import { StreamEnvironment, aggregate, count, keyBy, sliding, sum, tumbling, watermarks, window, type WindowAssigner } from '../src/index';

// ---------------------------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------------------------

const KEYS = 10_000;
const EVENTS_PER_KEY_AND_WINDOW = 100;
/** Event time advances 1 ms every this many records. */
const EVENTS_PER_MS = 100;
/** 10 000 keys × 100 events per key and window at 100 events/ms: a 10 s window. */
const WINDOW_MS = (KEYS * EVENTS_PER_KEY_AND_WINDOW) / EVENTS_PER_MS;
const SLIDE_MS = 1_000;
const OUT_OF_ORDERNESS_MS = 100;
/** 10% of records are up to this many ms older than their position says (well within the bound). */
const MAX_DISORDER_MS = 50;
/** Epoch ms, aligned to every window size used here. */
const T0 = Date.UTC(2025, 0, 1);
const PROBE_EVERY = 1 << 16;


// ---------------------------------------------------------------------------------------------
// Data
// ---------------------------------------------------------------------------------------------

interface Bid {
  readonly key: number;
  readonly ts: number;
  readonly price: number;
}

interface Row {
  readonly key: number;
  readonly start: number;
  readonly end: number;
  readonly n: number;
  readonly total: number;
}


function generate(n: number): Bid[] {
  const random = mulberry32(20_251_121);
  const bids = new Array<Bid>(n);
  for (let i = 0; i < n; i++) {
    const key = Math.floor(random() * KEYS);
    const disorder = random() < 0.1 ? Math.floor(random() * MAX_DISORDER_MS) : 0;
    bids[i] = { key, ts: T0 + Math.floor(i / EVENTS_PER_MS) - disorder, price: 1 + Math.floor(random() * 1000) };
  }
  return bids;
}

/** The start of the window of `size` containing `ts` (epoch-aligned, as Flink's). */
function windowStart(ts: number, size: number): number {
  const r = ts % size;
  return r < 0 ? ts - (r + size) : ts - r;
}

// ---------------------------------------------------------------------------------------------
// Variants. Each gets the timestamp accessor `ts`: a plain `b => b.ts` when timed, a memory-probing
// one in the memory round.
// ---------------------------------------------------------------------------------------------

type Ts = (b: Bid) => number;
/** Where a variant hands each result row: a sink, as a job's rows go to a file, a socket or a page. */
type RowSink = (row: Row) => void;

// Every variant is the same computation from the same input to the same output, so that only the
// engine differs: it reads the array of plain objects through the timestamp accessor it is given,
// and hands every result row, as a plain object { key, start, end, n, total }, to the sink it is
// given. The timed rounds' sink folds each row into the digest and lets it go; with --keep-rows it
// keeps them all in one array, as `collect()` does.

/**
 * (b) sluice, public API, from plain object records; with `wasm: false`, (c) its JavaScript kernel.
 * Exactly what a user writes: nothing bench-specific (no columns, no tuned batch size).
 */
async function sluice(bids: Bid[], ts: Ts, sink: RowSink, emit: 'periodic' | 'record', assigner: WindowAssigner<Bid>, wasm = true): Promise<void> {
  await new StreamEnvironment({ wasm })
    .fromArray(bids)
    .pipe(
      watermarks({ timestamp: ts, outOfOrderness: OUT_OF_ORDERNESS_MS, emit }),
      keyBy((b: Bid) => b.key),
      window(assigner),
      aggregate({ n: count(), total: sum((b: Bid) => b.price) }),
    )
    .forEach(sink);
}

/** (d) RxJS, idiomatic: a group per key, inside it a group per window, reduced when the input completes. */
function rxjs(bids: Bid[], ts: Ts, sink: RowSink): Promise<void> {
  return new Promise((resolve, reject) => {
    from(bids)
      .pipe(
        groupBy((b) => b.key),
        mergeMap((byKey) =>
          byKey.pipe(
            groupBy((b) => windowStart(ts(b), WINDOW_MS)),
            mergeMap((byWindow) =>
              byWindow.pipe(
                reduce(
                  (acc, b) => {
                    acc.n++;
                    acc.total += b.price;
                    return acc;
                  },
                  { n: 0, total: 0 },
                ),
                map((acc): Row => ({ key: byKey.key, start: byWindow.key, end: byWindow.key + WINDOW_MS, ...acc })),
              ),
            ),
          ),
        ),
      )
      .subscribe({ next: sink, error: reject, complete: resolve });
  });
}

interface Acc {
  n: number;
  total: number;
}

/**
 * (e) A hand-written loop with the same event-time semantics: window start → (key → accumulator)
 * maps, a bounded-out-of-orderness watermark after every record, and windows emitted once the
 * watermark passes their end − 1. It is the loop a user would write instead of an engine: one Map
 * per window (so firing a window is one lookup, not a scan of every key), object accumulators,
 * rows made as literals and handed to the sink.
 */
function handLoop(bids: Bid[], ts: Ts, sink: RowSink, size: number, slide: number): void {
  const windows = new Map<number, Map<number, Acc>>();
  let maxTs = Number.NEGATIVE_INFINITY;
  let watermark = Number.NEGATIVE_INFINITY;
  let nextEnd = Number.POSITIVE_INFINITY;
  const fire = (): void => {
    const due = [...windows.keys()].filter((start) => start + size - 1 <= watermark).sort((a, b) => a - b);
    for (const start of due) {
      for (const [key, acc] of windows.get(start)!) sink({ key, start, end: start + size, n: acc.n, total: acc.total });
      windows.delete(start);
    }
    nextEnd = Number.POSITIVE_INFINITY;
    for (const start of windows.keys()) if (start + size < nextEnd) nextEnd = start + size;
  };
  for (let i = 0; i < bids.length; i++) {
    const b = bids[i]!;
    const t = ts(b);
    for (let start = windowStart(t, slide); start > t - size; start -= slide) {
      if (start + size - 1 <= watermark) continue; // late: dropped, as the window is gone
      let byKey = windows.get(start);
      if (byKey === undefined) {
        windows.set(start, (byKey = new Map()));
        if (start + size < nextEnd) nextEnd = start + size;
      }
      const acc = byKey.get(b.key);
      if (acc === undefined) byKey.set(b.key, { n: 1, total: b.price });
      else {
        acc.n++;
        acc.total += b.price;
      }
    }
    if (t > maxTs) {
      maxTs = t;
      watermark = maxTs - OUT_OF_ORDERNESS_MS - 1;
      if (watermark >= nextEnd - 1) fire();
    }
  }
  watermark = Number.POSITIVE_INFINITY;
  fire();
}

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

interface Digest {
  rows: number;
  n: number;
  total: number;
  /** Σ (key + 1) · (window index + 100) · count: catches counts credited to the wrong key or window. */
  check: number;
}

/** A sink that folds each row into `d` and keeps nothing. */
function folding(d: Digest, slide: number): RowSink {
  return (r) => {
    d.rows++;
    d.n += r.n;
    d.total += r.total;
    d.check += (r.key + 1) * ((r.start - T0) / slide + 100) * r.n;
  };
}

/** Runs `variant`, handing its rows to a folding sink, or with `keepRows` to an array folded after the run. */
async function runDigested(variant: Variant, bids: Bid[], ts: Ts, keepRows: boolean): Promise<Digest> {
  const d: Digest = { rows: 0, n: 0, total: 0, check: 0 };
  const fold = folding(d, slideOf(variant.window));
  if (!keepRows) {
    await variant.run(bids, ts, fold);
    return d;
  }
  const rows: Row[] = [];
  await variant.run(bids, ts, (row) => rows.push(row));
  for (const row of rows) fold(row);
  return d;
}

const slideOf = (window: Variant['window']): number => (window === 'tumbling' ? WINDOW_MS : SLIDE_MS);

function sameDigest(a: Digest, b: Digest): boolean {
  return a.rows === b.rows && a.n === b.n && a.total === b.total && a.check === b.check;
}

// ---------------------------------------------------------------------------------------------
// Measurement
// ---------------------------------------------------------------------------------------------

interface Variant {
  readonly id: string;
  readonly label: string;
  readonly window: 'tumbling' | 'sliding';
  readonly run: (bids: Bid[], ts: Ts, sink: RowSink) => void | Promise<void>;
}

const MB = 1024 * 1024;

const variants: Variant[] = [
  { id: 'b-periodic', label: "(b) sluice, emit: 'periodic'", window: 'tumbling', run: (d, ts, sink) => sluice(d, ts, sink, 'periodic', tumbling(WINDOW_MS)) },
  { id: 'b-record', label: "(b) sluice, emit: 'record' (default)", window: 'tumbling', run: (d, ts, sink) => sluice(d, ts, sink, 'record', tumbling(WINDOW_MS)) },
  { id: 'c-js', label: "(c) sluice, JS path (wasm: false), 'periodic'", window: 'tumbling', run: (d, ts, sink) => sluice(d, ts, sink, 'periodic', tumbling(WINDOW_MS), false) },
  { id: 'd-rxjs', label: '(d) RxJS groupBy/mergeMap/reduce', window: 'tumbling', run: (d, ts, sink) => rxjs(d, ts, sink) },
  { id: 'e-loop', label: '(e) hand-written loop, Maps', window: 'tumbling', run: (d, ts, sink) => handLoop(d, ts, sink, WINDOW_MS, WINDOW_MS) },
  {
    id: 'b-periodic-sliding',
    label: "(b) sluice, emit: 'periodic'",
    window: 'sliding',
    run: (d, ts, sink) => sluice(d, ts, sink, 'periodic', sliding(WINDOW_MS, SLIDE_MS)),
  },
  { id: 'e-loop-sliding', label: '(e) hand-written loop, Maps', window: 'sliding', run: (d, ts, sink) => handLoop(d, ts, sink, WINDOW_MS, SLIDE_MS) },
];

interface MemoryReport {
  /** Largest heapUsed seen, minus heapUsed once the input was generated. */
  peakHeapDeltaMB: number;
  /** The process's maximum resident set size (getrusage). */
  maxRssMB: number;
}

/** A full collection, where `--expose-gc` allows one: the memory baseline is then the input alone. */
const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

/** In a child process: generate the input, run one variant once, report its memory peaks as JSON. */
async function memoryChild(id: string, events: number, keepRows: boolean): Promise<void> {
  const bids = generate(events);
  gc();
  const baseHeap = process.memoryUsage().heapUsed;
  let peakHeap = baseHeap;
  const sample = (): void => {
    const heap = process.memoryUsage().heapUsed;
    if (heap > peakHeap) peakHeap = heap;
  };
  if (id !== 'baseline') {
    const variant = variants.find((v) => v.id === id);
    if (variant === undefined) throw new Error(`unknown variant ${id}`);
    let calls = 0;
    const probed: Ts = (b) => {
      if (++calls % PROBE_EVERY === 0) sample();
      return b.ts;
    };
    const d = await runDigested(variant, bids, probed, keepRows);
    sample();
    if (d.rows === 0) throw new Error(`${id}: no rows`);
  }
  const report: MemoryReport = {
    peakHeapDeltaMB: Math.round((peakHeap - baseHeap) / MB),
    maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  process.stdout.write(JSON.stringify(report));
}

interface TimingReport {
  readonly ms: number[];
  readonly cpuMs: number[];
  readonly digests: Digest[];
}

/** In a child process: generate the input, run the variant once untimed, then time R rounds. */
async function timingChild(id: string, events: number, rounds: number, keepRows: boolean): Promise<void> {
  const variant = variants.find((v) => v.id === id);
  if (variant === undefined) throw new Error(`unknown variant ${id}`);
  const bids = generate(events);
  const ts: Ts = (b) => b.ts;
  // One untimed round over the whole input: the JIT compiles the variant, and sluice's window
  // kernel grows its memory to what this input needs (the pool then hands it to the next job). A
  // shorter warm-up left the growth to the first timed rounds, where V8 counted it as external
  // memory pressure and ran full collections over the 10M input objects.
  await runDigested(variant, bids, ts, keepRows);
  const report: TimingReport = { ms: [], cpuMs: [], digests: [] };
  for (let round = 0; round < rounds; round++) {
    // A turn of the event loop before each round, as between jobs in a long-running process: V8
    // finishes the garbage collection work it runs as tasks then, not inside the next round.
    await new Promise((resolve) => setTimeout(resolve, 10));
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const d = await runDigested(variant, bids, ts, keepRows);
    report.ms.push(performance.now() - t0);
    // CPU time (user + system, all threads: GC helpers too) is steadier than wall time when the
    // machine is shared.
    const cpu = process.cpuUsage(cpu0);
    report.cpuMs.push((cpu.user + cpu.system) / 1000);
    report.digests.push(d);
  }
  process.stdout.write(JSON.stringify(report));
}

function timeInChild(id: string, events: number, rounds: number, keepRows: boolean): Promise<TimingReport> {
  return runInChild<TimingReport>(import.meta.url, ['--events', String(events), '--rounds', String(rounds), '--time', id, ...keepRowsFlag(keepRows)]);
}

function measureInChild(id: string, events: number, keepRows: boolean): Promise<MemoryReport> {
  return runInChild<MemoryReport>(import.meta.url, ['--events', String(events), '--memory', id, ...keepRowsFlag(keepRows)]);
}

const keepRowsFlag = (keepRows: boolean): string[] => (keepRows ? ['--rows', 'keep'] : []);

async function main(): Promise<void> {
  const { events, rounds, memory, time, only, rows } = parseOptions(
    process.argv.slice(2),
    { events: 2_000_000, rounds: 5 },
    'npm run bench -- [--events N] [--rounds R] [--only id,id,...] [--rows fold|keep]',
    ['memory', 'time', 'only', 'rows'],
  );
  if (rows !== undefined && rows !== 'fold' && rows !== 'keep') throw new Error(`--rows is fold or keep, not ${rows}`);
  const keepRows = rows === 'keep';
  if (memory !== undefined) return memoryChild(memory, events, keepRows);
  if (time !== undefined) return timingChild(time, events, rounds, keepRows);
  // --only b-periodic,e-loop: a quick look at some variants (with the hand loop of each window kind
  // among them: ratios need it).
  const listed = only === undefined ? variants : variants.filter((v) => only.split(',').includes(v.id));
  const kinds = new Set(listed.map((v) => v.window));
  const chosen = only === undefined ? variants : variants.filter((v) => listed.includes(v) || (v.id.startsWith('e-loop') && kinds.has(v.window)));

  const machine = machineInfo();
  console.error(`sluice bench: ${events.toLocaleString('en-US')} events, ${KEYS.toLocaleString('en-US')} keys, ${rounds} rounds, rows ${keepRows ? 'kept in an array' : 'folded by a sink'}`);
  console.error(`machine: ${machine.cores} × ${machine.cpu}, Node ${machine.node}, ${machine.platform}${machine.gcExposed ? '' : ' (no --expose-gc)'}`);

  const bids = generate(events);
  let priceSum = 0;
  for (const b of bids) priceSum += b.price;
  const plainTs: Ts = (b) => b.ts;

  // The reference results: the hand-written loop, checked against the input itself.
  // (Only for the window kinds measured: the sliding hand loop alone takes seconds per million.)
  const reference: Partial<Record<Variant['window'], Digest>> = {};
  if (chosen.some((v) => v.window === 'tumbling')) {
    const d = (reference.tumbling = await runDigested(variants.find((v) => v.id === 'e-loop')!, bids, plainTs, false));
    if (d.n !== events || d.total !== priceSum) throw new Error('reference (tumbling) lost records');
  }
  if (chosen.some((v) => v.window === 'sliding')) {
    const perElement = WINDOW_MS / SLIDE_MS;
    const d = (reference.sliding = await runDigested(variants.find((v) => v.id === 'e-loop-sliding')!, bids, plainTs, false));
    if (d.n !== events * perElement || d.total !== priceSum * perElement) throw new Error('reference (sliding) lost records');
  }

  const times = new Map<string, number[]>();
  const cpuTimes = new Map<string, number[]>();
  for (const v of chosen) {
    const report = await timeInChild(v.id, events, rounds, keepRows);
    for (const d of report.digests) {
      if (!sameDigest(d, reference[v.window]!)) {
        throw new Error(`${v.id} computed different results: ${JSON.stringify(d)} vs reference ${JSON.stringify(reference[v.window])}`);
      }
    }
    times.set(v.id, report.ms);
    cpuTimes.set(v.id, report.cpuMs);
    console.error(`${v.id}: ${report.ms.map((ms) => `${ms.toFixed(0)} ms`).join(', ')}`);
  }

  // Memory (untimed): each variant once more, alone in a fresh process, so that its peak RSS is its own.
  const baseline = await measureInChild('baseline', events, keepRows);
  const peaks = new Map<string, MemoryReport>();
  for (const v of chosen) {
    const report = await measureInChild(v.id, events, keepRows);
    peaks.set(v.id, report);
    console.error(`memory: ${v.id} peak heap +${report.peakHeapDeltaMB} MB, max RSS ${report.maxRssMB} MB (data alone: ${baseline.maxRssMB} MB)`);
  }

  // Report.
  const medianMs = (id: string): number => median(times.get(id)!);
  const eps = (id: string): number => events / (medianMs(id) / 1000);
  const epsCpu = (id: string): number => events / (median(cpuTimes.get(id)!) / 1000);
  const results = chosen.map((v) => {
    const p = peaks.get(v.id)!;
    const loop = v.window === 'tumbling' ? 'e-loop' : 'e-loop-sliding';
    return {
      id: v.id,
      label: v.label,
      window: v.window === 'tumbling' ? `tumbling ${WINDOW_MS / 1000} s` : `sliding ${WINDOW_MS / 1000} s / ${SLIDE_MS / 1000} s`,
      medianMs: Math.round(medianMs(v.id) * 10) / 10,
      eventsPerSecond: Math.round(eps(v.id)),
      vsHandLoop: eps(v.id) / eps(loop),
      vsRxjs: v.window === 'tumbling' && times.has('d-rxjs') ? eps(v.id) / eps('d-rxjs') : undefined,
      eventsPerCpuSecond: Math.round(epsCpu(v.id)),
      vsHandLoopCpu: epsCpu(v.id) / epsCpu(loop),
      roundsCpuMs: cpuTimes.get(v.id)!.map((t) => Math.round(t)),
      roundsMs: times.get(v.id)!.map((t) => Math.round(t * 10) / 10),
      peakHeapDeltaMB: p.peakHeapDeltaMB,
      maxRssMB: p.maxRssMB,
      rssOverDataMB: p.maxRssMB - baseline.maxRssMB,
      digest: reference[v.window],
    };
  });

  const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
  const ratio = (x: number | undefined): string => (x === undefined ? '' : `${x.toFixed(2)}×`);
  const table = [
    `${events.toLocaleString('en-US')} events, ${KEYS.toLocaleString('en-US')} keys, ~${EVENTS_PER_KEY_AND_WINDOW} events per key and ${WINDOW_MS / 1000} s window; median of ${rounds} rounds; result rows ${keepRows ? 'kept in an array (--rows keep)' : 'folded by a sink'}`,
    `${machine.cores} × ${machine.cpu}, Node ${machine.node}`,
    '',
    '| variant | window | events/s | median ms | vs hand loop | vs RxJS | events/CPU-s | vs hand loop (CPU) | peak heap Δ | max RSS (Δ over data) |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|',
    ...results.map(
      (r) =>
        `| ${r.label} | ${r.window} | ${fmt(r.eventsPerSecond)} | ${fmt(r.medianMs)} | ${ratio(r.vsHandLoop)} | ${ratio(r.vsRxjs)} | ` +
        `${fmt(r.eventsPerCpuSecond)} | ${ratio(r.vsHandLoopCpu)} | ${r.peakHeapDeltaMB} MB | ${r.maxRssMB} MB (+${r.rssOverDataMB}) |`,
    ),
  ];
  console.log(table.join('\n'));

  const file = saveResults('window', {
    date: new Date().toISOString(),
    machine,
    memoryBaseline: baseline,
    params: { events, rounds, keys: KEYS, eventsPerKeyAndWindow: EVENTS_PER_KEY_AND_WINDOW, windowMs: WINDOW_MS, slideMs: SLIDE_MS, outOfOrdernessMs: OUT_OF_ORDERNESS_MS, rows: keepRows ? 'keep' : 'fold' },
    results,
  });
  console.error(`\nwrote ${file}`);
}

await main();
