import type { AggregateFunction, ReduceFunction, StateTtlConfig } from './descriptors';
import type { AggregatingState, ListState, MapState, ReducingState, ValueState } from './state';

/** The namespace of state that is not scoped to a window. */
export const VOID_NAMESPACE: unknown = null;

/** Where the heap states find the current key and processing time. */
export interface StateScope {
  readonly currentMapKey: unknown;
  now(): number;
}

/** key → namespace → stored value. */
export type StateTable = Map<unknown, Map<unknown, unknown>>;

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
    const byNs = this.table.get(this.scope.currentMapKey);
    if (byNs === undefined) return;
    byNs.delete(this.namespace);
    if (byNs.size === 0) this.table.delete(this.scope.currentMapKey);
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
      if (this.returnExpired) return s.v;
      this.clear();
      return undefined;
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
    const key = this.scope.currentMapKey;
    let byNs = this.table.get(key);
    if (byNs === undefined) {
      byNs = new Map();
      this.table.set(key, byNs);
    }
    byNs.set(this.namespace, stored);
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
    return v === undefined ? this.defaultValue : v;
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
    for (const e of list as Array<Stamped<T>>) {
      if (e.t + this.ttlMs > now || this.returnExpired) {
        if (this.refreshOnRead) e.t = now;
        live.push(e);
      }
    }
    if (live.length !== list.length) {
      if (live.length === 0) this.clear();
      else this.writeStored(live);
    }
    return live.map((e) => e.v);
  }

  add(value: T): void {
    const list = this.getRawList();
    const item = this.ttlMs === 0 ? value : { v: value, t: this.scope.now() };
    if (list === undefined) this.writeStored([item]);
    else list.push(item);
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

/** Map state; with TTL every entry carries its own timestamp, as in Flink. */
export class HeapMapState<UK, UV> extends HeapState<Map<unknown, UV | Stamped<UV>>> implements MapState<UK, UV> {
  private readonly userKeys = new Map<unknown, UK>();

  get(key: UK): UV | undefined {
    return this.read(this.rawMap(false), key);
  }

  put(key: UK, value: UV): void {
    const m = this.rawMap(true)!;
    const mk = this.userKey(key);
    m.set(mk, this.ttlMs === 0 ? value : { v: value, t: this.scope.now() });
  }

  putAll(entries: Iterable<readonly [UK, UV]>): void {
    for (const [k, v] of entries) this.put(k, v);
  }

  remove(key: UK): void {
    const m = this.rawMap(false);
    if (m === undefined) return;
    m.delete(this.userKey(key));
    if (m.size === 0) this.clear();
  }

  contains(key: UK): boolean {
    return this.get(key) !== undefined;
  }

  entries(): Array<[UK, UV]> {
    const m = this.rawMap(false);
    if (m === undefined) return [];
    const out: Array<[UK, UV]> = [];
    for (const mk of [...m.keys()]) {
      const v = this.read(m, mk, true);
      if (v !== undefined) out.push([this.userKeys.get(mk) ?? (mk as UK), v]);
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

  private rawMap(create: boolean): Map<unknown, UV | Stamped<UV>> | undefined {
    let m = this.readStored() as Map<unknown, UV | Stamped<UV>> | undefined;
    if (m === undefined && create) {
      m = new Map();
      this.writeStored(m);
    }
    return m;
  }

  private userKey(key: UK): unknown {
    if (typeof key === 'object' && key !== null) {
      const mk = JSON.stringify(key);
      this.userKeys.set(mk, key);
      return mk;
    }
    return key;
  }

  private read(m: Map<unknown, UV | Stamped<UV>> | undefined, key: unknown, isMapKey = false): UV | undefined {
    if (m === undefined) return undefined;
    const mk = isMapKey ? key : this.userKey(key as UK);
    const stored = m.get(mk);
    if (stored === undefined || this.ttlMs === 0) return stored as UV | undefined;
    const s = stored as Stamped<UV>;
    const now = this.scope.now();
    if (s.t + this.ttlMs <= now) {
      if (this.returnExpired) return s.v;
      m.delete(mk);
      if (m.size === 0) this.clear();
      return undefined;
    }
    if (this.refreshOnRead) s.t = now;
    return s.v;
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
    const current = this.getRaw();
    this.setRaw(current === undefined ? value : this.reduce(current, value));
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
    const acc = this.getRaw();
    this.setRaw(this.fn.add(value, acc === undefined ? this.fn.createAccumulator() : acc));
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
