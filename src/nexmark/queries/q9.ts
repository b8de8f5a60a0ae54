import type { Stream } from '../../api/stream';
import { connect } from '../../operators/connect';
import { filter } from '../../operators/filter';
import { keyBy } from '../../operators/key-by';
import type { CoProcessFunction, KeyedProcessContext, OnTimerContext, RuntimeContext } from '../../operators/process-function';
import { ListStateDescriptor, ValueStateDescriptor } from '../../state/descriptors';
import type { ListState, ValueState } from '../../state/state';
import type { Collector } from '../../types';
import { isAuction, isBid, type Auction, type Bid, type NexmarkEvent } from '../model';
import { withEventTime, type NexmarkQueryOptions } from './common';

/** An auction and its winning bid. */
export interface WinningBid {
  readonly auction: Auction;
  readonly bid: Bid;
}

/** q9's order: the highest price wins; among equal prices the earliest bid (then the first to arrive). */
export function beats(bid: Bid, best: Bid | undefined): boolean {
  return best === undefined || bid.price > best.price || (bid.price === best.price && bid.dateTime < best.dateTime);
}

/**
 * Per auction id: the auction, the best bid so far within `[dateTime, expires]`, and bids that
 * came before their auction. An event-time timer at `expires` emits the winner — once the
 * watermark has passed the auction's end no valid bid can still arrive (Beam's `WinningBids`).
 */
class WinningBidFunction implements CoProcessFunction<Auction, Bid, WinningBid, number> {
  private auction!: ValueState<Auction>;
  private best!: ValueState<Bid>;
  private early!: ListState<Bid>;
  private closed!: ValueState<boolean>;

  open(rc: RuntimeContext): void {
    this.auction = rc.getState(new ValueStateDescriptor<Auction>('auction'));
    this.best = rc.getState(new ValueStateDescriptor<Bid>('best-bid'));
    this.early = rc.getListState(new ListStateDescriptor<Bid>('bids-before-auction'));
    this.closed = rc.getState(new ValueStateDescriptor<boolean>('closed'));
  }

  processElement1(auction: Auction, ctx: KeyedProcessContext<number>): void {
    this.auction.update(auction);
    let best: Bid | undefined;
    for (const bid of this.early.get()) if (valid(auction, bid) && beats(bid, best)) best = bid;
    this.early.clear();
    if (best !== undefined) this.best.update(best);
    ctx.timerService().registerEventTimeTimer(auction.expires);
  }

  processElement2(bid: Bid): void {
    const auction = this.auction.value();
    if (auction === undefined) {
      if (this.closed.value() !== true) this.early.add(bid);
    } else if (valid(auction, bid) && beats(bid, this.best.value())) {
      this.best.update(bid);
    }
  }

  onTimer(_time: number, _ctx: OnTimerContext<number>, out: Collector<WinningBid>): void {
    const auction = this.auction.value()!;
    const bid = this.best.value();
    if (bid !== undefined) out.collect({ auction, bid });
    this.auction.clear();
    this.best.clear();
    this.closed.update(true);
  }
}

function valid(auction: Auction, bid: Bid): boolean {
  return bid.dateTime >= auction.dateTime && bid.dateTime <= auction.expires;
}

/**
 * The winning bid of every auction that had a bid within its lifetime (`B.dateTime BETWEEN
 * A.dateTime AND A.expires`): the join behind q4, q6 and q9.
 *
 * @example
 * const winners = await winningBids(nexmark({ events: 100_000 })).collect();
 */
export function winningBids(events: Stream<NexmarkEvent>, options: NexmarkQueryOptions = {}): Stream<WinningBid> {
  const timed = withEventTime(events, options);
  const bids = timed.pipe(filter(isBid), keyBy((b: Bid) => b.auction));
  return timed.pipe(filter(isAuction), keyBy((a: Auction) => a.id), connect(bids, new WinningBidFunction()));
}

/**
 * Nexmark q9, winning bids: each auction with its highest bid — `ROW_NUMBER() OVER (PARTITION BY
 * A.id ORDER BY B.price DESC, B.dateTime ASC) <= 1` over the join of auction and bid
 * (nexmark/nexmark q9.sql). Flink's SQL version revises its answer with every better bid; this
 * one emits each auction once, when it closes.
 *
 * @example
 * const rows = await q9(nexmark({ events: 100_000 })).collect();
 */
export function q9(events: Stream<NexmarkEvent>, options: NexmarkQueryOptions = {}): Stream<WinningBid> {
  return winningBids(events, options);
}
