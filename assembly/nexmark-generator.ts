// The Nexmark generator's column writer in WebAssembly: events [first, first + count) into
// typed-array columns, bit for bit what `fillBatch` in src/nexmark/columnar.ts writes (its
// JavaScript twin; see there for the model and src/nexmark/random.ts for the draws). The loop is
// the same statement for statement: draws are 32-bit integer functions of (seed, event id, k),
// and every floating-point step (prices, `below`, `pick16`, timestamps) is the same IEEE operation
// in the same order, so both give the same doubles — also where runs of bids go four at a time in
// SIMD lanes (`writeBids4`). Tables computed with `Math.pow` or from the
// text pool are written by the wrapper (src/nexmark/generator-kernel.ts), not recomputed here.
//
//   __heap_base ↑16
//   ┌──────────────────┬─────────────────┬─────────────────┬──────────┬──────────────┬──────────────────┐
//   │ PRICE_HI f64×1024 │ LEADING u8×64K+8 │ TRAILING u8×64K+8 │ NAME_LEN │ CITY/STATE_LEN│ CONFIG f64×32    │
//   ├──────────────────┴─────────────────┴─────────────────┴──────────┴──────────────┴──────────────────┤
//   │ EVENTS: the columns end to end (packed: each with its group's rows; else `capacity` rows each):     │
//   │   f64 ×12: bid auction, bidder, price, dateTime │ person id, dateTime │ auction id, dateTime,       │
//   │            expires, seller, initialBid, reserve                                                     │
//   │   i32 ×17: bid channel, extraOffset, extraLength │ person name, emailUser, emailDomain,             │
//   │            creditCardHigh, creditCardLow, city, state, extraOffset, extraLength │ auction category, │
//   │            itemName, description, extraOffset, extraLength                                          │
//   │   u8:      kinds                                                                                    │
//   └────────────────────────────────────────────────────────────────────────────────────────────────────┘
// Bids, persons and auctions each fill rows 0, 1, … of their own columns. Packed, the wrapper copies
// the whole area out in one slice (f64 columns first, so every column stays aligned); unpacked, it
// keeps views of it, for a scratch batch read before the next call.

// ── Layout ──────────────────────────────────────────────────────────────────────────────────────

@inline const POOL_LENGTH: i32 = 1 << 16;
@inline const PRICE_ENTRIES: usize = 1024;
@inline const SPACES_BYTES: usize = (1 << 16) + 8;
@inline const NAME_ENTRIES: usize = 128;
@inline const PLACE_ENTRIES: usize = 32;
@inline const CONFIG_ENTRIES: usize = 32;
@inline const F64_COLUMNS: usize = 12;
@inline const I32_COLUMNS: usize = 17;

// Config entries (f64), written by the wrapper before `configure`.
@inline const C_SEED_STATE: usize = 0;
@inline const C_FIRST_EVENT_ID: usize = 1;
@inline const C_FIRST_EVENT_NUMBER: usize = 2;
@inline const C_GROUP_SIZE: usize = 3;
@inline const C_DELAY_US: usize = 4;
@inline const C_BASE_TIME: usize = 5;
@inline const C_TOTAL: usize = 6;
@inline const C_PERSON_PROPORTION: usize = 7;
@inline const C_AUCTION_PROPORTION: usize = 8;
@inline const C_IN_FLIGHT: usize = 9;
@inline const C_ACTIVE_PEOPLE: usize = 10;
@inline const C_HOT_AUCTION_FROM: usize = 11;
@inline const C_HOT_BIDDER_FROM: usize = 12;
@inline const C_BID_EXTRA_MIN: usize = 13;
@inline const C_BID_EXTRA_SPAN: usize = 14;
@inline const C_HOT_SELLERS_RATIO: usize = 15;
@inline const C_AVG_PERSON_BYTES: usize = 16;
@inline const C_AVG_AUCTION_BYTES: usize = 17;
@inline const C_EVENTS_FOR_AUCTIONS: usize = 18;
@inline const C_LO_SCALE: usize = 19;
@inline const C_FIRST_NAMES: usize = 20;
@inline const C_LAST_NAMES: usize = 21;
@inline const C_CITIES: usize = 22;
@inline const C_STATES: usize = 23;
@inline const C_HOT_CHANNELS: usize = 24;
@inline const C_CHANNELS: usize = 25;

// Nexmark's constants (src/nexmark/columnar.ts and config.ts).
@inline const PERSON_ID_LEAD: f64 = 10;
@inline const AUCTION_ID_LEAD: f64 = 10;
@inline const HOT_SELLER_RATIO: f64 = 100;
@inline const HOT_BIDDER_RATIO: f64 = 100;
@inline const HOT_AUCTION_RATIO: f64 = 100;
@inline const NUM_CATEGORIES: f64 = 5;
@inline const CREDIT_CARD_LENGTH: f64 = 19;
@inline const FIRST_PERSON_ID: f64 = 1000;
@inline const FIRST_AUCTION_ID: f64 = 1000;
@inline const FIRST_CATEGORY_ID: f64 = 10;
@inline const EVENT_PERSON: u8 = 0;
@inline const EVENT_AUCTION: u8 = 1;
@inline const EVENT_BID: u8 = 2;
@inline const TWO_POW_32: f64 = 4294967296.0;
/** mulberry32's increment: consecutive draws, and consecutive event ids, are this far apart in state. */
@inline const STEP: u32 = 0x6d2b79f5;
@inline const INV_TWO_POW_32: f64 = 1.0 / 4294967296.0;
@inline const INV_65536: f64 = 1.0 / 65536.0;

let PRICE_HI: usize = 0;
let LEADING: usize = 0;
let TRAILING: usize = 0;
let NAME_LEN: usize = 0;
let CITY_LEN: usize = 0;
let STATE_LEN: usize = 0;
let CONFIG: usize = 0;
let EVENTS: usize = 0;
let capacity: usize = 0;

// Results of the last `fill`.
let persons: i32 = 0;
let auctions: i32 = 0;
let maxTime: f64 = 0;

// Configuration, read from CONFIG by `configure`.
let seedState: u32 = 0;
let firstEventId: f64 = 0;
let firstEventNumber: f64 = 0;
let groupSize: f64 = 1;
let delayUs: f64 = 0;
let baseTime: f64 = 0;
let total: f64 = 0;
let pp: f64 = 0;
let ap: f64 = 0;
let inFlight: f64 = 0;
let activePeople: f64 = 0;
let hotAuctionFrom: u32 = 0;
let hotBidderFrom: u32 = 0;
let bidExtraMin: f64 = 0;
let bidExtraSpan: f64 = 0;
let hotSellersRatio: f64 = 0;
let avgPersonBytes: f64 = 0;
let avgAuctionBytes: f64 = 0;
let eventsForAuctions: f64 = 0;
let loScale: f64 = 0;
let firstNames: f64 = 0;
let lastNames: f64 = 0;
let cities: f64 = 0;
let states: f64 = 0;
let hotChannels: f64 = 0;
let channels: f64 = 0;
/**
 * Runs of bids go four at a time (`writeBids4`) where its saturating conversions are exact: an
 * `extra` no longer than the pool, so its length and offset fit 32 bits unsigned.
 */
let simdBids: bool = false;

function layoutTables(): void {
  if (PRICE_HI != 0) return;
  PRICE_HI = (__heap_base + 15) & ~<usize>15;
  LEADING = PRICE_HI + (PRICE_ENTRIES << 3);
  TRAILING = LEADING + SPACES_BYTES;
  NAME_LEN = TRAILING + SPACES_BYTES;
  CITY_LEN = NAME_LEN + NAME_ENTRIES;
  STATE_LEN = CITY_LEN + PLACE_ENTRIES;
  CONFIG = STATE_LEN + PLACE_ENTRIES;
  EVENTS = CONFIG + (CONFIG_ENTRIES << 3);
  ensure(EVENTS);
}

function ensure(end: usize): void {
  const needed = <i32>((end + 0xffff) >>> 16) - memory.size();
  if (needed > 0 && memory.grow(needed) < 0) unreachable();
}

// Where the wrapper writes the tables (their sizes: the constants above), once `config()` has
// laid them out.
export function priceTable(): usize {
  return PRICE_HI;
}
export function leadingSpaces(): usize {
  return LEADING;
}
export function trailingSpaces(): usize {
  return TRAILING;
}
export function nameLengths(): usize {
  return NAME_LEN;
}
export function cityLengths(): usize {
  return CITY_LEN;
}
export function stateLengths(): usize {
  return STATE_LEN;
}

/** Where the wrapper writes the configuration (f64 entries C_*); lays out the tables first. */
export function config(): usize {
  layoutTables();
  return CONFIG;
}

@inline
function cfg(i: usize): f64 {
  return load<f64>(CONFIG + (i << 3));
}

/** Reads the configuration written at `config()`. */
export function configure(): void {
  layoutTables();
  seedState = <u32><i64>cfg(C_SEED_STATE);
  firstEventId = cfg(C_FIRST_EVENT_ID);
  firstEventNumber = cfg(C_FIRST_EVENT_NUMBER);
  groupSize = cfg(C_GROUP_SIZE);
  delayUs = cfg(C_DELAY_US);
  baseTime = cfg(C_BASE_TIME);
  total = cfg(C_TOTAL);
  pp = cfg(C_PERSON_PROPORTION);
  ap = cfg(C_AUCTION_PROPORTION);
  inFlight = cfg(C_IN_FLIGHT);
  activePeople = cfg(C_ACTIVE_PEOPLE);
  hotAuctionFrom = <u32>cfg(C_HOT_AUCTION_FROM);
  hotBidderFrom = <u32>cfg(C_HOT_BIDDER_FROM);
  bidExtraMin = cfg(C_BID_EXTRA_MIN);
  bidExtraSpan = cfg(C_BID_EXTRA_SPAN);
  hotSellersRatio = cfg(C_HOT_SELLERS_RATIO);
  avgPersonBytes = cfg(C_AVG_PERSON_BYTES);
  avgAuctionBytes = cfg(C_AVG_AUCTION_BYTES);
  eventsForAuctions = cfg(C_EVENTS_FOR_AUCTIONS);
  loScale = cfg(C_LO_SCALE);
  firstNames = cfg(C_FIRST_NAMES);
  lastNames = cfg(C_LAST_NAMES);
  cities = cfg(C_CITIES);
  states = cfg(C_STATES);
  hotChannels = cfg(C_HOT_CHANNELS);
  channels = cfg(C_CHANNELS);
  simdBids = bidExtraMin >= 0 && bidExtraMin + bidExtraSpan <= <f64>POOL_LENGTH;
  cycle = -1;
}

/** Room for `rows` events per call; returns EVENTS (the columns move only here). */
export function reserve(rows: i32): usize {
  layoutTables();
  if (<usize>rows > capacity) {
    ensure(EVENTS + <usize>rows * ((F64_COLUMNS << 3) + (I32_COLUMNS << 2) + 1));
    capacity = <usize>rows;
  }
  return EVENTS;
}

/** Rows per column of the event area. */
export function rowCapacity(): i32 {
  return <i32>capacity;
}

export function personCount(): i32 {
  return persons;
}

export function auctionCount(): i32 {
  return auctions;
}

export function lastMaxTime(): f64 {
  return maxTime;
}

// ── Draws (src/nexmark/random.ts) ───────────────────────────────────────────────────────────────

/** mulberry32's output function: the draw at state s. */
@inline
function mix(s: u32): u32 {
  let t = (s ^ (s >>> 15)) * (1 | s);
  t = (t + (t ^ (t >>> 7)) * (61 | t)) ^ t;
  return t ^ (t >>> 14);
}

/** The k-th draw of the mulberry32 stream at state h (`word`). */
@inline
function word(h: u32, k: u32): u32 {
  return mix(h + k * STEP);
}

/** What an id at or beyond 2^32 mixes into the seed's state (its high part). */
@inline
function highMix(eventId: f64): u32 {
  const hi: f64 = eventId < TWO_POW_32 ? 0 : Math.floor(eventId / TWO_POW_32);
  return <u32><i64>hi * 0x27d4eb2f;
}

/** `eventHash`: the state of event `eventId`'s draws, mix((base ^ high) + low · STEP). */
@inline
function eventHash(base: u32, eventId: f64): u32 {
  return word(base ^ highMix(eventId), <u32><i64>eventId);
}

@inline
function below(u: u32, bound: f64): f64 {
  return Math.floor(<f64>u * INV_TWO_POW_32 * bound);
}

@inline
function pick16(bits16: u32, n: f64): f64 {
  return Math.floor(<f64>bits16 * n * INV_65536);
}

@inline
function price(u: u32): f64 {
  const y = <f64>(u & 0x3fffff) * loScale;
  return Math.floor(load<f64>(PRICE_HI + (<usize>(u >>> 22) << 3)) * (1 + y * (1 + y * (0.5 + y * (1.0 / 6.0 + y / 24)))) + 0.5);
}

/** `textSlice`: a trimmed slice of the text pool, packed as offset · 2^16 + length. */
function textSlice(u: u32, maxLength: f64): u32 {
  const len = <i32>(3 + pick16(u & 0xffff, maxLength - 3));
  let at = <i32>pick16(u >>> 16, <f64>(POOL_LENGTH - len));
  let end = at + len;
  at += <i32>load<u8>(LEADING + <usize>at);
  if (at >= end) return <u32>at << 16;
  end -= <i32>load<u8>(TRAILING + <usize>end);
  return (<u32>at << 16) + <u32>(end - at);
}

/** `extraLength`. */
function extraLength(bits16: u32, currentSize: f64, desiredAverageSize: f64): f64 {
  if (currentSize > desiredAverageSize) return 0;
  const desired = desiredAverageSize - currentSize;
  const delta = Math.round(desired * 0.2);
  return desired - delta + (delta == 0 ? 0 : pick16(bits16, 2 * delta));
}

/** `extraOffset`. */
@inline
function extraOffset(bits16: u32, length: f64): f64 {
  return pick16(bits16, <f64>POOL_LENGTH - Math.min(length, <f64>POOL_LENGTH));
}

/** A double stored into an Int32Array: ToInt32 (wraps modulo 2^32). */
@inline
function toI32(x: f64): i32 {
  return <i32><i64>x;
}

// ── Columns ─────────────────────────────────────────────────────────────────────────────────────

/** Where each column of the current `fill` starts: the f64 columns, the i32 columns, the kinds. */
const COLUMN: usize = memory.data(<i32>(F64_COLUMNS + I32_COLUMNS + 1) << 2, 16);
let filledStart: usize = 0;
let filledEnd: usize = 0;

@inline
function f64Column(c: usize): usize {
  return <usize>load<u32>(COLUMN + (c << 2));
}

@inline
function i32Column(c: usize): usize {
  return <usize>load<u32>(COLUMN + ((F64_COLUMNS + c) << 2));
}

/** Lays the columns out from EVENTS, each with room for its group's rows. */
function layoutColumns(from: usize, bidRows: usize, personRows: usize, auctionRows: usize, kindRows: usize): void {
  let at = from;
  for (let c: usize = 0; c < F64_COLUMNS; c++) {
    store<u32>(COLUMN + (c << 2), <u32>at);
    at += (c < 4 ? bidRows : c < 6 ? personRows : auctionRows) << 3;
  }
  for (let c: usize = 0; c < I32_COLUMNS; c++) {
    store<u32>(COLUMN + ((F64_COLUMNS + c) << 2), <u32>at);
    at += (c < 3 ? bidRows : c < 12 ? personRows : auctionRows) << 2;
  }
  store<u32>(COLUMN + ((F64_COLUMNS + I32_COLUMNS) << 2), <u32>at);
  filledEnd = at + kindRows;
}

/** Positions in [a, b) that are also in [lo, hi). */
@inline
function overlap(a: f64, b: f64, lo: f64, hi: f64): f64 {
  return Math.max(0, Math.min(b, hi) - Math.max(a, lo));
}

/** Counts the persons and auctions among events [first, first + count) (into `persons`, `auctions`). */
function countKinds(first: f64, count: i32): void {
  let np: i32 = 0;
  let na: i32 = 0;
  const eventNumber = firstEventNumber + first;
  if (groupSize == 1) {
    // In order the offsets run from offset round the cycle: whole cycles, then at most two
    // stretches ([offset, total) and, wrapped, [0, …)), each counted against [0, pp) and [pp, pp + ap).
    const offset = firstEventId + eventNumber - Math.floor((firstEventId + eventNumber) / total) * total;
    const cycles = Math.floor(<f64>count / total);
    const rest = <f64>count - cycles * total;
    const end = Math.min(total, offset + rest);
    const wrapped = offset + rest - total;
    let p = cycles * pp + overlap(offset, end, 0, pp);
    let a = cycles * ap + overlap(offset, end, pp, pp + ap);
    if (wrapped > 0) {
      p += overlap(0, wrapped, 0, pp);
      a += overlap(0, wrapped, pp, pp + ap);
    }
    np = <i32>p;
    na = <i32>a;
  } else {
    for (let i: i32 = 0; i < count; i++) {
      const e = eventNumber + <f64>i;
      const number = Math.floor(e / groupSize) * groupSize + ((e * 953) % groupSize);
      const offset = firstEventId + number - Math.floor((firstEventId + number) / total) * total;
      if (offset < pp) np++;
      else if (offset < pp + ap) na++;
    }
  }
  persons = np;
  auctions = na;
}

@inline
function storeF64(column: usize, row: i32, v: f64): void {
  store<f64>(column + (<usize>row << 3), v);
}

@inline
function storeI32(column: usize, row: i32, v: i32): void {
  store<i32>(column + (<usize>row << 2), v);
}

/** Flink's `timestampForEvent`. */
@inline
function timestampForEvent(eventNumber: f64): f64 {
  return baseTime + Math.floor(Math.floor(eventNumber * delayUs) / 1000);
}

/** `PersonGenerator.nextPerson` (`writePerson`). */
function writePerson(n: i32, lastPerson: f64, h: u32, timestamp: f64): void {
  storeF64(f64Column(4), n, lastPerson + FIRST_PERSON_ID);
  storeF64(f64Column(5), n, timestamp);
  const w1 = word(h, 1);
  const name = pick16(w1 & 0xffff, firstNames) * lastNames + pick16(w1 >>> 16, lastNames);
  storeI32(i32Column(3), n, toI32(name));
  const user = textSlice(word(h, 2), 7);
  const domain = textSlice(word(h, 3), 5);
  storeI32(i32Column(4), n, <i32>user);
  storeI32(i32Column(5), n, <i32>domain);
  storeI32(i32Column(6), n, toI32(below(word(h, 4), 10_000) * 10_000 + below(word(h, 5), 10_000)));
  storeI32(i32Column(7), n, toI32(below(word(h, 6), 10_000) * 10_000 + below(word(h, 7), 10_000)));
  const w8 = word(h, 8);
  const city = pick16(w8 & 0xffff, cities);
  const state = pick16(w8 >>> 16, states);
  storeI32(i32Column(8), n, toI32(city));
  storeI32(i32Column(9), n, toI32(state));
  const emailLength = <f64>(user & 0xffff) + 1 + <f64>(domain & 0xffff) + 4;
  const size =
    8 +
    <f64>load<u8>(NAME_LEN + <usize>name) +
    emailLength +
    CREDIT_CARD_LENGTH +
    <f64>load<u8>(CITY_LEN + <usize>city) +
    <f64>load<u8>(STATE_LEN + <usize>state);
  const w9 = word(h, 9);
  const len = extraLength(w9 & 0xffff, size, avgPersonBytes);
  storeI32(i32Column(11), n, toI32(len));
  storeI32(i32Column(10), n, toI32(extraOffset(w9 >>> 16, len)));
}

/** `AuctionGenerator.nextAuction` (`writeAuction`). */
function writeAuction(n: i32, lastPerson: f64, lastAuction: f64, h: u32, eventNumber: f64, timestamp: f64): void {
  storeF64(f64Column(6), n, lastAuction + FIRST_AUCTION_ID);
  storeF64(f64Column(7), n, timestamp);
  const w1 = word(h, 1);
  let seller: f64;
  if (pick16(w1 & 0xffff, hotSellersRatio) > 0) {
    seller = Math.floor(lastPerson / HOT_SELLER_RATIO) * HOT_SELLER_RATIO;
  } else {
    const numPeople = lastPerson + 1;
    const active = Math.min(numPeople, activePeople);
    seller = numPeople - active + below(word(h, 2), active + PERSON_ID_LEAD);
  }
  storeF64(f64Column(9), n, seller + FIRST_PERSON_ID);
  storeI32(i32Column(12), n, toI32(FIRST_CATEGORY_ID + pick16(w1 >>> 16, NUM_CATEGORIES)));
  const initialBid = price(word(h, 3));
  storeF64(f64Column(10), n, initialBid);
  const horizonMs = timestampForEvent(eventNumber + eventsForAuctions) - timestamp;
  storeF64(f64Column(8), n, timestamp + 1 + below(word(h, 4), Math.max(horizonMs * 2, 1)));
  const itemName = textSlice(word(h, 5), 20);
  const description = textSlice(word(h, 6), 100);
  storeI32(i32Column(13), n, <i32>itemName);
  storeI32(i32Column(14), n, <i32>description);
  storeF64(f64Column(11), n, initialBid + price(word(h, 7)));
  const size = 8 + <f64>(itemName & 0xffff) + <f64>(description & 0xffff) + 8 + 8 + 8 + 8 + 8;
  const w8 = word(h, 8);
  const len = extraLength(w8 & 0xffff, size, avgAuctionBytes);
  storeI32(i32Column(16), n, toI32(len));
  storeI32(i32Column(15), n, toI32(extraOffset(w8 >>> 16, len)));
}

// Per cycle of `total` events (Flink's lastBase0PersonId / lastBase0AuctionId at its bids): pure
// functions of the cycle, so they stay valid from call to call.
let cycle: f64 = -1;
let hotAuction: f64 = 0;
let minAuction: f64 = 0;
let auctionSpan: f64 = 0;
let hotBidder: f64 = 0;
let minBidder: f64 = 0;
let bidderSpan: f64 = 0;

@inline
function enterCycle(epoch: f64): void {
  if (epoch == cycle) return;
  cycle = epoch;
  const lastPerson = epoch * pp + pp - 1;
  const lastAuction = epoch * ap + ap - 1;
  hotAuction = Math.floor(lastAuction / HOT_AUCTION_RATIO) * HOT_AUCTION_RATIO + FIRST_AUCTION_ID;
  const min = Math.max(lastAuction - inFlight, 0);
  minAuction = min + FIRST_AUCTION_ID;
  auctionSpan = lastAuction - min + 1 + AUCTION_ID_LEAD;
  hotBidder = Math.floor(lastPerson / HOT_BIDDER_RATIO) * HOT_BIDDER_RATIO + 1 + FIRST_PERSON_ID;
  const active = Math.min(lastPerson + 1, activePeople);
  minBidder = lastPerson + 1 - active + FIRST_PERSON_ID;
  bidderSpan = active + PERSON_ID_LEAD;
}

/**
 * `BidGenerator.nextBid` into row `n` of the bid columns (the cycle entered). Hot or not is a coin
 * flip per bid, which a branch would mispredict half the time: every draw is made and the values
 * chosen without one — ids are integers, so cold + 1 · (hot − cold) is hot exactly.
 */
@inline
function writeBid(auction: usize, bidder: usize, bidPrice: usize, dateTime: usize, channel: usize, bidExtraOffset: usize, bidExtraLength: usize, n: i32, h: u32, timestamp: f64): void {
  const coldAuction = minAuction + below(word(h, 1), auctionSpan);
  storeF64(auction, n, coldAuction + <f64>((h & 0xffff) >= hotAuctionFrom) * (hotAuction - coldAuction));
  const coldBidder = minBidder + below(word(h, 2), bidderSpan);
  storeF64(bidder, n, coldBidder + <f64>(h >>> 16 >= hotBidderFrom) * (hotBidder - coldBidder));
  storeF64(bidPrice, n, price(word(h, 3)));
  const w = word(h, 4);
  storeI32(channel, n, select<i32>(<i32>((w >>> 29) & 3), toI32(hotChannels + below(word(h, 5), channels)), w >= 0x80000000));
  const len = bidExtraMin + Math.floor(<f64>((w >>> 16) & 0xfff) * bidExtraSpan * (1.0 / 4096.0));
  storeI32(bidExtraLength, n, toI32(len));
  storeI32(bidExtraOffset, n, <i32>(<u32><i64>(<f64>(w & 0xffff) * (<f64>POOL_LENGTH - len)) >>> 16));
  storeF64(dateTime, n, timestamp);
}

// ── Four bids at a time ─────────────────────────────────────────────────────────────────────────
// The same operations as `writeBid`, lane by lane: the draws in i32x4 (wrapping adds and
// multiplies, as mulberry32's), every double in f64x2 — two lanes, so each value is made for
// lanes 0–1 and then 2–3 — and in the same order, so the same doubles. The one gather (the price
// table) goes lane by lane.

@inline
function mix4(s: v128): v128 {
  let t = i32x4.mul(v128.xor(s, i32x4.shr_u(s, 15)), v128.or(s, i32x4.splat(1)));
  t = v128.xor(i32x4.add(t, i32x4.mul(v128.xor(t, i32x4.shr_u(t, 7)), v128.or(t, i32x4.splat(61)))), t);
  return v128.xor(t, i32x4.shr_u(t, 14));
}

@inline
function word4(h: v128, k: u32): v128 {
  return mix4(i32x4.add(h, i32x4.splat(k * STEP)));
}

/** Lanes 2 and 3 moved to 0 and 1. */
@inline
function high(v: v128): v128 {
  return i32x4.shuffle(v, v, 2, 3, 2, 3);
}

/** `below` of lanes 0 and 1. */
@inline
function below2(u: v128, bound: f64): v128 {
  return f64x2.floor(f64x2.mul(f64x2.mul(f64x2.convert_low_i32x4_u(u), f64x2.splat(INV_TWO_POW_32)), f64x2.splat(bound)));
}

/** `price` of lanes 0 and 1. */
@inline
function price2(u: v128): v128 {
  const y = f64x2.mul(f64x2.convert_low_i32x4_s(v128.and(u, i32x4.splat(0x3fffff))), f64x2.splat(loScale));
  const hi = f64x2.replace_lane(f64x2.splat(load<f64>(PRICE_HI + (<usize>(i32x4.extract_lane(u, 0) >>> 22) << 3))), 1, load<f64>(PRICE_HI + (<usize>(i32x4.extract_lane(u, 1) >>> 22) << 3)));
  const one = f64x2.splat(1);
  let p = f64x2.add(f64x2.splat(1.0 / 6.0), f64x2.div(y, f64x2.splat(24)));
  p = f64x2.add(f64x2.splat(0.5), f64x2.mul(y, p));
  p = f64x2.add(one, f64x2.mul(y, p));
  p = f64x2.add(one, f64x2.mul(y, p));
  return f64x2.floor(f64x2.add(f64x2.mul(hi, p), f64x2.splat(0.5)));
}

/** Four lanes of int32 from two pairs of doubles (each truncated; the callers' are in range). */
@inline
function toI32x4(lo: v128, hi: v128): v128 {
  return i32x4.shuffle(i32x4.trunc_sat_f64x2_s_zero(lo), i32x4.trunc_sat_f64x2_s_zero(hi), 0, 1, 4, 5);
}

/** Stores `cold` where the i32 lanes of `hot` are 0 and `value` where they are all ones, as f64 rows. */
@inline
function storeChoice(at: usize, hotMask: v128, value: f64, coldLo: v128, coldHi: v128): void {
  const v = f64x2.splat(value);
  v128.store(at, v128.bitselect(v, coldLo, i64x2.extend_low_i32x4_s(hotMask)));
  v128.store(at, v128.bitselect(v, coldHi, i64x2.extend_high_i32x4_s(hotMask)), 16);
}

/**
 * `writeBid` for the bids in rows n … n + 3, whose states are the lanes of `s` (the cycle
 * entered; `simdBids`). The date-times are the caller's.
 */
@inline
function writeBids4(auction: usize, bidder: usize, bidPrice: usize, channel: usize, bidExtraOffset: usize, bidExtraLength: usize, n: i32, s: v128): void {
  const f = <usize>n << 3;
  const q = <usize>n << 2;
  const h = mix4(s);
  const w1 = word4(h, 1);
  storeChoice(
    auction + f,
    i32x4.ge_u(v128.and(h, i32x4.splat(0xffff)), i32x4.splat(hotAuctionFrom)),
    hotAuction,
    f64x2.add(f64x2.splat(minAuction), below2(w1, auctionSpan)),
    f64x2.add(f64x2.splat(minAuction), below2(high(w1), auctionSpan)),
  );
  const w2 = word4(h, 2);
  storeChoice(
    bidder + f,
    i32x4.ge_u(i32x4.shr_u(h, 16), i32x4.splat(hotBidderFrom)),
    hotBidder,
    f64x2.add(f64x2.splat(minBidder), below2(w2, bidderSpan)),
    f64x2.add(f64x2.splat(minBidder), below2(high(w2), bidderSpan)),
  );
  const w3 = word4(h, 3);
  v128.store(bidPrice + f, price2(w3));
  v128.store(bidPrice + f, price2(high(w3)), 16);
  const w = word4(h, 4);
  const w5 = word4(h, 5);
  const cold = toI32x4(f64x2.add(f64x2.splat(hotChannels), below2(w5, channels)), f64x2.add(f64x2.splat(hotChannels), below2(high(w5), channels)));
  v128.store(channel + q, v128.bitselect(v128.and(i32x4.shr_u(w, 29), i32x4.splat(3)), cold, i32x4.lt_s(w, i32x4.splat(0))));
  const bits = v128.and(i32x4.shr_u(w, 16), i32x4.splat(0xfff));
  const lenLo = f64x2.add(f64x2.splat(bidExtraMin), f64x2.floor(f64x2.mul(f64x2.mul(f64x2.convert_low_i32x4_s(bits), f64x2.splat(bidExtraSpan)), f64x2.splat(1.0 / 4096.0))));
  const lenHi = f64x2.add(f64x2.splat(bidExtraMin), f64x2.floor(f64x2.mul(f64x2.mul(f64x2.convert_low_i32x4_s(high(bits)), f64x2.splat(bidExtraSpan)), f64x2.splat(1.0 / 4096.0))));
  v128.store(bidExtraLength + q, toI32x4(lenLo, lenHi));
  const at = v128.and(w, i32x4.splat(0xffff));
  const room = f64x2.splat(<f64>POOL_LENGTH);
  const offLo = i32x4.trunc_sat_f64x2_u_zero(f64x2.mul(f64x2.convert_low_i32x4_s(at), f64x2.sub(room, lenLo)));
  const offHi = i32x4.trunc_sat_f64x2_u_zero(f64x2.mul(f64x2.convert_low_i32x4_s(high(at)), f64x2.sub(room, lenHi)));
  v128.store(bidExtraOffset + q, i32x4.shr_u(i32x4.shuffle(offLo, offHi, 0, 1, 4, 5), 16));
}

/**
 * Writes events [first, first + count) (count ≤ the reserved rows) and returns the number of bids;
 * `personCount()`, `auctionCount()` and `lastMaxTime()` give the rest. `packed`: each column holds
 * exactly its group's rows, so the columns end to end take `filledBytes()` from EVENTS (one copy
 * takes them all); otherwise every column has `rowCapacity()` rows, and stays where it is from
 * call to call. The values are `fillBatch`'s; in order (`outOfOrderGroupSize` 1) the loop goes a
 * run of bids at a time (`fillInOrder`), else event by event as `fillBatch` does.
 */
export function fill(first: f64, count: i32, packed: bool): i32 {
  return fillAt(first, count, packed ? EVENTS : 0);
}

/**
 * `fill`, packed from `at` (a multiple of 8 in memory the wrapper reserved with `reserveBytes`,
 * room for 69 bytes per event), or unpacked at EVENTS when `at` is 0. The wrapper's ring of
 * reused batches (`objectReuse`) writes each batch where the ring's cursor is.
 */
export function fillAt(first: f64, count: i32, at: usize): i32 {
  countKinds(first, count);
  const rows = <usize>count;
  if (at != 0) layoutColumns(at, rows - <usize>persons - <usize>auctions, <usize>persons, <usize>auctions, rows);
  else layoutColumns(EVENTS, capacity, capacity, capacity, capacity);
  filledStart = at != 0 ? at : EVENTS;
  return groupSize == 1 ? fillInOrder(first, count) : fillOutOfOrder(first, count);
}

/**
 * `fill` into columns laid out from `at` with room for `bidRows`, `personRows` and `auctionRows`
 * rows and `bidRows` kinds: the same place for every batch of a slot of the wrapper's ring, so
 * its views are made once. Returns −1, writing nothing, where the events hold more persons or
 * auctions than that (out of order, a batch can be crowded).
 */
export function fillRows(first: f64, count: i32, at: usize, bidRows: i32, personRows: i32, auctionRows: i32): i32 {
  countKinds(first, count);
  if (persons > personRows || auctions > auctionRows) return -1;
  layoutColumns(at, <usize>bidRows, <usize>personRows, <usize>auctionRows, <usize>bidRows);
  filledStart = at;
  return groupSize == 1 ? fillInOrder(first, count) : fillOutOfOrder(first, count);
}

/**
 * In order: between the persons and auctions at the start of each cycle, a run of bids whose
 * cycle values are set once, whose kinds are one `memory.fill`, and whose draws' states step by
 * STEP from id to id instead of being made from the id each time.
 */
function fillInOrder(first: f64, count: i32): i32 {
  const kinds = <usize>load<u32>(COLUMN + ((F64_COLUMNS + I32_COLUMNS) << 2));
  const auction = f64Column(0);
  const bidder = f64Column(1);
  const bidPrice = f64Column(2);
  const dateTime = f64Column(3);
  const channel = i32Column(0);
  const bidExtraOffset = i32Column(1);
  const bidExtraLength = i32Column(2);
  const base = seedState;
  const firstBid = pp + ap;
  let eventNumber = firstEventNumber + first;
  let epoch = Math.floor((firstEventId + eventNumber) / total);
  let offset = firstEventId + eventNumber - epoch * total;
  // With a whole number of µs between events, the timestamp advances by remainders (fillBatch's stepTime).
  const stepTime = delayUs == Math.floor(delayUs) && Math.abs(delayUs) != Infinity;
  let timeMs = Math.floor((eventNumber * delayUs) / 1000);
  let timeRemUs = eventNumber * delayUs - timeMs * 1000;
  let nb: i32 = 0;
  let np: i32 = 0;
  let na: i32 = 0;
  let max: f64 = -Infinity;
  let i: i32 = 0;
  while (i < count) {
    if (offset >= firstBid) {
      const run = <i32>Math.min(total - offset, <f64>(count - i));
      enterCycle(epoch);
      memory.fill(kinds + <usize>i, EVENT_BID, <usize>run);
      const eventId = firstEventId + eventNumber;
      // The run's ids share their high part: their states are consecutive multiples of STEP.
      const stepped = Math.floor(eventId / TWO_POW_32) == Math.floor((eventId + <f64>(run - 1)) / TWO_POW_32);
      let state: u32 = (base ^ highMix(eventId)) + <u32><i64>eventId * STEP;
      let j: i32 = 0;
      if (stepped && stepTime && simdBids) {
        const lanes = i32x4.mul(i32x4(0, 1, 2, 3), i32x4.splat(STEP));
        for (; j + 4 <= run; j += 4, i += 4) {
          for (let k: i32 = 0; k < 4; k++) {
            if (i + k > 0 && (timeRemUs += delayUs) >= 1000) {
              const whole = Math.floor(timeRemUs / 1000);
              timeMs += whole;
              timeRemUs -= whole * 1000;
            }
            const timestamp = baseTime + timeMs;
            if (timestamp > max) max = timestamp;
            storeF64(dateTime, nb + k, timestamp);
          }
          writeBids4(auction, bidder, bidPrice, channel, bidExtraOffset, bidExtraLength, nb, i32x4.add(i32x4.splat(state), lanes));
          state += 4 * STEP;
          nb += 4;
        }
      }
      for (; j < run; j++, i++) {
        let timestamp: f64;
        if (stepTime) {
          if (i > 0 && (timeRemUs += delayUs) >= 1000) {
            const whole = Math.floor(timeRemUs / 1000);
            timeMs += whole;
            timeRemUs -= whole * 1000;
          }
          timestamp = baseTime + timeMs;
        } else {
          timestamp = baseTime + Math.floor(Math.floor((eventNumber + <f64>j) * delayUs) / 1000);
        }
        if (timestamp > max) max = timestamp;
        const h = stepped ? mix(state) : eventHash(base, eventId + <f64>j);
        state += STEP;
        writeBid(auction, bidder, bidPrice, dateTime, channel, bidExtraOffset, bidExtraLength, nb++, h, timestamp);
      }
      eventNumber += <f64>run;
      offset += <f64>run;
    } else {
      let timestamp: f64;
      if (stepTime) {
        if (i > 0 && (timeRemUs += delayUs) >= 1000) {
          const whole = Math.floor(timeRemUs / 1000);
          timeMs += whole;
          timeRemUs -= whole * 1000;
        }
        timestamp = baseTime + timeMs;
      } else {
        timestamp = baseTime + Math.floor(Math.floor(eventNumber * delayUs) / 1000);
      }
      if (timestamp > max) max = timestamp;
      const h = eventHash(base, firstEventId + eventNumber);
      if (offset < pp) {
        store<u8>(kinds + <usize>i, EVENT_PERSON);
        writePerson(np++, epoch * pp + offset, h, timestamp);
      } else {
        store<u8>(kinds + <usize>i, EVENT_AUCTION);
        writeAuction(na++, epoch * pp + pp - 1, epoch * ap + offset - pp, h, eventNumber, timestamp);
      }
      i++;
      eventNumber++;
      offset++;
    }
    if (offset == total) {
      offset = 0;
      epoch++;
    }
  }
  persons = np;
  auctions = na;
  maxTime = max;
  return nb;
}

/** Out of order: `fillBatch`'s loop, event by event (each event's number permuted within its group). */
function fillOutOfOrder(first: f64, count: i32): i32 {
  const kinds = <usize>load<u32>(COLUMN + ((F64_COLUMNS + I32_COLUMNS) << 2));
  const auction = f64Column(0);
  const bidder = f64Column(1);
  const bidPrice = f64Column(2);
  const dateTime = f64Column(3);
  const channel = i32Column(0);
  const bidExtraOffset = i32Column(1);
  const bidExtraLength = i32Column(2);
  const base = seedState;
  let eventNumber = firstEventNumber + first;
  let nb: i32 = 0;
  let np: i32 = 0;
  let na: i32 = 0;
  let max: f64 = -Infinity;
  for (let i: i32 = 0; i < count; i++, eventNumber++) {
    const number = Math.floor(eventNumber / groupSize) * groupSize + ((eventNumber * 953) % groupSize);
    const epoch = Math.floor((firstEventId + number) / total);
    const offset = firstEventId + number - epoch * total;
    const timestamp = baseTime + Math.floor(Math.floor(number * delayUs) / 1000);
    if (timestamp > max) max = timestamp;
    const h = eventHash(base, firstEventId + number);
    if (offset >= pp + ap) {
      store<u8>(kinds + <usize>i, EVENT_BID);
      enterCycle(epoch);
      writeBid(auction, bidder, bidPrice, dateTime, channel, bidExtraOffset, bidExtraLength, nb++, h, timestamp);
    } else if (offset < pp) {
      store<u8>(kinds + <usize>i, EVENT_PERSON);
      writePerson(np++, epoch * pp + offset, h, timestamp);
    } else {
      store<u8>(kinds + <usize>i, EVENT_AUCTION);
      writeAuction(na++, epoch * pp + pp - 1, epoch * ap + offset - pp, h, number, timestamp);
    }
  }
  persons = np;
  auctions = na;
  maxTime = max;
  return nb;
}

/** Bytes from the last `fill`'s first column to the end of its kinds. */
export function filledBytes(): usize {
  return filledEnd - filledStart;
}

/** Memory from EVENTS on for `bytes` bytes (the wrapper's ring); returns EVENTS. */
export function reserveBytes(bytes: usize): usize {
  layoutTables();
  ensure(EVENTS + bytes);
  return EVENTS;
}
