import type { Stream } from '../../api/stream';
import { filter } from '../../operators/filter';
import { map } from '../../operators/map';
import { isBid, type NexmarkEvent } from '../model';

/** A row of q0 and q1. */
export interface BidRow {
  readonly auction: number;
  readonly bidder: number;
  readonly price: number;
  readonly dateTime: number;
  readonly extra: string;
}

/**
 * Nexmark q0, pass-through: `SELECT auction, bidder, price, dateTime, extra FROM bid`
 * (nexmark/nexmark q0.sql). Measures the source and the engine's per-record overhead.
 *
 * @example
 * const rows = await q0(nexmark({ events: 1000 })).collect();
 */
export function q0(events: Stream<NexmarkEvent>): Stream<BidRow> {
  return events.pipe(
    filter(isBid),
    map((b): BidRow => ({ auction: b.auction, bidder: b.bidder, price: b.price, dateTime: b.dateTime, extra: b.extra })),
  );
}
