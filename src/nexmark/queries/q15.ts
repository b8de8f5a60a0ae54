import type { Stream } from '../../api/stream';
import { aggregate } from '../../operators/aggregate';
import { filter } from '../../operators/filter';
import { keyBy } from '../../operators/key-by';
import { window } from '../../operators/window';
import type { AggregateFunction } from '../../state/descriptors';
import { tumbling } from '../../windowing/tumbling';
import { isBid, type Bid, type NexmarkEvent } from '../model';
import { DAY_MS, formatDay, priceRank, withEventTime, type NexmarkQueryOptions } from './common';

/** Bids, distinct bidders and distinct auctions: in total and per price rank (q15, q16). */
export interface RankStats {
  readonly total_bids: number;
  readonly rank1_bids: number;
  readonly rank2_bids: number;
  readonly rank3_bids: number;
  readonly total_bidders: number;
  readonly rank1_bidders: number;
  readonly rank2_bidders: number;
  readonly rank3_bidders: number;
  readonly total_auctions: number;
  readonly rank1_auctions: number;
  readonly rank2_auctions: number;
  readonly rank3_auctions: number;
}

export interface Q15Row extends RankStats {
  readonly day: string;
}

/** @internal The accumulator of `COUNT(*)` and `COUNT(DISTINCT …)`, each with its rank filters. */
export interface RankAccumulator {
  first: Bid | undefined;
  lastTime: number;
  /** [total, rank1, rank2, rank3] */
  readonly bids: [number, number, number, number];
  readonly bidders: [Set<number>, Set<number>, Set<number>, Set<number>];
  readonly auctions: [Set<number>, Set<number>, Set<number>, Set<number>];
}

/** @internal */
export const rankStats: AggregateFunction<Bid, RankAccumulator, RankAccumulator> = {
  createAccumulator: () => ({
    first: undefined,
    lastTime: Number.NEGATIVE_INFINITY,
    bids: [0, 0, 0, 0],
    bidders: [new Set(), new Set(), new Set(), new Set()],
    auctions: [new Set(), new Set(), new Set(), new Set()],
  }),
  add(b, acc) {
    if (acc.first === undefined) acc.first = b;
    if (b.dateTime > acc.lastTime) acc.lastTime = b.dateTime;
    const r = priceRank(b.price);
    acc.bids[0]++;
    acc.bids[r]++;
    acc.bidders[0].add(b.bidder);
    acc.bidders[r].add(b.bidder);
    acc.auctions[0].add(b.auction);
    acc.auctions[r].add(b.auction);
    return acc;
  },
  getResult: (acc) => acc,
  merge(a, b) {
    for (const x of [b.first]) if (x !== undefined && a.first === undefined) a.first = x;
    a.lastTime = Math.max(a.lastTime, b.lastTime);
    for (let i = 0; i < 4; i++) {
      a.bids[i] = a.bids[i]! + b.bids[i]!;
      for (const v of b.bidders[i]!) a.bidders[i]!.add(v);
      for (const v of b.auctions[i]!) a.auctions[i]!.add(v);
    }
    return a;
  },
};

/** @internal */
export function toRankStats(acc: RankAccumulator): RankStats {
  return {
    total_bids: acc.bids[0],
    rank1_bids: acc.bids[1],
    rank2_bids: acc.bids[2],
    rank3_bids: acc.bids[3],
    total_bidders: acc.bidders[0].size,
    rank1_bidders: acc.bidders[1].size,
    rank2_bidders: acc.bidders[2].size,
    rank3_bidders: acc.bidders[3].size,
    total_auctions: acc.auctions[0].size,
    rank1_auctions: acc.auctions[1].size,
    rank2_auctions: acc.auctions[2].size,
    rank3_auctions: acc.auctions[3].size,
  };
}

/**
 * Nexmark q15, bidding statistics report: per day, bids and distinct bidders and auctions, in
 * total and per price rank (< $100, < $10 000, the rest) — nexmark/nexmark q15.sql (`COUNT(DISTINCT
 * bidder) FILTER (WHERE …)`, `GROUP BY DATE_FORMAT(dateTime, 'yyyy-MM-dd')`). Flink's unbounded
 * GROUP BY revises a day's row with every bid; here a day's row comes once, when the watermark
 * passes the day's end (a one-day event-time window, UTC).
 *
 * @example
 * const days = await q15(nexmark({ events: 1_000_000 })).collect();
 */
export function q15(events: Stream<NexmarkEvent>, options: NexmarkQueryOptions = {}): Stream<Q15Row> {
  return withEventTime(events, options).pipe(
    filter(isBid),
    keyBy(() => 0),
    window(tumbling(DAY_MS)),
    aggregate({ ...rankStats, getResult: (acc: RankAccumulator): Q15Row => ({ day: formatDay(acc.first!.dateTime), ...toRankStats(acc) }) }),
  );
}
