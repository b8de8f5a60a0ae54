// Parallel execution in one thread: a job at parallelism 2 or 4 gives the same results as at 1 —
// as multisets, and per key in order — for keyed windows, keyed process state and exchanges.
// Flink's physical partitioning: https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/operators/overview/#physical-partitioning
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonical, perKey } from '../support/results';
import {
  StreamEnvironment,
  ValueStateDescriptor,
  aggregate,
  avg,
  broadcast,
  count,
  filter,
  keyBy,
  map,
  max,
  min,
  process,
  rebalance,
  rescale,
  session,
  sliding,
  sum,
  tumbling,
  watermarks,
  window,
  type KeyedProcessFunction,
  type ProcessWindowFunction,
  type Stream,
  type ValueState,
} from '../../src/index';

interface Ev {
  readonly k: string;
  readonly ts: number;
  readonly v: number;
}

const OUT_OF_ORDERNESS = 50;

/** Seeded events whose disorder stays within the bound, so nothing is late at any parallelism. */
function events(seed: number, n: number, keys: number): Ev[] {
  let s = seed >>> 0;
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out: Ev[] = [];
  let time = 1_000;
  for (let i = 0; i < n; i++) {
    time += Math.floor(next() * 7);
    out.push({ k: `k${Math.floor(next() ** 2 * keys)}`, ts: time - Math.floor(next() * OUT_OF_ORDERNESS), v: Math.floor(next() * 1000) - 100 });
  }
  return out;
}

type Job = (env: StreamEnvironment, input: Ev[]) => Stream<Record<string, unknown>>;

const keyed = (env: StreamEnvironment, input: Ev[]): Stream<Ev> =>
  env.fromArray(input).pipe(watermarks<Ev>({ timestamp: (e) => e.ts, outOfOrderness: OUT_OF_ORDERNESS }));

/** Emits every 5th record of a key with the key's count so far: per-key state, per subtask. */
function counter(): KeyedProcessFunction<string, Ev, Record<string, unknown>> & { seen?: ValueState<number> } {
  return {
    open(ctx) {
      this.seen = ctx.getState(new ValueStateDescriptor<number>('seen'));
    },
    processElement(e, ctx, out) {
      const n = (this.seen!.value() ?? 0) + 1;
      this.seen!.update(n);
      if (n % 5 === 0) out.collect({ key: ctx.getCurrentKey(), n, v: e.v });
    },
  };
}

const JOBS: Record<string, Job> = {
  tumbling: (env, input) =>
    keyed(env, input).pipe(
      keyBy((e) => e.k),
      window(tumbling(100)),
      aggregate({ n: count(), total: sum((e: Ev) => e.v), lo: min((e: Ev) => e.v), hi: max((e: Ev) => e.v), mean: avg((e: Ev) => e.v) }),
    ),
  sliding: (env, input) =>
    keyed(env, input).pipe(
      keyBy((e) => e.k),
      window(sliding(200, 50)),
      aggregate({ n: count(), total: sum((e: Ev) => e.v) }),
    ),
  session: (env, input) =>
    keyed(env, input).pipe(
      keyBy((e) => e.k),
      window(session(30)),
      aggregate({ n: count(), hi: max((e: Ev) => e.v) }),
    ),
  'keyed state + timers': (env, input) =>
    // The source is one subtask and feeds the keyed operator directly, so each key's records keep
    // their order at every parallelism.
    env
      .fromArray(input)
      .pipe(
        keyBy((e) => e.k),
        process(counter()),
      ),
  'chains and exchanges': (env, input) =>
    keyed(env, input).pipe(
      map((e) => ({ ...e, v: e.v * 2 })),
      rebalance(),
      filter((e) => e.v % 3 !== 0),
      rescale(),
      keyBy((e) => e.k),
      window(tumbling(250)),
      aggregate({ n: count(), total: sum((e: Ev) => e.v) }),
      map((r) => ({ ...r, doubled: r.total * 2 })),
    ),
};

async function run(job: Job, parallelism: number, input: Ev[]): Promise<Array<Record<string, unknown>>> {
  const env = new StreamEnvironment({ parallelism, batchSize: 64 });
  return job(env, input).collect();
}


describe('a job at parallelism 2 and 4 computes what it computes at 1', () => {
  for (const [name, job] of Object.entries(JOBS)) {
    it(`${name}: identical as multisets and per key in order, on seeded random input`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 40 }), async (seed, keys) => {
          const input = events(seed, 1_500, keys);
          const expected = await run(job, 1, input);
          expect(expected.length).toBeGreaterThan(0);
          for (const p of [2, 4]) {
            const actual = await run(job, p, input);
            expect(actual.map(canonical).sort()).toEqual(expected.map(canonical).sort());
            expect(perKey(actual)).toEqual(perKey(expected));
          }
        }),
        { seed: 20261121, numRuns: 8 },
      );
    });
  }
});

/** Passes records on, telling `record` which subtask saw each (Flink's `getIndexOfThisSubtask`). */
function subtaskOf<T>(record: (value: T, subtask: number) => void): (s: Stream<T>) => Stream<T> {
  const fn: KeyedProcessFunction<unknown, T, T> & { subtask?: number } = {
    open(ctx) {
      this.subtask = ctx.indexOfThisSubtask;
    },
    processElement(value, _ctx, out) {
      record(value, this.subtask!);
      out.collect(value);
    },
  };
  return process<T, T>(fn);
}

describe('exchanges', () => {
  const tagged = (env: StreamEnvironment, n: number): Stream<number> => env.fromArray(Array.from({ length: n }, (_, i) => i));

  it('broadcast() hands every record to every subtask of the next operator', async () => {
    const env = new StreamEnvironment({ parallelism: 3 });
    const out = await tagged(env, 100).pipe(broadcast(), map((i) => i)).collect();
    expect(out.length).toBe(300);
    expect([...new Set(out)].length).toBe(100);
  });

  it('rebalance() spreads a one-subtask source round-robin over all subtasks', async () => {
    const env = new StreamEnvironment({ parallelism: 4, batchSize: 16 });
    const subtasks: number[] = [];
    await tagged(env, 400)
      .pipe(rebalance(), subtaskOf((i, subtask) => (subtasks[i] = subtask)))
      .collect();
    const perSubtask = [0, 1, 2, 3].map((s) => subtasks.filter((x) => x === s).length);
    expect(perSubtask).toEqual([100, 100, 100, 100]);
  });

  it('keyBy sends each key to the subtask that owns its key group (Flink KeyGroupRangeAssignment)', async () => {
    const { assignToKeyGroup, operatorIndexForKeyGroup } = await import('../../src/index');
    const env = new StreamEnvironment({ parallelism: 3, maxParallelism: 128 });
    const seen = new Map<string, Set<number>>();
    await env
      .fromArray(Array.from({ length: 600 }, (_, i) => `key-${i % 37}`))
      .pipe(
        keyBy((k) => k),
        subtaskOf((k, subtask) => seen.set(k, (seen.get(k) ?? new Set<number>()).add(subtask))),
      )
      .collect();
    for (const [k, subtasks] of seen) expect([...subtasks]).toEqual([operatorIndexForKeyGroup(128, 3, assignToKeyGroup(k, 128))]);
  });

  it('each subtask calls its own instance of a function: state on `this` stays per subtask, the user object is untouched', async () => {
    const env = new StreamEnvironment({ parallelism: 3 });
    let made = 0;
    const counter: ProcessWindowFunction<number, number, { key: number; instance: number }> & { instance?: number } = {
      process(key, _ctx, _elements, out) {
        // Set lazily on first use: a shared object would hand every subtask the same number.
        this.instance ??= ++made;
        out.collect({ key, instance: this.instance });
      },
    };
    const rows = await env
      .fromArray(Array.from({ length: 300 }, (_, i) => i))
      .pipe(
        watermarks<number>({ timestamp: (i) => i }),
        keyBy((i) => i % 30),
        window(tumbling(100)),
        process(counter),
      )
      .collect();
    const instances = new Map<number, Set<number>>();
    for (const r of rows) instances.set(r.key, (instances.get(r.key) ?? new Set()).add(r.instance));
    // Each key is handled by one subtask, hence one instance; three subtasks, three instances.
    for (const set of instances.values()) expect(set.size).toBe(1);
    expect(new Set(rows.map((r) => r.instance)).size).toBe(3);
    expect(counter.instance).toBeUndefined();
  });

  it('forward() between operators of different parallelism is a configuration error', async () => {
    const { forward } = await import('../../src/index');
    const env = new StreamEnvironment({ parallelism: 2 });
    await expect(env.fromArray([1, 2, 3]).pipe(forward(), map((x) => x)).collect()).rejects.toThrow('forward partitioning does not allow a change of parallelism');
  });

  it('a parallel generator source splits its indices over its subtasks, none lost or doubled', async () => {
    const env = new StreamEnvironment({ parallelism: 4 });
    const out = await env.fromGenerator((i) => i, { count: 1001 }).collect();
    expect(out.length).toBe(1001);
    expect([...out].sort((a, b) => a - b)).toEqual(Array.from({ length: 1001 }, (_, i) => i));
  });
});
