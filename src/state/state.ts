import type {
  AggregatingStateDescriptor,
  AnyStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  ValueStateDescriptor,
} from './descriptors';

/** Keyed state handles, scoped to the key of the record being processed (Flink's state interfaces). */

export interface ValueState<T> {
  /** The value for the current key, or the descriptor's default (else `undefined`). */
  value(): T | undefined;
  update(value: T): void;
  clear(): void;
}

export interface ListState<T> {
  get(): T[];
  add(value: T): void;
  addAll(values: Iterable<T>): void;
  update(values: Iterable<T>): void;
  clear(): void;
}

export interface MapState<UK, UV> {
  get(key: UK): UV | undefined;
  put(key: UK, value: UV): void;
  putAll(entries: Iterable<readonly [UK, UV]>): void;
  remove(key: UK): void;
  contains(key: UK): boolean;
  entries(): Array<[UK, UV]>;
  keys(): UK[];
  values(): UV[];
  isEmpty(): boolean;
  clear(): void;
}

export interface ReducingState<T> {
  get(): T | undefined;
  add(value: T): void;
  clear(): void;
}

export interface AggregatingState<IN, OUT> {
  get(): OUT | undefined;
  add(value: IN): void;
  clear(): void;
}

/** The state handle a descriptor gives: `StateFor<ValueStateDescriptor<number>>` is `ValueState<number>`. */
export type StateFor<D extends AnyStateDescriptor> =
  D extends ValueStateDescriptor<infer T>
    ? ValueState<T>
    : D extends ListStateDescriptor<infer T>
      ? ListState<T>
      : D extends MapStateDescriptor<infer UK, infer UV>
        ? MapState<UK, UV>
        : D extends ReducingStateDescriptor<infer T>
          ? ReducingState<T>
          : D extends AggregatingStateDescriptor<infer IN, unknown, infer OUT>
            ? AggregatingState<IN, OUT>
            : never;
