import type { Stream } from '../../api/stream';
import { filter } from '../../operators/filter';
import { keyBy } from '../../operators/key-by';
import { process } from '../../operators/process';
import type { KeyedProcessContext, KeyedProcessFunction, RuntimeContext } from '../../operators/process-function';
import { ValueStateDescriptor } from '../../state/descriptors';
import type { ValueState } from '../../state/state';
import type { Collector } from '../../types';
import { isBid, type Bid, type NexmarkEvent } from '../model';

/** The top bids of an auction, highest price first (rank_number = index + 1). */
export interface Q19Row {
  readonly auction: number;
  readonly top: readonly Bid[];
}

export const Q19_N = 10;

class TopBids implements KeyedProcessFunction<number, Bid, Q19Row> {
  private top!: ValueState<Bid[]>;

  open(rc: RuntimeContext): void {
    this.top = rc.getState(new ValueStateDescriptor<Bid[]>('top-bids'));
  }

  processElement(bid: Bid, ctx: KeyedProcessContext<number>, out: Collector<Q19Row>): void {
    const top = this.top.value() ?? [];
    if (top.length === Q19_N && bid.price <= top[Q19_N - 1]!.price) return;
    // After every bid of the same price already ranked: equal prices rank by arrival.
    let at = top.length;
    while (at > 0 && top[at - 1]!.price < bid.price) at--;
    const next = [...top.slice(0, at), bid, ...top.slice(at)].slice(0, Q19_N);
    this.top.update(next);
    out.collect({ auction: ctx.getCurrentKey(), top: next });
  }
}

/**
 * Nexmark q19, auction top-10 price: `ROW_NUMBER() OVER (PARTITION BY auction ORDER BY price DESC)
 * <= 10` (nexmark/nexmark q19.sql). An upsert stream keyed by auction: each change of an auction's
 * top 10 is emitted whole; the latest per auction is the answer.
 *
 * @example
 * const updates = await q19(nexmark({ events: 100_000 })).collect();
 */
export function q19(events: Stream<NexmarkEvent>): Stream<Q19Row> {
  return events.pipe(
    filter(isBid),
    keyBy((b: Bid) => b.auction),
    process(new TopBids()),
  );
}
