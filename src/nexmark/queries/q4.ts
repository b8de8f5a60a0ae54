import type { Stream } from '../../api/stream';
import { keyBy } from '../../operators/key-by';
import { process } from '../../operators/process';
import type { KeyedProcessContext, KeyedProcessFunction, RuntimeContext } from '../../operators/process-function';
import { ValueStateDescriptor } from '../../state/descriptors';
import type { ValueState } from '../../state/state';
import type { Collector } from '../../types';
import type { NexmarkEvent } from '../model';
import type { NexmarkQueryOptions } from './common';
import { winningBids, type WinningBid } from './q9';

/** The running average of a category's winning prices; the last row per category is the answer. */
export interface Q4Row {
  readonly category: number;
  readonly avg: number;
}

class CategoryAverage implements KeyedProcessFunction<number, WinningBid, Q4Row> {
  private totals!: ValueState<{ sum: number; count: number }>;

  open(rc: RuntimeContext): void {
    this.totals = rc.getState(new ValueStateDescriptor<{ sum: number; count: number }>('totals'));
  }

  processElement(w: WinningBid, ctx: KeyedProcessContext<number>, out: Collector<Q4Row>): void {
    const t = this.totals.value() ?? { sum: 0, count: 0 };
    const next = { sum: t.sum + w.bid.price, count: t.count + 1 };
    this.totals.update(next);
    out.collect({ category: ctx.getCurrentKey(), avg: next.sum / next.count });
  }
}

/**
 * Nexmark q4, average price for a category: `SELECT category, AVG(final) FROM (SELECT MAX(B.price)
 * AS final, A.category FROM auction A, bid B WHERE A.id = B.auction AND B.dateTime BETWEEN
 * A.dateTime AND A.expires GROUP BY A.id, A.category) GROUP BY category` (nexmark/nexmark q4.sql).
 * Emits an updated average per category whenever one of its auctions closes.
 *
 * @example
 * const updates = await q4(nexmark({ events: 100_000 })).collect();
 */
export function q4(events: Stream<NexmarkEvent>, options: NexmarkQueryOptions = {}): Stream<Q4Row> {
  return winningBids(events, options).pipe(keyBy((w: WinningBid) => w.auction.category), process(new CategoryAverage()));
}
