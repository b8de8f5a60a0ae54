import type { Stream } from '../../api/stream';
import { watermarks } from '../../operators/watermarks';
import type { AggregateFunction } from '../../state/descriptors';
import type { NexmarkEvent } from '../model';

/** Options every event-time query takes. */
export interface NexmarkQueryOptions {
  /**
   * Watermark bound in ms. Default 4000: the Flink suite's `WATERMARK FOR dateTime AS dateTime -
   * INTERVAL '4' SECOND` (ddl_gen.sql). Raise it to at least `maxOutOfOrderness(config)` when the
   * generator runs with large out-of-order groups.
   */
  readonly outOfOrderness?: number;
}

/** Flink's DDL watermark bound (ddl_gen.sql). */
export const DEFAULT_OUT_OF_ORDERNESS = 4000;
export const DAY_MS = 86_400_000;

/** Assigns event time (`dateTime`) and bounded-out-of-orderness watermarks, as the Flink DDL does. */
export function withEventTime(events: Stream<NexmarkEvent>, options: NexmarkQueryOptions = {}): Stream<NexmarkEvent> {
  return events.pipe(watermarks({ timestamp: (e: NexmarkEvent) => e.dateTime, outOfOrderness: options.outOfOrderness ?? DEFAULT_OUT_OF_ORDERNESS }));
}

/** Flink's `DATE_FORMAT(dateTime, 'yyyy-MM-dd')` for a UTC timestamp. */
export function formatDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Flink's `DATE_FORMAT(dateTime, 'HH:mm')` for a UTC timestamp. */
export function formatMinute(ms: number): string {
  return new Date(ms).toISOString().slice(11, 16);
}

/** The price ranks of q15–q17: rank 1 below $100, rank 2 below $10 000, rank 3 the rest (in cents). */
export function priceRank(price: number): 1 | 2 | 3 {
  return price < 10_000 ? 1 : price < 1_000_000 ? 2 : 3;
}

/**
 * The ids a dense array whose entry 0 stands for id `base` holds: from its first to one past its
 * last non-zero entry; `undefined` when it holds none. A dense range that grows is sized from
 * this, not from the array's length: the array keeps room ahead of the ids, and counting that room
 * in at each widening doubled the array every time, up to its cap, for a fraction of the ids.
 */
export function usedRange(values: ArrayLike<number>, base: number): { readonly lo: number; readonly hi: number } | undefined {
  let first = 0;
  while (first < values.length && values[first] === 0) first++;
  if (first === values.length) return undefined;
  let last = values.length - 1;
  while (values[last] === 0) last--;
  return { lo: base + first, hi: base + last + 1 };
}

/** The accumulator of `highestBy`: the highest score so far and the elements that have it. */
export interface Highest<T> {
  score: number;
  items: T[];
}

/**
 * An incremental aggregate that keeps the elements with the highest `score` seen, ties in arrival
 * order (usually one, so the accumulator stays tiny): q5's hottest auctions, q7's highest bids.
 */
export function highestBy<T>(score: (value: T) => number): AggregateFunction<T, Highest<T>, T[]> {
  return {
    createAccumulator: () => ({ score: Number.NEGATIVE_INFINITY, items: [] }),
    add(value, acc) {
      const s = score(value);
      if (s > acc.score) {
        acc.score = s;
        acc.items = [value];
      } else if (s === acc.score) {
        acc.items.push(value);
      }
      return acc;
    },
    getResult: (acc) => acc.items,
    merge: (a, b) => (a.score > b.score ? a : b.score > a.score ? b : { score: a.score, items: [...a.items, ...b.items] }),
  };
}
