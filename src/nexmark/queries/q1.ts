import type { Stream } from '../../api/stream';
import { filter } from '../../operators/filter';
import { map } from '../../operators/map';
import { isBid, type NexmarkEvent } from '../model';
import type { BidRow } from './q0';

/** Dollars to euros, as in the Flink suite's q1 (`0.908 * price`). */
export const EUROS_PER_DOLLAR = 0.908;

/**
 * Nexmark q1, currency conversion: `SELECT auction, bidder, 0.908 * price, dateTime, extra FROM bid`
 * (nexmark/nexmark q1.sql).
 *
 * @example
 * const rows = await q1(nexmark({ events: 1000 })).collect();
 */
export function q1(events: Stream<NexmarkEvent>): Stream<BidRow> {
  return events.pipe(
    filter(isBid),
    map((b): BidRow => ({ auction: b.auction, bidder: b.bidder, price: EUROS_PER_DOLLAR * b.price, dateTime: b.dateTime, extra: b.extra })),
  );
}
