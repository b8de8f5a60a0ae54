/**
 * `npx tsx bench/session-window.ts [--events N] [--rounds R]`: the session-window kernel against
 * the keyed-state path, through the public API. Keyed session windows (gap 300 ms), count + sum,
 * 10 000 keys, 100 events per ms, 10% of events up to 50 ms late, periodic watermarks 100 ms
 * behind:
 *
 * - `window(session(300)), aggregate({ n: count(), total: sum(...) })` on the WebAssembly kernel
 *   (the default) and on its JavaScript twin (`wasm: false`);
 * - the same job with the aggregates as user-defined functions, which keeps the windows in keyed
 *   state (Flink's merging-window algorithm on `WindowOperator`): the path every session window
 *   took before the kernel.
 *
 * Every variant must give the same rows (their count and a checksum are compared). Medians of wall
 * time per variant; rounds interleave the variants. Results go to bench-results.json under
 * `sessionWindow`.
 */
import { StreamEnvironment, aggregate, count, keyBy, session, sum, watermarks, window } from '../src/index';
import { machineInfo, median, mulberry32, parseOptions, saveResults } from './support';

const KEYS = 10_000;
const GAP_MS = 300;
const EVENTS_PER_MS = 100;
const T0 = Date.UTC(2025, 0, 1);

interface Bid {
  readonly key: number;
  readonly ts: number;
  readonly price: number;
}

function generate(n: number): Bid[] {
  const random = mulberry32(7);
  const bids = new Array<Bid>(n);
  for (let i = 0; i < n; i++) {
    const disorder = random() < 0.1 ? Math.floor(random() * 50) : 0;
    bids[i] = { key: Math.floor(random() * KEYS), ts: T0 + Math.floor(i / EVENTS_PER_MS) - disorder, price: 1 + Math.floor(random() * 1000) };
  }
  return bids;
}

type Variant = 'wasm' | 'js' | 'keyed-state';

/** Runs the job; returns the row count and a checksum of the rows (order-independent). */
async function run(bids: Bid[], variant: Variant): Promise<{ rows: number; checksum: number }> {
  const as = <A extends object>(a: A): A => (variant === 'keyed-state' ? { ...a, kind: 'user-defined' } : a);
  let rows = 0;
  let checksum = 0;
  await new StreamEnvironment({ wasm: variant === 'wasm' })
    .fromArray(bids)
    .pipe(
      watermarks({ timestamp: (b: Bid) => b.ts, outOfOrderness: 100, emit: 'periodic' }),
      keyBy((b: Bid) => b.key),
      window(session(GAP_MS)),
      aggregate({ n: as(count()), total: as(sum((b: Bid) => b.price)) }),
    )
    .forEach((r) => {
      rows++;
      checksum = (checksum + r.key * 31 + (r.start - T0) * 7 + (r.end - T0) * 3 + r.n * 5 + r.total) % 1e15;
    });
  return { rows, checksum };
}

async function main(): Promise<void> {
  const { events, rounds } = parseOptions(process.argv.slice(2), { events: 1_000_000, rounds: 5 }, 'npx tsx bench/session-window.ts [--events N] [--rounds R]');
  const bids = generate(events);
  const variants: Record<Variant, string> = {
    wasm: 'API session(300), WASM kernel',
    js: 'API session(300), JS kernel (wasm: false)',
    'keyed-state': 'API session(300), keyed state (user-defined aggregates)',
  };
  const times = new Map<Variant, number[]>();
  const outputs = new Map<Variant, { rows: number; checksum: number }>();
  for (let r = 0; r < rounds; r++) {
    for (const v of Object.keys(variants) as Variant[]) {
      const t0 = performance.now();
      const out = await run(bids, v);
      const ms = performance.now() - t0;
      const seen = outputs.get(v) ?? out;
      if (seen.rows !== out.rows || seen.checksum !== out.checksum) throw new Error(`${variants[v]}: round ${r + 1} gave other rows`);
      outputs.set(v, out);
      times.set(v, [...(times.get(v) ?? []), ms]);
      console.error(`round ${r + 1}/${rounds}: ${variants[v]} ${ms.toFixed(0)} ms`);
    }
  }
  const reference = outputs.get('keyed-state')!;
  for (const [v, out] of outputs) {
    if (out.rows !== reference.rows || out.checksum !== reference.checksum) throw new Error(`${variants[v]}: ${out.rows} rows, checksum ${out.checksum}; keyed state: ${reference.rows}, ${reference.checksum}`);
  }
  const medians = Object.fromEntries([...times].map(([v, t]) => [v, median(t)])) as Record<Variant, number>;
  const machine = machineInfo();
  console.log(`${events.toLocaleString('en')} events, ${KEYS.toLocaleString('en')} keys, gap ${GAP_MS} ms, ${reference.rows.toLocaleString('en')} sessions; median of ${rounds} (${machine.cpu}, ${machine.cores} cores, load ${machine.loadAverage.join(' ')})\n`);
  console.log('| variant | events/s | median ms | vs keyed state |\n|---|--:|--:|--:|');
  for (const v of Object.keys(variants) as Variant[]) {
    const ms = medians[v];
    console.log(`| ${variants[v]} | ${Math.round((events / ms) * 1000).toLocaleString('en')} | ${ms.toFixed(0)} | ${(medians['keyed-state'] / ms).toFixed(1)}× |`);
  }
  const file = saveResults('sessionWindow', {
    date: new Date().toISOString(),
    machine,
    params: { events, rounds, keys: KEYS, gapMs: GAP_MS, eventsPerMs: EVENTS_PER_MS },
    sessions: reference.rows,
    medianMs: Object.fromEntries(Object.entries(medians).map(([v, ms]) => [v, Math.round(ms)])),
    eventsPerSecond: Object.fromEntries(Object.entries(medians).map(([v, ms]) => [v, Math.round((events / ms) * 1000)])),
    speedupVsKeyedState: { wasm: Math.round((medians['keyed-state'] / medians.wasm) * 10) / 10, js: Math.round((medians['keyed-state'] / medians.js) * 10) / 10 },
    roundsMs: Object.fromEntries([...times].map(([v, t]) => [v, t.map((ms) => Math.round(ms))])),
  });
  console.error(`\nwrote the sessionWindow key of ${file}`);
}

await main();
