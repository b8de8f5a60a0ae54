import type { AggregateFunction, ReduceFunction, StateTtlConfig } from './descriptors';
import { mapKeyOf } from './key-groups';
import type { AggregatingState, ListState, MapState, ReducingState, ValueState } from './state';
import type { StateTable } from './state-table';

/** The namespace of state that is not scoped to a window. */
export const VOID_NAMESPACE: unknown = null;

/** Where the heap states find the current key and processing time. */
export interface StateScope {
  readonly currentMapKey: unknown;
  now(): number;
}

interface Stamped<V> {
  v: V;
  t: number;
}

/**
 * A heap state, scoped to the backend's current key and to its own current namespace. With TTL,
 * entries are stored stamped with their last-access time and checked on every read (Flink's
 * cleanup-on-read; expired entries are removed when seen).
 */
abstract class HeapState<V> {
  namespace: unknown = VOID_NAMESPACE;
  protected readonly ttlMs: number;
  protected readonly refreshOnRead: boolean;
  protected readonly returnExpired: boolean;

  constructor(
    readonly name: string,
    readonly table: StateTable,
    protected readonly scope: StateScope,
    ttl: StateTtlConfig | undefined,
  ) {
    this.ttlMs = ttl?.ttl ?? 0;
    this.refreshOnRead = ttl?.updateType === 'OnReadAndWrite';
    this.returnExpired = ttl?.visibility === 'ReturnExpiredIfNotCleanedUp';
  }

  setCurrentNamespace(namespace: unknown): void {
    this.namespace = namespace;
  }

  clear(): void {
    this.table.deleteValue(this.scope.currentMapKey, this.namespace);
  }

  /** Merges the namespaces `sources` into `target` (session windows). */
  abstract mergeNamespaces(target: unknown, sources: readonly unknown[]): void;

  protected getRaw(): V | undefined {
    const stored = this.table.get(this.scope.currentMapKey)?.get(this.namespace);
    if (stored === undefined) return undefined;
    if (this.ttlMs === 0) return stored as V;
    const s = stored as Stamped<V>;
    const now = this.scope.now();
    if (s.t + this.ttlMs <= now) {
      // Flink cleans up an expired value when it reads it, and returns it this once if asked to.
      this.clear();
      return this.returnExpired ? s.v : undefined;
    }
    if (this.refreshOnRead) s.t = now;
    return s.v;
  }

  protected setRaw(value: V): void {
    this.writeStored(this.ttlMs === 0 ? value : ({ v: value, t: this.scope.now() } satisfies Stamped<V>));
  }

  /** The stored value as it is (containers of per-element stamps for list and map state). */
  protected readStored(): unknown {
    return this.table.get(this.scope.currentMapKey)?.get(this.namespace);
  }

  protected writeStored(stored: unknown): void {
    this.table.getOrCreate(this.scope.currentMapKey).set(this.namespace, stored);
  }

  /** Removes and returns the value of `namespace` (TTL-checked for scalar states, raw for containers). */
  protected takeNamespace(namespace: unknown, raw = false): unknown {
    const saved = this.namespace;
    this.namespace = namespace;
    const value = raw ? this.readStored() : this.getRaw();
    if (value !== undefined) this.clear();
    this.namespace = saved;
    return value;
  }
}

export class HeapValueState<T> extends HeapState<T> implements ValueState<T> {
  constructor(
    name: string,
    table: StateTable,
    scope: StateScope,
    ttl: StateTtlConfig | undefined,
    private readonly defaultValue: T | undefined,
  ) {
    super(name, table, scope, ttl);
  }

  value(): T | undefined {
    const v = this.getRaw();
    if (v !== undefined) return v;
    const d = this.defaultValue;
    // Flink hands out a copy of the default, so no key can change it for the others.
    return typeof d === 'object' && d !== null ? structuredClone(d) : d;
  }

  update(value: T): void {
    if (value === undefined) this.clear();
    else this.setRaw(value);
  }

  mergeNamespaces(): void {
    throw new Error(`ValueState "${this.name}" cannot be merged`);
  }
}

/** List state; with TTL every element carries its own timestamp, as in Flink. */
export class HeapListState<T> extends HeapState<Array<T | Stamped<T>>> implements ListState<T> {
  get(): T[] {
    const list = this.getRawList();
    if (list === undefined) return [];
    if (this.ttlMs === 0) return (list as T[]).slice();
    const now = this.scope.now();
    const live: Array<Stamped<T>> = [];
    const out: T[] = [];
    for (const e of list as Array<Stamped<T>>) {
      const unexpired = e.t + this.ttlMs > now;
      // Expired elements are dropped (returned this once under ReturnExpiredIfNotCleanedUp) and
      // never refreshed, as in Flink's TtlListState.
      if (unexpired || this.returnExpired) out.push(e.v);
      if (unexpired) {
        if (this.refreshOnRead) e.t = now;
        live.push(e);
      }
    }
    if (live.length !== list.length) {
      if (live.length === 0) this.clear();
      else this.writeStored(live);
    }
    return out;
  }

  add(value: T): void {
    this.append(value);
  }

  /** Adds `value`; returns whether the list existed before. */
  append(value: T): boolean {
    const list = this.getRawList();
    const item = this.ttlMs === 0 ? value : { v: value, t: this.scope.now() };
    if (list === undefined) this.writeStored([item]);
    else list.push(item);
    return list !== undefined;
  }

  addAll(values: Iterable<T>): void {
    for (const v of values) this.add(v);
  }

  update(values: Iterable<T>): void {
    this.clear();
    this.addAll(values);
  }

  mergeNamespaces(target: unknown, sources: readonly unknown[]): void {
    const saved = this.namespace;
    const merged: Array<T | Stamped<T>> = [];
    for (const ns of sources) merged.push(...((this.takeNamespace(ns, true) as Array<T | Stamped<T>> | undefined) ?? []));
    this.namespace = target;
    if (merged.length > 0) {
      const list = this.getRawList();
      if (list === undefined) this.writeStored(merged);
      else list.push(...merged);
    }
    this.namespace = saved;
  }

  /** The stored array itself (no TTL filtering: element stamps are checked in `get`). */
  private getRawList(): Array<T | Stamped<T>> | undefined {
    return this.readStored() as Array<T | Stamped<T>> | undefined;
  }
}

interface MapEntry<UK, UV> {
  readonly k: UK;
  v: UV;
  t: number;
}

/**
 * Map state; with TTL every entry carries its own timestamp, as in Flink. User keys are stored
 * under the same canonical form as stream keys (`mapKeyOf`), each entry keeping its original key.
 */
export class HeapMapState<UK, UV> extends HeapState<Map<unknown, MapEntry<UK, UV>>> implements MapState<UK, UV> {
  get(key: UK): UV | undefined {
    const m = this.rawMap(false);
    return m === undefined ? undefined : this.read(m, mapKeyOf(key));
  }

  put(key: UK, value: UV): void {
    const t = this.ttlMs === 0 ? 0 : this.scope.now();
    this.rawMap(true)!.set(mapKeyOf(key), { k: key, v: value, t });
  }

  putAll(entries: Iterable<readonly [UK, UV]>): void {
    for (const [k, v] of entries) this.put(k, v);
  }

  remove(key: UK): void {
    const m = this.rawMap(false);
    if (m === undefined) return;
    m.delete(mapKeyOf(key));
    if (m.size === 0) this.clear();
  }

  contains(key: UK): boolean {
    return this.get(key) !== undefined;
  }

  entries(): Array<[UK, UV]> {
    const m = this.rawMap(false);
    if (m === undefined) return [];
    const out: Array<[UK, UV]> = [];
    for (const [mk, entry] of [...m]) {
      const v = this.read(m, mk);
      if (v !== undefined) out.push([entry.k, v]);
    }
    return out;
  }

  keys(): UK[] {
    return this.entries().map((e) => e[0]);
  }

  values(): UV[] {
    return this.entries().map((e) => e[1]);
  }

  isEmpty(): boolean {
    return this.entries().length === 0;
  }

  mergeNamespaces(): void {
    throw new Error(`MapState "${this.name}" cannot be merged`);
  }

  private rawMap(create: boolean): Map<unknown, MapEntry<UK, UV>> | undefined {
    let m = this.readStored() as Map<unknown, MapEntry<UK, UV>> | undefined;
    if (m === undefined && create) {
      m = new Map();
      this.writeStored(m);
    }
    return m;
  }

  private read(m: Map<unknown, MapEntry<UK, UV>>, mk: unknown): UV | undefined {
    const entry = m.get(mk);
    if (entry === undefined || this.ttlMs === 0) return entry?.v;
    const now = this.scope.now();
    if (entry.t + this.ttlMs <= now) {
      m.delete(mk);
      if (m.size === 0) this.clear();
      return this.returnExpired ? entry.v : undefined;
    }
    if (this.refreshOnRead) entry.t = now;
    return entry.v;
  }
}

export class HeapReducingState<T> extends HeapState<T> implements ReducingState<T> {
  constructor(
    name: string,
    table: StateTable,
    scope: StateScope,
    ttl: StateTtlConfig | undefined,
    private readonly reduce: ReduceFunction<T>,
  ) {
    super(name, table, scope, ttl);
  }

  get(): T | undefined {
    return this.getRaw();
  }

  add(value: T): void {
    this.append(value);
  }

  /** Adds `value`; returns whether a value existed before. */
  append(value: T): boolean {
    const current = this.getRaw();
    this.setRaw(current === undefined ? value : this.reduce(current, value));
    return current !== undefined;
  }

  mergeNamespaces(target: unknown, sources: readonly unknown[]): void {
    const saved = this.namespace;
    let merged: T | undefined;
    for (const ns of sources) {
      const v = this.takeNamespace(ns) as T | undefined;
      if (v !== undefined) merged = merged === undefined ? v : this.reduce(merged, v);
    }
    if (merged !== undefined) {
      this.namespace = target;
      const current = this.getRaw();
      this.setRaw(current === undefined ? merged : this.reduce(current, merged));
    }
    this.namespace = saved;
  }
}

export class HeapAggregatingState<IN, ACC, OUT> extends HeapState<ACC> implements AggregatingState<IN, OUT> {
  constructor(
    name: string,
    table: StateTable,
    scope: StateScope,
    ttl: StateTtlConfig | undefined,
    readonly fn: AggregateFunction<IN, ACC, OUT>,
  ) {
    super(name, table, scope, ttl);
  }

  get(): OUT | undefined {
    const acc = this.getRaw();
    return acc === undefined ? undefined : this.fn.getResult(acc);
  }

  /** The accumulator itself (window functions read it without a copy). */
  getAccumulator(): ACC | undefined {
    return this.getRaw();
  }

  add(value: IN): void {
    this.append(value);
  }

  /**
   * Adds `value`; returns whether an accumulator existed before. Without TTL this is the window
   * hot path: one lookup of the key, one of the namespace, and no write back when the function
   * mutated the accumulator in place.
   */
  append(value: IN): boolean {
    if (this.ttlMs !== 0) {
      const acc = this.getRaw();
      this.setRaw(this.fn.add(value, acc === undefined ? this.fn.createAccumulator() : acc));
      return acc !== undefined;
    }
    const entry = this.table.getOrCreate(this.scope.currentMapKey);
    const acc = entry.get(this.namespace) as ACC | undefined;
    if (acc === undefined) {
      entry.set(this.namespace, this.fn.add(value, this.fn.createAccumulator()));
      return false;
    }
    const next = this.fn.add(value, acc);
    if (next !== acc) entry.set(this.namespace, next);
    return true;
  }

  mergeNamespaces(target: unknown, sources: readonly unknown[]): void {
    const saved = this.namespace;
    let merged: ACC | undefined;
    for (const ns of sources) {
      const a = this.takeNamespace(ns) as ACC | undefined;
      if (a !== undefined) merged = merged === undefined ? a : this.fn.merge(merged, a);
    }
    if (merged !== undefined) {
      this.namespace = target;
      const current = this.getRaw();
      this.setRaw(current === undefined ? merged : this.fn.merge(current, merged));
    }
    this.namespace = saved;
  }
}

export type AnyHeapState =
  | HeapValueState<unknown>
  | HeapListState<unknown>
  | HeapMapState<unknown, unknown>
  | HeapReducingState<unknown>
  | HeapAggregatingState<unknown, unknown, unknown>;
