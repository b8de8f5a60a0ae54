// The stateful columnar queries (q3–q5, q7, q8, q15–q19) keep their state in keyed state: a job
// that fails once restarts from its latest checkpoint and commits exactly the rows of a run without
// the failure (Flink's exactly-once).
import { describe, expect, it } from 'vitest';
import {
  CollectingTwoPhaseCommitSink,
  ManualClock,
  MemoryCheckpointStorage,
  StreamEnvironment,
  map,
  nexmarkColumnar,
  q5Columnar,
  q7Columnar,
  q15Columnar,
  q16Columnar,
  q17Columnar,
  q18Columnar,
  q19Columnar,
  q3Columnar,
  q4Columnar,
  q8Columnar,
  tap,
  type NexmarkBatch,
  type Stream,
} from '../../src/index';

type ColumnarQuery = (batches: Stream<NexmarkBatch>) => Stream<object>;

/** 30 s of event time in 300 batches; checkpoints every 5 batches; fails once at batch `failAt`. */
async function run(query: ColumnarQuery, failAt?: number): Promise<{ committed: string[]; restarts: number }> {
  const clock = new ManualClock(0);
  const sink = new CollectingTwoPhaseCommitSink<string>();
  const env = new StreamEnvironment({
    clock,
    checkpoint: { interval: 10, storage: new MemoryCheckpointStorage() },
    restart: { strategy: 'fixed-delay', attempts: 3, delay: 0 },
  });
  let seen = 0;
  let failed = false;
  const batches = nexmarkColumnar({ seed: 5, events: 300_000, eventsPerBatch: 1000 }, env).pipe(
    tap(() => {
      if (++seen % 5 === 0) clock.advance(10);
    }),
    map(
      (b: NexmarkBatch) => {
        if (!failed && seen === failAt) {
          failed = true;
          throw new Error(`injected failure at batch ${failAt}`);
        }
        return b;
      },
      { uid: 'chaos' },
    ),
  );
  query(batches)
    .pipe(map((row) => JSON.stringify(row)))
    .sinkTo(sink);
  const job = await env.execute('columnar checkpoints');
  await job.done;
  return { committed: sink.committed, restarts: job.metrics().restarts ?? 0 };
}

/** Each query, what of its keyed state a failure tests, and the fewest rows its failure-free run commits. */
const QUERIES: ReadonlyArray<readonly [string, ColumnarQuery, string, number]> = [
  ['q5Columnar', q5Columnar, 'its panes', 3],
  ['q7Columnar', q7Columnar, 'its panes', 3],
  // The run is 30 s of one day: q15's one row and q16's row per channel come at the end, from day
  // state restored after the failure.
  ['q15Columnar', q15Columnar, 'its open day', 1],
  ['q16Columnar', q16Columnar, 'its open day', 1],
  ['q17Columnar', q17Columnar, 'its day window', 3],
  // A replayed bid must not count as a new latest.
  ['q18Columnar', q18Columnar, 'the latest time per (bidder, auction)', 3],
  ['q19Columnar', q19Columnar, 'its top prices', 3],
  ['q3Columnar', q3Columnar, 'its join (persons, and the auctions waiting for them)', 3],
  ['q8Columnar', q8Columnar, 'its open windows', 3],
  ['q4Columnar', q4Columnar, 'its open auctions, early bids and averages', 3],
];

describe('columnar queries under checkpoints', () => {
  for (const [name, query, state, minRows] of QUERIES) {
    // Four runs of 300 batches with 60 checkpoints each: more than the default 5 s on a loaded machine.
    it(`${name} recovers ${state} from a checkpoint after a failure, exactly once`, { timeout: 60_000 }, async () => {
      const expected = await run(query);
      expect(expected.committed.length).toBeGreaterThanOrEqual(minRows);
      for (const failAt of [61, 157, 263]) {
        const recovered = await run(query, failAt);
        expect(recovered.restarts, `failure at batch ${failAt}`).toBe(1);
        expect(recovered.committed, `failure at batch ${failAt}`).toEqual(expected.committed);
      }
    });
  }
});
