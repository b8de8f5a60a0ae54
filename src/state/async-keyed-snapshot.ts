import { ValueWriter } from '../codec/value-codec';
import { monotonicNow, yieldToEventLoop } from '../platform/yield';
import { KEYED_SNAPSHOT_MAGIC, KEYED_SNAPSHOT_VERSION } from './keyed-snapshot-format';
import type { EntryCapture, KeyEntry, StateTable } from './state-table';

/**
 * Timers captured at the barrier, flat: five slots per timer (`time, key, mapKey, nsId,
 * namespace`), in firing order. Copying these references is all a barrier does for timers.
 */
export interface CapturedTimers {
  readonly event: readonly unknown[];
  readonly processing: readonly unknown[];
}

/** How long one encoding slice runs before it yields to the event loop (processing runs 8 ms slices). */
const SLICE_MS = 4;
/** Entries between two clock reads. */
const CHECK_EVERY = 256;

/**
 * An asynchronous, copy-on-write snapshot of a heap keyed-state backend (Flink's
 * `CopyOnWriteStateMapSnapshot`): consistent as of the barrier, encoded while processing goes on.
 *
 * At the barrier the constructor writes the header (the counts are known: the tables' sizes and
 * the captured timers), and turns on copy-on-write in every table (`StateTable`): O(tables). Then
 * `run` walks the tables in slices of a few milliseconds, yielding to the event loop in between,
 * and encodes each entry it meets whose version predates the snapshot. Processing that touches
 * such an entry first hands it here (`capture`), and it is encoded before it can change; entries
 * created after the barrier carry the snapshot's version and are skipped. Every entry present at
 * the barrier is encoded exactly once, so the snapshot is complete when the count of encoded
 * entries reaches the count at the barrier — whatever the walk's position. Then the timers, and
 * `done` resolves with the bytes (format: `keyed-snapshot-format.ts`).
 *
 * One snapshot per backend is in flight at a time: a newer barrier first `finishNow()`s the older.
 */
export class AsyncKeyedSnapshot implements EntryCapture {
  /** The encoded snapshot; rejects if encoding fails or the snapshot is canceled. */
  readonly done: Promise<Uint8Array>;
  private resolve!: (bytes: Uint8Array) => void;
  private reject!: (reason: unknown) => void;
  private state: 'running' | 'complete' | 'failed' = 'running';

  // Progress
  private readonly writer: ValueWriter;
  private readonly expected: number;
  private encoded = 0;
  private walkTable = 0;
  private walk: IterableIterator<KeyEntry> | undefined = undefined;
  private timerDomain = 0;
  private timerAt = 0;
  /** Entries visited and timers encoded that the current step may still do. */
  private budget = 0;

  constructor(
    readonly checkpointId: number,
    private readonly version: number,
    private readonly tables: readonly StateTable[],
    watermark: number,
    private readonly timers: CapturedTimers,
    private readonly encodeNamespace: (namespace: unknown) => unknown,
    /** The expected size in bytes (the previous snapshot's): the buffer then never regrows. */
    capacity: number,
  ) {
    this.done = new Promise<Uint8Array>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // A canceled snapshot nobody awaits must not surface as an unhandled rejection.
    this.done.catch(() => {});
    const w = (this.writer = new ValueWriter(capacity));
    w.writeU32(KEYED_SNAPSHOT_MAGIC);
    w.writeU32(KEYED_SNAPSHOT_VERSION);
    w.writeF64(watermark);
    w.writeVarUint(tables.length);
    let expected = 0;
    for (const table of tables) {
      w.write(table.name);
      expected += table.size;
      table.beginCapture(version, this);
    }
    this.expected = expected;
    w.writeU32(expected);
    w.writeU32(timers.event.length / 5);
    w.writeU32(timers.processing.length / 5);
  }

  /** Whether the snapshot is still being encoded. */
  get running(): boolean {
    return this.state === 'running';
  }

  /** Encodes in slices, yielding to the event loop before each, until done, failed or canceled. */
  async run(): Promise<void> {
    while (this.state === 'running') {
      await yieldToEventLoop();
      if (this.state !== 'running') return;
      this.step(monotonicNow() + SLICE_MS);
    }
  }

  /** Encodes everything that is left, now. */
  finishNow(): void {
    if (this.state === 'running') this.step(Number.POSITIVE_INFINITY);
  }

  /** @internal Visits at most `items` more entries or timers (tests interleave writes with a partial walk). */
  advance(items: number): void {
    if (this.state === 'running') this.step(Number.POSITIVE_INFINITY, items);
  }

  /** Abandons the snapshot: `done` rejects with `reason`, and the tables stop copying on write. */
  cancel(reason: unknown): void {
    if (this.state === 'running') this.failWith(reason);
  }

  /** Called by a table before `entry` is used: encodes it as it was at the barrier. */
  capture(table: StateTable, entry: KeyEntry): void {
    try {
      this.encodeEntry(this.tables.indexOf(table), entry);
    } catch (e) {
      // Processing goes on; it is the checkpoint that fails.
      this.failWith(e);
    }
  }

  /** Encodes until `deadline` (a `monotonicNow()` time), `items` entries or timers, or the end. */
  private step(deadline: number, items = Number.POSITIVE_INFINITY): void {
    this.budget = items;
    try {
      if (this.encoded < this.expected && !this.walkEntries(deadline)) return;
      if (!this.encodeTimers(deadline)) return;
      this.complete();
    } catch (e) {
      this.failWith(e);
    }
  }

  /** Walks the tables from where the last slice stopped; returns whether every entry is encoded. */
  private walkEntries(deadline: number): boolean {
    const version = this.version;
    let n = 0;
    while (this.walkTable < this.tables.length) {
      // A Map iterator sees deletions and additions made since it was created: deleted entries
      // were captured before they went, added ones are skipped by their version.
      const walk = (this.walk ??= this.tables[this.walkTable]!.entries.values());
      for (const entry of walk) {
        if (entry.version < version) {
          this.encodeEntry(this.walkTable, entry);
          if (this.encoded === this.expected) return true;
        }
        if (--this.budget <= 0) return false;
        if (++n === CHECK_EVERY) {
          n = 0;
          if (monotonicNow() >= deadline) return false;
        }
      }
      this.walk = undefined;
      this.walkTable++;
    }
    if (this.encoded !== this.expected) {
      throw new Error(`keyed state snapshot: the barrier saw ${this.expected} entries, the walk found ${this.encoded}`);
    }
    return true;
  }

  private encodeEntry(table: number, entry: KeyEntry): void {
    const w = this.writer;
    w.writeVarUint(table);
    w.write(entry.mapKey);
    const more = entry.more;
    if (more === undefined) {
      if (entry.value === undefined) {
        w.writeVarUint(0);
      } else {
        w.writeVarUint(1);
        w.write(entry.ns);
        w.write(entry.value);
      }
    } else {
      w.writeVarUint(more.size);
      more.forEach(writeNamespaceValue, w);
    }
    entry.version = this.version;
    this.encoded++;
  }

  /** Encodes the captured timers from where the last slice stopped; returns whether all are. */
  private encodeTimers(deadline: number): boolean {
    const w = this.writer;
    for (; this.timerDomain < 2; this.timerDomain++, this.timerAt = 0) {
      const flat = this.timerDomain === 0 ? this.timers.event : this.timers.processing;
      let n = 0;
      while (this.timerAt < flat.length) {
        const i = this.timerAt;
        w.writeF64(flat[i] as number);
        w.write(flat[i + 1]);
        w.write(flat[i + 2]);
        w.write(flat[i + 3]);
        w.write(this.encodeNamespace(flat[i + 4]));
        this.timerAt = i + 5;
        if (--this.budget <= 0 && this.timerAt < flat.length) return false;
        if (++n === CHECK_EVERY) {
          n = 0;
          if (monotonicNow() >= deadline) return false;
        }
      }
    }
    return true;
  }

  private complete(): void {
    this.endCapture();
    this.state = 'complete';
    this.resolve(this.writer.finish());
  }

  private failWith(reason: unknown): void {
    this.endCapture();
    this.state = 'failed';
    this.reject(reason);
  }

  private endCapture(): void {
    for (const table of this.tables) if (table.capture === this) table.endCapture();
  }
}

function writeNamespaceValue(this: ValueWriter, value: unknown, ns: unknown): void {
  this.write(ns);
  this.write(value);
}
