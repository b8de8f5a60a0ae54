import { notANumber } from '../aggregates/builtins';
import { operatorFailure } from '../errors';
import type { KeySelector } from '../runtime/key-selector';
import { mapKeyOf } from '../state/key-groups';
import type { Timestamp } from '../types';
import { TimeWindow } from './time-window';
import { missingTimestamp } from './window-operator';

/** The aggregates a combiner can pre-aggregate: their partial results merge exactly. */
export type CombinableAggregate = 'count' | 'sum' | 'min' | 'max' | 'avg';

export interface WindowCombinerSpec<T> {
  /** The pane grid of the windows downstream: each element belongs to exactly one pane. */
  readonly slide: number;
  readonly offset: number;
  readonly keySelector: KeySelector<T, unknown>;
  readonly aggregates: ReadonlyArray<{ readonly kind: CombinableAggregate; readonly field: ((value: T) => unknown) | undefined }>;
  /** The window operator's name and uid, for errors. */
  readonly operator: string;
  readonly uid: string | undefined;
}

/**
 * A partial aggregate of `n` elements of one key in one pane: `key`, `n`, and `c0`, `c1`, … — the
 * sum, min or max of each aggregate's field over those elements, in the aggregates' order (`count`
 * has none). A flat record, so that it crosses workers in the columnar codec.
 */
export type PartialAggregate = Record<string, unknown>;

/** The name of the partial-aggregate column of the `i`-th aggregate with a field. */
export function partialColumn(i: number): string {
  return `c${i}`;
}

const SUM = 0;
const MIN = 1;
const MAX = 2;

/**
 * The elements of one pane seen since the last flush, by key: a slot per key. Safe-integer keys
 * (the usual case) are found through an open-addressing table over typed arrays; any other key
 * through a Map by its stored form (`mapKeyOf`: 0 and −0 one key, as in keyed state).
 */
class PaneBuffer {
  start = 0;
  size = 0;
  /** Per slot: the key as the first element had it. */
  readonly keys: unknown[] = [];
  counts: Float64Array;
  accumulators: Float64Array[];
  /** Per slot: the safe-integer key, or NaN. */
  private ints: Float64Array;
  /** slot + 1 per table entry, 0 for free. */
  private table: Int32Array;
  private readonly others = new Map<unknown, number>();

  constructor(columns: number) {
    this.counts = new Float64Array(64);
    this.ints = new Float64Array(64);
    this.accumulators = Array.from({ length: columns }, () => new Float64Array(64));
    this.table = new Int32Array(128);
  }

  /** The slot of `key`, or -1. */
  slotOf(key: unknown): number {
    if (typeof key === 'number' && key !== 0 && Number.isSafeInteger(key)) {
      const table = this.table;
      const mask = table.length - 1;
      for (let i = hashInt(key) & mask; ; i = (i + 1) & mask) {
        const ref = table[i]!;
        if (ref === 0) return -1;
        if (this.ints[ref - 1] === key) return ref - 1;
      }
    }
    return this.others.get(mapKeyOf(key)) ?? -1;
  }

  /** `slots[i]` = the slot of `keys[i]`, made (at `identity`) where missing, for i in [0, n). */
  slotsOf(keys: readonly unknown[], n: number, slots: Int32Array, identity: readonly number[]): void {
    let table = this.table;
    let mask = table.length - 1;
    let ints = this.ints;
    for (let i = 0; i < n; i++) {
      const key = keys[i];
      let slot = -1;
      if (typeof key === 'number' && key !== 0 && Number.isSafeInteger(key)) {
        for (let j = hashInt(key) & mask; ; j = (j + 1) & mask) {
          const ref = table[j]!;
          if (ref === 0) break;
          if (ints[ref - 1] === key) {
            slot = ref - 1;
            break;
          }
        }
      } else slot = this.others.get(mapKeyOf(key)) ?? -1;
      if (slot < 0) {
        slot = this.create(key, identity);
        table = this.table;
        mask = table.length - 1;
        ints = this.ints;
      }
      slots[i] = slot;
    }
  }

  /** A new slot for `key` (not held yet), its accumulators at `identity`. */
  create(key: unknown, identity: readonly number[]): number {
    const slot = this.size++;
    if (slot === this.counts.length) this.grow();
    this.keys[slot] = key;
    this.counts[slot] = 0;
    for (let f = 0; f < identity.length; f++) this.accumulators[f]![slot] = identity[f]!;
    if (typeof key === 'number' && key !== 0 && Number.isSafeInteger(key)) {
      this.ints[slot] = key;
      if (2 * this.size > this.table.length) this.rehash(this.table.length * 2);
      else this.insert(key, slot);
    } else {
      this.ints[slot] = Number.NaN;
      this.others.set(mapKeyOf(key), slot);
    }
    return slot;
  }

  reset(start: number): void {
    this.start = start;
    this.others.clear();
    this.keys.length = 0;
    if (this.size > 0) this.table.fill(0);
    this.size = 0;
  }

  private insert(key: number, slot: number): void {
    const table = this.table;
    const mask = table.length - 1;
    let i = hashInt(key) & mask;
    while (table[i] !== 0) i = (i + 1) & mask;
    table[i] = slot + 1;
  }

  private rehash(capacity: number): void {
    this.table = new Int32Array(capacity);
    for (let s = 0; s < this.size; s++) {
      const k = this.ints[s]!;
      if (k === k) this.insert(k, s);
    }
  }

  private grow(): void {
    const capacity = this.counts.length * 2;
    const widen = (a: Float64Array): Float64Array => {
      const b = new Float64Array(capacity);
      b.set(a);
      return b;
    };
    this.counts = widen(this.counts);
    this.ints = widen(this.ints);
    this.accumulators = this.accumulators.map(widen);
  }
}

/** A 32-bit hash of a safe integer (both halves mixed: keys may be ids past 2^32). */
function hashInt(k: number): number {
  let h = Math.imul((k | 0) ^ ((k / 4294967296) | 0), 0x9e3779b1);
  h ^= h >>> 15;
  return Math.imul(h, 0x85ebca6b) >>> 0;
}

/**
 * Local pre-aggregation before a keyBy exchange (Flink SQL's local-global aggregation, Hadoop's
 * combiner): a producer subtask folds the elements bound for a built-in window aggregation into one
 * partial aggregate per (key, pane), and ships those instead of the elements. The window operator
 * downstream adds each partial with its count as weight, which gives exactly the results the
 * elements would have given:
 *
 * - A pane is flushed before any watermark that reaches its end, so its partials arrive while the
 *   consumer's watermark (a minimum over channels, never ahead of this producer's) is still before
 *   the pane's end: none of the pane's windows has fired, none of its elements is late — as for
 *   the elements themselves, which arrived earlier but found the same windows open.
 * - An element whose pane this producer's watermark has already reached may be late downstream,
 *   or fire a window again: it goes on at once, alone (n = 1), in order with the watermarks.
 * - Barriers, idleness and the end of input flush everything first, so the combiner holds no state
 *   in a checkpoint and a rescaled job needs nothing from it.
 *
 * Only count, sum, min, max and avg merge exactly (a float sum may differ in the last bits, as it
 * does whenever elements arrive over several channels). Allocates nothing per element: a buffer per
 * open pane, reused.
 */
export class WindowCombiner<T> {
  private readonly fields: Array<(value: T) => unknown> = [];
  private readonly kinds: number[] = [];
  private readonly names: string[] = [];
  /** Per field: its accumulator's starting value. */
  private readonly identity: number[] = [];
  private readonly template: PartialAggregate;
  /** Open panes by start, and emptied ones for reuse. */
  private readonly panes = new Map<number, PaneBuffer>();
  private readonly spare: PaneBuffer[] = [];
  // Per batch: keys, field values, and each element's slot.
  private keys: unknown[] = [];
  private columns: Float64Array[] = [];
  private slots = new Int32Array(0);
  /** The smallest end − 1 of an open pane: the watermark that must flush something. */
  private due = Number.POSITIVE_INFINITY;
  private watermark = Number.NEGATIVE_INFINITY;

  constructor(private readonly spec: WindowCombinerSpec<T>) {
    this.template = { key: undefined, n: 0 };
    for (const a of spec.aggregates) {
      if (a.field === undefined) continue;
      this.template[partialColumn(this.fields.length)] = 0;
      this.fields.push(a.field);
      this.kinds.push(a.kind === 'min' ? MIN : a.kind === 'max' ? MAX : SUM);
      this.identity.push(a.kind === 'min' ? Number.POSITIVE_INFINITY : a.kind === 'max' ? Number.NEGATIVE_INFINITY : 0);
      this.names.push(a.kind);
    }
  }

  /**
   * Folds records `[0, length)` in; partials of elements that cannot wait go to `emit` at once.
   * Keys and fields are read one function at a time, in tight loops (as the kernel window operator
   * does), then folded: column by column when the whole batch falls in one open pane (the usual
   * case), element by element otherwise.
   */
  add(values: readonly T[], timestamps: Float64Array, length: number, emit: (partial: PartialAggregate, timestamp: Timestamp) => void): void {
    if (length > this.slots.length) this.reserve(length);
    const { keys, slots, columns } = this;
    let i = 0;
    try {
      const selector = this.spec.keySelector;
      for (; i < length; i++) keys[i] = selector.keyOf(values[i]!);
      for (let f = 0; f < this.fields.length; f++) {
        const field = this.fields[f]!;
        const column = columns[f]!;
        for (i = 0; i < length; i++) {
          const x = field(values[i]!);
          if (typeof x !== 'number') throw notANumber(this.names[f]!, x);
          column[i] = x;
        }
      }
      const pane = this.onePane(timestamps, length);
      if (pane === undefined) {
        for (i = 0; i < length; i++) this.addOne(keys[i], timestamps[i]!, i, emit);
      } else {
        pane.slotsOf(keys, length, slots, this.identity);
        this.foldColumns(pane, length);
      }
    } catch (cause) {
      throw operatorFailure(this.spec.operator, this.spec.uid, values[i], cause);
    } finally {
      keys.fill(undefined, 0, length);
    }
  }

  /** The open pane every record of the batch falls in, or `undefined` (another pane, late, no timestamp). */
  private onePane(timestamps: Float64Array, length: number): PaneBuffer | undefined {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < length; i++) {
      const t = timestamps[i]!;
      if (t < lo) lo = t;
      if (t > hi) hi = t;
    }
    if (!(lo <= hi)) return undefined; // empty, or a NaN among them
    const { slide, offset } = this.spec;
    const start = TimeWindow.startWithOffset(lo, offset, slide);
    if (hi >= start + slide || start + slide - 1 <= this.watermark) return undefined;
    return this.paneAt(start);
  }

  private foldColumns(pane: PaneBuffer, length: number): void {
    const { slots, columns, kinds } = this;
    const counts = pane.counts;
    for (let i = 0; i < length; i++) counts[slots[i]!]!++;
    for (let f = 0; f < kinds.length; f++) {
      const acc = pane.accumulators[f]!;
      const column = columns[f]!;
      switch (kinds[f]) {
        case SUM:
          for (let i = 0; i < length; i++) acc[slots[i]!] += column[i]!;
          break;
        case MIN:
          for (let i = 0; i < length; i++) acc[slots[i]!] = Math.min(acc[slots[i]!]!, column[i]!);
          break;
        default:
          for (let i = 0; i < length; i++) acc[slots[i]!] = Math.max(acc[slots[i]!]!, column[i]!);
      }
    }
  }

  /** Element `i` of the batch (its key and fields already read), on its own. */
  private addOne(key: unknown, ts: number, i: number, emit: (partial: PartialAggregate, timestamp: Timestamp) => void): void {
    if (ts !== ts) throw missingTimestamp();
    const { slide, offset } = this.spec;
    const start = TimeWindow.startWithOffset(ts, offset, slide);
    const columns = this.columns;
    if (start + slide - 1 <= this.watermark) {
      const row = { ...this.template };
      row.key = key;
      row.n = 1;
      for (let f = 0; f < columns.length; f++) row[partialColumn(f)] = columns[f]![i];
      emit(row, ts);
      return;
    }
    const pane = this.paneAt(start);
    let slot = pane.slotOf(key);
    if (slot < 0) slot = pane.create(key, this.identity);
    pane.counts[slot]!++;
    for (let f = 0; f < columns.length; f++) {
      const acc = pane.accumulators[f]!;
      const x = columns[f]![i]!;
      const kind = this.kinds[f];
      acc[slot] = kind === SUM ? acc[slot]! + x : kind === MIN ? Math.min(acc[slot]!, x) : Math.max(acc[slot]!, x);
    }
  }

  private reserve(capacity: number): void {
    this.keys = new Array<unknown>(capacity);
    this.slots = new Int32Array(capacity);
    this.columns = this.fields.map(() => new Float64Array(capacity));
  }

  /**
   * Takes watermark `watermark` into account: emits the partials of every pane it reaches (in pane
   * order), before the caller forwards it.
   */
  advance(watermark: Timestamp, emit: (partial: PartialAggregate, timestamp: Timestamp) => void): void {
    if (watermark > this.watermark) this.watermark = watermark;
    if (watermark >= this.due) this.flush(watermark, emit);
  }

  /** Emits every partial held (before a barrier, idleness or the end of input). */
  flushAll(emit: (partial: PartialAggregate, timestamp: Timestamp) => void): void {
    if (this.panes.size > 0) this.flush(Number.POSITIVE_INFINITY, emit);
  }

  private flush(upTo: number, emit: (partial: PartialAggregate, timestamp: Timestamp) => void): void {
    const slide = this.spec.slide;
    const ready = [...this.panes.values()].filter((p) => p.start + slide - 1 <= upTo).sort((a, b) => a.start - b.start);
    for (const pane of ready) {
      const end = pane.start + slide - 1;
      for (let s = 0; s < pane.size; s++) {
        const row = { ...this.template };
        row.key = pane.keys[s];
        row.n = pane.counts[s];
        for (let f = 0; f < this.fields.length; f++) row[partialColumn(f)] = pane.accumulators[f]![s];
        emit(row, end);
      }
      this.panes.delete(pane.start);
      pane.reset(0);
      this.spare.push(pane);
    }
    this.due = Number.POSITIVE_INFINITY;
    for (const start of this.panes.keys()) this.due = Math.min(this.due, start + slide - 1);
  }

  private paneAt(start: number): PaneBuffer {
    let pane = this.panes.get(start);
    if (pane === undefined) {
      pane = this.spare.pop() ?? new PaneBuffer(this.fields.length);
      pane.reset(start);
      this.panes.set(start, pane);
      this.due = Math.min(this.due, start + this.spec.slide - 1);
    }
    return pane;
  }
}
