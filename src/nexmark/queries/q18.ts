import type { Stream } from '../../api/stream';
import { filter } from '../../operators/filter';
import { keyBy } from '../../operators/key-by';
import { process } from '../../operators/process';
import type { KeyedProcessContext, KeyedProcessFunction, RuntimeContext } from '../../operators/process-function';
import { ValueStateDescriptor } from '../../state/descriptors';
import type { ValueState } from '../../state/state';
import type { Collector } from '../../types';
import { isBid, type Bid, type NexmarkEvent } from '../model';

class LastBid implements KeyedProcessFunction<string, Bid, Bid> {
  private last!: ValueState<Bid>;

  open(rc: RuntimeContext): void {
    this.last = rc.getState(new ValueStateDescriptor<Bid>('last-bid'));
  }

  processElement(bid: Bid, _ctx: KeyedProcessContext<string>, out: Collector<Bid>): void {
    const last = this.last.value();
    // ORDER BY dateTime DESC: a later bid replaces; of equal times, the later arrival.
    if (last === undefined || bid.dateTime >= last.dateTime) {
      this.last.update(bid);
      out.collect(bid);
    }
  }
}

/**
 * Nexmark q18, find last bid: each bidder's last bid per auction — `ROW_NUMBER() OVER (PARTITION
 * BY bidder, auction ORDER BY dateTime DESC) <= 1` (nexmark/nexmark q18.sql), Flink's
 * deduplication. An upsert stream keyed by (bidder, auction): the latest row per key is the answer.
 *
 * @example
 * const updates = await q18(nexmark({ events: 100_000 })).collect();
 */
export function q18(events: Stream<NexmarkEvent>): Stream<Bid> {
  return events.pipe(
    filter(isBid),
    keyBy((b: Bid) => `${b.bidder}:${b.auction}`),
    process(new LastBid()),
  );
}
