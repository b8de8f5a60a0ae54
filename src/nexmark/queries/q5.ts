import type { Stream } from '../../api/stream';
import { aggregate } from '../../operators/aggregate';
import { filter } from '../../operators/filter';
import { flatMap } from '../../operators/flat-map';
import { keyBy } from '../../operators/key-by';
import { window } from '../../operators/window';
import { count } from '../../aggregates/functions';
import { sliding } from '../../windowing/sliding';
import { tumbling } from '../../windowing/tumbling';
import { isBid, type Bid, type NexmarkEvent } from '../model';
import { highestBy, withEventTime, type NexmarkQueryOptions } from './common';

export interface Q5Row {
  readonly auction: number;
  readonly num: number;
  readonly starttime: number;
  readonly endtime: number;
}

/** The Flink suite's q5 windows: 10 s, every 2 s. */
export const Q5_SIZE = 10_000;
export const Q5_SLIDE = 2_000;

interface AuctionCount {
  readonly key: number;
  readonly start: number;
  readonly end: number;
  readonly num: number;
}

/**
 * Nexmark q5, hot items: the auctions with the most bids in each sliding window (10 s every 2 s)
 * — the `HOP` count per auction joined with the per-window maximum, `num >= maxn`
 * (nexmark/nexmark q5.sql). Stage one is the built-in keyed window count (the WASM kernel);
 * stage two keys the counts by window and keeps those equal to the maximum.
 *
 * @example
 * const hot = await q5(nexmark({ events: 1_000_000 })).collect();
 */
export function q5(events: Stream<NexmarkEvent>, options: NexmarkQueryOptions = {}): Stream<Q5Row> {
  return withEventTime(events, options).pipe(
    filter(isBid),
    keyBy((b: Bid) => b.auction),
    window(sliding(Q5_SIZE, Q5_SLIDE)),
    aggregate({ num: count<Bid>() }),
    // Each count carries its window's max timestamp (end − 1), so all counts of one sliding window
    // meet in the slide-long tumbling window that ends where it ends.
    keyBy((c: AuctionCount) => c.end),
    window(tumbling(Q5_SLIDE)),
    // An aggregate rather than a process window function, which could read the watermark: so the
    // job graph lets per-record watermarks be coalesced within a batch (job-graph.ts).
    aggregate(highestBy((c: AuctionCount) => c.num)),
    flatMap((counts: AuctionCount[]) => counts.map((c): Q5Row => ({ auction: c.key, num: c.num, starttime: c.start, endtime: c.end }))),
  );
}
