import type { Stream } from '../../api/stream';
import { aggregate } from '../../operators/aggregate';
import { filter } from '../../operators/filter';
import { flatMap } from '../../operators/flat-map';
import { keyBy } from '../../operators/key-by';
import { window } from '../../operators/window';
import { tumbling } from '../../windowing/tumbling';
import { isBid, type Bid, type NexmarkEvent } from '../model';
import { highestBy, withEventTime, type NexmarkQueryOptions } from './common';
import type { BidRow } from './q0';

/** The Flink suite's q7 window: 10 s tumbling. */
export const Q7_SIZE = 10_000;

/**
 * Nexmark q7, highest bid: the bids with the highest price in each 10 s tumbling window
 * (nexmark/nexmark q7.sql joins `MAX(price)` per window back to the bids). One key
 * (Flink's `windowAll`) and an incremental aggregate that keeps only the current maximum's bids.
 * The SQL's `BETWEEN window_end − 10 s AND window_end` also admits a bid at exactly the next
 * window's first millisecond with the same price; this version keeps to the window.
 *
 * @example
 * const top = await q7(nexmark({ events: 1_000_000 })).collect();
 */
export function q7(events: Stream<NexmarkEvent>, options: NexmarkQueryOptions = {}): Stream<BidRow> {
  return withEventTime(events, options).pipe(
    filter(isBid),
    keyBy(() => 0),
    window(tumbling(Q7_SIZE)),
    aggregate(highestBy((b: Bid) => b.price)),
    flatMap((bids: Bid[]) => bids.map((b): BidRow => ({ auction: b.auction, bidder: b.bidder, price: b.price, dateTime: b.dateTime, extra: b.extra }))),
  );
}
