// Session windows on the kernel (WebAssembly and its JS twin) through the public API: a savepoint
// taken at one parallelism restores at another, the kernel's state split or merged by key group
// (https://nightlies.apache.org/flink/flink-docs-stable/docs/ops/state/savepoints/#can-i-change-the-parallelism-of-my-job),
// and the output is exactly what the keyed-state path gives uninterrupted
// (sessions: https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/operators/windows/#session-windows).
// Upstream of the windows runs at the same parallelism, so a subtask's input interleaves its
// channels as timing has it: the values are integers (sums exact in any order) and the disorder
// stays within the watermark's bound (no element behind the watermark, so no late data), which
// makes the output the same however the channels interleave. Late data, late firings and merged
// snapshots are tested deterministically in test/windowing/session-kernel-snapshot.test.ts.
import { describe, expect, it } from 'vitest';
import {
  CollectingTwoPhaseCommitSink,
  MemoryCheckpointStorage,
  StreamEnvironment,
  aggregate,
  count,
  keyBy,
  map,
  max,
  session,
  sum,
  tap,
  watermarks,
  window,
  type CompletedCheckpoint,
} from '../../src/index';
import { Signal } from '../support/signal';

interface Ev {
  readonly k: string;
  readonly ts: number;
  readonly v: number;
}

const COUNT = 3_000;
const HALF = 1_300;
// Bursts of 250 events 3 ms apart, 400 ms of quiet between them; every 7th event 20 ms early
// (within the 25 ms watermark bound).
const EVENTS: Ev[] = Array.from({ length: COUNT }, (_, i) => ({
  k: `k${(i * 7919) % 23}`,
  ts: i * 3 + Math.floor(i / 250) * 400 - (i % 7 === 0 ? 20 : 0),
  v: (i * 31) % 17,
}));

/** Yields the events; stops before `gateAt` until `gate` resolves (never, for a job to be stopped). */
async function* feed(gateAt: number, reached: Signal, gate: Promise<void>): AsyncGenerator<Ev> {
  for (let i = 0; i < EVENTS.length; i++) {
    if (i === gateAt) {
      reached.fire();
      await gate;
    }
    yield EVENTS[i]!;
  }
}

interface RunOptions {
  readonly parallelism: number;
  readonly wasm: boolean;
  /** Runs the aggregates as user-defined ones: the keyed-state path. */
  readonly keyedState?: boolean;
  readonly restoreFrom?: CompletedCheckpoint;
  readonly gateAt?: number;
  readonly onProcessed?: (n: number) => void;
}

function start(sink: CollectingTwoPhaseCommitSink<string>, options: RunOptions, storage = new MemoryCheckpointStorage()) {
  const reached = new Signal();
  const env = new StreamEnvironment({
    parallelism: options.parallelism,
    wasm: options.wasm,
    checkpoint: { interval: 3_600_000, storage },
    restart: { strategy: 'none' },
    restoreFrom: options.restoreFrom,
  });
  const as = <A extends object>(a: A): A => (options.keyedState === true ? { ...a, kind: 'user-defined' } : a);
  let n = 0;
  env
    .fromAsyncIterable(feed(options.gateAt ?? -1, reached, new Promise<void>(() => {})))
    .uid('events')
    .pipe(
      tap(() => options.onProcessed?.(++n)),
      watermarks<Ev>({ timestamp: (e) => e.ts, outOfOrderness: 25 }, { uid: 'time' }),
      keyBy((e) => e.k),
      window(session(150), { allowedLateness: 15 }),
      aggregate({ n: as(count()), total: as(sum((e: Ev) => e.v)), top: as(max((e: Ev) => e.v)) }, { uid: 'sessions' }),
      map((r) => `session ${String(r.key)} [${r.start}, ${r.end}) ${r.n} ${r.total} ${r.top}`),
    )
    .sinkTo(sink);
  return { started: env.execute('session-rescaling'), reached };
}

async function uninterrupted(options: RunOptions): Promise<string[]> {
  const sink = new CollectingTwoPhaseCommitSink<string>();
  await (await start(sink, options).started).done;
  return sink.committed;
}

/** Runs at `from` until HALF events are processed, savepoints, stops; resumes at `to`. */
async function rescaled(from: number, to: number, wasm: boolean): Promise<{ output: string[]; beforeSavepoint: number }> {
  const sink = new CollectingTwoPhaseCommitSink<string>();
  const processed = new Signal();
  const storage = new MemoryCheckpointStorage();
  const first = start(sink, { parallelism: from, wasm, gateAt: HALF, onProcessed: (n) => n === HALF && processed.fire() }, storage);
  const job = await first.started;
  await first.reached.next();
  await processed.next();
  const savepoint = await job.savepoint();
  await job.cancel();
  const beforeSavepoint = sink.committed.length;
  const restoreFrom = await storage.open(savepoint.checkpointId);
  await (await start(sink, { parallelism: to, wasm: !wasm, restoreFrom }).started).done;
  return { output: sink.committed, beforeSavepoint };
}

describe('session windows on the kernel: rescaling from a savepoint', () => {
  it('uninterrupted, at parallelism 1 and 2, the kernels give the keyed-state path\'s sessions', async () => {
    const expected = await uninterrupted({ parallelism: 1, wasm: true, keyedState: true });
    expect(expected.length).toBeGreaterThan(100);
    // One subtask: the same rows in the same order.
    expect(await uninterrupted({ parallelism: 1, wasm: true })).toEqual(expected);
    expect(await uninterrupted({ parallelism: 1, wasm: false })).toEqual(expected);
    expect((await uninterrupted({ parallelism: 2, wasm: true })).sort()).toEqual([...expected].sort());
  });

  for (const [from, to, wasm] of [
    [1, 2, true],
    [2, 1, false],
    [3, 2, true],
  ] as const) {
    it(`a savepoint taken at parallelism ${from} (${wasm ? 'WebAssembly' : 'JS twin'}) restores at ${to} on the other kernel: exactly the uninterrupted output`, async () => {
      const expected = (await uninterrupted({ parallelism: 1, wasm: true, keyedState: true })).sort();
      const { output, beforeSavepoint } = await rescaled(from, to, wasm);
      expect(beforeSavepoint).toBeGreaterThan(0);
      expect(beforeSavepoint).toBeLessThan(expected.length);
      expect([...output].sort()).toEqual(expected);
    });
  }
});
