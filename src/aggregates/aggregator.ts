import type { AggregateFunction } from '../state/descriptors';

/**
 * A built-in or user aggregate over a window: Flink's `AggregateFunction` plus a name. Built-ins
 * also say which field they read (`field`: numeric for sum, min, max and avg; any value for first,
 * last and countDistinct), so the columnar kernels can run them.
 */
export interface Aggregator<T, ACC, R> extends AggregateFunction<T, ACC, R> {
  readonly kind: string;
  readonly field?: (value: T) => unknown;
}

/** The result type of an aggregator. */
export type AggregatorResult<A> = A extends { getResult(accumulator: never): infer R } ? R : never;

/** A window result: the key, the window `[start, end)` and one field per named aggregate. */
export type WindowResult<K, R> = { key: K; start: number; end: number } & R;

/** The named aggregates of `aggregate({...})` folded into one accumulator array. */
export function compositeAggregate<T>(
  aggregators: ReadonlyArray<Aggregator<T, unknown, unknown>>,
): AggregateFunction<T, unknown[], unknown[]> {
  const n = aggregators.length;
  return {
    createAccumulator() {
      const acc = new Array<unknown>(n);
      for (let i = 0; i < n; i++) acc[i] = aggregators[i]!.createAccumulator();
      return acc;
    },
    add(value, acc) {
      for (let i = 0; i < n; i++) acc[i] = aggregators[i]!.add(value, acc[i]);
      return acc;
    },
    getResult(acc) {
      return acc.map((a, i) => aggregators[i]!.getResult(a));
    },
    merge(a, b) {
      for (let i = 0; i < n; i++) a[i] = aggregators[i]!.merge(a[i], b[i]);
      return a;
    },
  };
}
