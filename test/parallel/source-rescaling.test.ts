// A parallel source resumes at another parallelism: its subtasks' splits (what each has left to
// read) are dealt to the new subtasks, as Flink reassigns FLIP-27 splits. Every index the first
// run had not emitted is emitted once after the restore, none is emitted again — so together the
// two runs give exactly an uninterrupted run's output.
import { describe, expect, it } from 'vitest';
import {
  CollectingTwoPhaseCommitSink,
  ConfigurationError,
  ManualClock,
  MemoryCheckpointStorage,
  StreamEnvironment,
  aggregate,
  count,
  keyBy,
  max,
  sum,
  tap,
  tumbling,
  watermarks,
  window,
  type CompletedCheckpoint,
} from '../../src/index';
import { canonical, perKey } from '../support/results';
import { Signal } from '../support/signal';

interface Ev {
  readonly k: string;
  readonly ts: number;
  readonly v: number;
  readonly i: number;
}

const EVENTS = 6_000;
const OUT_OF_ORDERNESS = 20;
/** The rate-limited runs get this many events per second of (manual) processing time, all subtasks together. */
const RATE = 1_000;

/** Event i, a pure function of i: a little out of order, on 13 keys. */
function eventAt(i: number): Ev {
  let h = Math.imul(i ^ 0x5bd1e995, 0x9e3779b1) >>> 0;
  h = (h ^ (h >>> 15)) >>> 0;
  return { k: `k${h % 13}`, ts: i * 2 - (h % OUT_OF_ORDERNESS), v: (h >>> 8) % 100, i };
}

interface Row {
  readonly key: string;
  readonly start: number;
  readonly n: number;
  readonly total: number;
  readonly last: number;
}

interface RunOptions {
  readonly parallelism: number;
  readonly restoreFrom?: CompletedCheckpoint;
  /** Rate-limits the generator on this clock, so that a test releases events by advancing it. */
  readonly clock?: ManualClock;
  readonly onRecord?: () => void;
}

/** A parallel generator into keyed tumbling windows, into an exactly-once sink. */
function start(sink: CollectingTwoPhaseCommitSink<Row>, storage: MemoryCheckpointStorage, o: RunOptions) {
  const env = new StreamEnvironment({
    parallelism: o.parallelism,
    ...(o.clock === undefined ? {} : { clock: o.clock }),
    checkpoint: { interval: 3_600_000, storage },
    restart: { strategy: 'none' },
    restoreFrom: o.restoreFrom,
  });
  env
    .fromGenerator(eventAt, { count: EVENTS, eventsPerSecond: o.clock === undefined ? undefined : RATE })
    .uid('events')
    .pipe(
      tap(() => o.onRecord?.()),
      watermarks<Ev>({ timestamp: (e) => e.ts, outOfOrderness: OUT_OF_ORDERNESS }, { uid: 'time' }),
      keyBy((e) => e.k),
      window(tumbling(100)),
      aggregate({ n: count(), total: sum((e: Ev) => e.v), last: max((e: Ev) => e.i) }, { uid: 'windows' }),
    )
    .sinkTo(sink as CollectingTwoPhaseCommitSink<unknown>);
  return env.execute('source-rescaling');
}

async function uninterrupted(parallelism: number): Promise<Row[]> {
  const sink = new CollectingTwoPhaseCommitSink<Row>();
  await (await start(sink, new MemoryCheckpointStorage(), { parallelism })).done;
  return sink.committed;
}

/**
 * Runs at `parallelism` (from `restoreFrom`, if given) with the generator held to `RATE` on a
 * manual clock; releases `releaseMs` of it, waits until the released events have passed the
 * source, takes a savepoint and cancels. What the sink committed is the savepoint's share.
 */
async function runToSavepoint(
  sink: CollectingTwoPhaseCommitSink<Row>,
  storage: MemoryCheckpointStorage,
  parallelism: number,
  releaseMs: number,
  restoreFrom?: CompletedCheckpoint,
): Promise<CompletedCheckpoint> {
  const clock = new ManualClock(0);
  const released = new Signal();
  // Each subtask emits ⌊releaseMs · its rate⌋: together at least releaseMs − parallelism of RATE/s.
  const expected = (releaseMs * RATE) / 1000 - parallelism;
  let seen = 0;
  const job = await start(sink, storage, { parallelism, restoreFrom, clock, onRecord: () => ++seen === expected && released.fire() });
  clock.advance(releaseMs);
  await released.next();
  const savepoint = await job.savepoint();
  await job.cancel();
  return storage.open(savepoint.checkpointId);
}

/** The uninterrupted run's rows (computed once), and a fresh sink and storage for a test's runs. */
let reference: Promise<Row[]> | undefined;
async function fresh(): Promise<{ expected: Row[]; sink: CollectingTwoPhaseCommitSink<Row>; storage: MemoryCheckpointStorage }> {
  reference ??= uninterrupted(1);
  return { expected: await reference, sink: new CollectingTwoPhaseCommitSink<Row>(), storage: new MemoryCheckpointStorage() };
}

function expectSameOutput(actual: readonly Row[], expected: readonly Row[]): void {
  expect(actual.map(canonical).sort()).toEqual(expected.map(canonical).sort());
  expect(perKey(actual)).toEqual(perKey(expected));
}

describe('rescaling a parallel generator source from a savepoint', () => {
  it('the job gives the same output at parallelism 1, 2 and 3', async () => {
    const expected = await uninterrupted(1);
    expect(expected.length).toBeGreaterThan(300);
    expectSameOutput(await uninterrupted(2), expected);
    expectSameOutput(await uninterrupted(3), expected);
  });

  for (const from of [1, 2, 3]) {
    for (const to of [1, 2, 3, 4]) {
      it(`a savepoint taken mid-run at parallelism ${from} resumes at ${to}: together, exactly the uninterrupted output`, async () => {
        const { expected, sink, storage } = await fresh();
        const savepoint = await runToSavepoint(sink, storage, from, 3_000);
        const before = sink.committed.length;
        expect(before).toBeGreaterThan(0);
        expect(before).toBeLessThan(expected.length / 2);
        // The savepoint holds, per old subtask, its split with the next index it would emit.
        const source = savepoint.metadata.sources.find((s) => s.uid === 'events')!;
        expect(source.splits?.map((held) => held.map((s) => (s as { stride: number }).stride))).toEqual(Array.from({ length: from }, () => [from]));
        await (await start(sink, storage, { parallelism: to, restoreFrom: savepoint })).done;
        expectSameOutput(sink.committed, expected);
      });
    }
  }

  it('rescaled twice (3 → 2 → 4), each time mid-run: subtasks that took over several splits snapshot them all', async () => {
    const { expected, sink, storage } = await fresh();
    const first = await runToSavepoint(sink, storage, 3, 2_000);
    const second = await runToSavepoint(sink, storage, 2, 2_000, first);
    // At parallelism 2 one subtask read two of the three splits, and still holds both.
    const held = second.metadata.sources.find((s) => s.uid === 'events')!.splits!;
    expect(held.map((splits) => splits.length)).toEqual([2, 1]);
    const before = sink.committed.length;
    expect(before).toBeLessThan(expected.length);
    await (await start(sink, storage, { parallelism: 4, restoreFrom: second })).done;
    expectSameOutput(sink.committed, expected);
  });

  it('a checkpoint of format 1 (one position per subtask, before splits) still restores, at another parallelism too', async () => {
    const { expected, sink, storage } = await fresh();
    const savepoint = await runToSavepoint(sink, storage, 2, 3_000);
    // The same savepoint as sluice wrote it before splits: the generator's position per subtask
    // was its next index.
    const { sources, ...rest } = savepoint.metadata;
    const legacy: CompletedCheckpoint = {
      ...savepoint,
      read: (name) => savepoint.read(name),
      metadata: {
        ...rest,
        formatVersion: 1,
        sources: sources.map((s) => (s.splits === undefined ? s : { uid: s.uid, positions: s.splits.map((held) => (held[0] as { next: number }).next) })),
      },
    };
    await (await start(sink, storage, { parallelism: 3, restoreFrom: legacy })).done;
    expectSameOutput(sink.committed, expected);
  });

  it('a corrupt split is refused with an error that names it', async () => {
    const { sink, storage } = await fresh();
    const savepoint = await runToSavepoint(sink, storage, 2, 1_000);
    const corrupt: CompletedCheckpoint = {
      ...savepoint,
      read: (name) => savepoint.read(name),
      metadata: { ...savepoint.metadata, sources: [{ uid: 'events', positions: [], splits: [[{ next: -3, stride: 2 }], []] }] },
    };
    const job = await start(sink, storage, { parallelism: 2, restoreFrom: corrupt });
    await expect(job.done).rejects.toThrow(ConfigurationError);
    await expect(job.done).rejects.toThrow('fromGenerator: cannot resume from split {"next":-3,"stride":2}');
  });
});
