/**
 * The heap backend's storage of one state: map key → `KeyEntry` → namespace → stored value, with
 * the copy-on-write hook that lets a snapshot be encoded while processing goes on (Flink's
 * `CopyOnWriteStateMap`, with "encode before touch" in place of "copy before touch").
 *
 * Versions: every entry carries the version of the snapshot it was last captured for (or, when
 * created, the version of the latest snapshot started). While a snapshot with version `v` is in
 * flight, `cowVersion` is `v`; any access to an entry older than `v` — a read too, since a user may
 * mutate the object it returns — first hands the entry to the snapshot, which encodes it as it is
 * and stamps it with `v`. Entries created during the snapshot start at `v` and are not part of it.
 * With no snapshot in flight `cowVersion` is 0 and the check is one comparison that never passes.
 */

/** What a table hands an entry to before it may change: the in-flight snapshot. */
export interface EntryCapture {
  /** Encodes `entry` (of `table`) as it is now, and stamps it as captured. */
  capture(table: StateTable, entry: KeyEntry): void;
}

/**
 * One key's state in one table. Most states of a key live in one namespace (keyed process
 * functions: the void namespace; tumbling windows: one window), so the first namespace is held in
 * two fields and a `Map` appears only when a second namespace does.
 */
export class KeyEntry {
  /** The namespace of `value` while `more` is undefined. */
  ns: unknown;
  /** The stored value of `ns`; `undefined` when there is none. */
  value: unknown;
  /** Every namespace and value, once the key has had two namespaces at a time. */
  more: Map<unknown, unknown> | undefined = undefined;

  constructor(
    readonly mapKey: unknown,
    /** The snapshot version this entry was last captured for (see the file comment). */
    public version: number,
    ns: unknown,
    value: unknown,
  ) {
    this.ns = ns;
    this.value = value;
  }

  get(ns: unknown): unknown {
    if (this.more !== undefined) return this.more.get(ns);
    return sameNamespace(this.ns, ns) ? this.value : undefined;
  }

  set(ns: unknown, value: unknown): void {
    if (this.more !== undefined) {
      this.more.set(ns, value);
    } else if (this.value === undefined || sameNamespace(this.ns, ns)) {
      this.ns = ns;
      this.value = value;
    } else {
      this.more = new Map([
        [this.ns, this.value],
        [ns, value],
      ]);
      this.ns = undefined;
      this.value = undefined;
    }
  }

  /** Removes the value of `ns`; returns whether the entry is empty now. */
  delete(ns: unknown): boolean {
    if (this.more !== undefined) {
      this.more.delete(ns);
      return this.more.size === 0;
    }
    if (sameNamespace(this.ns, ns)) this.value = undefined;
    return this.value === undefined;
  }

  /** The number of namespaces with a value. */
  get size(): number {
    if (this.more !== undefined) return this.more.size;
    return this.value === undefined ? 0 : 1;
  }
}

/** `Map`'s key equality (SameValueZero), so that both representations of an entry agree. */
function sameNamespace(a: unknown, b: unknown): boolean {
  return a === b || (a !== a && b !== b);
}

/** One state's entries by map key, and the copy-on-write hook of an in-flight snapshot. */
export class StateTable {
  readonly entries = new Map<unknown, KeyEntry>();
  /** The version new entries get: the latest snapshot started. */
  version = 0;
  /** The version of the snapshot in flight, or 0: entries older than it are captured before use. */
  cowVersion = 0;
  /** The snapshot in flight (set with `cowVersion`). */
  capture: EntryCapture | undefined = undefined;

  constructor(readonly name: string) {}

  get size(): number {
    return this.entries.size;
  }

  /** The entry of `mapKey`, captured first by an in-flight snapshot that still needs it. */
  get(mapKey: unknown): KeyEntry | undefined {
    const entry = this.entries.get(mapKey);
    if (entry !== undefined && entry.version < this.cowVersion) this.capture!.capture(this, entry);
    return entry;
  }

  /** The entry of `mapKey`, created (empty) when missing. */
  getOrCreate(mapKey: unknown): KeyEntry {
    let entry = this.get(mapKey);
    if (entry === undefined) {
      entry = new KeyEntry(mapKey, this.version, undefined, undefined);
      this.entries.set(mapKey, entry);
    }
    return entry;
  }

  /** Removes the value of `ns` under `mapKey`, and the entry once it is empty. */
  deleteValue(mapKey: unknown, ns: unknown): void {
    const entry = this.get(mapKey);
    if (entry !== undefined && entry.delete(ns)) this.entries.delete(mapKey);
  }

  /** Starts copy-on-write for the snapshot `version`. */
  beginCapture(version: number, capture: EntryCapture): void {
    this.version = version;
    this.cowVersion = version;
    this.capture = capture;
  }

  /** Ends copy-on-write: the snapshot has every entry it needs, or was abandoned. */
  endCapture(): void {
    this.cowVersion = 0;
    this.capture = undefined;
  }
}
