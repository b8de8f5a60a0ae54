import { notANumber } from '../aggregates/builtins';
import { operatorFailure } from '../errors';
import type { KeySelector } from '../runtime/key-selector';
import { mapKeyOf } from '../state/key-groups';
import type { Timestamp, WasmOptions } from '../types';
import { WasmWindowAggregation } from '../wasm/window-aggregate-kernel';
import { kernelOrTwin } from '../wasm/kernel-or-twin';
import { PaneAggregation } from './pane-aggregation';
import { TimeWindow } from './time-window';
import type { FiredWindows, KernelAggregate, WindowAggregation, WindowAggregationConfig } from './window-aggregation';
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

/** The first key id: the even number just below −2^53 + 1 (as the kernel window operator's). */
const ID_BASE = -(2 ** 53) - 2;
/** Key ids after which the combiner flushes, to start its dictionary afresh. */
const MAX_IDS = 1 << 16;

type Emit = (partial: PartialAggregate, timestamp: Timestamp) => void;

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
 *   the elements themselves, which arrived earlier but found the same windows open. Flushing
 *   earlier is always as exact (the combiner does, to bound its key dictionary).
 * - An element whose pane this producer's watermark has already reached may be late downstream,
 *   or fire a window again: it goes on at once, alone (n = 1), in order with the watermarks.
 * - Barriers, idleness and the end of input flush everything first, so the combiner holds no state
 *   in a checkpoint and a rescaled job needs nothing from it.
 *
 * Only count, sum, min, max and avg merge exactly (a float sum may differ in the last bits, as it
 * does whenever elements arrive over several channels). The folding runs on the window kernel
 * (WebAssembly, or its JavaScript twin) with tumbling windows of one pane: keys and fields are read
 * in one pass into its input columns, as the kernel window operator does, and a key
 * other than a safe integer ≠ 0 goes in as an id (0 and −0 one key, as in keyed state).
 */
export class WindowCombiner<T> {
  private readonly fields: Array<(value: T) => unknown> = [];
  private readonly names: string[] = [];
  private readonly config: WindowAggregationConfig;
  private readonly template: PartialAggregate;
  /** `partialColumn(i)` per field, made once: a name built per row would be a new string to look up. */
  private readonly columnNames: string[] = [];
  private kernel: WindowAggregation | undefined = undefined;
  private watermark = Number.NEGATIVE_INFINITY;
  /** Whether the kernel holds anything (a flush of an empty kernel is skipped). */
  private holding = false;
  // Keys that are not safe integers ≠ 0, by stored form, and back by id.
  private readonly ids = new Map<unknown, number>();
  private readonly keysById: unknown[] = [];

  constructor(private readonly spec: WindowCombinerSpec<T>) {
    this.template = { key: undefined, n: 0 };
    const aggregates: Array<{ kind: KernelAggregate; column: number }> = [{ kind: 'count', column: 0 }];
    for (const a of spec.aggregates) {
      if (a.field === undefined) continue;
      const column = this.fields.push(a.field) - 1;
      this.columnNames.push(partialColumn(column));
      this.template[partialColumn(column)] = 0;
      this.names.push(a.kind);
      aggregates.push({ kind: a.kind === 'min' || a.kind === 'max' ? a.kind : 'sum', column });
    }
    this.config = { size: spec.slide, slide: spec.slide, offset: spec.offset, aggregates, columns: Math.max(1, this.fields.length) };
  }

  /** Loads the kernel: WebAssembly where it can, else the JavaScript twin (same results). */
  async prepare(wasm: WasmOptions): Promise<void> {
    if (this.kernel !== undefined) return;
    const loaded = await kernelOrTwin<WindowAggregation>(
      wasm.enabled,
      `${this.spec.operator} (pre-aggregation)`,
      () => WasmWindowAggregation.load(this.config, { module: wasm.modules?.windowAggregate }),
      () => new PaneAggregation(this.config),
    );
    this.kernel = loaded.kernel;
  }

  /** Folds records `[0, length)` in; partials of elements that cannot wait go to `emit` at once. */
  add(values: readonly T[], timestamps: Float64Array, length: number, emit: Emit): void {
    const kernel = this.kernel ?? (this.kernel = new PaneAggregation(this.config));
    for (let from = 0; from < length; ) {
      if (this.ids.size > MAX_IDS) this.flushAll(emit);
      const input = kernel.input(length - from);
      const to = Math.min(length, from + input.keys.length);
      this.addPiece(values, timestamps, from, to, emit);
      from = to;
    }
  }

  private addPiece(values: readonly T[], timestamps: Float64Array, from: number, to: number, emit: Emit): void {
    const kernel = this.kernel!;
    const input = kernel.input(to - from);
    const { keys, columns } = input;
    const times = input.timestamps;
    const n = to - from;
    try {
      this.extract(values, from, n, keys, columns);
    } catch {
      this.extractInOrder(values, from, n, keys, columns);
    }
    let i = 0;
    try {
      let earliest = Number.POSITIVE_INFINITY;
      for (i = 0; i < n; i++) {
        const t = timestamps[from + i]!;
        times[i] = t;
        if (t < earliest) earliest = t;
        else if (t !== t) throw missingTimestamp();
      }
      const { slide, offset } = this.spec;
      let kept = n;
      if (!(TimeWindow.startWithOffset(earliest, offset, slide) + slide - 1 > this.watermark)) {
        // Some element's pane is behind the watermark: it goes on alone; the rest move up.
        kept = 0;
        for (i = 0; i < n; i++) {
          const t = times[i]!;
          if (TimeWindow.startWithOffset(t, offset, slide) + slide - 1 <= this.watermark) {
            emit(this.single(keys[i]!, columns, i), t);
            continue;
          }
          keys[kept] = keys[i]!;
          times[kept] = t;
          for (let f = 0; f < this.fields.length; f++) columns[f]![kept] = columns[f]![i]!;
          kept++;
        }
      }
      if (kept > 0) {
        kernel.add(keys, times, columns, 0, kept);
        this.holding = true;
      }
    } catch (cause) {
      throw operatorFailure(this.spec.operator, this.spec.uid, values[from + Math.min(i, n - 1)], cause);
    }
  }

  /**
   * The keys and field values of records [from, from + n) into the kernel's input, in one pass over
   * the records, calling the user's functions bare. Any failure (or a null key) throws out to
   * `addPiece`, whose `extractInOrder` calls them again to name the record.
   */
  private extract(values: readonly T[], from: number, n: number, keys: Float64Array, columns: readonly Float64Array[]): void {
    const select = this.spec.keySelector.fn;
    const fields = this.fields;
    const nFields = fields.length;
    // One field (a sum, min, max or avg beside counts) is the common case: no inner loop.
    const field0 = nFields === 1 ? fields[0]! : undefined;
    const column0 = columns[0]!;
    for (let i = 0; i < n; i++) {
      const value = values[from + i]!;
      const key = select(value);
      if (typeof key === 'number' && key !== 0 && Number.isSafeInteger(key)) keys[i] = key;
      else {
        if (key === undefined || key === null) throw new TypeError('null key'); // extractInOrder names it
        keys[i] = this.idOf(key);
      }
      if (field0 !== undefined) {
        const x = field0(value);
        if (typeof x !== 'number') throw notANumber(this.names[0]!, x);
        column0[i] = x;
      } else {
        for (let f = 0; f < nFields; f++) {
          const x = fields[f]!(value);
          if (typeof x !== 'number') throw notANumber(this.names[f]!, x);
          columns[f]![i] = x;
        }
      }
    }
  }

  /** `extract` one function at a time, keys first: a failure names the record that order reaches first. */
  private extractInOrder(values: readonly T[], from: number, n: number, keys: Float64Array, columns: readonly Float64Array[]): void {
    let i = 0;
    try {
      const selector = this.spec.keySelector;
      for (; i < n; i++) {
        const key = selector.keyOf(values[from + i]!);
        keys[i] = typeof key === 'number' && key !== 0 && Number.isSafeInteger(key) ? key : this.idOf(key);
      }
      for (let f = 0; f < this.fields.length; f++) {
        const field = this.fields[f]!;
        const column = columns[f]!;
        for (i = 0; i < n; i++) {
          const x = field(values[from + i]!);
          if (typeof x !== 'number') throw notANumber(this.names[f]!, x);
          column[i] = x;
        }
      }
    } catch (cause) {
      throw operatorFailure(this.spec.operator, this.spec.uid, values[from + i], cause);
    }
  }

  /**
   * Takes watermark `watermark` into account: emits the partials of every pane it reaches (in pane
   * order), before the caller forwards it.
   */
  advance(watermark: Timestamp, emit: Emit): void {
    if (!(watermark > this.watermark)) return;
    this.watermark = watermark;
    if (!this.holding) return;
    const kernel = this.kernel!;
    const fired = kernel.fire(watermark);
    if (fired.count === 0) return;
    this.emitAll(fired, emit);
    kernel.evict(watermark);
    this.holding = kernel.size > 0;
  }

  /** Emits every partial held (before a barrier, idleness or the end of input). */
  flushAll(emit: Emit): void {
    if (this.holding) {
      const kernel = this.kernel!;
      this.emitAll(kernel.fire(Number.POSITIVE_INFINITY), emit);
      kernel.reset();
      this.holding = false;
    }
    this.ids.clear();
    this.keysById.length = 0;
  }

  private emitAll(fired: FiredWindows, emit: Emit): void {
    const last = this.spec.slide - 1;
    const nFields = this.fields.length;
    const names = this.columnNames;
    const { keys, results, starts } = fired;
    const counts = results[0]!;
    // One field (the usual sum, min, max or avg beside counts): a literal of the template's shape.
    const c0 = nFields === 1 ? results[1]! : undefined;
    for (let w = 0; w < fired.count; w++) {
      let row: PartialAggregate;
      if (c0 !== undefined) row = { key: this.keyOf(keys[w]!), n: counts[w], c0: c0[w] };
      else {
        row = { ...this.template };
        row.key = this.keyOf(keys[w]!);
        row.n = counts[w];
        for (let f = 0; f < nFields; f++) row[names[f]!] = results[f + 1]![w];
      }
      emit(row, starts[w]! + last);
    }
  }

  /** The partial of element `i` of the kernel's input, alone. */
  private single(key: number, columns: readonly Float64Array[], i: number): PartialAggregate {
    const row = { ...this.template };
    row.key = this.keyOf(key);
    row.n = 1;
    for (let f = 0; f < this.fields.length; f++) row[this.columnNames[f]!] = columns[f]![i];
    return row;
  }

  private idOf(key: unknown): number {
    const mk = mapKeyOf(key);
    let id = this.ids.get(mk);
    if (id === undefined) {
      id = ID_BASE - 2 * this.keysById.length;
      this.ids.set(mk, id);
      this.keysById.push(key);
    }
    return id;
  }

  private keyOf(k: number): unknown {
    return k >= Number.MIN_SAFE_INTEGER ? k : this.keysById[(ID_BASE - k) / 2];
  }
}
