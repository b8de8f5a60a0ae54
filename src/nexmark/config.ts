import { ConfigurationError } from '../errors';

/**
 * What the Nexmark generator produces. Names and defaults are those of the Flink Nexmark suite's
 * `NexmarkConfiguration` (nexmark/nexmark), except `seed` and `baseTime`, which make runs
 * reproducible (Flink's suite draws from an unseeded `java.util.Random` and starts at the wall
 * clock).
 */
export interface NexmarkConfig {
  /** Seed of the pseudo-random draws; the same seed gives the same events. Default 0. */
  readonly seed?: number;
  /** Number of events; unbounded when absent (Flink's `numEvents`, 0 = unbounded). */
  readonly events?: number;
  /** Events per second of event time (Flink's `firstEventRate`, 10 000); spaces the timestamps. */
  readonly firstEventRate?: number;
  /** Generators sharing the rate (Flink's `numEventGenerators`, 1): each event is this many times further apart. */
  readonly numEventGenerators?: number;
  /** Event mix: 1 person : 3 auctions : 46 bids (Flink's `personProportion` etc.). */
  readonly personProportion?: number;
  readonly auctionProportion?: number;
  readonly bidProportion?: number;
  /** Average sizes the `extra` fields pad events to, in bytes (200, 500, 100). */
  readonly avgPersonByteSize?: number;
  readonly avgAuctionByteSize?: number;
  readonly avgBidByteSize?: number;
  /** A bid goes to a 'hot' auction with probability 1 − 1/hotAuctionRatio (2). */
  readonly hotAuctionRatio?: number;
  /** An auction is by a 'hot' seller with probability 1 − 1/hotSellersRatio (4). */
  readonly hotSellersRatio?: number;
  /** A bid is by a 'hot' bidder with probability 1 − 1/hotBiddersRatio (4). */
  readonly hotBiddersRatio?: number;
  /** Auctions open at any time, on average (100); also sets auction lengths. */
  readonly numInFlightAuctions?: number;
  /** People considered active for new auctions and bids (1000). */
  readonly numActivePeople?: number;
  /**
   * Events per out-of-order group (1: in order). Within a group of n events, event numbers — and
   * hence timestamps and ids — are permuted (`(number · 953) mod n`), as in Flink's
   * `GeneratorConfig.nextAdjustedEventNumber`; see `maxOutOfOrderness`.
   */
  readonly outOfOrderGroupSize?: number;
  /** Event time of event number 0, epoch ms. Default 2025-01-01T00:00:00Z. */
  readonly baseTime?: number;
  /** Id of the first event (Flink's `firstEventId`, 0): ids seed the draws and pick the event kind. */
  readonly firstEventId?: number;
  /** Number of the first event (Flink's `firstEventNumber`, 0): numbers give the timestamps. */
  readonly firstEventNumber?: number;
}

/** A `NexmarkConfig` with every default filled in, plus derived values. */
export interface ResolvedNexmarkConfig extends Required<Omit<NexmarkConfig, 'events'>> {
  /** Number of events, `Infinity` when unbounded. */
  readonly events: number;
  readonly totalProportion: number;
  /** Microseconds of event time between consecutive events (Flink's `interEventDelayUs`). */
  readonly interEventDelayUs: number;
}

/** Flink's `GeneratorConfig.FIRST_PERSON_ID`. */
export const FIRST_PERSON_ID = 1000;
/** Flink's `GeneratorConfig.FIRST_AUCTION_ID`. */
export const FIRST_AUCTION_ID = 1000;
/** Flink's `GeneratorConfig.FIRST_CATEGORY_ID`. */
export const FIRST_CATEGORY_ID = 10;
/** 2025-01-01T00:00:00Z: the default base time (a day boundary, so q15–q17's days are whole). */
export const DEFAULT_BASE_TIME = Date.UTC(2025, 0, 1);

const DEFAULTS = {
  seed: 0,
  firstEventRate: 10_000,
  numEventGenerators: 1,
  personProportion: 1,
  auctionProportion: 3,
  bidProportion: 46,
  avgPersonByteSize: 200,
  avgAuctionByteSize: 500,
  avgBidByteSize: 100,
  hotAuctionRatio: 2,
  hotSellersRatio: 4,
  hotBiddersRatio: 4,
  numInFlightAuctions: 100,
  numActivePeople: 1000,
  outOfOrderGroupSize: 1,
  baseTime: DEFAULT_BASE_TIME,
  firstEventId: 0,
  firstEventNumber: 0,
} as const;

/**
 * Fills in the defaults and checks the values.
 *
 * @example
 * const c = resolveNexmarkConfig({ events: 1_000_000, firstEventRate: 100_000 });
 * c.interEventDelayUs; // 10
 */
export function resolveNexmarkConfig(config: NexmarkConfig = {}): ResolvedNexmarkConfig {
  const c = { ...DEFAULTS, ...stripUndefined(config) };
  const events = config.events ?? Number.POSITIVE_INFINITY;
  if (!(events >= 0) || (Number.isFinite(events) && !Number.isInteger(events))) {
    throw new ConfigurationError(`nexmark: events must be a whole number ≥ 0, got ${events}`);
  }
  for (const name of [
    'firstEventRate',
    'numEventGenerators',
    'hotAuctionRatio',
    'hotSellersRatio',
    'hotBiddersRatio',
    'numInFlightAuctions',
    'numActivePeople',
    'outOfOrderGroupSize',
  ] as const) {
    const v = c[name];
    if (!Number.isInteger(v) || v <= 0) throw new ConfigurationError(`nexmark: ${name} must be a positive integer, got ${v}`);
  }
  for (const name of ['personProportion', 'auctionProportion', 'bidProportion', 'firstEventId', 'firstEventNumber'] as const) {
    const v = c[name];
    if (!Number.isInteger(v) || v < 0) throw new ConfigurationError(`nexmark: ${name} must be an integer ≥ 0, got ${v}`);
  }
  if (!Number.isFinite(c.baseTime)) throw new ConfigurationError(`nexmark: baseTime must be epoch ms, got ${c.baseTime}`);
  const totalProportion = c.personProportion + c.auctionProportion + c.bidProportion;
  if (totalProportion === 0) throw new ConfigurationError('nexmark: the event proportions must not all be 0');
  return {
    ...c,
    seed: c.seed | 0,
    events,
    totalProportion,
    interEventDelayUs: (1_000_000 / c.firstEventRate) * c.numEventGenerators,
  };
}

/**
 * The largest amount by which an event's timestamp can trail one emitted before it, in ms: a
 * watermark bound (`watermarks({ outOfOrderness })`) at least this large makes no event late.
 *
 * @example
 * maxOutOfOrderness(resolveNexmarkConfig({ outOfOrderGroupSize: 1000 })); // 100 (ms, at 10 000 events/s)
 */
export function maxOutOfOrderness(config: ResolvedNexmarkConfig): number {
  return Math.ceil(((config.outOfOrderGroupSize - 1) * config.interEventDelayUs) / 1000) + 1;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
