/**
 * `npm run bench` (last part): Nexmark queries on sluice, against the same queries in RxJS.
 *
 *   npx tsx bench/nexmark.ts [--query q0,q1,q2,q5,q7 | all] [--events N] [--rounds R] [--parallelism P] [--seed S]
 *                            [--variant sluice|columnar|rxjs|rxjs-columnar]   (only that variant: for profiling)
 *
 * Per query, every variant runs R times in one process, variants interleaved per round; the table
 * shows the median. Every run's result digest (rows and a checksum of their numbers) must equal
 * the first run's and the other variants', so no line can be fast by computing less. Variants:
 * sluice on event objects (the DataStream API over `nexmark()`), sluice on columnar batches
 * (`nexmarkColumnar()`: q0–q2, q5, q7, q14, q21, q22), RxJS over an Observable of the same event objects, and
 * (q0–q2) RxJS over the same columnar batches. All four take their events from the same
 * generator kernel (WebAssembly).
 *
 * `--parallelism P` (P > 1) runs the sluice variants as jobs on `worker_threads` (the job module is
 * bench/jobs/nexmark-jobs.ts): the sources split the events among the workers, each worker's sink
 * adds up its digest. Each runs on a kept-alive pool of P workers and on one of 1 worker (session
 * clusters, as Flink's Nexmark suite runs on a standing cluster), after two untimed jobs on each,
 * the rounds interleaved; the speed-up is the median of the rounds' ratios. RxJS stays on the
 * main thread. See bench/README.md.
 */
import { lastValueFrom, reduce as rxReduce } from 'rxjs';
import { machineInfo, median, parseOptions, saveResults, stealMeter } from './support';
import { RXJS_COLUMNAR, RXJS_QUERIES, nexmarkBatchObservable, nexmarkObservable } from './nexmark-rxjs';
import { COLUMNAR, FLINK_PER_CORE, QUERIES, addColumns, addRow, reusesBatches, type Digest } from './nexmark-queries';
import { DIGEST_CHANNEL, type DigestMessage, type NexmarkJobParams } from './jobs/nexmark-jobs';
import { NexmarkKernel, StreamEnvironment, nexmark, nexmarkColumnar, resolveNexmarkConfig, type WorkerPool } from '../src/index';
import { nodeWorkers } from '../src/node/index';

const DEFAULT_QUERIES = 'q0,q1,q2,q5,q7';
const JOB = new URL('./jobs/nexmark-jobs.ts', import.meta.url);

interface Variant {
  readonly id: string;
  readonly query: string;
  readonly label: string;
  /** How many workers it runs on (0: on this thread). */
  readonly workers: number;
  /** For sluice's variants: which of the job module's variants runs it on workers. */
  readonly job?: NexmarkJobParams['variant'];
  readonly run: () => Promise<Digest>;
}

/** The kept-alive pools the worker variants run on: one worker, and P. */
interface Pools {
  readonly one: WorkerPool;
  readonly many: WorkerPool;
  readonly parallelism: number;
}

let runs = 0;

/** Runs the job module on `parallelism` workers of `pool` and adds up the digests their sinks post. */
async function onWorkers(pool: WorkerPool, parallelism: number, params: Omit<NexmarkJobParams, 'run'>): Promise<Digest> {
  const run = `${params.query}/${params.variant}/${++runs}`;
  const channel = new BroadcastChannel(DIGEST_CHANNEL);
  const total: Digest = { rows: 0, sum: 0 };
  let received = 0;
  const all = new Promise<void>((resolve) => {
    channel.onmessage = (event: MessageEvent<DigestMessage>) => {
      if (event.data.run !== run) return;
      total.rows += event.data.rows;
      total.sum += event.data.sum;
      if (++received === parallelism) resolve();
    };
  });
  try {
    const job = await new StreamEnvironment({ parallelism, workers: pool }).executeJob(JOB, { ...params, run } satisfies NexmarkJobParams);
    const result = await job.done;
    if (result.status !== 'finished') throw new Error(`${run}: the job ended ${result.status}`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([all, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${run}: ${received} of ${parallelism} digests`)), 10_000)))]);
    clearTimeout(timer);
    return total;
  } finally {
    channel.close();
  }
}

function variantsFor(query: string, events: number, seed: number, pools: Pools | undefined, kernel: NexmarkKernel, batchKernel: NexmarkKernel): Variant[] {
  const config = { events, seed };
  const env = (): StreamEnvironment => new StreamEnvironment();
  const columnar = COLUMNAR[query];
  const inPlace: Variant[] = [
    {
      id: `${query}/sluice`,
      query,
      label: 'sluice, event objects',
      workers: 0,
      job: 'sluice',
      run: async () => {
        const d: Digest = { rows: 0, sum: 0 };
        await QUERIES[query]!(nexmark(config, env())).forEach((row) => addRow(d, row));
        return d;
      },
    },
  ];
  if (columnar !== undefined) {
    inPlace.push({
      id: `${query}/columnar`,
      query,
      label: 'sluice, columnar batches',
      workers: 0,
      job: 'columnar',
      run: async () => {
        const d: Digest = { rows: 0, sum: 0 };
        // Flink's object reuse (the Nexmark suite's Flink configuration turns it on) where the query
        // reads each batch as it arrives: map/filter into the sink, or a copy of what crosses a keyBy.
        const batches = nexmarkColumnar({ ...config, objectReuse: reusesBatches(columnar) }, env());
        if (columnar.out === 'rows') await columnar.query(batches).forEach((row) => addRow(d, row));
        else await columnar.query(batches).forEach((cols) => addColumns(d, cols));
        return d;
      },
    });
  }
  // On workers, each in-place variant runs as the job module on 1 worker and on P.
  const out: Variant[] =
    pools === undefined
      ? inPlace
      : inPlace.flatMap((v) =>
          ([[pools.one, 1], [pools.many, pools.parallelism]] as const).map(([pool, n]) => ({
            id: `${v.id}/${n}w`,
            query,
            label: `${v.label}, ${n} worker${n > 1 ? 's' : ''}`,
            workers: n,
            run: () => onWorkers(pool, n, { query, variant: v.job!, events, seed }),
          })),
        );
  const rx = RXJS_QUERIES[query];
  if (rx !== undefined) {
    out.push({
      id: `${query}/rxjs`,
      query,
      label: 'RxJS, event objects',
      workers: 0,
      run: () => lastValueFrom(nexmarkObservable(kernel).pipe(rx, rxReduce(addRow, { rows: 0, sum: 0 }))),
    });
  }
  const rxColumnar = RXJS_COLUMNAR[query];
  if (rxColumnar !== undefined) {
    out.push({
      id: `${query}/rxjs-columnar`,
      query,
      label: 'RxJS, columnar batches',
      workers: 0,
      run: () => lastValueFrom(nexmarkBatchObservable(batchKernel).pipe(rxColumnar, rxReduce(addColumns, { rows: 0, sum: 0 }))),
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
  const usage = 'npx tsx bench/nexmark.ts [--query q0,q5 | all] [--events N] [--rounds R] [--parallelism P] [--seed S] [--variant sluice|columnar|rxjs|rxjs-columnar]';
  const opts = parseOptions(process.argv.slice(2), { events: 2_000_000, rounds: 3, parallelism: 1, seed: 1 }, usage, ['query', 'variant']);
  const { events, rounds, parallelism, seed } = opts;
  const queryArg = opts.query ?? DEFAULT_QUERIES;
  const queries = queryArg === 'all' ? Object.keys(QUERIES) : queryArg.split(',').map((q) => q.trim());
  for (const q of queries) if (QUERIES[q] === undefined) throw new Error(`unknown query ${q}; known: ${Object.keys(QUERIES).join(', ')}`);

  const machine = machineInfo();
  console.error(`nexmark bench: ${queries.join(', ')}; ${events.toLocaleString('en-US')} events, ${rounds} rounds, parallelism ${parallelism}`);
  console.error(`machine: ${machine.cores} × ${machine.cpu}, Node ${machine.node}, load ${machine.loadAverage.join(' ')}`);
  // The kernels the RxJS variants' Observables draw from (sluice's sources load their own).
  const kernel = await NexmarkKernel.load(resolveNexmarkConfig({ events, seed }));
  const batchKernel = await NexmarkKernel.load(resolveNexmarkConfig({ events, seed }));
  console.error(`generator: ${kernel.usesWasm ? 'WebAssembly' : 'JavaScript (WebAssembly unavailable)'}`);
  let pools: Pools | undefined;
  let startupMs: number | undefined;
  if (parallelism > 1) {
    console.error(`sluice variants run on kept-alive pools of 1 and ${parallelism} worker_threads (nodeWorkers()); RxJS on this thread`);
    pools = { one: nodeWorkers({ keepAlive: true }), many: nodeWorkers({ keepAlive: true }), parallelism };
    const empty: number[] = [];
    for (let r = 0; r < Math.max(3, rounds) + 1; r++) {
      const t0 = performance.now();
      await onWorkers(pools.many, parallelism, { query: 'q0', variant: 'columnar', events: 0, seed });
      // The first starts the workers.
      if (r > 0) empty.push(performance.now() - t0);
    }
    startupMs = median(empty);
    console.error(`an empty job on the kept-alive ${parallelism} workers: ${startupMs.toFixed(0)} ms (median of ${empty.length}), included in events/s`);
  }

  const results = [];
  try {
    for (const query of queries) {
      const variants = variantsFor(query, events, seed, pools, kernel, batchKernel).filter((v) => opts.variant === undefined || v.id.split('/')[1] === opts.variant);
      // A session cluster's workers have run this job before: two untimed runs on each pool.
      for (const v of variants) if (v.workers > 0) for (let i = 0; i < 2; i++) await v.run();
      const samples = new Map<string, Sample[]>(variants.map((v) => [v.id, []]));
      let reference: Digest | undefined;
      const steal = stealMeter();
      for (let round = 0; round < rounds; round++) {
        const order = variants.map((_, i) => variants[(i + round) % variants.length]!);
        const line: string[] = [];
        for (const v of order) {
          const { sample, digest } = await measure(v);
          reference ??= digest;
          // Floating-point sums may differ in the last bits only if summed in another order. q12's
          // processing-time windows depend, by definition, on when each run crosses a 10 s boundary.
          const timed = query === 'q12';
          if (!timed && (digest.rows !== reference.rows || Math.abs(digest.sum - reference.sum) > 1e-6 * Math.abs(reference.sum))) {
            throw new Error(`${v.id} computed a different result: ${JSON.stringify(digest)} vs ${JSON.stringify(reference)}`);
          }
          samples.get(v.id)!.push(sample);
          line.push(`${v.id} ${sample.wallMs.toFixed(0)} ms`);
        }
        console.error(`round ${round + 1}/${rounds}: ${line.join(', ')}`);
      }
      const stolen = steal.fraction();
      if (stolen !== undefined) console.error(`${query}: the hypervisor's steal time during the rounds: ${(stolen * 100).toFixed(1)}%`);
      const wall = (id: string): number[] => samples.get(id)!.map((s) => s.wallMs);
      const eps = (id: string): number => events / (median(wall(id)) / 1000);
      const rxId = `${query}/rxjs`;
      for (const v of variants) {
        const s = samples.get(v.id)!;
        const perSecond = eps(v.id);
        // The same variant on 1 worker, its rounds interleaved with this one's.
        const oneId = v.workers > 1 ? v.id.replace(/\/\d+w$/, '/1w') : undefined;
        results.push({
          id: v.id,
          query,
          variant: v.label,
          workers: v.workers,
          eventsPerSecond: Math.round(perSecond),
          eventsPerCpuSecond: Math.round(events / (median(s.map((x) => x.cpuMs)) / 1000)),
          speedupOverOneWorker: oneId !== undefined && samples.has(oneId) ? median(wall(oneId).map((ms, r) => ms / wall(v.id)[r]!)) : undefined,
          vsRxjs: samples.has(rxId) && v.id !== rxId ? perSecond / eps(rxId) : undefined,
          // Per core: a run on P workers has P cores.
          vsFlinkPerCore: FLINK_PER_CORE[query] === undefined ? undefined : perSecond / Math.max(1, v.workers) / FLINK_PER_CORE[query],
          peakRssDeltaMB: Math.max(...s.map((x) => x.peakRssDeltaMB)),
          peakHeapDeltaMB: Math.max(...s.map((x) => x.peakHeapDeltaMB)),
          roundsMs: s.map((x) => Math.round(x.wallMs)),
          stealFraction: stolen,
          rows: reference!.rows,
        });
      }
    }
  } finally {
    pools?.one.close();
    pools?.many.close();
  }

  const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
  const ratio = (x: number | undefined): string => (x === undefined ? '' : x >= 10 ? `${x.toFixed(0)}×` : `${x.toFixed(2)}×`);
  const table = [
    `Nexmark, ${events.toLocaleString('en-US')} events (seed ${seed}), median of ${rounds} rounds; ${machine.cores} × ${machine.cpu}, Node ${machine.node}, load average ${machine.loadAverage[0]}`,
    '',
    `| query | variant | events/s |${parallelism > 1 ? ' vs 1 worker |' : ''} events/CPU-s | vs RxJS | vs Flink per core | peak RSS Δ | peak heap Δ | rows |`,
    `|---|---|--:|${parallelism > 1 ? '--:|' : ''}--:|--:|--:|--:|--:|--:|`,
    ...results.map(
      (r) =>
        `| ${r.query} | ${r.variant} | ${fmt(r.eventsPerSecond)} |${parallelism > 1 ? ` ${ratio(r.speedupOverOneWorker)} |` : ''} ` +
        `${fmt(r.eventsPerCpuSecond)} | ${ratio(r.vsRxjs)} | ` +
        `${r.variant.startsWith('RxJS') ? '' : ratio(r.vsFlinkPerCore)} | ${r.peakRssDeltaMB} MB | ${r.peakHeapDeltaMB} MB | ${fmt(r.rows)} |`,
    ),
  ].join('\n');
  console.log(table);

  const file = saveResults('nexmark', {
    date: new Date().toISOString(),
    machine,
    params: { queries, events, rounds, parallelism, seed },
    keptAliveEmptyJobMs: startupMs === undefined ? undefined : Math.round(startupMs),
    flinkPerCore: FLINK_PER_CORE,
    results,
    markdown: table,
  });
  console.error(`\nwrote ${file} (key "nexmark")`);
}

await main();
