import type { Aggregator } from './aggregator';

/** The error for a field function of aggregate `kind` that returned `x`, not a number. */
export function notANumber(kind: string, x: unknown): TypeError {
  return new TypeError(`${kind}: the field function returned ${typeof x} ${String(x)}, not a number`);
}

/** Reads a numeric field; anything but a number is an error naming the aggregate. */
function numeric<T>(kind: string, field: (value: T) => number): (value: T) => number {
  return (value) => {
    const x = field(value);
    if (typeof x !== 'number') throw notANumber(kind, x);
    return x;
  };
}

/** Number of elements. */
export function countAggregator<T>(): Aggregator<T, number, number> {
  return {
    kind: 'count',
    createAccumulator: () => 0,
    add: (_v, acc) => acc + 1,
    getResult: (acc) => acc,
    merge: (a, b) => a + b,
  };
}

/** Sum of a numeric field, added in arrival order. */
export function sumAggregator<T>(field: (value: T) => number): Aggregator<T, number, number> {
  const read = numeric('sum', field);
  return {
    kind: 'sum',
    field,
    createAccumulator: () => 0,
    add: (v, acc) => acc + read(v),
    getResult: (acc) => acc,
    merge: (a, b) => a + b,
  };
}

/** Smallest value of a numeric field (`Math.min`: NaN wins, −0 < +0). */
export function minAggregator<T>(field: (value: T) => number): Aggregator<T, number, number> {
  const read = numeric('min', field);
  return {
    kind: 'min',
    field,
    createAccumulator: () => Number.POSITIVE_INFINITY,
    add: (v, acc) => Math.min(acc, read(v)),
    getResult: (acc) => acc,
    merge: (a, b) => Math.min(a, b),
  };
}

/** Largest value of a numeric field (`Math.max`: NaN wins, +0 > −0). */
export function maxAggregator<T>(field: (value: T) => number): Aggregator<T, number, number> {
  const read = numeric('max', field);
  return {
    kind: 'max',
    field,
    createAccumulator: () => Number.NEGATIVE_INFINITY,
    add: (v, acc) => Math.max(acc, read(v)),
    getResult: (acc) => acc,
    merge: (a, b) => Math.max(a, b),
  };
}

interface AvgAccumulator {
  sum: number;
  count: number;
}

/** Arithmetic mean of a numeric field, as a double (sum / count). */
export function avgAggregator<T>(field: (value: T) => number): Aggregator<T, AvgAccumulator, number> {
  const read = numeric('avg', field);
  return {
    kind: 'avg',
    field,
    createAccumulator: () => ({ sum: 0, count: 0 }),
    add: (v, acc) => {
      acc.sum += read(v);
      acc.count++;
      return acc;
    },
    getResult: (acc) => acc.sum / acc.count,
    merge: (a, b) => ({ sum: a.sum + b.sum, count: a.count + b.count }),
  };
}

interface Slot<V> {
  set: boolean;
  value: V | undefined;
}

/** The first value in arrival order. */
export function firstAggregator<T, V>(field: (value: T) => V): Aggregator<T, Slot<V>, V | undefined> {
  return {
    kind: 'first',
    field,
    createAccumulator: () => ({ set: false, value: undefined }),
    add: (v, acc) => {
      if (!acc.set) {
        acc.set = true;
        acc.value = field(v);
      }
      return acc;
    },
    getResult: (acc) => acc.value,
    merge: (a, b) => (a.set ? a : b),
  };
}

/** The last value in arrival order. */
export function lastAggregator<T, V>(field: (value: T) => V): Aggregator<T, Slot<V>, V | undefined> {
  return {
    kind: 'last',
    field,
    createAccumulator: () => ({ set: false, value: undefined }),
    add: (v, acc) => {
      acc.set = true;
      acc.value = field(v);
      return acc;
    },
    getResult: (acc) => acc.value,
    merge: (a, b) => (b.set ? b : a),
  };
}

/** Exact number of distinct values (SameValueZero equality). */
export function countDistinctAggregator<T, V>(field: (value: T) => V): Aggregator<T, Set<V>, number> {
  return {
    kind: 'countDistinct',
    field,
    createAccumulator: () => new Set<V>(),
    add: (v, acc) => acc.add(field(v)),
    getResult: (acc) => acc.size,
    merge: (a, b) => {
      for (const x of b) a.add(x);
      return a;
    },
  };
}
