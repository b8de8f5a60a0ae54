// The jobs of bench/parallel.ts, in a module every worker imports (see defineJob).
import { aggregate, count, defineJob, keyBy, max, sum, tumbling, watermarks, window } from '../../src/index';

export interface ParallelBenchParams {
  readonly job: 'window' | 'nexmark-counts' | 'exchange' | 'slow-sink';
  readonly events: number;
  readonly keys: number;
}

interface Ev {
  readonly key: number;
  readonly ts: number;
  readonly price: number;
}

/** Event i: keys spread by a multiplicative hash, 1 ms of event time per 10 events, in order. */
function event(i: number, keys: number): Ev {
  const h = Math.imul(i, 0x9e3779b1) >>> 0;
  return { key: h % keys, ts: Math.floor(i / 10), price: (h >>> 12) % 1000 };
}

/** One sink subtask per worker, so that results do not all cross to worker 0. */
const discard = { name: 'discard', parallel: true, write(): void {} };

/** The slow-sink job's rates: the source is 10× faster than the sink can write. */
export const SLOW_SINK = { eventsPerSecond: 200_000, batch: 256, writeMs: 12.8 } as const;

export default defineJob((env, p: ParallelBenchParams) => {
  if (p.job === 'slow-sink') {
    // A rate-limited source on both workers, one sink subtask (on worker 0) that takes writeMs per
    // batch: 20 000 records/s.
    env
      .fromGenerator((i) => event(i, p.keys), { eventsPerSecond: SLOW_SINK.eventsPerSecond })
      .sinkTo({ name: 'slow sink', write: () => new Promise((resolve) => setTimeout(resolve, SLOW_SINK.writeMs)) });
    return;
  }
  const events = env.fromGenerator((i) => event(i, p.keys), { count: p.events });
  switch (p.job) {
    case 'window':
      // Keyed tumbling window sum + count: the WASM kernel's job, hash-partitioned by key. With
      // 10 000 keys and 10 events per ms, a 100 s window holds ~100 events per key.
      events
        .pipe(
          watermarks<Ev>({ timestamp: (e) => e.ts, outOfOrderness: 0 }),
          keyBy((e) => e.key),
          window(tumbling(100_000)),
          aggregate({ n: count(), total: sum((e: Ev) => e.price) }),
        )
        .sinkTo(discard);
      return;
    case 'nexmark-counts':
      // Nexmark-style hot-item counts: bids per auction (1 000) per 10 s window, plus the top price.
      events
        .pipe(
          watermarks<Ev>({ timestamp: (e) => e.ts, outOfOrderness: 0 }),
          keyBy((e) => e.key % 1000),
          window(tumbling(10_000)),
          aggregate({ bids: count(), top: max((e: Ev) => e.price) }),
        )
        .sinkTo(discard);
      return;
    case 'exchange':
      // Every record crosses a keyBy exchange to a sink that only counts: measures the channels.
      events.pipe(keyBy((e) => e.key)).sinkTo(discard);
      return;
  }
});
