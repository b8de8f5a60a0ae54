import type { Stream } from '../../api/stream';
import { count } from '../../aggregates/functions';
import { aggregate } from '../../operators/aggregate';
import { filter } from '../../operators/filter';
import { keyBy } from '../../operators/key-by';
import { map } from '../../operators/map';
import { window } from '../../operators/window';
import { session } from '../../windowing/session';
import { isBid, type Bid, type NexmarkEvent } from '../model';
import { withEventTime, type NexmarkQueryOptions } from './common';

export interface Q11Row {
  readonly bidder: number;
  readonly bid_count: number;
  readonly starttime: number;
  readonly endtime: number;
}

/** The Flink suite's q11 session gap: 10 s. */
export const Q11_GAP = 10_000;

/**
 * Nexmark q11, user sessions: bids per bidder per session, a session ending after 10 s without a
 * bid — `GROUP BY bidder, SESSION(dateTime, INTERVAL '10' SECOND)` (nexmark/nexmark q11.sql).
 *
 * @example
 * const sessions = await q11(nexmark({ events: 1_000_000 })).collect();
 */
export function q11(events: Stream<NexmarkEvent>, options: NexmarkQueryOptions = {}): Stream<Q11Row> {
  return withEventTime(events, options).pipe(
    filter(isBid),
    keyBy((b: Bid) => b.bidder),
    window(session(Q11_GAP)),
    aggregate({ bid_count: count<Bid>() }),
    map((r): Q11Row => ({ bidder: r.key, bid_count: r.bid_count, starttime: r.start, endtime: r.end })),
  );
}
