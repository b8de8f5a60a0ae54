/**
 * The demo job, shared by `npm start` (demo/live.ts) and the browser demo (demo/main.ts):
 *
 *   fromGenerator (event time ≈ wall time, up to 1.5 s of disorder, a few very late bids)
 *     → watermarks (bounded out-of-orderness 2 s, periodic emission every 200 ms, as in Flink)
 *     → keyBy(auction) → 5 s tumbling event-time windows
 *     → aggregate { bids: count(), volume: sum(price), top: max(price) }
 */
import { aggregate, count, keyBy, max, sum, tumbling, watermarks, window, type Stream, type StreamEnvironment } from '../src/index';

export interface Bid {
  readonly auction: number;
  readonly bidder: number;
  readonly price: number;
  readonly ts: number;
}

export interface WindowRow {
  readonly key: number;
  readonly start: number;
  readonly end: number;
  readonly bids: number;
  readonly volume: number;
  readonly top: number;
}

export const WINDOW_MS = 5_000;
/** The window operator's name, to find its metrics (watermark, late records). */
export const WINDOW_OPERATOR = 'top auctions';
export const OUT_OF_ORDERNESS_MS = 2_000;
const AUCTIONS = 1_000;
const SEED = 0x5eed;

/** A uniform number in [0, 1) from (index, stream), seeded: a murmur3-style integer hash. */
function random(index: number, stream: number): number {
  let h = Math.imul(index ^ SEED, 0x9e3779b1) ^ Math.imul(stream + 1, 0x85ebca6b);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

/**
 * Bid i happens `i / rate` seconds after `origin`, minus a random delay: mostly under 1.5 s, and one
 * bid in a thousand 2–5 s late (some of those arrive after their window closed and are dropped).
 * Hot auctions get more bids (the rank is skewed towards 0); which auctions are hot changes every
 * 15 s. Record i is a pure function of i, so the generator source is replayable by index.
 */
function bidGenerator(origin: number, rate: number): (i: number) => Bid {
  const msPerBid = 1000 / rate;
  return (i) => {
    const r = random(i, 0);
    const base = origin + i * msPerBid;
    const rank = Math.floor(AUCTIONS * r * r);
    const delay = random(i, 3) < 0.001 ? 2_000 + 3_000 * random(i, 4) : 1_500 * random(i, 4) ** 2;
    return {
      auction: 1_000 + ((rank * 389 + Math.floor(base / 15_000) * 211) % AUCTIONS),
      bidder: Math.floor(50_000 * random(i, 1)),
      price: Math.round(100 + 49_900 * random(i, 2) ** 4) / 100,
      ts: Math.round(base - delay),
    };
  };
}

/**
 * The demo's windows over `rate` bids per second. Event time starts just before a window boundary
 * after `now`, so the first (partial) window closes about 2 s after the start.
 */
export function topAuctions(env: StreamEnvironment, rate: number, now: number): Stream<WindowRow> {
  const origin = Math.floor((now + 100) / WINDOW_MS) * WINDOW_MS - 100;
  return env
    .fromGenerator(bidGenerator(origin, rate), { eventsPerSecond: rate })
    .pipe(
      watermarks({ timestamp: (b: Bid) => b.ts, outOfOrderness: OUT_OF_ORDERNESS_MS, emit: 'periodic' }),
      keyBy((b: Bid) => b.auction),
      window(tumbling(WINDOW_MS)),
      aggregate({ bids: count(), volume: sum((b: Bid) => b.price), top: max((b: Bid) => b.price) }, { name: WINDOW_OPERATOR }),
    ) as Stream<WindowRow>;
}
