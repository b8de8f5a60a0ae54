// Nexmark events as objects, made from the generator's columns (columnar.ts): the form the
// DataStream API's object queries and RxJS consume. `EventGenerator` fills a reused scratch batch
// and makes one object per event — the columnar source and the object source draw the same values.
import type { Auction, Bid, NexmarkEvent, Person } from './model';
import type { ResolvedNexmarkConfig } from './config';
import {
  EVENT_BID,
  EVENT_PERSON,
  allocateBatch,
  fillBatch,
  type AuctionColumns,
  type BidColumns,
  type MutableBatch,
  type NexmarkBatch,
  type PersonColumns,
} from './columnar';
import { NexmarkKernel, SCRATCH_EVENTS } from './generator-kernel';
import { letters, textOf } from './random';
import { NAMES, US_CITIES, US_STATES, channelNameTable, channelUrlTable } from './tables';

/** The `extra` string of bid row `i`. */
export function bidExtra(bids: BidColumns, i: number): string {
  return letters(bids.extraOffset[i]!, bids.extraLength[i]!);
}

/** Bid row `i` as an object (what `generateEvent` gives for it). */
export function bidAt(bids: BidColumns, i: number): Bid {
  const ch = bids.channel[i]!;
  return {
    kind: 'bid',
    auction: bids.auction[i]!,
    bidder: bids.bidder[i]!,
    price: bids.price[i]!,
    channel: channelNameTable()[ch]!,
    url: channelUrlTable()[ch]!,
    dateTime: bids.dateTime[i]!,
    extra: letters(bids.extraOffset[i]!, bids.extraLength[i]!),
  };
}

const digits8 = (n: number): string => {
  const s = String(n).padStart(8, '0');
  return `${s.slice(0, 4)} ${s.slice(4)}`;
};

/** Person row `i` as an object. */
export function personAt(persons: PersonColumns, i: number): Person {
  return {
    kind: 'person',
    id: persons.id[i]!,
    name: NAMES[persons.name[i]!]!,
    emailAddress: `${textOf(persons.emailUser[i]!)}@${textOf(persons.emailDomain[i]!)}.com`,
    creditCard: `${digits8(persons.creditCardHigh[i]!)} ${digits8(persons.creditCardLow[i]!)}`,
    city: US_CITIES[persons.city[i]!]!,
    state: US_STATES[persons.state[i]!]!,
    dateTime: persons.dateTime[i]!,
    extra: letters(persons.extraOffset[i]!, persons.extraLength[i]!),
  };
}

/** Auction row `i` as an object. */
export function auctionAt(auctions: AuctionColumns, i: number): Auction {
  return {
    kind: 'auction',
    id: auctions.id[i]!,
    itemName: textOf(auctions.itemName[i]!),
    description: textOf(auctions.description[i]!),
    initialBid: auctions.initialBid[i]!,
    reserve: auctions.reserve[i]!,
    dateTime: auctions.dateTime[i]!,
    expires: auctions.expires[i]!,
    seller: auctions.seller[i]!,
    category: auctions.category[i]!,
    extra: letters(auctions.extraOffset[i]!, auctions.extraLength[i]!),
  };
}

/**
 * Every event of `batch` as an object, in stream order, passed to `emit`.
 *
 * @example
 * forEachEvent(generateBatch(resolveNexmarkConfig({}), 0, 1000), (e) => console.log(e.kind));
 */
export function forEachEvent(batch: NexmarkBatch, emit: (e: NexmarkEvent) => void): void {
  const { kinds, bids, persons, auctions } = batch;
  let b = 0;
  let p = 0;
  let a = 0;
  for (let i = 0; i < batch.events; i++) {
    const k = kinds[i]!;
    emit(k === EVENT_BID ? bidAt(bids, b++) : k === EVENT_PERSON ? personAt(persons, p++) : auctionAt(auctions, a++));
  }
}

/**
 * Generates events as objects, a scratch batch of columns at a time: `next(emit, max)` passes up
 * to `max` events, in stream order, to `emit` and returns how many it made. The object source and
 * the RxJS benchmark's Observable both use it. `kernel` writes the columns (by default the
 * JavaScript twin; `await NexmarkKernel.load(config)` for WebAssembly) and may be swapped between
 * calls: every kernel writes the same events.
 */
export class EventGenerator {
  constructor(
    private readonly config: ResolvedNexmarkConfig,
    /** Index of the next event. */
    public index = 0,
    public kernel: NexmarkKernel = NexmarkKernel.js(config),
  ) {}

  next(emit: (e: NexmarkEvent) => void, max: number): number {
    const count = Math.min(max, SCRATCH_EVENTS, this.config.events - this.index);
    if (count <= 0) return 0;
    const batch = this.kernel.scratch(this.index, count);
    this.index += count;
    forEachEvent(batch, emit);
    return count;
  }
}

let single: MutableBatch | undefined;
let singleConfig: ResolvedNexmarkConfig | undefined;

/**
 * Event `index` (0-based position in the stream) as an object: a person, an auction or a bid,
 * with its event time in `dateTime`.
 *
 * @example
 * const c = resolveNexmarkConfig({ seed: 7 });
 * const e = generateEvent(c, 3); // { kind: 'bid', auction: 1000, bidder: 1001, price: ..., ... }
 */
export function generateEvent(c: ResolvedNexmarkConfig, index: number): NexmarkEvent {
  if (single === undefined || singleConfig !== c) {
    single = allocateBatch(c, 1);
    singleConfig = c;
  }
  fillBatch(c, index, 1, single);
  const k = single.kinds[0]!;
  return k === EVENT_BID ? bidAt(single.bids, 0) : k === EVENT_PERSON ? personAt(single.persons, 0) : auctionAt(single.auctions, 0);
}
