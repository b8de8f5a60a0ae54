import type { Stream } from '../../api/stream';
import { connect } from '../../operators/connect';
import { filter } from '../../operators/filter';
import { keyBy } from '../../operators/key-by';
import type { CoProcessFunction, KeyedProcessContext, RuntimeContext } from '../../operators/process-function';
import { ListStateDescriptor, ValueStateDescriptor } from '../../state/descriptors';
import type { ListState, ValueState } from '../../state/state';
import type { Collector } from '../../types';
import { isAuction, isBid, type Auction, type Bid, type NexmarkEvent } from '../model';

export interface Q20Row {
  readonly auction: number;
  readonly bidder: number;
  readonly price: number;
  readonly channel: string;
  readonly url: string;
  readonly bid_dateTime: number;
  readonly bid_extra: string;
  readonly itemName: string;
  readonly description: string;
  readonly initialBid: number;
  readonly reserve: number;
  readonly auction_dateTime: number;
  readonly expires: number;
  readonly seller: number;
  readonly category: number;
  readonly auction_extra: string;
}

function joined(b: Bid, a: Auction): Q20Row {
  return {
    auction: b.auction,
    bidder: b.bidder,
    price: b.price,
    channel: b.channel,
    url: b.url,
    bid_dateTime: b.dateTime,
    bid_extra: b.extra,
    itemName: a.itemName,
    description: a.description,
    initialBid: a.initialBid,
    reserve: a.reserve,
    auction_dateTime: a.dateTime,
    expires: a.expires,
    seller: a.seller,
    category: a.category,
    auction_extra: a.extra,
  };
}

/** Per auction id: the auction if it is in category 10 (else `null`), and bids that came before it. */
class ExpandBid implements CoProcessFunction<Auction, Bid, Q20Row, number> {
  private auction!: ValueState<Auction | null>;
  private early!: ListState<Bid>;

  open(rc: RuntimeContext): void {
    this.auction = rc.getState(new ValueStateDescriptor<Auction | null>('auction'));
    this.early = rc.getListState(new ListStateDescriptor<Bid>('bids-before-auction'));
  }

  processElement1(a: Auction, _ctx: KeyedProcessContext<number>, out: Collector<Q20Row>): void {
    const keep = a.category === 10;
    this.auction.update(keep ? a : null);
    if (keep) for (const b of this.early.get()) out.collect(joined(b, a));
    this.early.clear();
  }

  processElement2(b: Bid, _ctx: KeyedProcessContext<number>, out: Collector<Q20Row>): void {
    const a = this.auction.value();
    if (a === undefined) this.early.add(b);
    else if (a !== null) out.collect(joined(b, a));
  }
}

/**
 * Nexmark q20, expand bid with auction: every bid joined with its auction, for auctions of
 * category 10 — `bid AS B INNER JOIN auction AS A ON B.auction = A.id WHERE A.category = 10`
 * (nexmark/nexmark q20.sql), a regular join: `connect` of the keyed streams with keyed state.
 *
 * @example
 * const rows = await q20(nexmark({ events: 100_000 })).collect();
 */
export function q20(events: Stream<NexmarkEvent>): Stream<Q20Row> {
  const bids = events.pipe(filter(isBid), keyBy((b: Bid) => b.auction));
  return events.pipe(filter(isAuction), keyBy((a: Auction) => a.id), connect(bids, new ExpandBid()));
}
