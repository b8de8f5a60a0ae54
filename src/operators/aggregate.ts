import type { AggregatorResult, Aggregator, WindowResult } from '../aggregates/aggregator';
import type { OperatorOptions, Stream } from '../api/stream';
import type { WindowedStream } from '../api/windowed-stream';
import { ConfigurationError } from '../errors';
import type { AggregateFunction } from '../state/descriptors';

/** Named aggregates: `{ n: count(), total: sum(b => b.price) }`. */
export type NamedAggregates<T> = Readonly<Record<string, Aggregator<T, unknown, unknown>>>;

/** The fields a set of named aggregates produces. */
export type AggregateResults<A> = { -readonly [N in keyof A]: AggregatorResult<A[N]> };

/**
 * Aggregates each window incrementally. With named aggregates each result is
 * `{ key, start, end, ...one field per aggregate }`; with a Flink `AggregateFunction` it is the
 * function's `getResult`.
 *
 * @example
 * window(tumbling(10_000)), aggregate({ bids: count(), total: sum(b => b.price), top: max(b => b.price) })
 */
export function aggregate<T, K, A extends NamedAggregates<T>>(
  aggregates: A,
  options?: OperatorOptions,
): (source: WindowedStream<T, K>) => Stream<WindowResult<K, AggregateResults<A>>>;
export function aggregate<T, K, ACC, R>(fn: AggregateFunction<T, ACC, R>, options?: OperatorOptions): (source: WindowedStream<T, K>) => Stream<R>;
export function aggregate<T, K>(
  spec: NamedAggregates<T> | AggregateFunction<T, unknown, unknown>,
  options: OperatorOptions = {},
): (source: WindowedStream<T, K>) => Stream<unknown> {
  if (spec === null || typeof spec !== 'object') throw new ConfigurationError('aggregate needs named aggregates or an AggregateFunction');
  if (isAggregateFunction(spec)) return (source) => source.aggregateWith(spec, options);
  for (const [name, a] of Object.entries(spec)) {
    if (!isAggregateFunction(a)) throw new ConfigurationError(`aggregate: "${name}" is not an aggregate (use count(), sum(...), ...)`);
  }
  return (source) => source.aggregateNamed(spec as Readonly<Record<string, Aggregator<T, unknown, unknown>>>, options);
}

function isAggregateFunction(x: unknown): x is AggregateFunction<never, unknown, unknown> {
  const f = x as Partial<AggregateFunction<never, unknown, unknown>>;
  return typeof f.createAccumulator === 'function' && typeof f.add === 'function' && typeof f.getResult === 'function';
}
