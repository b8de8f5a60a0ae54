import { ConfigurationError } from '../errors';
import type { MapStateDescriptor } from './descriptors';
import { mapKeyOf } from './key-groups';

/**
 * Broadcast state (Flink's `ReadOnlyBroadcastState` / `BroadcastState`): a map that every parallel
 * subtask of a broadcast operator holds in full. It is operator state, not keyed state: it is the
 * same on every subtask because only the broadcast side writes it, and every subtask sees every
 * broadcast element. https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/fault-tolerance/broadcast_state/
 */
export interface ReadOnlyBroadcastState<UK, UV> {
  get(key: UK): UV | undefined;
  contains(key: UK): boolean;
  /** A copy of the entries (Flink's `immutableEntries`): do not change the values it holds. */
  entries(): Array<[UK, UV]>;
  keys(): UK[];
  values(): UV[];
  isEmpty(): boolean;
}

/** The writable view `processBroadcastElement` gets. */
export interface BroadcastState<UK, UV> extends ReadOnlyBroadcastState<UK, UV> {
  put(key: UK, value: UV): void;
  putAll(entries: Iterable<readonly [UK, UV]>): void;
  remove(key: UK): void;
  clear(): void;
}

/** Every broadcast state of an operator as plain data: per state, its name and `[key, value]` pairs. */
export type BroadcastStatesSnapshot = ReadonlyArray<readonly [name: string, entries: ReadonlyArray<readonly [unknown, unknown]>]>;

const READ_ONLY =
  'is read-only in processElement and onTimer: only processBroadcastElement may change broadcast state, ' +
  'so that every parallel subtask keeps the same copy (Flink: ReadOnlyBroadcastState)';

/** One broadcast state on the heap. Keys compare as keyed state's map keys do (objects by value). */
class HeapBroadcastState<UK, UV> implements BroadcastState<UK, UV> {
  readonly entriesByKey = new Map<unknown, { readonly k: UK; readonly v: UV }>();
  /** The view processElement and onTimer get: reads go through, writes throw. */
  readonly readOnly: ReadOnlyBroadcastState<UK, UV>;

  constructor(readonly name: string) {
    const denied = (method: string) => (): never => {
      throw new Error(`Broadcast state "${name}" ${READ_ONLY}; ${method}() is not allowed here`);
    };
    // A separate object, not a subclass flag: the read-only view stays read-only however it is kept.
    this.readOnly = Object.freeze({
      get: (key: UK) => this.get(key),
      contains: (key: UK) => this.contains(key),
      entries: () => this.entries(),
      keys: () => this.keys(),
      values: () => this.values(),
      isEmpty: () => this.isEmpty(),
      put: denied('put'),
      putAll: denied('putAll'),
      remove: denied('remove'),
      clear: denied('clear'),
    });
  }

  get(key: UK): UV | undefined {
    return this.entriesByKey.get(mapKeyOf(key))?.v;
  }

  contains(key: UK): boolean {
    return this.entriesByKey.has(mapKeyOf(key));
  }

  entries(): Array<[UK, UV]> {
    const out: Array<[UK, UV]> = [];
    for (const e of this.entriesByKey.values()) out.push([e.k, e.v]);
    return out;
  }

  keys(): UK[] {
    return this.entries().map((e) => e[0]);
  }

  values(): UV[] {
    return this.entries().map((e) => e[1]);
  }

  isEmpty(): boolean {
    return this.entriesByKey.size === 0;
  }

  put(key: UK, value: UV): void {
    this.entriesByKey.set(mapKeyOf(key), { k: key, v: value });
  }

  putAll(entries: Iterable<readonly [UK, UV]>): void {
    for (const [k, v] of entries) this.put(k, v);
  }

  remove(key: UK): void {
    this.entriesByKey.delete(mapKeyOf(key));
  }

  clear(): void {
    this.entriesByKey.clear();
  }
}

/**
 * The broadcast states of one operator subtask, one per descriptor given to `broadcast(...)`. Only
 * those descriptors can be read: a typo in a name is an error, not an empty map.
 */
export class BroadcastStates {
  private readonly states = new Map<string, HeapBroadcastState<unknown, unknown>>();

  constructor(descriptors: ReadonlyArray<MapStateDescriptor<unknown, unknown>>) {
    for (const d of descriptors) this.states.set(d.name, new HeapBroadcastState(d.name));
  }

  /** The state of `descriptor`, writable or read-only. */
  get<UK, UV>(descriptor: MapStateDescriptor<UK, UV>, writable: true): BroadcastState<UK, UV>;
  get<UK, UV>(descriptor: MapStateDescriptor<UK, UV>, writable: boolean): ReadOnlyBroadcastState<UK, UV>;
  get<UK, UV>(descriptor: MapStateDescriptor<UK, UV>, writable: boolean): ReadOnlyBroadcastState<UK, UV> {
    const name = (descriptor as { readonly name?: unknown } | undefined)?.name;
    const state = typeof name === 'string' ? this.states.get(name) : undefined;
    if (state === undefined) {
      const known = [...this.states.keys()].map((n) => `"${n}"`).join(', ');
      throw new ConfigurationError(
        `Broadcast state ${typeof name === 'string' ? `"${name}"` : String(descriptor)} does not exist: ` +
          `pass its MapStateDescriptor to broadcast(...) (this operator has ${known})`,
      );
    }
    return (writable ? state : state.readOnly) as ReadOnlyBroadcastState<UK, UV>;
  }

  /** Every state's entries as they are now (the values by reference: encode before changing them). */
  capture(): BroadcastStatesSnapshot {
    return [...this.states.values()].map((s) => [s.name, [...s.entriesByKey.values()].map((e) => [e.k, e.v] as const)] as const);
  }

  /**
   * Replaces the states by a snapshot's. A state the snapshot lacks stays empty (a descriptor added
   * since); one this operator no longer declares is dropped, as Flink drops unregistered state.
   */
  restore(snapshot: BroadcastStatesSnapshot): void {
    for (const s of this.states.values()) s.clear();
    for (const [name, entries] of snapshot) {
      const state = this.states.get(name);
      if (state === undefined) continue;
      for (const [k, v] of entries) state.put(k, v);
    }
  }
}
