import type { Stream } from '../api/stream';
import type { WindowedStream } from '../api/windowed-stream';
import type { Aggregator, WindowResult } from './aggregator';
import {
  avgAggregator,
  countAggregator,
  countDistinctAggregator,
  firstAggregator,
  lastAggregator,
  maxAggregator,
  minAggregator,
  sumAggregator,
} from './builtins';

/**
 * A built-in aggregate: usable inside `aggregate({ name: ... })`, or alone right after `window(...)`,
 * where the result field is the aggregate's own name (`{ key, start, end, count }`).
 */
export interface AggregateStep<T, ACC, R, N extends string, K = unknown> extends Aggregator<T, ACC, R> {
  (source: WindowedStream<T, K>): Stream<WindowResult<K, { [F in N]: R }>>;
}

function step<T, ACC, R, N extends string, K>(name: N, aggregator: Aggregator<T, ACC, R>): AggregateStep<T, ACC, R, N, K> {
  const apply = (source: WindowedStream<T, K>): Stream<WindowResult<K, { [F in N]: R }>> =>
    source.aggregateNamed({ [name]: aggregator } as Record<string, Aggregator<T, unknown, unknown>>) as Stream<
      WindowResult<K, { [F in N]: R }>
    >;
  return Object.assign(apply, aggregator) as AggregateStep<T, ACC, R, N, K>;
}

/** Number of elements per window. */
export function count<T = unknown, K = unknown>(): AggregateStep<T, number, number, 'count', K> {
  return step('count', countAggregator<T>());
}

/** Sum of `field` per window. */
export function sum<T, K = unknown>(field: (value: T) => number): AggregateStep<T, number, number, 'sum', K> {
  return step('sum', sumAggregator(field));
}

/** Minimum of `field` per window. */
export function min<T, K = unknown>(field: (value: T) => number): AggregateStep<T, number, number, 'min', K> {
  return step('min', minAggregator(field));
}

/** Maximum of `field` per window. */
export function max<T, K = unknown>(field: (value: T) => number): AggregateStep<T, number, number, 'max', K> {
  return step('max', maxAggregator(field));
}

/** Mean of `field` per window, as a double. */
export function avg<T, K = unknown>(field: (value: T) => number): AggregateStep<T, { sum: number; count: number }, number, 'avg', K> {
  return step('avg', avgAggregator(field));
}

/** First value of `field` per window, in arrival order. */
export function first<T, V, K = unknown>(field: (value: T) => V): AggregateStep<T, { set: boolean; value: V | undefined }, V | undefined, 'first', K> {
  return step('first', firstAggregator(field));
}

/** Last value of `field` per window, in arrival order. */
export function last<T, V, K = unknown>(field: (value: T) => V): AggregateStep<T, { set: boolean; value: V | undefined }, V | undefined, 'last', K> {
  return step('last', lastAggregator(field));
}

/** Exact number of distinct values of `field` per window. */
export function countDistinct<T, V, K = unknown>(field: (value: T) => V): AggregateStep<T, Set<V>, number, 'countDistinct', K> {
  return step('countDistinct', countDistinctAggregator(field));
}

