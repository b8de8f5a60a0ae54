// Processing-time tumbling and sliding windows with built-in aggregates run on the columnar window
// kernel — WebAssembly, or its JavaScript twin with `wasm: false` — and must give exactly what the
// keyed-state WindowOperator with Flink's ProcessingTimeTrigger gives (the path of user-defined
// aggregate functions: the same aggregates under another `kind`). A ManualClock drives processing
// time; the tests wait for the window operator to have taken each step's records before moving it.
// The semantics are Flink's "Windows" page:
// https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/operators/windows/
// — an element belongs to the windows of the processing time at which the operator sees it (here:
// at which its batch arrives), and a window fires when processing time reaches its end - 1
// (ProcessingTimeTrigger registers a timer at window.maxTimestamp()); nothing is ever late.
// Runs in Node and Chromium.
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  ManualClock,
  MemoryCheckpointStorage,
  StreamEnvironment,
  aggregate,
  avg,
  callbackSink,
  count,
  countDistinct,
  first,
  keyBy,
  last,
  map,
  max,
  min,
  sliding,
  sum,
  tumbling,
  watermarks,
  window,
  type CompletedCheckpoint,
  type JobHandle,
  type WindowAssigner,
} from '../../src/index';
import { yieldToEventLoop } from '../../src/platform/yield';

interface Ev {
  readonly k: string | number;
  readonly v: number;
  /** Any value: first, last and countDistinct take them all. */
  readonly x: string | number | null | undefined;
}

/** Records arriving together (one push, one instant), or processing time moving to `to`. */
type Step = { readonly records: readonly Ev[] } | { readonly to: number };

type Path = 'wasm' | 'js' | 'heap';

/** The same aggregate as a user-defined one: the windowed stream sends it to the keyed-state operator. */
function userDefined<A extends object>(aggregate: A): A {
  return { ...aggregate, kind: 'user-defined' };
}

/** JSON that tells −0, NaN, undefined and null apart. */
function exact(_key: string, v: unknown): unknown {
  if (typeof v === 'number' && (Object.is(v, -0) || Number.isNaN(v))) return String(Object.is(v, -0) ? '-0' : v);
  return v === undefined ? '<undefined>' : v;
}

/** A seeded generator (mulberry32): the same inputs on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYS: ReadonlyArray<string | number> = ['a', 'b', 'c', 0, -0, 1, -2, 1.5, 2 ** 60, Number.NaN];
// Sums of these are exact in any order (a sliding window on the kernel adds pane sums, the keyed
// path element by element: a float sum may differ in the last bits, see window-aggregation.ts).
const VS = [0, -0, 1, -3, 7, 2.5, Number.POSITIVE_INFINITY, -1e6];
const XS: ReadonlyArray<string | number | null | undefined> = ['p', 'q', null, undefined, Number.NaN, -0, 0, 1, 5e-324, 2 ** 53 + 2];

/**
 * Random steps from `start`: batches of records, and the clock moving — by a little, across
 * several windows at once, or to exactly `end - 1` of the current window (so that the next batch
 * arrives at a window's last millisecond after it fired: the keyed path fires it again).
 */
function stepsOf(seed: number, size: number, slide: number, offset: number, start: number, n: number): Step[] {
  const r = random(seed);
  const pick = <X>(xs: readonly X[]): X => xs[Math.floor(r() * xs.length)]!;
  const steps: Step[] = [];
  let now = start;
  for (let i = 0; i < n; i++) {
    const u = r();
    if (u < 0.55) {
      const records = Array.from({ length: 1 + Math.floor(r() * 6) }, (): Ev => ({ k: pick(KEYS), v: pick(VS), x: pick(XS) }));
      steps.push({ records });
    } else {
      if (u < 0.7) now += 1 + Math.floor(r() * 5);
      else if (u < 0.8) now += Math.floor(r() * 3 * size);
      else {
        // The last millisecond of the earliest window of `now`, or of the next one.
        const lastStart = now - ((((now - offset) % slide) + slide) % slide);
        now = lastStart + slide - 1 + (r() < 0.5 || lastStart + slide - 1 === now ? slide : 0);
      }
      steps.push({ to: now });
    }
  }
  return steps;
}

/** The index of the first batch that arrives at `end - 1` of a window right after the clock moved there (-1 for none). */
function reopeningBatch(steps: readonly Step[], slide: number, offset: number): number {
  for (let i = 1; i < steps.length; i++) {
    const before = steps[i - 1]!;
    if ('records' in steps[i]! && 'to' in before && (((before.to + 1 - offset) % slide) + slide) % slide === 0) return i;
  }
  return -1;
}

interface Run {
  readonly job: JobHandle;
  readonly rows: string[];
  /** Feeds steps; resolves when the window operator has taken every record so far. */
  feed(steps: readonly Step[]): Promise<void>;
  end(): Promise<void>;
}

interface Options {
  readonly path: Path;
  readonly clock: ManualClock;
  readonly assigner: () => WindowAssigner<Ev>;
  readonly parallelism?: number;
  readonly storage?: MemoryCheckpointStorage;
  readonly restoreFrom?: CompletedCheckpoint;
  /** Rows go here (so that a restored run appends to the run before it). */
  readonly rows?: string[];
}

/** The window operators' records in, over all subtasks. */
function windowRecordsIn(job: JobHandle): number {
  return job
    .metrics()
    .operators.filter((o) => o.name.startsWith('window'))
    .reduce((n, o) => n + o.recordsIn, 0);
}

/** Waits for the job to get somewhere: a turn of the event loop each time (no fixed sleep). */
async function until(what: string, done: () => boolean): Promise<void> {
  for (let i = 0; i < 100_000; i++) {
    if (done()) return;
    await yieldToEventLoop();
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function start(options: Options): Promise<Run> {
  const { path, clock } = options;
  const env = new StreamEnvironment({
    clock,
    parallelism: options.parallelism ?? 1,
    wasm: path !== 'js',
    checkpoint: { interval: 3_600_000, storage: options.storage ?? new MemoryCheckpointStorage() },
    restart: { strategy: 'none' },
    restoreFrom: options.restoreFrom,
  });
  const as = path === 'heap' ? userDefined : <A extends object>(a: A): A => a;
  const input = new Subject<Ev>();
  const rows = options.rows ?? [];
  env
    .fromObservable(input)
    .uid('events')
    .pipe(
      keyBy((e: Ev) => e.k),
      window(options.assigner()),
      aggregate(
        {
          n: as(count<Ev>()),
          s: as(sum((e: Ev) => e.v)),
          lo: as(min((e: Ev) => e.v)),
          hi: as(max((e: Ev) => e.v)),
          mean: as(avg((e: Ev) => e.v)),
          f: as(first((e: Ev) => e.x)),
          l: as(last((e: Ev) => e.x)),
          d: as(countDistinct((e: Ev) => e.x)),
          dv: as(countDistinct((e: Ev) => e.v)),
        },
        { uid: 'windows' },
      ),
    )
    .sinkTo(callbackSink((row, ts) => rows.push(`${JSON.stringify(row, exact)} @${ts}`)));
  const job = await env.execute();
  let sent = 0;
  return {
    job,
    rows,
    async feed(steps) {
      for (const step of steps) {
        if ('to' in step) {
          clock.advanceTo(step.to);
          continue;
        }
        for (const e of step.records) input.next(e);
        sent += step.records.length;
        await until(`${sent} records at the window operator`, () => windowRecordsIn(job) >= sent);
      }
    },
    async end() {
      input.complete();
      const result = await job.done;
      expect(result.status).toBe('finished');
    },
  };
}

/** Runs `steps` from clock time `t0` on one path, uninterrupted. */
async function straight(options: Omit<Options, 'clock'>, steps: readonly Step[], t0: number): Promise<string[]> {
  const run = await start({ ...options, clock: new ManualClock(t0) });
  await run.feed(steps);
  await run.end();
  return run.rows;
}

const SHAPES = [
  { name: 'tumbling', size: 50, slide: 50, offset: 0, assigner: () => tumbling<Ev>(50, { time: 'processing' }) },
  { name: 'tumbling with offset', size: 40, slide: 40, offset: 7, assigner: () => tumbling<Ev>(40, { offset: 7, time: 'processing' }) },
  { name: 'sliding', size: 60, slide: 20, offset: 0, assigner: () => sliding<Ev>(60, 20, { time: 'processing' }) },
] as const;

const T0 = 1_000;

describe('processing-time windows on the columnar kernel', () => {
  it('run on WebAssembly by default and on the JavaScript twin with wasm: false; user-defined aggregates stay in keyed state', async () => {
    const steps: Step[] = [{ records: [{ k: 'a', v: 1, x: 'p' }] }, { to: T0 + 49 }];
    for (const [path, expected] of [['wasm', 1], ['js', 0], ['heap', undefined]] as const) {
      const run = await start({ path, clock: new ManualClock(T0), assigner: SHAPES[0].assigner });
      await run.feed(steps);
      await run.end();
      const op = run.job.metrics().operators.find((o) => o.name.startsWith('window'))!;
      expect(op.name).toContain('ProcessingTimeTrigger');
      expect(op.extra.wasm).toBe(expected);
      expect(run.rows).toHaveLength(1);
    }
  });

  for (const shape of SHAPES) {
    it(`${shape.name}: WebAssembly and the JS twin give exactly the keyed-state rows, in order, mid-stream and at the end of input (seeded random input)`, async () => {
      for (const seed of [1, 2, 3, 4]) {
        const steps = stepsOf(seed, shape.size, shape.slide, shape.offset, T0, 120);
        const expected = await straight({ path: 'heap', assigner: shape.assigner }, steps, T0);
        // Many windows fire while input goes on (and some not at all: see the end-of-input test).
        expect(expected.length).toBeGreaterThan(10);
        expect(await straight({ path: 'wasm', assigner: shape.assigner }, steps, T0)).toEqual(expected);
        expect(await straight({ path: 'js', assigner: shape.assigner }, steps, T0)).toEqual(expected);
      }
    });
  }

  it('parallelism 2 (in process, no pre-aggregation before the exchange): the keyed-state rows', async () => {
    for (const shape of SHAPES) {
      const steps = stepsOf(9, shape.size, shape.slide, shape.offset, T0, 100);
      const expected = await straight({ path: 'heap', assigner: shape.assigner }, steps, T0);
      const rows = await straight({ path: 'wasm', assigner: shape.assigner, parallelism: 2 }, steps, T0);
      expect([...rows].sort()).toEqual([...expected].sort());
      expect([...(await straight({ path: 'heap', assigner: shape.assigner, parallelism: 2 }, steps, T0))].sort()).toEqual([...expected].sort());
    }
  });

  it('a window re-opened at its last millisecond, after it fired, fires again with only the new elements (as ProcessingTimeTrigger does)', async () => {
    const steps: Step[] = [
      { records: [{ k: 'a', v: 1, x: 1 }] },
      { to: T0 + 49 }, // [1000, 1050) fires: n = 1
      { records: [{ k: 'a', v: 2, x: 2 }, { k: 'b', v: 3, x: 3 }] }, // still at 1049: the window starts afresh
      { to: T0 + 60 }, // fires again, with the two new elements
    ];
    for (const [name, assigner] of [['tumbling', SHAPES[0].assigner], ['sliding', SHAPES[2].assigner]] as const) {
      const expected = await straight({ path: 'heap', assigner }, steps, T0);
      const onKernel = await straight({ path: 'wasm', assigner }, steps, T0);
      expect(onKernel, name).toEqual(expected);
      expect(await straight({ path: 'js', assigner }, steps, T0), name).toEqual(expected);
    }
    const tumblingRows = await straight({ path: 'wasm', assigner: SHAPES[0].assigner }, steps, T0);
    expect(tumblingRows.map((r) => JSON.parse(r.split(' @')[0]!) as { key: string; start: number; n: number }).map((r) => `${r.key} ${r.start} ${r.n}`)).toEqual([
      'a 1000 1',
      'a 1000 1',
      'b 1000 1',
    ]);
  });

  it('at the end of input (streaming), windows the clock has not reached do not fire, as on the keyed-state path', async () => {
    const steps: Step[] = [{ records: [{ k: 'a', v: 1, x: 1 }] }, { to: T0 + 49 }, { records: [{ k: 'a', v: 2, x: 2 }] }, { to: T0 + 70 }];
    for (const shape of SHAPES) {
      const expected = await straight({ path: 'heap', assigner: shape.assigner }, steps, T0);
      expect(await straight({ path: 'wasm', assigner: shape.assigner }, steps, T0)).toEqual(expected);
      expect(await straight({ path: 'js', assigner: shape.assigner }, steps, T0)).toEqual(expected);
    }
    // Tumbling: [1000, 1050) fired at 1049; [1050, 1100) holds the second element when input ends.
    expect(await straight({ path: 'wasm', assigner: SHAPES[0].assigner }, steps, T0)).toHaveLength(2);
  });

  it('batch mode keeps processing-time windows in keyed state: every window fires at the end of input', async () => {
    const env = new StreamEnvironment({ runtimeMode: 'batch', clock: new ManualClock(T0) });
    const rows = await env
      .fromArray<Ev>([{ k: 'a', v: 1, x: 1 }, { k: 'b', v: 2, x: 2 }, { k: 'a', v: 3, x: 3 }])
      .pipe(keyBy((e: Ev) => e.k), window(tumbling<Ev>(50, { time: 'processing' })), aggregate({ n: count<Ev>(), s: sum((e: Ev) => e.v) }))
      .collect();
    expect(rows.map((r) => `${String(r.key)} ${r.start} ${r.n} ${r.s}`).sort()).toEqual(['a 1000 2 4', 'b 1000 1 2']);
  });

  it('watermarks pass through unchanged: an event-time window downstream fires mid-stream as on the keyed-state path', async () => {
    async function run(path: Path): Promise<string[]> {
      const clock = new ManualClock(T0);
      const env = new StreamEnvironment({ clock, wasm: path !== 'js' });
      const as = path === 'heap' ? userDefined : <A extends object>(a: A): A => a;
      const input = new Subject<{ k: string; ts: number }>();
      const out: string[] = [];
      env
        .fromObservable(input)
        .pipe(
          watermarks({ timestamp: (e: { k: string; ts: number }) => e.ts }),
          keyBy((e) => e.k),
          window(tumbling(50, { time: 'processing' })),
          aggregate({ n: as(count()) }),
          // The rows carry the window's end - 1 as their event time.
          keyBy(() => 'all'),
          window(tumbling(100)),
          aggregate({ windows: count(), rows: sum((r: { n: number }) => r.n) }),
          map((r) => `[${r.start}, ${r.end}) ${r.windows} ${r.rows}`),
        )
        .sinkTo(callbackSink((row) => out.push(row)));
      const job = await env.execute();
      const seen = (n: number) => until(`${n} records`, () => (job.metrics().operators.find((o) => o.name.includes('ProcessingTimeTrigger'))?.recordsIn ?? 0) >= n);
      input.next({ k: 'a', ts: T0 });
      input.next({ k: 'b', ts: T0 + 10 });
      await seen(2);
      clock.advanceTo(T0 + 49); // rows for [1000, 1050) at event time 1049
      clock.advanceTo(T0 + 60);
      input.next({ k: 'a', ts: T0 + 150 }); // watermark 1149 passes the processing-time window
      await seen(3);
      await until('the event-time window', () => out.length > 0);
      const midStream = [...out];
      input.complete();
      await job.done;
      expect(midStream).toEqual(['[1000, 1100) 2 2']);
      return out;
    }
    const expected = await run('heap');
    expect(await run('wasm')).toEqual(expected);
    expect(await run('js')).toEqual(expected);
  });

  for (const [name, from, to, fromPath, toPath] of [
    ['same kernel, parallelism 1', 1, 1, 'wasm', 'wasm'],
    ['WebAssembly to the JS twin, parallelism 1 to 2', 1, 2, 'wasm', 'js'],
    ['JS twin to WebAssembly, parallelism 2 to 1', 2, 1, 'js', 'wasm'],
  ] as const) {
    it(`a savepoint mid-stream restores (${name}): the restored job fires the restored windows, and the output is the keyed-state path's`, async () => {
      /** Runs steps [0, cut), savepoints, cancels; restores and runs the rest: the output must be `expected`. */
      async function restored(shape: (typeof SHAPES)[number], steps: readonly Step[], cut: number, expected: readonly string[]): Promise<void> {
        const clock = new ManualClock(T0);
        const storage = new MemoryCheckpointStorage();
        const rows: string[] = [];
        const first = await start({ path: fromPath, clock, assigner: shape.assigner, parallelism: from, storage, rows });
        await first.feed(steps.slice(0, cut));
        const savepoint = await first.job.savepoint();
        await first.job.cancel();
        const restoreFrom = await storage.open(savepoint.checkpointId);
        const second = await start({ path: toPath, clock, assigner: shape.assigner, parallelism: to, rows, restoreFrom });
        await second.feed(steps.slice(cut));
        await second.end();
        if (from === 1 && to === 1) expect(rows).toEqual(expected);
        else expect([...rows].sort()).toEqual([...expected].sort());
      }
      let reopenedCuts = 0;
      for (const shape of SHAPES) {
        for (const seed of [5, 6]) {
          const steps = stepsOf(seed, shape.size, shape.slide, shape.offset, T0, 120);
          const expected = await straight({ path: 'heap', assigner: shape.assigner }, steps, T0);
          // Cut after a batch, while windows hold elements; and right after a batch that re-opened
          // a window (it arrived at the last millisecond of a window that had fired).
          const cuts = [steps.findIndex((s, i) => i > 40 && 'records' in s) + 1];
          const reopening = reopeningBatch(steps, shape.slide, shape.offset);
          if (reopening >= 0) {
            cuts.push(reopening + 1);
            reopenedCuts++;
          }
          for (const cut of cuts) await restored(shape, steps, cut, expected);
        }
      }
      expect(reopenedCuts).toBeGreaterThan(0);
    });
  }
});

