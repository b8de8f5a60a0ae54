import type { Stream } from '../../api/stream';
import { count, max, min, sum } from '../../aggregates/functions';
import { aggregate } from '../../operators/aggregate';
import { filter } from '../../operators/filter';
import { keyBy } from '../../operators/key-by';
import { map } from '../../operators/map';
import { window } from '../../operators/window';
import { tumbling } from '../../windowing/tumbling';
import { isBid, type Bid, type NexmarkEvent } from '../model';
import { DAY_MS, formatDay, withEventTime, type NexmarkQueryOptions } from './common';

export interface Q17Row {
  readonly auction: number;
  readonly day: string;
  readonly total_bids: number;
  readonly rank1_bids: number;
  readonly rank2_bids: number;
  readonly rank3_bids: number;
  readonly min_price: number;
  readonly max_price: number;
  /** `AVG(price)` of a BIGINT column: truncated to an integer, as in Flink. */
  readonly avg_price: number;
  readonly sum_price: number;
}

/**
 * Nexmark q17, auction statistics report: per auction and day, bids per price rank and min, max,
 * average and total price — nexmark/nexmark q17.sql. Every aggregate is a built-in one (the rank
 * counts are sums of 0/1), so the window runs on the WASM kernel; one-day event-time windows (UTC).
 *
 * @example
 * const rows = await q17(nexmark({ events: 1_000_000 })).collect();
 */
export function q17(events: Stream<NexmarkEvent>, options: NexmarkQueryOptions = {}): Stream<Q17Row> {
  return withEventTime(events, options).pipe(
    filter(isBid),
    keyBy((b: Bid) => b.auction),
    window(tumbling(DAY_MS)),
    aggregate({
      total_bids: count<Bid>(),
      rank1_bids: sum((b: Bid) => (b.price < 10_000 ? 1 : 0)),
      rank2_bids: sum((b: Bid) => (b.price >= 10_000 && b.price < 1_000_000 ? 1 : 0)),
      rank3_bids: sum((b: Bid) => (b.price >= 1_000_000 ? 1 : 0)),
      min_price: min((b: Bid) => b.price),
      max_price: max((b: Bid) => b.price),
      sum_price: sum((b: Bid) => b.price),
    }),
    map(
      (r): Q17Row => ({
        auction: r.key,
        day: formatDay(r.start),
        total_bids: r.total_bids,
        rank1_bids: r.rank1_bids,
        rank2_bids: r.rank2_bids,
        rank3_bids: r.rank3_bids,
        min_price: r.min_price,
        max_price: r.max_price,
        avg_price: Math.trunc(r.sum_price / r.total_bids),
        sum_price: r.sum_price,
      }),
    ),
  );
}
