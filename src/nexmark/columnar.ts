// The generator's core: events [first, first + count) written straight into typed-array columns —
// bids, persons and auctions each in their own, strings as indices into fixed tables or as
// (offset, length) slices of a fixed pool of text. No object and no string is made per event;
// `bidAt`, `personAt` and `auctionAt` make the objects the DataStream API needs (generator.ts).
//
// Follows the Flink suite's generator (nexmark/nexmark `generator/GeneratorConfig.java`,
// `NexmarkGenerator.java`, `model/PersonGenerator`, `AuctionGenerator`, `BidGenerator`,
// `StringsGenerator`, `PriceGenerator`): event numbers and timestamps, the 1 : 3 : 46 cycle, hot
// auctions, sellers and bidders, ids in flight, prices, channels, `extra` padding. Draws: random.ts.
import type { ResolvedNexmarkConfig } from './config';
import { FIRST_AUCTION_ID, FIRST_CATEGORY_ID, FIRST_PERSON_ID } from './config';
import { POOL_LENGTH, below, eventHash, seedState, extraLength, extraOffset, pick16, price, textSlice, word } from './random';
import { CHANNELS_NUMBER, HOT_CHANNELS, NAMES, NUM_FIRST_NAMES, NUM_LAST_NAMES, US_CITIES, US_STATES } from './tables';

/** Person ids and auction ids may run this far ahead of the last one created (Nexmark's *_ID_LEAD). */
const PERSON_ID_LEAD = 10;
const AUCTION_ID_LEAD = 10;
/** Hot sellers, bidders and auctions are the first of each batch of this many (Nexmark's HOT_*_RATIO). */
const HOT_SELLER_RATIO = 100;
const HOT_BIDDER_RATIO = 100;
const HOT_AUCTION_RATIO = 100;
const NUM_CATEGORIES = 5;
/** The fixed part of a bid's size in Nexmark's accounting (four longs). */
const BID_FIXED_SIZE = 8 + 8 + 8 + 8;
/** A credit card number's length: four groups of four digits and three spaces. */
const CREDIT_CARD_LENGTH = 19;

export const EVENT_PERSON = 0;
export const EVENT_AUCTION = 1;
export const EVENT_BID = 2;

/** Bid columns: row i of every column is one bid; only rows below `length` are valid. */
export interface BidColumns {
  readonly length: number;
  readonly auction: Float64Array;
  readonly bidder: Float64Array;
  /** In cents. */
  readonly price: Float64Array;
  readonly dateTime: Float64Array;
  /** 0–3: a hot channel; 4 + n: `channel-n`. Name and URL: `channelName(i)`, `channelUrl(i)`. */
  readonly channel: Int32Array;
  /** `extra` is `LETTERS.slice(extraOffset, extraOffset + extraLength)`; see `bidExtra`. */
  readonly extraOffset: Int32Array;
  readonly extraLength: Int32Array;
}

/** Person columns (see `personAt`). Text fields are packed slices of the text pool: offset · 2^16 + length. */
export interface PersonColumns {
  readonly length: number;
  readonly id: Float64Array;
  readonly dateTime: Float64Array;
  /** Index into the table of "first last" names. */
  readonly name: Int32Array;
  readonly emailUser: Uint32Array;
  readonly emailDomain: Uint32Array;
  /** The first and the last eight digits of the credit card number. */
  readonly creditCardHigh: Int32Array;
  readonly creditCardLow: Int32Array;
  /** Indices into the tables of cities and states. */
  readonly city: Int32Array;
  readonly state: Int32Array;
  readonly extraOffset: Int32Array;
  readonly extraLength: Int32Array;
}

/** Auction columns (see `auctionAt`). Text fields are packed slices of the text pool: offset · 2^16 + length. */
export interface AuctionColumns {
  readonly length: number;
  readonly id: Float64Array;
  readonly dateTime: Float64Array;
  readonly expires: Float64Array;
  readonly seller: Float64Array;
  readonly initialBid: Float64Array;
  readonly reserve: Float64Array;
  readonly category: Int32Array;
  readonly itemName: Uint32Array;
  readonly description: Uint32Array;
  readonly extraOffset: Int32Array;
  readonly extraLength: Int32Array;
}

/**
 * Consecutive events `[first, first + events)` of the stream as columns: the event kinds in stream
 * order, and the bids, persons and auctions (each in stream order).
 */
export interface NexmarkBatch {
  /** Position of the first event in the stream. */
  readonly first: number;
  /** Number of events the batch covers (bids + persons + auctions). */
  readonly events: number;
  /** The largest event time in the batch (its record timestamp in `nexmarkColumnar`). */
  readonly maxTime: number;
  /** The kind of each event, in stream order: 0 person, 1 auction, 2 bid. */
  readonly kinds: Uint8Array;
  readonly bids: BidColumns;
  readonly persons: PersonColumns;
  readonly auctions: AuctionColumns;
}

export type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type TypedColumn = Float64Array | Int32Array | Uint32Array;

/**
 * Carves typed-array columns of `capacity` rows out of one buffer: one allocation per column
 * group instead of one per column (a batch's allocation was ~8 % of the columnar q0 profile).
 * 8-byte columns come first, so every view is aligned.
 */
class Carver {
  private at = 0;
  readonly buffer: ArrayBuffer;

  constructor(
    private readonly capacity: number,
    f64Columns: number,
    u32Columns: number,
  ) {
    this.buffer = new ArrayBuffer(capacity * (8 * f64Columns + 4 * u32Columns));
  }

  f64(): Float64Array {
    const a = new Float64Array(this.buffer, this.at, this.capacity);
    this.at += this.capacity * 8;
    return a;
  }

  i32(): Int32Array {
    const a = new Int32Array(this.buffer, this.at, this.capacity);
    this.at += this.capacity * 4;
    return a;
  }

  u32(): Uint32Array {
    const a = new Uint32Array(this.buffer, this.at, this.capacity);
    this.at += this.capacity * 4;
    return a;
  }
}

/** Empty bid columns with room for `capacity` rows. */
export function allocateBidColumns(capacity: number): Mutable<BidColumns> {
  const c = new Carver(capacity, 4, 3);
  return { length: 0, auction: c.f64(), bidder: c.f64(), price: c.f64(), dateTime: c.f64(), channel: c.i32(), extraOffset: c.i32(), extraLength: c.i32() };
}

function allocatePersonColumns(capacity: number): Mutable<PersonColumns> {
  const c = new Carver(capacity, 2, 10);
  return {
    length: 0,
    id: c.f64(),
    dateTime: c.f64(),
    name: c.i32(),
    emailUser: c.u32(),
    emailDomain: c.u32(),
    creditCardHigh: c.i32(),
    creditCardLow: c.i32(),
    city: c.i32(),
    state: c.i32(),
    extraOffset: c.i32(),
    extraLength: c.i32(),
  };
}

function allocateAuctionColumns(capacity: number): Mutable<AuctionColumns> {
  const c = new Carver(capacity, 6, 5);
  return {
    length: 0,
    id: c.f64(),
    dateTime: c.f64(),
    expires: c.f64(),
    seller: c.f64(),
    initialBid: c.f64(),
    reserve: c.f64(),
    category: c.i32(),
    itemName: c.u32(),
    description: c.u32(),
    extraOffset: c.i32(),
    extraLength: c.i32(),
  };
}

/** The same columns with twice the room, rows copied (out-of-order groups can crowd a batch). */
function grow<C extends { length: number }>(columns: C, allocate: (capacity: number) => C, capacity: number): C {
  const bigger = allocate(Math.max(8, capacity * 2));
  const from = columns as unknown as Record<string, unknown>;
  const to = bigger as unknown as Record<string, unknown>;
  for (const k of Object.keys(from)) if (ArrayBuffer.isView(from[k])) (to[k] as TypedColumn).set(from[k] as TypedColumn);
  bigger.length = columns.length;
  return bigger;
}

/** A batch the generator writes into; the object source reuses one across reads. */
export interface MutableBatch {
  first: number;
  events: number;
  maxTime: number;
  kinds: Uint8Array;
  bids: Mutable<BidColumns>;
  persons: Mutable<PersonColumns>;
  auctions: Mutable<AuctionColumns>;
}

/** In order, a run of `events` events holds at most this many events of a kind with proportion `p` (out of order: more). */
export function rowsFor(c: ResolvedNexmarkConfig, events: number, p: number): number {
  return Math.min(events, Math.ceil((events * p) / c.totalProportion) + p + 1);
}

/** An empty batch with room for `capacity` events. */
export function allocateBatch(c: ResolvedNexmarkConfig, capacity: number): MutableBatch {
  return {
    first: 0,
    events: 0,
    maxTime: Number.NEGATIVE_INFINITY,
    kinds: new Uint8Array(capacity),
    bids: allocateBidColumns(capacity),
    // They may grow.
    persons: allocatePersonColumns(rowsFor(c, capacity, c.personProportion)),
    auctions: allocateAuctionColumns(rowsFor(c, capacity, c.auctionProportion)),
  };
}

/** Values `fillBatch` (and its WebAssembly twin) derive from the configuration once per call. */
export interface DerivedConstants {
  /** A bid's auction is hot when 16 random bits are at least this (nextInt(ratio) > 0: b ≥ 65536 / ratio). */
  readonly hotAuctionFrom: number;
  readonly hotBidderFrom: number;
  /** nextExtra for bids: a fixed size, so a fixed range of lengths [min, min + span). */
  readonly bidExtraMin: number;
  readonly bidExtraSpan: number;
  /** nextAuctionLengthMs: events until numInFlightAuctions more auctions have been created. */
  readonly eventsForAuctions: number;
}

export function derivedConstants(c: ResolvedNexmarkConfig): DerivedConstants {
  const bidDesired = Math.max(0, c.avgBidByteSize - BID_FIXED_SIZE);
  const bidDelta = c.avgBidByteSize < BID_FIXED_SIZE ? 0 : Math.round(bidDesired * 0.2);
  return {
    hotAuctionFrom: Math.ceil(65536 / c.hotAuctionRatio),
    hotBidderFrom: Math.ceil(65536 / c.hotBiddersRatio),
    bidExtraMin: bidDesired - bidDelta,
    bidExtraSpan: 2 * bidDelta,
    eventsForAuctions: Math.floor((c.numInFlightAuctions * c.totalProportion) / Math.max(c.auctionProportion, 1)),
  };
}

/**
 * Writes events `[first, first + count)` into `batch` (its columns grow as needed). Event `index`
 * is a pure function of the configuration and `index`.
 *
 * A bid takes one hash and two to five 32-bit draws: the hash's two halves decide hot auction and
 * hot bidder; one draw is the price; one more gives the hot-channel bit and index, the `extra`
 * length (12 bits) and offset (16 bits); the others are drawn only for a non-hot auction, bidder or
 * channel. What depends only on the position in the 1 : 3 : 46 cycle is computed once per cycle.
 */
export function fillBatch(c: ResolvedNexmarkConfig, first: number, count: number, batch: MutableBatch): void {
  if (batch.kinds.length < count) batch.kinds = new Uint8Array(count);
  if (batch.bids.auction.length < count) batch.bids = allocateBidColumns(count);
  batch.first = first;
  batch.events = count;
  batch.persons.length = 0;
  batch.auctions.length = 0;
  const base = seedState(c.seed);
  const firstEventId = c.firstEventId;
  const groupSize = c.outOfOrderGroupSize;
  const delayUs = c.interEventDelayUs;
  const baseTime = c.baseTime;
  const total = c.totalProportion;
  const pp = c.personProportion;
  const ap = c.auctionProportion;
  const inFlight = c.numInFlightAuctions;
  const activePeople = c.numActivePeople;
  const { hotAuctionFrom, hotBidderFrom, bidExtraMin, bidExtraSpan, eventsForAuctions } = derivedConstants(c);
  const kinds = batch.kinds;
  const bids = batch.bids;
  const { auction, bidder, price: bidPrice, dateTime, channel, extraOffset: bidExtraOffset, extraLength: bidExtraLength } = bids;
  // Per cycle of `total` events (Flink's lastBase0PersonId / lastBase0AuctionId at its bids).
  let cycle = -1;
  let hotAuction = 0;
  let minAuction = 0;
  let auctionSpan = 0;
  let hotBidder = 0;
  let minBidder = 0;
  let bidderSpan = 0;
  let lastPerson = 0;
  let eventNumber = c.firstEventNumber + first;
  let epoch = Math.floor((firstEventId + eventNumber) / total);
  let offset = firstEventId + eventNumber - epoch * total;
  // In order with a whole number of µs between events, the timestamp advances by remainders.
  const stepTime = groupSize === 1 && Number.isInteger(delayUs);
  let timeMs = Math.floor((eventNumber * delayUs) / 1000);
  let timeRemUs = eventNumber * delayUs - timeMs * 1000;
  let nb = 0;
  let maxTime = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < count; i++, eventNumber++) {
    let number = eventNumber;
    let timestamp: number;
    if (groupSize !== 1) {
      number = Math.floor(eventNumber / groupSize) * groupSize + ((eventNumber * 953) % groupSize);
      epoch = Math.floor((firstEventId + number) / total);
      offset = firstEventId + number - epoch * total;
    } else if (i > 0 && ++offset === total) {
      offset = 0;
      epoch++;
    }
    if (stepTime) {
      if (i > 0 && (timeRemUs += delayUs) >= 1000) {
        const whole = Math.floor(timeRemUs / 1000);
        timeMs += whole;
        timeRemUs -= whole * 1000;
      }
      timestamp = baseTime + timeMs;
    } else {
      timestamp = baseTime + Math.floor(Math.floor(number * delayUs) / 1000);
    }
    if (timestamp > maxTime) maxTime = timestamp;
    const eventId = firstEventId + number;
    const h = eventHash(base, eventId);
    if (offset >= pp + ap) {
      kinds[i] = EVENT_BID;
      if (epoch !== cycle) {
        cycle = epoch;
        lastPerson = epoch * pp + pp - 1;
        const lastAuction = epoch * ap + ap - 1;
        hotAuction = Math.floor(lastAuction / HOT_AUCTION_RATIO) * HOT_AUCTION_RATIO + FIRST_AUCTION_ID;
        // AuctionGenerator.nextBase0AuctionId: one of the auctions likely in flight, or a few ahead.
        const min = Math.max(lastAuction - inFlight, 0);
        minAuction = min + FIRST_AUCTION_ID;
        auctionSpan = lastAuction - min + 1 + AUCTION_ID_LEAD;
        // The second person of the batch of 100, so hot bidders and hot sellers differ. The Flink
        // suite adds FIRST_PERSON_ID twice (its bidders never match a person); Beam and we once.
        hotBidder = Math.floor(lastPerson / HOT_BIDDER_RATIO) * HOT_BIDDER_RATIO + 1 + FIRST_PERSON_ID;
        // PersonGenerator.nextBase0PersonId: one of the active people, or a few ids ahead.
        const active = Math.min(lastPerson + 1, activePeople);
        minBidder = lastPerson + 1 - active + FIRST_PERSON_ID;
        bidderSpan = active + PERSON_ID_LEAD;
      }
      auction[nb] = (h & 0xffff) >= hotAuctionFrom ? hotAuction : minAuction + below(word(h, 1), auctionSpan);
      bidder[nb] = h >>> 16 >= hotBidderFrom ? hotBidder : minBidder + below(word(h, 2), bidderSpan);
      bidPrice[nb] = price(word(h, 3));
      // Bit 31: a hot channel (HOT_CHANNELS_RATIO 2), bits 29–30 which; bits 16–27 the extra's
      // length, bits 0–15 its offset in the pool.
      const w = word(h, 4);
      channel[nb] = w >= 0x80000000 ? (w >>> 29) & 3 : HOT_CHANNELS.length + below(word(h, 5), CHANNELS_NUMBER);
      const len = bidExtraMin + Math.floor((((w >>> 16) & 0xfff) * bidExtraSpan) / 4096);
      bidExtraLength[nb] = len;
      bidExtraOffset[nb] = ((w & 0xffff) * (POOL_LENGTH - len)) >>> 16;
      dateTime[nb] = timestamp;
      nb++;
    } else if (offset < pp) {
      kinds[i] = EVENT_PERSON;
      writePerson(c, batch, epoch * pp + offset, h, timestamp);
    } else {
      kinds[i] = EVENT_AUCTION;
      writeAuction(c, batch, epoch * pp + pp - 1, epoch * ap + offset - pp, h, number, timestamp, eventsForAuctions);
    }
  }
  bids.length = nb;
  batch.maxTime = maxTime;
}

/** `PersonGenerator.nextPerson`, as a row of `batch.persons`. */
function writePerson(c: ResolvedNexmarkConfig, batch: MutableBatch, lastPerson: number, h: number, timestamp: number): void {
  let p = batch.persons;
  if (p.length === p.id.length) p = batch.persons = grow(p, allocatePersonColumns, p.length);
  const n = p.length++;
  p.id[n] = lastPerson + FIRST_PERSON_ID;
  p.dateTime[n] = timestamp;
  const w1 = word(h, 1);
  const name = pick16(w1 & 0xffff, NUM_FIRST_NAMES) * NUM_LAST_NAMES + pick16(w1 >>> 16, NUM_LAST_NAMES);
  p.name[n] = name;
  const user = textSlice(word(h, 2), 7);
  const domain = textSlice(word(h, 3), 5);
  p.emailUser[n] = user;
  p.emailDomain[n] = domain;
  p.creditCardHigh[n] = below(word(h, 4), 10_000) * 10_000 + below(word(h, 5), 10_000);
  p.creditCardLow[n] = below(word(h, 6), 10_000) * 10_000 + below(word(h, 7), 10_000);
  const w8 = word(h, 8);
  const city = pick16(w8 & 0xffff, US_CITIES.length);
  const state = pick16(w8 >>> 16, US_STATES.length);
  p.city[n] = city;
  p.state[n] = state;
  const emailLength = (user & 0xffff) + 1 + (domain & 0xffff) + 4;
  const size = 8 + NAMES[name]!.length + emailLength + CREDIT_CARD_LENGTH + US_CITIES[city]!.length + US_STATES[state]!.length;
  const w9 = word(h, 9);
  const len = extraLength(w9 & 0xffff, size, c.avgPersonByteSize);
  p.extraLength[n] = len;
  p.extraOffset[n] = extraOffset(w9 >>> 16, len);
}

/** `AuctionGenerator.nextAuction`, as a row of `batch.auctions`. */
function writeAuction(
  c: ResolvedNexmarkConfig,
  batch: MutableBatch,
  lastPerson: number,
  lastAuction: number,
  h: number,
  eventNumber: number,
  timestamp: number,
  eventsForAuctions: number,
): void {
  let a = batch.auctions;
  if (a.length === a.id.length) a = batch.auctions = grow(a, allocateAuctionColumns, a.length);
  const n = a.length++;
  a.id[n] = lastAuction + FIRST_AUCTION_ID;
  a.dateTime[n] = timestamp;
  const w1 = word(h, 1);
  let seller: number;
  if (pick16(w1 & 0xffff, c.hotSellersRatio) > 0) {
    seller = Math.floor(lastPerson / HOT_SELLER_RATIO) * HOT_SELLER_RATIO;
  } else {
    const numPeople = lastPerson + 1;
    const active = Math.min(numPeople, c.numActivePeople);
    seller = numPeople - active + below(word(h, 2), active + PERSON_ID_LEAD);
  }
  a.seller[n] = seller + FIRST_PERSON_ID;
  a.category[n] = FIRST_CATEGORY_ID + pick16(w1 >>> 16, NUM_CATEGORIES);
  const initialBid = price(word(h, 3));
  a.initialBid[n] = initialBid;
  // nextAuctionLengthMs: on average until numInFlightAuctions more auctions have been created.
  const horizonMs = timestampForEvent(c, eventNumber + eventsForAuctions) - timestamp;
  a.expires[n] = timestamp + 1 + below(word(h, 4), Math.max(horizonMs * 2, 1));
  const itemName = textSlice(word(h, 5), 20);
  const description = textSlice(word(h, 6), 100);
  a.itemName[n] = itemName;
  a.description[n] = description;
  a.reserve[n] = initialBid + price(word(h, 7));
  const size = 8 + (itemName & 0xffff) + (description & 0xffff) + 8 + 8 + 8 + 8 + 8;
  const w8 = word(h, 8);
  const len = extraLength(w8 & 0xffff, size, c.avgAuctionByteSize);
  a.extraLength[n] = len;
  a.extraOffset[n] = extraOffset(w8 >>> 16, len);
}

/** Flink's `timestampForEvent`: base time plus the event number times the inter-event delay. */
export function timestampForEvent(c: ResolvedNexmarkConfig, eventNumber: number): number {
  return c.baseTime + Math.floor(Math.floor(eventNumber * c.interEventDelayUs) / 1000);
}

/**
 * Events `[first, first + count)` as a columnar batch of fresh columns.
 *
 * @example
 * const batch = generateBatch(resolveNexmarkConfig({ seed: 1 }), 0, 4096);
 * let total = 0;
 * for (let i = 0; i < batch.bids.length; i++) total += batch.bids.price[i];
 */
export function generateBatch(c: ResolvedNexmarkConfig, first: number, count: number): NexmarkBatch {
  const batch = allocateBatch(c, count);
  fillBatch(c, first, count, batch);
  return batch;
}
