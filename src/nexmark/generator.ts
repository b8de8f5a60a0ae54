// The Nexmark event generator, after the Flink suite's (nexmark/nexmark `generator/`:
// `NexmarkGenerator`, `GeneratorConfig`, `model/PersonGenerator`, `AuctionGenerator`,
// `BidGenerator`, `StringsGenerator`, `PriceGenerator`). Event i is a pure function of the
// configuration and i, in two forms: an object (`generateEvent`) and columns (`generateBatch`,
// in columnar.ts), which draw the same values.
import type { Auction, Bid, NexmarkEvent, Person } from './model';
import { FIRST_AUCTION_ID, FIRST_CATEGORY_ID, FIRST_PERSON_ID, type ResolvedNexmarkConfig } from './config';
import { letters, nextExtraLength, nextInt, nextLettersOffset, nextPrice, nextString, nextUntrimmedString, seedEvent } from './random';

/** Person ids and auction ids may run this far ahead of the last one created (Nexmark's *_ID_LEAD). */
const PERSON_ID_LEAD = 10;
const AUCTION_ID_LEAD = 10;
/** Hot sellers, bidders and auctions are the first of each batch of this many (Nexmark's HOT_*_RATIO). */
const HOT_SELLER_RATIO = 100;
const HOT_BIDDER_RATIO = 100;
const HOT_AUCTION_RATIO = 100;
const NUM_CATEGORIES = 5;
/** `BidGenerator`: half the bids come through one of 4 hot channels, the rest through one of 10 000. */
const HOT_CHANNELS_RATIO = 2;
export const CHANNELS_NUMBER = 10_000;
export const HOT_CHANNELS = ['Google', 'Facebook', 'Baidu', 'Apple'] as const;

const US_STATES = ['AZ', 'CA', 'ID', 'OR', 'WA', 'WY'];
const US_CITIES = ['Phoenix', 'Los Angeles', 'San Francisco', 'Boise', 'Portland', 'Bend', 'Redmond', 'Seattle', 'Kent', 'Cheyenne'];
const FIRST_NAMES = ['Peter', 'Paul', 'Luke', 'John', 'Saul', 'Vicky', 'Kate', 'Julie', 'Sarah', 'Deiter', 'Walter'];
const LAST_NAMES = ['Shultz', 'Abrams', 'Spencer', 'White', 'Bartels', 'Walton', 'Smith', 'Jones', 'Noris'];

export const EVENT_PERSON = 0;
export const EVENT_AUCTION = 1;
export const EVENT_BID = 2;

// ---------------------------------------------------------------------------------------------
// Event numbers, ids and timestamps (GeneratorConfig)
// ---------------------------------------------------------------------------------------------

/** The event number of the `index`-th event emitted, permuted within out-of-order groups. */
export function adjustedEventNumber(c: ResolvedNexmarkConfig, index: number): number {
  const n = c.outOfOrderGroupSize;
  const eventNumber = c.firstEventNumber + index;
  if (n === 1) return eventNumber;
  const base = Math.floor(eventNumber / n) * n;
  return base + ((eventNumber * 953) % n);
}

/** Flink's `timestampForEvent`: base time plus the event number times the inter-event delay. */
export function timestampForEvent(c: ResolvedNexmarkConfig, eventNumber: number): number {
  return c.baseTime + Math.floor(Math.floor(eventNumber * c.interEventDelayUs) / 1000);
}

// The newest person and auction ids (base 0) at the event last passed to `locate`: computed once
// per event (one division) instead of in every draw that needs them.
let lastPerson = 0;
let lastAuction = 0;

/**
 * Places event `eventId` in the 1 : 3 : 46 cycle: returns its kind (0 person, 1 auction, 2 bid)
 * and sets the newest person and auction ids at it — Flink's `lastBase0PersonId` and
 * `lastBase0AuctionId`, which the draws of this event then use.
 */
export function locate(c: ResolvedNexmarkConfig, eventId: number): number {
  const p = c.personProportion;
  const a = c.auctionProportion;
  const epoch = Math.floor(eventId / c.totalProportion);
  const offset = eventId - epoch * c.totalProportion;
  lastPerson = epoch * p + (offset >= p ? p - 1 : offset);
  if (offset < p) {
    lastAuction = epoch * a - 1;
    return EVENT_PERSON;
  }
  if (offset < p + a) {
    lastAuction = epoch * a + offset - p;
    return EVENT_AUCTION;
  }
  lastAuction = epoch * a + a - 1;
  return EVENT_BID;
}

/** `PersonGenerator.nextBase0PersonId`: one of the active people, or a few ids ahead. */
function nextBase0PersonId(c: ResolvedNexmarkConfig): number {
  const numPeople = lastPerson + 1;
  const activePeople = Math.min(numPeople, c.numActivePeople);
  return numPeople - activePeople + nextInt(activePeople + PERSON_ID_LEAD);
}

/** `AuctionGenerator.nextBase0AuctionId`: one of the auctions likely in flight, or a few ahead. */
function nextBase0AuctionId(c: ResolvedNexmarkConfig): number {
  const maxAuction = lastAuction;
  const minAuction = Math.max(maxAuction - c.numInFlightAuctions, 0);
  return minAuction + nextInt(maxAuction - minAuction + 1 + AUCTION_ID_LEAD);
}

// ---------------------------------------------------------------------------------------------
// Bid fields, shared by the object and the columnar form (the draws happen in this order)
// ---------------------------------------------------------------------------------------------

/** `BidGenerator`: the auction, with probability 1 − 1/hotAuctionRatio the current hot one. */
export function nextBidAuction(c: ResolvedNexmarkConfig): number {
  const base0 =
    nextInt(c.hotAuctionRatio) > 0 ? Math.floor(lastAuction / HOT_AUCTION_RATIO) * HOT_AUCTION_RATIO : nextBase0AuctionId(c);
  return base0 + FIRST_AUCTION_ID;
}

/**
 * `BidGenerator`: the bidder, with probability 1 − 1/hotBiddersRatio the current hot one (the
 * second person of its batch, so hot bidders and hot sellers differ). The Flink suite adds
 * FIRST_PERSON_ID twice (a slip: its bidders never match a person id); Beam and we add it once.
 */
export function nextBidBidder(c: ResolvedNexmarkConfig): number {
  const base0 =
    nextInt(c.hotBiddersRatio) > 0 ? Math.floor(lastPerson / HOT_BIDDER_RATIO) * HOT_BIDDER_RATIO + 1 : nextBase0PersonId(c);
  return base0 + FIRST_PERSON_ID;
}

/** `BidGenerator`: 0–3 a hot channel, 4 + n for channel n of 10 000. */
export function nextBidChannel(): number {
  return nextInt(HOT_CHANNELS_RATIO) > 0 ? nextInt(HOT_CHANNELS.length) : HOT_CHANNELS.length + nextInt(CHANNELS_NUMBER);
}

/** The fixed part of a bid's size in Nexmark's accounting (four longs). */
export const BID_FIXED_SIZE = 8 + 8 + 8 + 8;

// ---------------------------------------------------------------------------------------------
// Channels and URLs (BidGenerator.getBaseUrl / getNextChannelAndurl), built once
// ---------------------------------------------------------------------------------------------

let channelNames: string[] | undefined;
let channelUrls: string[] | undefined;

/** Java's `Integer.reverse` (bit reversal of a 32-bit int), then `Math.abs`. */
function reverseBitsAbs(n: number): number {
  let x = n >>> 0;
  let r = 0;
  for (let i = 0; i < 32; i++) {
    r = (r << 1) | (x & 1);
    x >>>= 1;
  }
  return Math.abs(r | 0);
}

function buildChannels(): void {
  const names: string[] = [];
  const urls: string[] = [];
  // Deterministic draws for the URL parts (Flink's use a fresh unseeded Random each).
  seedEvent(0x0c4a_11e1, 0);
  const baseUrl = (): string => {
    // nextString(random, 5, '_'): underscores where nextString has spaces, nothing trimmed.
    const part = (): string => nextUntrimmedString(5).replace(/ /g, '_');
    return `https://www.nexmark.com/${part()}/${part()}/${part()}/item.htm?query=1`;
  };
  for (let i = 0; i < HOT_CHANNELS.length; i++) {
    names.push(HOT_CHANNELS[i]!);
    urls.push(baseUrl());
  }
  for (let n = 0; n < CHANNELS_NUMBER; n++) {
    names.push(`channel-${n}`);
    let url = baseUrl();
    // Nine channels in ten carry their id in the URL (q21 extracts it).
    if (nextInt(10) > 0) url += `&channel_id=${reverseBitsAbs(n)}`;
    urls.push(url);
  }
  channelNames = names;
  channelUrls = urls;
}

/** The name of channel index `i` (as `nextBidChannel` returns). */
export function channelName(i: number): string {
  if (channelNames === undefined) buildChannels();
  return channelNames![i]!;
}

/** The URL of channel index `i`. */
export function channelUrl(i: number): string {
  if (channelUrls === undefined) buildChannels();
  return channelUrls![i]!;
}

// ---------------------------------------------------------------------------------------------
// Objects
// ---------------------------------------------------------------------------------------------

/**
 * Event `index` (0-based position in the stream) as an object: a person, an auction or a bid,
 * with its event time in `dateTime`.
 *
 * @example
 * const c = resolveNexmarkConfig({ seed: 7 });
 * const e = generateEvent(c, 3); // { kind: 'bid', auction: 1000, bidder: 1001, price: ..., ... }
 */
export function generateEvent(c: ResolvedNexmarkConfig, index: number): NexmarkEvent {
  const eventNumber = adjustedEventNumber(c, index);
  const eventId = c.firstEventId + eventNumber;
  const timestamp = timestampForEvent(c, eventNumber);
  seedEvent(c.seed, eventId);
  const kind = locate(c, eventId);
  if (kind === EVENT_BID) return makeBid(c, timestamp);
  if (kind === EVENT_AUCTION) return makeAuction(c, eventNumber, timestamp);
  return makePerson(c, timestamp);
}

function makeBid(c: ResolvedNexmarkConfig, timestamp: number): Bid {
  const auction = nextBidAuction(c);
  const bidder = nextBidBidder(c);
  const price = nextPrice();
  const channel = nextBidChannel();
  const extraLength = nextExtraLength(BID_FIXED_SIZE, c.avgBidByteSize);
  const extra = letters(nextLettersOffset(extraLength), extraLength);
  return {
    kind: 'bid',
    auction,
    bidder,
    price,
    channel: channelName(channel),
    url: channelUrl(channel),
    dateTime: timestamp,
    extra,
  };
}

/** Person fields: Nexmark's `PersonGenerator.nextPerson` (after `locate`). */
export function makePerson(c: ResolvedNexmarkConfig, timestamp: number): Person {
  const id = lastPerson + FIRST_PERSON_ID;
  const name = `${FIRST_NAMES[nextInt(FIRST_NAMES.length)]!} ${LAST_NAMES[nextInt(LAST_NAMES.length)]!}`;
  const emailAddress = `${nextString(7)}@${nextString(5)}.com`;
  const creditCard = [0, 1, 2, 3].map(() => String(nextInt(10_000)).padStart(4, '0')).join(' ');
  const city = US_CITIES[nextInt(US_CITIES.length)]!;
  const state = US_STATES[nextInt(US_STATES.length)]!;
  const size = 8 + name.length + emailAddress.length + creditCard.length + city.length + state.length;
  const extraLength = nextExtraLength(size, c.avgPersonByteSize);
  const extra = letters(nextLettersOffset(extraLength), extraLength);
  return { kind: 'person', id, name, emailAddress, creditCard, city, state, dateTime: timestamp, extra };
}

/** Auction fields: Nexmark's `AuctionGenerator.nextAuction` (after `locate`). */
export function makeAuction(c: ResolvedNexmarkConfig, eventNumber: number, timestamp: number): Auction {
  const id = lastAuction + FIRST_AUCTION_ID;
  const seller =
    (nextInt(c.hotSellersRatio) > 0 ? Math.floor(lastPerson / HOT_SELLER_RATIO) * HOT_SELLER_RATIO : nextBase0PersonId(c)) + FIRST_PERSON_ID;
  const category = FIRST_CATEGORY_ID + nextInt(NUM_CATEGORIES);
  const initialBid = nextPrice();
  // nextAuctionLengthMs: on average until numInFlightAuctions more auctions have been created.
  const numEventsForAuctions = Math.floor((c.numInFlightAuctions * c.totalProportion) / Math.max(c.auctionProportion, 1));
  const horizonMs = timestampForEvent(c, eventNumber + numEventsForAuctions) - timestamp;
  const expires = timestamp + 1 + nextInt(Math.max(horizonMs * 2, 1));
  const itemName = nextString(20);
  const description = nextString(100);
  const reserve = initialBid + nextPrice();
  const size = 8 + itemName.length + description.length + 8 + 8 + 8 + 8 + 8;
  const extraLength = nextExtraLength(size, c.avgAuctionByteSize);
  const extra = letters(nextLettersOffset(extraLength), extraLength);
  return { kind: 'auction', id, itemName, description, initialBid, reserve, dateTime: timestamp, expires, seller, category, extra };
}
