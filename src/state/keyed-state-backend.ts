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
} from './heap-state';
import { mapKeyOf } from './key-groups';
import { KeyEntry, StateTable } from './state-table';

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
  /**
   * Every state's table, for a snapshot to capture, and the version that snapshot takes (greater
   * than the version of every entry that exists now; see `StateTable`).
   */
  beginSnapshot(): { readonly version: number; readonly tables: readonly StateTable[] };
  /** The table of state `name` (created empty if missing), for a restore to fill. */
  table(name: string): StateTable;
  /** Adds the entries of a version-1 `snapshot` whose key group lies in `[range.start, range.end]`. */
  restore(snapshot: KeyedStateSnapshot, range: KeyGroupRange): void;
}

export interface KeyGroupRange {
  readonly start: number;
  readonly end: number;
}

/**
 * Keyed state of a version-1 snapshot (read only: version 2 is `keyed-snapshot-format.ts`), as
 * plain values: per state, `[keyGroup, mapKey, [[namespace, stored], ...]]` entries. Stored values
 * are the backend's own form (TTL stamps included), so a restore continues exactly where the
 * snapshot was taken.
 */
export interface KeyedStateSnapshot {
  readonly tables: ReadonlyArray<readonly [name: string, entries: ReadonlyArray<readonly [number, unknown, ReadonlyArray<readonly [unknown, unknown]>]>]>;
}

/** Keyed state on the JavaScript heap: one `StateTable` per state, key → namespace → value. */
export class HeapKeyedStateBackend implements KeyedStateBackend, StateScope {
  currentKey: unknown = undefined;
  currentMapKey: unknown = undefined;
  private readonly tables = new Map<string, StateTable>();
  private readonly states = new Map<string, AnyHeapState>();
  /** The version of the latest snapshot begun (entries restored or created before any have 0). */
  private snapshotVersion = 0;

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

  beginSnapshot(): { readonly version: number; readonly tables: readonly StateTable[] } {
    return { version: ++this.snapshotVersion, tables: [...this.tables.values()] };
  }

  table(name: string): StateTable {
    let table = this.tables.get(name);
    if (table === undefined) {
      table = new StateTable(name);
      this.tables.set(name, table);
    }
    return table;
  }

  restore(snapshot: KeyedStateSnapshot, range: KeyGroupRange): void {
    for (const [name, entries] of snapshot.tables) {
      const table = this.table(name);
      for (const [keyGroup, mapKey, byNs] of entries) {
        if (keyGroup < range.start || keyGroup > range.end) continue;
        const entry = new KeyEntry(mapKey, 0, undefined, undefined);
        for (const [ns, stored] of byNs) entry.set(ns, stored);
        if (entry.size > 0) table.entries.set(mapKey, entry);
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
    const table = this.table(descriptor.name);
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
    for (const table of this.tables.values()) table.entries.clear();
  }
}

function stateKind(state: AnyHeapState): AnyStateDescriptor['kind'] {
  if (state instanceof HeapValueState) return 'value';
  if (state instanceof HeapListState) return 'list';
  if (state instanceof HeapMapState) return 'map';
  if (state instanceof HeapReducingState) return 'reducing';
  return 'aggregating';
}
