// The Nexmark generator against the rules of the Flink suite's generator (nexmark/nexmark
// `generator/GeneratorConfig.java`, `NexmarkGenerator.java`, `model/*Generator.java`).
import { describe, expect, it } from 'vitest';
import {
  CHANNELS_NUMBER,
  FIRST_AUCTION_ID,
  FIRST_PERSON_ID,
  EventGenerator,
  StreamEnvironment,
  auctionAt,
  bidAt,
  forEachEvent,
  generateBatch,
  generateEvent,
  maxOutOfOrderness,
  nexmark,
  nexmarkColumnar,
  nexmarkSource,
  personAt,
  resolveNexmarkConfig,
  type Auction,
  type Bid,
  type NexmarkEvent,
  type Person,
} from '../../src/index';

const N = 20_000;
const config = resolveNexmarkConfig({ seed: 42 });
const events: NexmarkEvent[] = Array.from({ length: N }, (_, i) => generateEvent(config, i));
const bids = events.filter((e): e is Bid => e.kind === 'bid');
const persons = events.filter((e): e is Person => e.kind === 'person');
const auctions = events.filter((e): e is Auction => e.kind === 'auction');

describe('Nexmark generator', () => {
  it('is deterministic for a seed, and the seed matters', () => {
    expect(Array.from({ length: 500 }, (_, i) => generateEvent(resolveNexmarkConfig({ seed: 42 }), i))).toEqual(events.slice(0, 500));
    const other = Array.from({ length: 500 }, (_, i) => generateEvent(resolveNexmarkConfig({ seed: 43 }), i));
    expect(other).not.toEqual(events.slice(0, 500));
    // The kinds and ids do not depend on the seed, only the drawn values do.
    expect(other.map((e) => e.kind)).toEqual(events.slice(0, 500).map((e) => e.kind));
  });

  it('mixes 1 person : 3 auctions : 46 bids in every 50 events (personProportion, auctionProportion, bidProportion)', () => {
    for (let epoch = 0; epoch < N / 50; epoch++) {
      const kinds = events.slice(epoch * 50, epoch * 50 + 50).map((e) => e.kind);
      expect(kinds[0]).toBe('person');
      expect(kinds.slice(1, 4)).toEqual(['auction', 'auction', 'auction']);
      expect(kinds.slice(4).every((k) => k === 'bid')).toBe(true);
    }
    expect([persons.length, auctions.length, bids.length]).toEqual([N / 50, (3 * N) / 50, (46 * N) / 50]);
  });

  it('numbers persons and auctions consecutively from FIRST_PERSON_ID and FIRST_AUCTION_ID', () => {
    expect(persons.map((p) => p.id)).toEqual(persons.map((_, i) => FIRST_PERSON_ID + i));
    expect(auctions.map((a) => a.id)).toEqual(auctions.map((_, i) => FIRST_AUCTION_ID + i));
    expect(new Set(auctions.map((a) => a.category))).toEqual(new Set([10, 11, 12, 13, 14]));
  });

  it('spaces event time by 1 000 000 / firstEventRate µs from baseTime', () => {
    expect(events.filter((e, i) => e.dateTime !== config.baseTime + Math.floor(i / 10))).toEqual([]);
    const fast = resolveNexmarkConfig({ firstEventRate: 1_000_000, baseTime: 0 });
    expect(generateEvent(fast, 12_345).dateTime).toBe(12);
    expect(auctions.filter((a) => !(a.expires > a.dateTime))).toEqual([]);
  });

  it('draws bids from recent and hot auctions and persons (hotAuctionRatio 2, hotBiddersRatio 4)', () => {
    let hotAuction = 0;
    let hotBidder = 0;
    let lastAuction = FIRST_AUCTION_ID - 1;
    let lastPerson = FIRST_PERSON_ID - 1;
    const outOfRange: Bid[] = [];
    for (const e of events) {
      if (e.kind === 'auction') lastAuction = e.id;
      else if (e.kind === 'person') lastPerson = e.id;
      else {
        // numInFlightAuctions 100 behind, up to AUCTION_ID_LEAD 10 ahead; numActivePeople 1000, PERSON_ID_LEAD 10.
        if (e.auction < Math.max(FIRST_AUCTION_ID, lastAuction - 100) || e.auction > lastAuction + 10) outOfRange.push(e);
        if (e.bidder < Math.max(FIRST_PERSON_ID, lastPerson - 1000) || e.bidder > lastPerson + 10) outOfRange.push(e);
        const hotA = Math.floor((lastAuction - FIRST_AUCTION_ID) / 100) * 100 + FIRST_AUCTION_ID;
        if (e.auction === hotA) hotAuction++;
        if (e.bidder === Math.floor((lastPerson - FIRST_PERSON_ID) / 100) * 100 + 1 + FIRST_PERSON_ID) hotBidder++;
      }
    }
    expect(outOfRange).toEqual([]);
    // P(hot) = 1 − 1/ratio, plus the random picks that land on the hot one.
    expect(hotAuction / bids.length).toBeGreaterThan(0.48);
    expect(hotAuction / bids.length).toBeLessThan(0.6);
    expect(hotBidder / bids.length).toBeGreaterThan(0.73);
    expect(hotBidder / bids.length).toBeLessThan(0.8);
    // Auctions by hot sellers (hotSellersRatio 4): the first person of the current batch of 100.
    const hotSellers = auctions.filter((a) => (a.seller - FIRST_PERSON_ID) % 100 === 0).length;
    expect(hotSellers / auctions.length).toBeGreaterThan(0.7);
  });

  it('draws prices, channels, URLs and extra sizes as the model defines', () => {
    expect(bids.every((b) => Number.isInteger(b.price) && b.price >= 100 && b.price <= 100_000_000)).toBe(true);
    // log-uniform over 6 decades: about a sixth below $10 (1000 cents)
    const cheap = bids.filter((b) => b.price < 1000).length / bids.length;
    expect(cheap).toBeGreaterThan(0.14);
    expect(cheap).toBeLessThan(0.19);
    const hot = bids.filter((b) => ['Google', 'Facebook', 'Baidu', 'Apple'].includes(b.channel)).length / bids.length;
    expect(hot).toBeGreaterThan(0.47);
    expect(hot).toBeLessThan(0.53);
    const url = /^https:\/\/www\.nexmark\.com\/[a-z_]+\/[a-z_]+\/[a-z_]+\/item\.htm\?query=1(&channel_id=\d+)?$/;
    expect(bids.filter((b) => !url.test(b.url))).toEqual([]);
    expect(bids.filter((b) => b.channel.startsWith('channel-') && !(Number(b.channel.slice(8)) < CHANNELS_NUMBER))).toEqual([]);
    const others = bids.filter((b) => b.channel.startsWith('channel-'));
    const withId = others.filter((b) => b.url.includes('channel_id=')).length / others.length;
    expect(withId).toBeGreaterThan(0.85);
    expect(withId).toBeLessThan(0.95);
    // nextExtra pads to avgBidByteSize 100 with 4 longs (32 bytes) counted: 68 − 14 + U[0, 28), mean 67.5.
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(bids.map((b) => b.extra.length))).toBeCloseTo(67.5, 0);
    expect(bids.filter((b) => !/^[a-z]{54,81}$/.test(b.extra))).toEqual([]);
    expect(mean(auctions.map((a) => 8 + a.itemName.length + a.description.length + 40 + a.extra.length))).toBeGreaterThan(480);
    expect(mean(persons.map((p) => 8 + p.name.length + p.emailAddress.length + p.creditCard.length + p.city.length + p.state.length + p.extra.length))).toBeGreaterThan(190);
    for (const p of persons) {
      expect(p.creditCard).toMatch(/^\d{4} \d{4} \d{4} \d{4}$/);
      expect(['AZ', 'CA', 'ID', 'OR', 'WA', 'WY']).toContain(p.state);
    }
  });

  it('permutes event numbers within out-of-order groups (outOfOrderGroupSize), bounded by maxOutOfOrderness', () => {
    const c = resolveNexmarkConfig({ seed: 1, outOfOrderGroupSize: 500 });
    const shuffled = Array.from({ length: 5000 }, (_, i) => generateEvent(c, i));
    let maxTs = Number.NEGATIVE_INFINITY;
    let maxLag = 0;
    for (const e of shuffled) {
      maxLag = Math.max(maxLag, maxTs - e.dateTime);
      maxTs = Math.max(maxTs, e.dateTime);
    }
    expect(maxLag).toBeGreaterThan(0);
    expect(maxLag).toBeLessThanOrEqual(maxOutOfOrderness(c));
    // A permutation within each group: the same multiset of timestamps as in order.
    const inOrder = Array.from({ length: 5000 }, (_, i) => generateEvent(resolveNexmarkConfig({ seed: 1 }), i).dateTime);
    expect(shuffled.map((e) => e.dateTime).sort((a, b) => a - b)).toEqual(inOrder);
  });

  it('gives the same events in columnar form, without an object per bid', () => {
    const batches = [generateBatch(config, 0, 7000), generateBatch(config, 7000, 13_000)];
    const fromColumns: NexmarkEvent[] = [];
    for (const b of batches) for (let i = 0; i < b.bids.length; i++) fromColumns.push(bidAt(b.bids, i));
    expect(fromColumns).toEqual(bids);
    expect(batches.flatMap((b) => Array.from({ length: b.persons.length }, (_, i) => personAt(b.persons, i)))).toEqual(persons);
    expect(batches.flatMap((b) => Array.from({ length: b.auctions.length }, (_, i) => auctionAt(b.auctions, i)))).toEqual(auctions);
    expect(batches[0]!.bids.price).toBeInstanceOf(Float64Array);
    // In stream order, kind by kind.
    const inOrder: NexmarkEvent[] = [];
    for (const b of batches) forEachEvent(b, (e) => inOrder.push(e));
    expect(inOrder).toEqual(events);
    // The object generator, a scratch batch at a time, from any position.
    const generator = new EventGenerator(resolveNexmarkConfig({ seed: 42, events: N }), 5);
    const made: NexmarkEvent[] = [];
    while (generator.next((e) => made.push(e), 3000) > 0);
    expect(made).toEqual(events.slice(5));
  });

  it('gives event i the same values alone and in a batch starting anywhere, in order or not, for any rate', () => {
    for (const cfg of [{ seed: 3, firstEventRate: 3000 }, { seed: 4, outOfOrderGroupSize: 37, firstEventRate: 700 }, { seed: 5, firstEventRate: 1, firstEventId: 9 }]) {
      const c = resolveNexmarkConfig(cfg);
      const fromBatch: NexmarkEvent[] = [];
      forEachEvent(generateBatch(c, 13, 500), (e) => fromBatch.push(e));
      expect(fromBatch).toEqual(Array.from({ length: 500 }, (_, i) => generateEvent(c, 13 + i)));
    }
  });

  it('is a bounded, replayable source in both forms', async () => {
    const collected = await nexmark({ seed: 42, events: 3000 }).collect();
    expect(collected).toEqual(events.slice(0, 3000));
    const batches = await nexmarkColumnar({ seed: 42, events: 10_000, eventsPerBatch: 4096 }).collect();
    expect(batches.map((b) => b.events)).toEqual([4096, 4096, 1808]);
    expect(batches.reduce((n, b) => n + b.bids.length, 0)).toBe(9200);
    // Resuming from a position (checkpoint recovery) continues with the same events.
    const reader = nexmarkSource({ seed: 42, events: 3000 }).createReader({ clock: new StreamEnvironment().clock, restoreFrom: 2990 });
    const rest: NexmarkEvent[] = [];
    expect(reader.read({ collect: (e) => rest.push(e) }, 100)).toBe('end');
    expect(rest).toEqual(events.slice(2990, 3000));
  });
});
