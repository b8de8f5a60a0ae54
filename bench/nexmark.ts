/**
 * `npm run bench` (last part): Nexmark queries on sluice, against the same queries in RxJS.
 *
 *   npx tsx bench/nexmark.ts [--query q0,q1,q2,q5,q7 | all] [--events N] [--rounds R] [--parallelism P] [--seed S]
 *                            [--variant sluice|columnar|rxjs]   (only that variant: for profiling)
 *
 * Per query, every variant runs R times in one process, variants interleaved per round; the table
 * shows the median. Every run's result digest (rows and a checksum of their numbers) must equal
 * the first run's and the other variants', so no line can be fast by computing less. Variants:
 * sluice on event objects (the DataStream API over `nexmark()`), sluice on columnar batches
 * (`nexmarkColumnar()`: q0–q2, q5, q7), and RxJS over an Observable of the same event objects.
 * See bench/README.md.
 */
import { lastValueFrom, reduce as rxReduce } from 'rxjs';
import { machineInfo, median, parseOptions, saveResults } from './support';
import { RXJS_QUERIES, nexmarkObservable } from './nexmark-rxjs';
import {
  StreamEnvironment,
  nexmark,
  nexmarkColumnar,
  q0,
  q0Columnar,
  q1,
  q11,
  q12,
  q14,
  q15,
  q16,
  q17,
  q18,
  q19,
  q1Columnar,
  q2,
  q20,
  q21,
  q22,
  q2Columnar,
  q3,
  q4,
  q5,
  q5Columnar,
  q7,
  q7Columnar,
  q8,
  q9,
  resolveNexmarkConfig,
  type NexmarkBatch,
  type NexmarkEvent,
  type Stream,
} from '../src/index';

/**
 * Throughput per core of the Flink Nexmark suite (Flink 1.13, 8 TaskManagers × 1 slot on three
 * 8-core workers, 100 M events): the "Throughput/Cores" column of
 * https://github.com/nexmark/nexmark#benchmark-results — in events per second.
 */
const FLINK_PER_CORE: Readonly<Record<string, number>> = {
  q0: 155_020, q1: 157_940, q2: 175_210, q3: 152_120, q4: 34_330, q5: 22_140, q7: 12_330, q8: 146_140, q9: 14_240,
  q10: 57_810, q11: 39_700, q12: 75_670, q13: 130_730, q14: 161_230, q15: 72_420, q16: 18_650, q17: 116_800,
  q18: 53_700, q19: 44_040, q20: 18_980, q21: 98_490, q22: 129_960,
};

type Query = (events: Stream<NexmarkEvent>) => Stream<unknown>;
const QUERIES: Readonly<Record<string, Query>> = {
  q0, q1, q2, q3, q4, q5, q7, q8, q9, q11, q12, q14, q15, q16, q17, q18, q19, q20, q21, q22,
};
type ColumnarQuery =
  | { readonly out: 'columns'; readonly query: (batches: Stream<NexmarkBatch>) => Stream<{ length: number; price: Float64Array; auction: Float64Array }> }
  | { readonly out: 'rows'; readonly query: (batches: Stream<NexmarkBatch>) => Stream<unknown> };
const COLUMNAR: Readonly<Record<string, ColumnarQuery>> = {
  q0: { out: 'columns', query: q0Columnar },
  q1: { out: 'columns', query: q1Columnar },
  q2: { out: 'columns', query: q2Columnar },
  q5: { out: 'rows', query: q5Columnar },
  q7: { out: 'rows', query: q7Columnar },
};
const DEFAULT_QUERIES = 'q0,q1,q2,q5,q7';

/** Rows, and a checksum of the numbers a query's rows carry. */
interface Digest {
  rows: number;
  sum: number;
}

/** The numeric fields the checksum adds up, where a row has them. */
interface DigestFields {
  readonly price?: unknown;
  readonly num?: unknown;
  readonly auction?: unknown;
  readonly bid_count?: unknown;
  readonly avg?: unknown;
  readonly total_bids?: unknown;
}

// Named loads, not a loop over field names: the sink is the same for every variant, and should
// cost each of them as little as possible.
function addRow(d: Digest, row: unknown): Digest {
  d.rows++;
  if (row !== null && typeof row === 'object') {
    const r = row as DigestFields;
    if (typeof r.price === 'number') d.sum += r.price;
    if (typeof r.num === 'number') d.sum += r.num;
    if (typeof r.auction === 'number') d.sum += r.auction;
    if (typeof r.bid_count === 'number') d.sum += r.bid_count;
    if (typeof r.avg === 'number') d.sum += r.avg;
    if (typeof r.total_bids === 'number') d.sum += r.total_bids;
  }
  return d;
}

interface Variant {
  readonly id: string;
  readonly query: string;
  readonly label: string;
  readonly run: () => Promise<Digest>;
}

function variantsFor(query: string, events: number, seed: number, parallelism: number): Variant[] {
  const config = { events, seed };
  const env = (): StreamEnvironment => new StreamEnvironment({ parallelism });
  const out: Variant[] = [
    {
      id: `${query}/sluice`,
      query,
      label: 'sluice, event objects',
      run: async () => {
        const d: Digest = { rows: 0, sum: 0 };
        await QUERIES[query]!(nexmark(config, env())).forEach((row) => addRow(d, row));
        return d;
      },
    },
  ];
  const columnar = COLUMNAR[query];
  if (columnar !== undefined) {
    out.push({
      id: `${query}/columnar`,
      query,
      label: 'sluice, columnar batches',
      run: async () => {
        const d: Digest = { rows: 0, sum: 0 };
        const batches = nexmarkColumnar(config, env());
        if (columnar.out === 'rows') {
          await columnar.query(batches).forEach((row) => addRow(d, row));
          return d;
        }
        await columnar.query(batches).forEach((cols) => {
          d.rows += cols.length;
          // The same checksum as addRow's, column by column: price (q0 and q1 rows have no num), auction.
          for (let i = 0; i < cols.length; i++) d.sum += cols.price[i]! + cols.auction[i]!;
        });
        return d;
      },
    });
  }
  const rx = RXJS_QUERIES[query];
  if (rx !== undefined) {
    out.push({
      id: `${query}/rxjs`,
      query,
      label: 'RxJS, event objects',
      run: () => lastValueFrom(nexmarkObservable(resolveNexmarkConfig(config)).pipe(rx, rxReduce(addRow, { rows: 0, sum: 0 }))),
    });
  }
  return out;
}

interface Sample {
  wallMs: number;
  cpuMs: number;
  peakRssDeltaMB: number;
  peakHeapDeltaMB: number;
}

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();
const MB = 1024 * 1024;

async function measure(v: Variant): Promise<{ sample: Sample; digest: Digest }> {
  gc();
  const before = process.memoryUsage();
  let peakRss = before.rss;
  let peakHeap = before.heapUsed;
  // The job yields to the event loop every few ms, so a timer sees memory while it runs (every 20 ms:
  // process.memoryUsage() reads /proc, and at 5 ms it was ~5 % of a fast variant's profile).
  const probe = setInterval(() => {
    const m = process.memoryUsage();
    if (m.rss > peakRss) peakRss = m.rss;
    if (m.heapUsed > peakHeap) peakHeap = m.heapUsed;
  }, 20);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const digest = await v.run();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(probe);
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  peakHeap = Math.max(peakHeap, m.heapUsed);
  return {
    digest,
    sample: {
      wallMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
      peakRssDeltaMB: Math.round((peakRss - before.rss) / MB),
      peakHeapDeltaMB: Math.round((peakHeap - before.heapUsed) / MB),
    },
  };
}

async function main(): Promise<void> {
  const usage = 'npx tsx bench/nexmark.ts [--query q0,q5 | all] [--events N] [--rounds R] [--parallelism P] [--seed S] [--variant sluice|columnar|rxjs]';
  const opts = parseOptions(process.argv.slice(2), { events: 2_000_000, rounds: 3, parallelism: 1, seed: 1 }, usage, ['query', 'variant']);
  const { events, rounds, parallelism, seed } = opts;
  const queryArg = opts.query ?? DEFAULT_QUERIES;
  const queries = queryArg === 'all' ? Object.keys(QUERIES) : queryArg.split(',').map((q) => q.trim());
  for (const q of queries) if (QUERIES[q] === undefined) throw new Error(`unknown query ${q}; known: ${Object.keys(QUERIES).join(', ')}`);

  const machine = machineInfo();
  console.error(`nexmark bench: ${queries.join(', ')}; ${events.toLocaleString('en-US')} events, ${rounds} rounds, parallelism ${parallelism}`);
  console.error(`machine: ${machine.cores} × ${machine.cpu}, Node ${machine.node}, load ${machine.loadAverage.join(' ')}`);
  if (parallelism > 1) console.error(`note: the jobs are built in place, so their ${parallelism} subtasks per operator run interleaved on this thread`);

  const results = [];
  for (const query of queries) {
    const variants = variantsFor(query, events, seed, parallelism).filter((v) => opts.variant === undefined || v.id.endsWith(`/${opts.variant}`));
    const samples = new Map<string, Sample[]>(variants.map((v) => [v.id, []]));
    let reference: Digest | undefined;
    for (let round = 0; round < rounds; round++) {
      const order = variants.map((_, i) => variants[(i + round) % variants.length]!);
      const line: string[] = [];
      for (const v of order) {
        const { sample, digest } = await measure(v);
        reference ??= digest;
        // Floating-point sums may differ in the last bits only if summed in another order.
        if (digest.rows !== reference.rows || Math.abs(digest.sum - reference.sum) > 1e-6 * Math.abs(reference.sum)) {
          throw new Error(`${v.id} computed a different result: ${JSON.stringify(digest)} vs ${JSON.stringify(reference)}`);
        }
        samples.get(v.id)!.push(sample);
        line.push(`${v.id} ${sample.wallMs.toFixed(0)} ms`);
      }
      console.error(`round ${round + 1}/${rounds}: ${line.join(', ')}`);
    }
    const eps = (id: string): number => events / (median(samples.get(id)!.map((s) => s.wallMs)) / 1000);
    const rxId = `${query}/rxjs`;
    for (const v of variants) {
      const s = samples.get(v.id)!;
      const perSecond = eps(v.id);
      results.push({
        id: v.id,
        query,
        variant: v.label,
        eventsPerSecond: Math.round(perSecond),
        eventsPerCpuSecond: Math.round(events / (median(s.map((x) => x.cpuMs)) / 1000)),
        vsRxjs: samples.has(rxId) && v.id !== rxId ? perSecond / eps(rxId) : undefined,
        vsFlinkPerCore: FLINK_PER_CORE[query] === undefined ? undefined : perSecond / FLINK_PER_CORE[query],
        peakRssDeltaMB: Math.max(...s.map((x) => x.peakRssDeltaMB)),
        peakHeapDeltaMB: Math.max(...s.map((x) => x.peakHeapDeltaMB)),
        roundsMs: s.map((x) => Math.round(x.wallMs)),
        rows: reference!.rows,
      });
    }
  }

  const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
  const ratio = (x: number | undefined): string => (x === undefined ? '' : x >= 10 ? `${x.toFixed(0)}×` : `${x.toFixed(2)}×`);
  const table = [
    `Nexmark, ${events.toLocaleString('en-US')} events (seed ${seed}), median of ${rounds} rounds; ${machine.cores} × ${machine.cpu}, Node ${machine.node}, load average ${machine.loadAverage[0]}`,
    '',
    '| query | variant | events/s | events/CPU-s | vs RxJS | vs Flink per core | peak RSS Δ | peak heap Δ | rows |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|',
    ...results.map(
      (r) =>
        `| ${r.query} | ${r.variant} | ${fmt(r.eventsPerSecond)} | ${fmt(r.eventsPerCpuSecond)} | ${ratio(r.vsRxjs)} | ` +
        `${r.variant.startsWith('RxJS') ? '' : ratio(r.vsFlinkPerCore)} | ${r.peakRssDeltaMB} MB | ${r.peakHeapDeltaMB} MB | ${fmt(r.rows)} |`,
    ),
  ].join('\n');
  console.log(table);

  const file = saveResults('nexmark', {
    date: new Date().toISOString(),
    machine,
    params: { queries, events, rounds, parallelism, seed },
    flinkPerCore: FLINK_PER_CORE,
    results,
    markdown: table,
  });
  console.error(`\nwrote ${file} (key "nexmark")`);
}

await main();
