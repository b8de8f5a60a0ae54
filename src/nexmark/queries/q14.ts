import type { Stream } from '../../api/stream';
import { filter } from '../../operators/filter';
import { map } from '../../operators/map';
import type { Bid, NexmarkEvent } from '../model';
import { EUROS_PER_DOLLAR } from './q1';

export interface Q14Row {
  readonly auction: number;
  readonly bidder: number;
  readonly price: number;
  readonly bidTimeType: 'dayTime' | 'nightTime' | 'otherTime';
  readonly dateTime: number;
  readonly extra: string;
  readonly c_counts: number;
}

/** q14's times of day, by the index `bidTimeTypeIndex` gives. */
export const BID_TIME_TYPES: readonly Q14Row['bidTimeType'][] = ['dayTime', 'nightTime', 'otherTime'];

/** `bidTimeType` as an index into BID_TIME_TYPES: the columnar q14 stores it so, with no string per row. */
export function bidTimeTypeIndex(dateTime: number): number {
  const hour = Math.floor(dateTime / 3_600_000) % 24;
  return hour >= 8 && hour <= 18 ? 0 : hour <= 6 || hour >= 20 ? 1 : 2;
}

/** `CASE WHEN HOUR(dateTime) BETWEEN 8 AND 18 THEN 'dayTime' WHEN <= 6 OR >= 20 THEN 'nightTime' ELSE 'otherTime'` (UTC). */
export function bidTimeType(dateTime: number): Q14Row['bidTimeType'] {
  return BID_TIME_TYPES[bidTimeTypeIndex(dateTime)]!;
}

/** The suite's `count_char` UDF: occurrences of `c` in `s`. */
export function countChar(s: string, c: string): number {
  let n = 0;
  for (let i = s.indexOf(c); i !== -1; i = s.indexOf(c, i + 1)) n++;
  return n;
}

/**
 * Nexmark q14, calculation: bids between €1M and €50M (in cents), with the time of day and the
 * number of 'c's in `extra` — nexmark/nexmark q14.sql (`0.908 * price > 1000000 AND 0.908 * price
 * < 50000000`, `count_char(extra, 'c')`). Hours are UTC.
 *
 * @example
 * const rows = await q14(nexmark({ events: 100_000 })).collect();
 */
export function q14(events: Stream<NexmarkEvent>): Stream<Q14Row> {
  return events.pipe(
    filter((e: NexmarkEvent): e is Bid => e.kind === 'bid' && EUROS_PER_DOLLAR * e.price > 1_000_000 && EUROS_PER_DOLLAR * e.price < 50_000_000),
    map(
      (b): Q14Row => ({
        auction: b.auction,
        bidder: b.bidder,
        price: EUROS_PER_DOLLAR * b.price,
        bidTimeType: bidTimeType(b.dateTime),
        dateTime: b.dateTime,
        extra: b.extra,
        c_counts: countChar(b.extra, 'c'),
      }),
    ),
  );
}
