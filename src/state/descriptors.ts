import { ConfigurationError } from '../errors';

/**
 * Time-to-live of state entries (Flink's `StateTtlConfig`). TTL runs on processing time. The
 * defaults are Flink's: the timestamp refreshes on create and write, and an expired value is never
 * returned.
 */
export interface StateTtlConfig {
  readonly ttl: number;
  readonly updateType?: 'OnCreateAndWrite' | 'OnReadAndWrite';
  readonly visibility?: 'NeverReturnExpired' | 'ReturnExpiredIfNotCleanedUp';
}

/** Flink's `ReduceFunction`. (Method syntax keeps descriptors of any element type assignable to one another.) */
export type ReduceFunction<T> = { reduce(a: T, b: T): T }['reduce'];

/** Flink's `AggregateFunction`: an accumulator built incrementally, merged for session windows. */
export interface AggregateFunction<IN, ACC, OUT> {
  createAccumulator(): ACC;
  /** Adds `value`; may mutate `accumulator` and return it. */
  add(value: IN, accumulator: ACC): ACC;
  getResult(accumulator: ACC): OUT;
  merge(a: ACC, b: ACC): ACC;
}

abstract class StateDescriptor<K extends string> {
  constructor(
    readonly kind: K,
    readonly name: string,
    readonly ttl: StateTtlConfig | undefined,
  ) {
    if (typeof name !== 'string' || name.length === 0) throw new ConfigurationError('A state descriptor needs a name');
    if (ttl !== undefined && (!Number.isFinite(ttl.ttl) || ttl.ttl <= 0)) {
      throw new ConfigurationError(`State "${name}": ttl must be a finite number of ms > 0, got ${ttl.ttl}`);
    }
  }
}

/** Describes a `ValueState<T>`; `defaultValue` is returned when the key has no value. */
export class ValueStateDescriptor<T> extends StateDescriptor<'value'> {
  constructor(
    name: string,
    readonly options: { readonly defaultValue?: T; readonly ttl?: StateTtlConfig } = {},
  ) {
    super('value', name, options.ttl);
  }
}

export class ListStateDescriptor<T> extends StateDescriptor<'list'> {
  declare readonly __element?: T;
  constructor(name: string, options: { readonly ttl?: StateTtlConfig } = {}) {
    super('list', name, options.ttl);
  }
}

export class MapStateDescriptor<UK, UV> extends StateDescriptor<'map'> {
  declare readonly __entry?: [UK, UV];
  constructor(name: string, options: { readonly ttl?: StateTtlConfig } = {}) {
    super('map', name, options.ttl);
  }
}

export class ReducingStateDescriptor<T> extends StateDescriptor<'reducing'> {
  constructor(
    name: string,
    readonly reduce: ReduceFunction<T>,
    options: { readonly ttl?: StateTtlConfig } = {},
  ) {
    super('reducing', name, options.ttl);
  }
}

export class AggregatingStateDescriptor<IN, ACC, OUT> extends StateDescriptor<'aggregating'> {
  constructor(
    name: string,
    readonly aggregate: AggregateFunction<IN, ACC, OUT>,
    options: { readonly ttl?: StateTtlConfig } = {},
  ) {
    super('aggregating', name, options.ttl);
  }
}

export type AnyStateDescriptor =
  | ValueStateDescriptor<unknown>
  | ListStateDescriptor<unknown>
  | MapStateDescriptor<unknown, unknown>
  | ReducingStateDescriptor<unknown>
  | AggregatingStateDescriptor<unknown, unknown, unknown>;
