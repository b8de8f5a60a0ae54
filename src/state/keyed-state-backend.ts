import type { ValueWriter } from '../codec/value-codec';
import { ConfigurationError } from '../errors';
import type { Clock } from '../types';
import type { AnyStateDescriptor } from './descriptors';
import {
  HeapAggregatingState,
  HeapListState,
  HeapMapState,
  HeapReducingState,
  HeapValueState,
  type AnyHeapState,
  type StateScope,
  type StateTable,
} from './heap-state';
import { keyGroupOfMapKey, mapKeyOf } from './key-groups';

/** The current key of a keyed operator: set before each record and each timer. */
export interface KeyContext {
  readonly currentKey: unknown;
  readonly currentMapKey: unknown;
  setCurrentKey(key: unknown): void;
  /** Sets a key whose map key is already known (timers store both). */
  setCurrentKeyAndMapKey(key: unknown, mapKey: unknown): void;
}

/**
 * The interface every keyed state backend implements (heap now; out-of-core later). State is
 * addressed by (key, namespace, state name); snapshots and rescaling work per key group.
 */
export interface KeyedStateBackend extends KeyContext {
  readonly maxParallelism: number;
  getState(descriptor: AnyStateDescriptor): AnyHeapState;
  /** Drops the state of every key (batch mode moves on to the next key). */
  clearAll(): void;
  /** Writes every state entry, by state name, each with its key group (decodes to a `KeyedStateSnapshot`). */
  writeSnapshot(writer: ValueWriter): void;
  /** Adds the entries of `snapshot` whose key group lies in `[range.start, range.end]`. */
  restore(snapshot: KeyedStateSnapshot, range: KeyGroupRange): void;
}

export interface KeyGroupRange {
  readonly start: number;
  readonly end: number;
}

/**
 * Keyed state as plain values, ready for the value codec: per state, `[keyGroup, mapKey, [[namespace,
 * stored], ...]]` entries. Stored values are the backend's own form (TTL stamps included), so a
 * restore continues exactly where the snapshot was taken.
 */
export interface KeyedStateSnapshot {
  readonly tables: ReadonlyArray<readonly [name: string, entries: ReadonlyArray<readonly [number, unknown, ReadonlyArray<readonly [unknown, unknown]>]>]>;
}

/** Keyed state on the JavaScript heap: one `Map` per state, key → namespace → value. */
export class HeapKeyedStateBackend implements KeyedStateBackend, StateScope {
  currentKey: unknown = undefined;
  currentMapKey: unknown = undefined;
  private readonly tables = new Map<string, StateTable>();
  private readonly states = new Map<string, AnyHeapState>();

  constructor(
    readonly maxParallelism: number,
    private readonly clock: Clock,
  ) {}

  now(): number {
    return this.clock.now();
  }

  setCurrentKey(key: unknown): void {
    this.currentKey = key;
    this.currentMapKey = mapKeyOf(key);
  }

  setCurrentKeyAndMapKey(key: unknown, mapKey: unknown): void {
    this.currentKey = key;
    this.currentMapKey = mapKey;
  }

  /** Streams the entries into `writer`, without building intermediate arrays. */
  writeSnapshot(writer: ValueWriter): void {
    writer.beginObject(1);
    writer.write('tables');
    writer.beginArray(this.tables.size);
    for (const [name, table] of this.tables) {
      writer.beginArray(2);
      writer.write(name);
      writer.beginArray(table.size);
      for (const [mapKey, byNs] of table) {
        writer.beginArray(3);
        writer.write(keyGroupOfMapKey(mapKey, this.maxParallelism));
        writer.write(mapKey);
        writer.beginArray(byNs.size);
        for (const [ns, stored] of byNs) {
          writer.beginArray(2);
          writer.write(ns);
          writer.write(stored);
        }
      }
    }
  }

  restore(snapshot: KeyedStateSnapshot, range: KeyGroupRange): void {
    for (const [name, entries] of snapshot.tables) {
      let table = this.tables.get(name);
      if (table === undefined) {
        table = new Map();
        this.tables.set(name, table);
      }
      for (const [keyGroup, mapKey, byNs] of entries) {
        if (keyGroup < range.start || keyGroup > range.end) continue;
        table.set(mapKey, new Map(byNs));
      }
    }
  }

  getState(descriptor: AnyStateDescriptor): AnyHeapState {
    const existing = this.states.get(descriptor.name);
    if (existing !== undefined) {
      if (stateKind(existing) !== descriptor.kind) {
        throw new ConfigurationError(
          `State "${descriptor.name}" is already registered as ${stateKind(existing)} state, not ${descriptor.kind} state`,
        );
      }
      return existing;
    }
    // A restored table is picked up by the first descriptor that names it.
    let table = this.tables.get(descriptor.name);
    if (table === undefined) {
      table = new Map();
      this.tables.set(descriptor.name, table);
    }
    let state: AnyHeapState;
    switch (descriptor.kind) {
      case 'value':
        state = new HeapValueState(descriptor.name, table, this, descriptor.ttl, descriptor.options.defaultValue);
        break;
      case 'list':
        state = new HeapListState(descriptor.name, table, this, descriptor.ttl);
        break;
      case 'map':
        state = new HeapMapState(descriptor.name, table, this, descriptor.ttl);
        break;
      case 'reducing':
        state = new HeapReducingState(descriptor.name, table, this, descriptor.ttl, descriptor.reduce);
        break;
      case 'aggregating':
        state = new HeapAggregatingState(descriptor.name, table, this, descriptor.ttl, descriptor.aggregate);
        break;
    }
    this.states.set(descriptor.name, state);
    return state;
  }

  clearAll(): void {
    for (const table of this.tables.values()) table.clear();
  }
}

function stateKind(state: AnyHeapState): AnyStateDescriptor['kind'] {
  if (state instanceof HeapValueState) return 'value';
  if (state instanceof HeapListState) return 'list';
  if (state instanceof HeapMapState) return 'map';
  if (state instanceof HeapReducingState) return 'reducing';
  return 'aggregating';
}
