// The columnar form of the generator: a batch of consecutive events whose bids (92 % of events)
// are typed-array columns, written directly by the generator — no object per bid. The rarer
// persons and auctions come as objects. Strings stay unmaterialised: a bid's channel and URL are
// an index into fixed tables, its `extra` an offset and length into a fixed pool of letters.
import type { Auction, Bid, Person } from './model';
import type { ResolvedNexmarkConfig } from './config';
import { letters, nextExtraLength, nextLettersOffset, nextPrice, seedEvent } from './random';
import {
  BID_FIXED_SIZE,
  EVENT_AUCTION,
  EVENT_BID,
  adjustedEventNumber,
  channelName,
  channelUrl,
  locate,
  makeAuction,
  makePerson,
  nextBidAuction,
  nextBidBidder,
  nextBidChannel,
  timestampForEvent,
} from './generator';

/** Bid columns: row i of every column is one bid; only rows below `length` are valid. */
export interface BidColumns {
  readonly length: number;
  readonly auction: Float64Array;
  readonly bidder: Float64Array;
  readonly price: Float64Array;
  readonly dateTime: Float64Array;
  /** 0–3: a hot channel; 4 + n: `channel-n`. Name and URL: `channelName(i)`, `channelUrl(i)`. */
  readonly channel: Int32Array;
  /** `extra` is `LETTERS.slice(extraOffset, extraOffset + extraLength)`; see `bidExtra`. */
  readonly extraOffset: Int32Array;
  readonly extraLength: Int32Array;
}

/**
 * Consecutive events `[first, first + events)` of the stream: the bids as columns, persons and
 * auctions as objects (each list in stream order).
 */
export interface NexmarkBatch {
  /** Position of the first event in the stream. */
  readonly first: number;
  /** Number of events the batch covers (bids + persons + auctions). */
  readonly events: number;
  readonly bids: BidColumns;
  readonly persons: readonly Person[];
  readonly auctions: readonly Auction[];
}

/** Empty bid columns with room for `capacity` rows. */
export function allocateBidColumns(capacity: number): BidColumns & { length: number } {
  return {
    length: 0,
    auction: new Float64Array(capacity),
    bidder: new Float64Array(capacity),
    price: new Float64Array(capacity),
    dateTime: new Float64Array(capacity),
    channel: new Int32Array(capacity),
    extraOffset: new Int32Array(capacity),
    extraLength: new Int32Array(capacity),
  };
}

/**
 * Events `[first, first + count)` as a columnar batch; the same values `generateEvent` gives.
 *
 * @example
 * const batch = generateBatch(resolveNexmarkConfig({ seed: 1 }), 0, 4096);
 * let total = 0;
 * for (let i = 0; i < batch.bids.length; i++) total += batch.bids.price[i];
 */
export function generateBatch(c: ResolvedNexmarkConfig, first: number, count: number): NexmarkBatch {
  const bids = allocateBidColumns(count);
  const persons: Person[] = [];
  const auctions: Auction[] = [];
  const { auction, bidder, price, dateTime, channel, extraOffset, extraLength } = bids;
  const seed = c.seed;
  const firstEventId = c.firstEventId;
  const avgBid = c.avgBidByteSize;
  let n = 0;
  for (let index = first, end = first + count; index < end; index++) {
    const eventNumber = adjustedEventNumber(c, index);
    const eventId = firstEventId + eventNumber;
    const timestamp = timestampForEvent(c, eventNumber);
    seedEvent(seed, eventId);
    const kind = locate(c, eventId);
    if (kind === EVENT_BID) {
      auction[n] = nextBidAuction(c);
      bidder[n] = nextBidBidder(c);
      price[n] = nextPrice();
      channel[n] = nextBidChannel();
      const len = nextExtraLength(BID_FIXED_SIZE, avgBid);
      extraLength[n] = len;
      extraOffset[n] = nextLettersOffset(len);
      dateTime[n] = timestamp;
      n++;
    } else if (kind === EVENT_AUCTION) {
      auctions.push(makeAuction(c, eventNumber, timestamp));
    } else {
      persons.push(makePerson(c, timestamp));
    }
  }
  bids.length = n;
  return { first, events: count, bids, persons, auctions };
}

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
    channel: channelName(ch),
    url: channelUrl(ch),
    dateTime: bids.dateTime[i]!,
    extra: bidExtra(bids, i),
  };
}
