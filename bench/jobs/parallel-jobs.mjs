// @ts-check
// The jobs of bench/parallel.ts, in a module every worker imports (see defineJob). Plain
// JavaScript on the built package, as an application would ship it: workers then start without
// compiling TypeScript (see bench/parallel.ts).
import { aggregate, count, defineJob, filter, keyBy, max, sum, tumbling, watermarks, window } from '../../dist/index.js';

/**
 * @typedef {{ job: 'window' | 'nexmark-counts' | 'exchange' | 'no-exchange' | 'slow-sink', events: number, keys: number,
 *   slowSink: { eventsPerSecond: number, writeMs: number } }} ParallelBenchParams
 * @typedef {{ key: number, ts: number, price: number }} Ev
 */

/**
 * Event i: keys spread by a multiplicative hash, 1 ms of event time per 10 events, in order.
 * @param {number} i
 * @param {number} keys
 * @returns {Ev}
 */
function event(i, keys) {
  const h = Math.imul(i, 0x9e3779b1) >>> 0;
  return { key: h % keys, ts: Math.floor(i / 10), price: (h >>> 12) % 1000 };
}

/** One sink subtask per worker, so that results do not all cross to worker 0. */
const discard = { name: 'discard', parallel: true, write() {} };

export default defineJob((env, /** @type {ParallelBenchParams} */ p) => {
  if (p.job === 'slow-sink') {
    // A rate-limited source on both workers, one sink subtask (on worker 0) that takes writeMs per
    // batch.
    env
      .fromGenerator((i) => event(i, p.keys), { eventsPerSecond: p.slowSink.eventsPerSecond })
      .sinkTo({ name: 'slow sink', write: () => new Promise((resolve) => setTimeout(resolve, p.slowSink.writeMs)) });
    return;
  }
  const events = env.fromGenerator((i) => event(i, p.keys), { count: p.events });
  switch (p.job) {
    case 'window':
      // Keyed tumbling window sum + count: the WASM kernel's job, hash-partitioned by key. With
      // 10 000 keys and 10 events per ms, a 100 s window holds ~100 events per key.
      events
        .pipe(
          watermarks({ timestamp: (e) => e.ts, outOfOrderness: 0 }),
          keyBy((e) => e.key),
          window(tumbling(100_000)),
          aggregate({ n: count(), total: sum((e) => e.price) }),
        )
        .sinkTo(discard);
      return;
    case 'nexmark-counts':
      // Nexmark-style hot-item counts: bids per auction (1 000) per 10 s window, plus the top price.
      events
        .pipe(
          watermarks({ timestamp: (e) => e.ts, outOfOrderness: 0 }),
          keyBy((e) => e.key % 1000),
          window(tumbling(10_000)),
          aggregate({ bids: count(), top: max((e) => e.price) }),
        )
        .sinkTo(discard);
      return;
    case 'no-exchange':
      // The same events, timestamps and a filter that drops them all, on each worker alone: the
      // speed-up this machine gives two workers with nothing to exchange.
      events
        .pipe(
          watermarks({ timestamp: (e) => e.ts, outOfOrderness: 0 }),
          filter((e) => e.price > 1000),
        )
        .sinkTo(discard);
      return;
    case 'exchange':
      // Every record crosses a keyBy exchange to a sink that only counts: measures the channels.
      events.pipe(keyBy((e) => e.key)).sinkTo(discard);
      return;
  }
});
