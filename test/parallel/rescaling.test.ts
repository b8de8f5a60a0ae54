// A savepoint taken at one parallelism restores at another: keyed state is split or merged by key
// group (Flink: https://nightlies.apache.org/flink/flink-docs-stable/docs/ops/state/savepoints/#can-i-change-the-parallelism-of-my-job
// and https://flink.apache.org/2017/07/04/a-deep-dive-into-rescalable-state-in-apache-flink/).
import { describe, expect, it } from 'vitest';
import {
  CollectingTwoPhaseCommitSink,
  MemoryCheckpointStorage,
  StreamEnvironment,
  ValueStateDescriptor,
  aggregate,
  count,
  keyBy,
  map,
  process,
  sum,
  tap,
  tumbling,
  watermarks,
  window,
  type CompletedCheckpoint,
  type KeyedProcessFunction,
  type ValueState,
} from '../../src/index';
import { Signal } from '../support/signal';

interface Ev {
  readonly k: string;
  readonly ts: number;
  readonly v: number;
}

const COUNT = 4_000;
const HALF = 1_700;
const EVENTS: Ev[] = Array.from({ length: COUNT }, (_, i) => ({ k: `k${(i * 7919) % 23}`, ts: i * 3, v: (i * 31) % 17 }));

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

function totals(): KeyedProcessFunction<string, Ev, string> & { total?: ValueState<number> } {
  return {
    open(ctx) {
      this.total = ctx.getState(new ValueStateDescriptor<number>('total'));
    },
    processElement(e, ctx, out) {
      const t = (this.total!.value() ?? 0) + e.v;
      this.total!.update(t);
      if (e.ts % 300 === 0) out.collect(`total ${ctx.getCurrentKey()} ${e.ts} ${t}`);
    },
  };
}

interface RunOptions {
  readonly parallelism: number;
  readonly restoreFrom?: CompletedCheckpoint;
  readonly gateAt?: number;
  readonly onProcessed?: (n: number) => void;
}

function start(sink: CollectingTwoPhaseCommitSink<string>, options: RunOptions, storage = new MemoryCheckpointStorage()) {
  const reached = new Signal();
  const env = new StreamEnvironment({
    parallelism: options.parallelism,
    checkpoint: { interval: 3_600_000, storage },
    restart: { strategy: 'none' },
    restoreFrom: options.restoreFrom,
  });
  let n = 0;
  const events = env.fromAsyncIterable(feed(options.gateAt ?? -1, reached, new Promise<void>(() => {}))).uid('events');
  const windows = events.pipe(
    tap(() => options.onProcessed?.(++n)),
    watermarks<Ev>({ timestamp: (e) => e.ts, outOfOrderness: 0 }, { uid: 'time' }),
    keyBy((e) => e.k),
    window(tumbling(500)),
    aggregate({ n: count(), total: sum((e: Ev) => e.v) }, { uid: 'windows' }),
    map((r) => `window ${String(r.key)} ${r.start} ${r.n} ${r.total}`),
  );
  const running = events.pipe(
    keyBy((e) => e.k),
    process(totals(), { uid: 'totals' }),
  );
  windows.sinkTo(sink);
  running.sinkTo(sink);
  return { started: env.execute('rescaling'), reached };
}

async function uninterrupted(parallelism: number): Promise<string[]> {
  const sink = new CollectingTwoPhaseCommitSink<string>();
  await (await start(sink, { parallelism }).started).done;
  return sink.committed;
}

/** Runs at `from` until HALF events are processed, savepoints, stops; resumes at `to`. */
async function rescaled(from: number, to: number): Promise<{ output: string[]; beforeSavepoint: number }> {
  const sink = new CollectingTwoPhaseCommitSink<string>();
  const processed = new Signal();
  const storage = new MemoryCheckpointStorage();
  const first = start(sink, { parallelism: from, gateAt: HALF, onProcessed: (n) => n === HALF && processed.fire() }, storage);
  const job = await first.started;
  await first.reached.next();
  await processed.next();
  const savepoint = await job.savepoint();
  await job.cancel();
  const beforeSavepoint = sink.committed.length;
  const restoreFrom = await storage.open(savepoint.checkpointId);
  await (await start(sink, { parallelism: to, restoreFrom }).started).done;
  return { output: sink.committed, beforeSavepoint };
}

describe('rescaling from a savepoint', () => {
  it('the job gives the same output at parallelism 1, 2 and 3', async () => {
    const expected = (await uninterrupted(1)).sort();
    expect(expected.length).toBeGreaterThan(100);
    expect((await uninterrupted(2)).sort()).toEqual(expected);
    expect((await uninterrupted(3)).sort()).toEqual(expected);
  });

  for (const [from, to] of [
    [1, 2],
    [2, 1],
    [2, 3],
    [3, 1],
  ] as const) {
    it(`a savepoint taken at parallelism ${from} restores at ${to}: together, exactly the uninterrupted output`, async () => {
      const expected = (await uninterrupted(1)).sort();
      const { output, beforeSavepoint } = await rescaled(from, to);
      expect(beforeSavepoint).toBeGreaterThan(0);
      expect(beforeSavepoint).toBeLessThan(expected.length);
      expect([...output].sort()).toEqual(expected);
    });
  }
});
