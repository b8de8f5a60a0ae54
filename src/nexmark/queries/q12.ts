import type { Stream } from '../../api/stream';
import { count } from '../../aggregates/functions';
import { aggregate } from '../../operators/aggregate';
import { filter } from '../../operators/filter';
import { keyBy } from '../../operators/key-by';
import { map } from '../../operators/map';
import { window } from '../../operators/window';
import { tumbling } from '../../windowing/tumbling';
import { isBid, type Bid, type NexmarkEvent } from '../model';
import type { Q11Row } from './q11';

/** The Flink suite's q12 window: 10 s of processing time. */
export const Q12_SIZE = 10_000;

/**
 * Nexmark q12, processing-time windows: bids per bidder per 10 s of processing time —
 * `TUMBLE(TABLE B, DESCRIPTOR(p_time), INTERVAL '10' SECOND)` with `p_time AS PROCTIME()`
 * (nexmark/nexmark q12.sql). The result depends on how fast the job runs, by definition; with a
 * `ManualClock` it is deterministic.
 *
 * @example
 * const counts = await q12(nexmark({ events: 1_000_000 })).collect();
 */
export function q12(events: Stream<NexmarkEvent>): Stream<Q11Row> {
  return events.pipe(
    filter(isBid),
    keyBy((b: Bid) => b.bidder),
    window(tumbling(Q12_SIZE, { time: 'processing' })),
    aggregate({ bid_count: count<Bid>() }),
    map((r): Q11Row => ({ bidder: r.key, bid_count: r.bid_count, starttime: r.start, endtime: r.end })),
  );
}
