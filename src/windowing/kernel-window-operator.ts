import { notANumber } from '../aggregates/builtins';
import { AbstractOperator } from '../runtime/abstract-operator';
import type { KeySelector } from '../runtime/key-selector';
import { ownsKey, mapKeyOf } from '../state/key-groups';
import type { Batch, OperatorContext, OutputTag } from '../types';
import { WasmWindowAggregation } from '../wasm/window-aggregate-kernel';
import { kernelOrTwin } from '../wasm/kernel-or-twin';
import { KernelPool } from '../wasm/kernel-pool';
import { decodeKernelWindowSnapshot, encodeKernelWindowSnapshot, type KernelWindowSnapshot } from './kernel-window-snapshot';
import { PaneAggregation } from './pane-aggregation';
import { TimeWindow } from './time-window';
import { missingTimestamp } from './window-operator';
import type {
  FiredWindows,
  KernelAggregate,
  KernelInput,
  WindowAggregation,
  WindowAggregationConfig,
  WindowAggregationState,
} from './window-aggregation';

const MIN_SAFE = Number.MIN_SAFE_INTEGER;
/** The first key id: the even number just below −2^53 + 1, counting down by 2. */
const ID_BASE = -(2 ** 53) - 2;
/** The smallest normal double: values of smaller magnitude (but 0) stand for value codes. */
const MIN_NORMAL = 2 ** -1022;
/** Dictionary entries (key ids + value codes) below which no sweep runs. */
const MIN_SWEEP = 4096;
/** `emit`'s "no key given". */
const NO_KEY: unknown = Symbol('no key');
/** WebAssembly kernels of finished window operators, for the next of the same configuration. */
const windowKernels = new KernelPool<WasmWindowAggregation>(128 * 1024 * 1024);

/** A named built-in aggregate over a field (`count` reads none). */
export interface KernelAggregateSpec<T> {
  readonly name: string;
  readonly kind: KernelAggregate;
  /** Numeric for sum, min, max and avg; any value for first, last and countDistinct. */
  readonly field: ((value: T) => unknown) | undefined;
}

export interface KernelWindowSpec<T> {
  readonly size: number;
  readonly slide: number;
  readonly offset: number;
  readonly allowedLateness: number;
  readonly lateOutput: OutputTag<T> | undefined;
  readonly keySelector: KeySelector<T, unknown>;
  readonly aggregates: ReadonlyArray<KernelAggregateSpec<T>>;
  /**
   * For input that is partial aggregates (see `WindowCombiner`): how many elements a record stands
   * for. Each aggregate's field then reads the record's partial accumulator for it.
   */
  readonly weight?: (value: T) => number;
}

/**
 * Tumbling and sliding event-time windows with built-in aggregates, accumulated by a columnar
 * kernel (WebAssembly, or its JavaScript twin) instead of per-window keyed state. The results are
 * Flink's, as with `WindowOperator`: this operator decides lateness, the late side output and late
 * firings exactly as Flink's `WindowOperator` with an `EventTimeTrigger` does; the kernel only adds
 * elements to panes and fires windows.
 *
 * The JavaScript side extracts the keys (mapped to f64s) and the fields of a batch into the
 * kernel's input columns — straight into WebAssembly memory — in one pass over the records, so
 * each record is read once, while in cache; the kernel takes the whole batch in one call. A batch
 * whose earliest timestamp is past the watermark's reach (the usual case) needs no per-record
 * lateness check; any other goes record by record. A key that is a safe integer other than 0 is
 * its own f64; any other key gets an id below −2^53 — 0 and −0 one id, as they are one key in
 * keyed state (SameValueZero). A `first`/`last`/`countDistinct` field may
 * return any value: a number of normal magnitude (or 0, ±∞, NaN) goes in as it is, and anything
 * else — a string, null, an object, a subnormal number — as a code, the subnormal `(i + 1)·2^−1074`
 * for the i-th such value seen (compared with SameValueZero, as the JS aggregators' Set does).
 *
 * Snapshots (`snapshotState`) hold the kernel's state as columns, with the original keys and values
 * behind their ids and codes; a restore keeps the key groups it is given, and the WebAssembly kernel
 * and the JS twin read each other's snapshots.
 */
export class KernelWindowOperator<T> extends AbstractOperator<T, Record<string, unknown>> {
  // Configuration.
  protected readonly config: WindowAggregationConfig;
  private readonly fields: Array<(value: T) => unknown>;
  /** Per field: whether it takes any value (first, last, countDistinct) rather than a number. */
  private readonly anyValue: boolean[];
  private readonly fieldNames: string[];
  /** Per aggregate: whether its results may be value codes (first, last). */
  private readonly decodes: boolean[];
  private readonly signature: string;
  /**
   * A result row with every field, cloned by spread for each fired window of more than three
   * aggregates (rows of fewer are literals, see `emit`): the clones share one shape.
   */
  private readonly rowTemplate: Record<string, unknown>;
  /** The aggregates' names, in the order of the kernel's results. */
  private readonly resultNames: string[];
  /** A window's [start, end], boxed once for all its rows (an array of any values holds numbers boxed). */
  private readonly bounds: unknown[] = [undefined, undefined];

  // Runtime.
  protected kernel: WindowAggregation | undefined = undefined;
  /** The time up to which windows have fired and been cleaned up (less the allowed lateness). */
  protected watermark = Number.NEGATIVE_INFINITY;
  // Dictionaries: the keys behind ids and the values behind codes. Entries no window holds any
  // more are swept (and their ids and codes reused) whenever the dictionaries have doubled.
  private readonly ids = new Map<unknown, number>();
  private readonly keysById: unknown[] = [];
  private readonly freeIds: number[] = [];
  private readonly codes = new Map<unknown, number>();
  private readonly valuesByCode: unknown[] = [];
  private readonly freeCodes: number[] = [];
  private sweepAt = MIN_SWEEP;
  /**
   * The key 0/−0 (one key, one id) per window start: whether the window's first element had −0.
   * The keyed-state operator shows a window's key as its first element had it (the timer keeps
   * the key that registered it); for every other key all elements show it alike.
   */
  private readonly zeroWindows = new Map<number, boolean>();
  private keys = new Float64Array(0);
  private timestamps = new Float64Array(0);
  private columns: Float64Array[] = [];
  private staged = 0;
  /** Snapshots restored before the kernel was loaded, imported by `prepare`. */
  private restored: { parts: KernelWindowSnapshot[]; keep: (key: unknown) => boolean } | undefined = undefined;

  // Metrics.
  numLateRecordsDropped = 0;
  private wasm = 0;
  private poolKey = '';
  private finished = false;

  constructor(private readonly spec: KernelWindowSpec<T>) {
    super();
    this.fields = [];
    this.anyValue = [];
    this.fieldNames = [];
    const aggregates = spec.aggregates.map((a) => {
      if (a.field === undefined) return { kind: a.kind, column: 0 };
      this.fields.push(a.field);
      this.anyValue.push(a.kind === 'first' || a.kind === 'last' || a.kind === 'countDistinct');
      this.fieldNames.push(a.kind);
      return { kind: a.kind, column: this.fields.length - 1 };
    });
    this.decodes = spec.aggregates.map((a) => a.kind === 'first' || a.kind === 'last');
    // The weight is one more numeric column; the signature (what snapshots must match) leaves it
    // out: the state is the same whether elements or partial aggregates built it.
    const weightColumn = spec.weight === undefined ? undefined : this.fields.push(spec.weight) - 1;
    if (spec.weight !== undefined) {
      this.anyValue.push(false);
      this.fieldNames.push('weight');
    }
    this.config = { size: spec.size, slide: spec.slide, offset: spec.offset, aggregates, columns: Math.max(1, this.fields.length), ...(weightColumn === undefined ? {} : { weightColumn }) };
    this.rowTemplate = { key: undefined, start: undefined, end: undefined };
    for (const a of spec.aggregates) this.rowTemplate[a.name] = undefined;
    this.resultNames = spec.aggregates.map((a) => a.name);
    this.signature = `window(${spec.size}, ${spec.slide}, ${spec.offset}) aggregate(${aggregates.map((a) => `${a.kind}(${a.column})`).join(', ')})`;
  }

  override open(context: OperatorContext<Record<string, unknown>>): void {
    super.open(context);
    this.grow(1024);
  }

  async prepare(): Promise<void> {
    if (this.kernel !== undefined) return;
    const { wasm } = this.context.services;
    this.poolKey = JSON.stringify(this.config);
    const pooled = wasm.enabled ? windowKernels.take(this.poolKey) : undefined;
    const loaded =
      pooled !== undefined
        ? { kernel: pooled, wasm: true }
        : await kernelOrTwin<WindowAggregation>(
            wasm.enabled,
            this.context.name,
            () => WasmWindowAggregation.load(this.config, { module: wasm.modules?.windowAggregate }),
            () => new PaneAggregation(this.config),
          );
    this.kernel = loaded.kernel;
    this.wasm = loaded.wasm ? 1 : 0;
    if (this.restored !== undefined) this.importRestored(this.restored.parts, this.restored.keep);
    this.restored = undefined;
  }

  metrics(): Record<string, number> {
    return { numLateRecordsDropped: this.numLateRecordsDropped, wasm: this.wasm, dictionaryEntries: this.ids.size + this.codes.size };
  }

  processBatch(batch: Batch<T>): void {
    const kernel = this.kernel!;
    for (let from = 0; from < batch.length; ) {
      const input = kernel.input(batch.length - from);
      const to = Math.min(batch.length, from + input.keys.length);
      if (!this.addBatch(batch, from, to, input)) this.addRecords(batch, from, to);
      from = to;
    }
  }

  /**
   * Adds records [from, to) in one go when none of them can be late or make a window fire: the
   * earliest window of the earliest one ends after the watermark. Returns false, having called no
   * user function, otherwise (or for a record without a timestamp).
   */
  private addBatch(batch: Batch<T>, from: number, to: number, input: KernelInput): boolean {
    const { values, timestamps } = batch;
    const n = to - from;
    const times = input.timestamps;
    let earliest = Number.POSITIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      const t = timestamps[from + i]!;
      times[i] = t;
      if (!(t >= earliest)) {
        if (t !== t) return false;
        earliest = t;
      }
    }
    const { slide, offset } = this.config;
    if (!(TimeWindow.startWithOffset(earliest, offset, slide) + slide - 1 > this.watermark)) return false;
    try {
      this.extract(values, from, n, input);
    } catch {
      // Which error, for which record: the first failing key, else the first failing value of the
      // first field that has one — as one loop per function reports it. (A failing batch may see
      // its user functions called twice, never a successful one.)
      this.extractInOrder(values, from, n, input);
    }
    this.kernel!.add(input.keys, times, input.columns, 0, n);
    return true;
  }

  /**
   * The keys and field values of records [from, from + n) into the kernel's input columns, in one
   * pass over the records: each record is read while it is in cache, once. The user's functions are
   * called bare, without `KeySelector.keyOf`'s try/catch per call: any failure (or a null key) throws
   * out to `addBatch`, whose `extractInOrder` calls them again to name the record.
   */
  private extract(values: T[], from: number, n: number, input: KernelInput): void {
    const select = this.spec.keySelector.fn;
    const { keys, timestamps, columns } = input;
    const fields = this.fields;
    const nFields = fields.length;
    // One numeric field (a sum, min, max or avg beside counts) is the common case: its function
    // and column in locals, with no inner loop.
    const field0 = nFields === 1 && !this.anyValue[0]! ? fields[0]! : undefined;
    const column0 = columns[0]!;
    for (let i = 0; i < n; i++) {
      const value = values[from + i]!;
      const key = select(value);
      if (typeof key === 'number' && key !== 0 && Number.isSafeInteger(key)) keys[i] = key;
      else {
        if (key === undefined || key === null) throw new TypeError('null key'); // extractInOrder names it
        keys[i] = this.idOf(key);
        if (key === 0) this.noteZero(key, timestamps[i]!);
      }
      if (field0 !== undefined) {
        const x = field0(value);
        column0[i] = typeof x === 'number' ? x : this.columnValue(x, 0);
      } else for (let f = 0; f < nFields; f++) columns[f]![i] = this.columnValue(fields[f]!(value), f);
    }
  }

  /** `extract` one function at a time: the keys, then each field; a failure names its record. */
  private extractInOrder(values: T[], from: number, n: number, input: KernelInput): void {
    const selector = this.spec.keySelector;
    const { keys, timestamps, columns } = input;
    let i = 0;
    try {
      for (; i < n; i++) {
        const key = selector.keyOf(values[from + i]!);
        keys[i] = this.idOf(key);
        if (key === 0) this.noteZero(key, timestamps[i]!);
      }
      for (let f = 0; f < this.fields.length; f++) {
        const field = this.fields[f]!;
        for (i = 0; i < n; i++) columns[f]![i] = this.columnValue(field(values[from + i]!), f);
      }
    } catch (cause) {
      throw this.failure(values[from + i], cause);
    }
  }

  /**
   * A field's value as the kernel takes it: a number as it is — but, for a field that takes any
   * value, a subnormal one, which stands for a code — else the value's code (any-value fields) or
   * an error.
   */
  private columnValue(x: unknown, f: number): number {
    if (typeof x === 'number') {
      if (!this.anyValue[f]! || x >= MIN_NORMAL || x <= -MIN_NORMAL || x === 0 || x !== x) return x;
      return this.codeOf(x);
    }
    if (this.anyValue[f]!) return this.codeOf(x);
    throw notANumber(this.fieldNames[f]!, x);
  }

  /** Adds records [from, to) one by one, deciding lateness and late firings per record. */
  private addRecords(batch: Batch<T>, from: number, to: number): void {
    const { values, timestamps } = batch;
    const { size, slide, offset } = this.config;
    const kernel = this.kernel!;
    const lateness = this.spec.allowedLateness;
    const selector = this.spec.keySelector;
    const fields = this.fields;
    const anyValue = this.anyValue;
    const nFields = fields.length;
    if (to - from > this.keys.length) this.grow(to - from);
    const wm = this.watermark;
    let i = from;
    try {
      for (; i < to; i++) {
        const value = values[i]!;
        const ts = timestamps[i]!;
        if (Number.isNaN(ts)) {
          throw missingTimestamp();
        }
        const key = selector.keyOf(value);
        const id = this.idOf(key);
        const s = this.staged;
        this.keys[s] = id;
        this.timestamps[s] = ts;
        for (let f = 0; f < nFields; f++) {
          const x = fields[f]!(value);
          if (typeof x === 'number' && (x >= MIN_NORMAL || x <= -MIN_NORMAL || x === 0 || x !== x)) this.columns[f]![s] = x;
          else if (anyValue[f]) this.columns[f]![s] = this.codeOf(x);
          else if (typeof x === 'number') this.columns[f]![s] = x;
          else throw notANumber(this.fieldNames[f]!, x);
        }
        // The earliest window of the element ends at lastStart + slide; if even that one is ahead
        // of the watermark, nothing about this element depends on it.
        const lastStart = TimeWindow.startWithOffset(ts, offset, slide);
        if (lastStart + slide - 1 > wm) {
          this.staged = s + 1;
          if (key === 0) this.noteZero(key, ts);
          continue;
        }
        this.flushStaged();
        if (lastStart + size - 1 + lateness <= wm) {
          // Every window of the element is past its cleanup: late (ts + lateness <= wm holds too).
          if (this.spec.lateOutput !== undefined) this.output.sideOutput(this.spec.lateOutput, value, ts);
          else this.numLateRecordsDropped += this.config.weightColumn === undefined ? 1 : this.columns[this.config.weightColumn]![s]!;
          continue;
        }
        // Within the allowed lateness for some window: add it, and fire again every window of it
        // that has fired already (Flink's EventTimeTrigger returns FIRE for such elements).
        if (key === 0) this.noteZero(key, ts);
        this.keys[0] = id;
        this.timestamps[0] = ts;
        for (let f = 0; f < nFields; f++) this.columns[f]![0] = this.columns[f]![s]!;
        kernel.add(this.keys, this.timestamps, this.columns, 0, 1);
        // Flink fires an element's windows in the assigner's order, latest start first, under the
        // element's own key.
        this.emit(kernel.current(id, ts, wm), true, key);
      }
      this.flushStaged();
    } catch (cause) {
      this.staged = 0;
      throw this.failure(values[i], cause);
    }
  }

  override processWatermark(watermark: number): void {
    // A restored operator resumes at its checkpointed watermark; it never moves back.
    if (watermark <= this.watermark) return;
    this.advance(watermark);
    this.output.emitWatermark(watermark);
  }

  /**
   * Fires the windows with `end - 1 <= watermark` and cleans up those `watermark - allowedLateness`
   * has passed: what an event-time watermark does here, and processing time in a subclass.
   */
  protected advance(watermark: number): void {
    this.watermark = watermark;
    this.emit(this.kernel!.fire(watermark));
    this.kernel!.evict(watermark - this.spec.allowedLateness);
    if (this.zeroWindows.size > 0) {
      const closed = watermark - this.spec.allowedLateness - this.config.size + 1;
      for (const start of this.zeroWindows.keys()) if (start <= closed) this.zeroWindows.delete(start);
    }
    if (this.ids.size + this.codes.size > this.sweepAt) this.sweepDictionaries();
  }

  override finish(): void {
    this.finished = true;
  }

  /** A kernel that saw its input to the end goes back to the pool; one that failed may be half-way through a call. */
  override close(): void {
    if (this.finished && this.kernel instanceof WasmWindowAggregation) windowKernels.give(this.poolKey, this.kernel);
    this.kernel = undefined;
  }

  // ── Snapshots ─────────────────────────────────────────────────────────────────────────────────

  /**
   * The kernel's state and the watermark (Flink does not checkpoint watermarks; restoring it makes
   * a recovered run judge late elements exactly as the failure-free run would), with the keys and
   * values behind the ids and codes the state holds, renumbered densely.
   */
  snapshotState(): Uint8Array {
    const state = this.kernel!.exportState();
    const keys: unknown[] = [];
    const values: unknown[] = [];
    const keyIds = new Map<number, number>();
    const valueCodes = new Map<number, number>();
    const rekey = (k: number): number => {
      if (k >= MIN_SAFE) return k;
      let id = keyIds.get(k);
      if (id === undefined) {
        id = ID_BASE - 2 * keys.length;
        keyIds.set(k, id);
        keys.push(this.keysById[(ID_BASE - k) / 2]);
      }
      return id;
    };
    const recode = (v: number): number => {
      if (!isCode(v)) return v;
      let code = valueCodes.get(v);
      if (code === undefined) {
        code = codeAt(values.length);
        valueCodes.set(v, code);
        values.push(this.valuesByCode[indexOfCode(v)]);
      }
      return code;
    };
    const remapped = remap(state, () => true, rekey, recode);
    const zeroWindows = [...this.zeroWindows].flatMap(([start, negative]) => [start, negative ? 1 : 0]);
    return encodeKernelWindowSnapshot({ signature: this.signature, watermark: this.watermark, keys, values, zeroWindows, state: remapped });
  }

  restoreState(snapshots: readonly Uint8Array[], keyGroups: { readonly start: number; readonly end: number }): void {
    const parts = snapshots.map((bytes, subtask) => {
      const part = decodeKernelWindowSnapshot(bytes, `${this.context.name} state (subtask ${subtask})`);
      if (part.signature !== this.signature) {
        throw new Error(`${this.context.name}: the snapshot is of ${part.signature}, this operator is ${this.signature}`);
      }
      return part;
    });
    const keep = ownsKey(keyGroups, this.context.services.maxParallelism);
    if (this.kernel === undefined) this.restored = { parts, keep };
    else this.importRestored(parts, keep);
  }

  /**
   * Imports the slots of the kept keys, with their ids and codes renumbered into this operator's.
   * Every subtask of the earlier run had passed at least the smallest watermark among them.
   */
  private importRestored(parts: readonly KernelWindowSnapshot[], keep: (key: unknown) => boolean): void {
    if (parts.length === 0) return;
    const fire = Math.min(...parts.map((p) => p.state.fireWatermark));
    const retired = Math.min(...parts.map((p) => p.state.retiredWatermark));
    this.watermark = Math.min(...parts.map((p) => p.watermark));
    for (const part of parts) {
      const original = (k: number): unknown => (k >= MIN_SAFE ? k : part.keys[(ID_BASE - k) / 2]);
      const kept = new Map<number, boolean>();
      const keepKey = (k: number): boolean => {
        let yes = kept.get(k);
        if (yes === undefined) kept.set(k, (yes = keep(original(k))));
        return yes;
      };
      const recode = (v: number): number => (isCode(v) ? this.codeOf(part.values[indexOfCode(v)]) : v);
      if (keep(0)) for (let z = 0; z + 1 < part.zeroWindows.length; z += 2) this.zeroWindows.set(part.zeroWindows[z]!, part.zeroWindows[z + 1] === 1);
      this.kernel!.importState(remap(part.state, keepKey, (k) => this.idOf(original(k)), recode), fire, retired);
    }
  }

  // ── Helpers ───────────────────────────────────────────────────────────────────────────────────

  private flushStaged(): void {
    if (this.staged === 0) return;
    this.kernel!.add(this.keys, this.timestamps, this.columns, 0, this.staged);
    this.staged = 0;
  }

  /** The key (as the window's first element had it) for key 0/−0 in `zeroWindows`. */
  private noteZero(key: number, ts: number): void {
    const { size, slide, offset } = this.config;
    for (let s = TimeWindow.startWithOffset(ts, offset, slide); s > ts - size; s -= slide) {
      if (!this.zeroWindows.has(s)) this.zeroWindows.set(s, Object.is(key, -0));
    }
  }

  /** Emits fired windows as rows; `key`: the key of a late element whose windows fired again. */
  protected emit(fired: FiredWindows, latestFirst = false, key: unknown = NO_KEY): void {
    const { size } = this.config;
    const names = this.resultNames;
    const [n0, n1, n2] = names as Array<string | undefined>;
    // The rows of one window share its start and end as the same two boxed numbers (in an array of
    // any values, a number stays boxed, and storing it allocates nothing): a row costs a third less
    // to make and to keep.
    const bounds = this.bounds;
    bounds[0] = Number.NaN;
    for (let i = 0; i < fired.count; i++) {
      const w = latestFirst ? fired.count - 1 - i : i;
      const start = fired.starts[w]!;
      if (start !== bounds[0]) {
        bounds[0] = start;
        bounds[1] = start + size;
      }
      const k = fired.keys[w]!;
      let rowKey = key !== NO_KEY ? key : k >= MIN_SAFE ? k : this.keysById[(ID_BASE - k) / 2];
      if (rowKey === 0 && key === NO_KEY) {
        const negative = this.zeroWindows.get(start);
        if (negative !== undefined) rowKey = negative ? -0 : 0;
      }
      // Up to three results, a literal: one object with every field in it, where a copy of a
      // template, with fields added, is two (V8 gives a copy room for four fields).
      let row: Record<string, unknown>;
      switch (names.length) {
        case 1:
          row = { key: rowKey, start: bounds[0], end: bounds[1], [n0!]: this.result(fired, 0, w) };
          break;
        case 2:
          row = { key: rowKey, start: bounds[0], end: bounds[1], [n0!]: this.result(fired, 0, w), [n1!]: this.result(fired, 1, w) };
          break;
        case 3:
          row = {
            key: rowKey,
            start: bounds[0],
            end: bounds[1],
            [n0!]: this.result(fired, 0, w),
            [n1!]: this.result(fired, 1, w),
            [n2!]: this.result(fired, 2, w),
          };
          break;
        default:
          row = { ...this.rowTemplate };
          row.key = rowKey;
          row.start = bounds[0];
          row.end = bounds[1];
          for (let a = 0; a < names.length; a++) row[names[a]!] = this.result(fired, a, w);
      }
      this.output.collect(row, start + size - 1);
    }
  }

  /** Aggregate `a` of fired window `w`: a `first`/`last` holds a code for a non-numeric value. */
  private result(fired: FiredWindows, a: number, w: number): unknown {
    const v = fired.results[a]![w]!;
    return this.decodes[a] && isCode(v) ? this.valuesByCode[indexOfCode(v)] : v;
  }

  /**
   * The kernel's f64 key: a safe integer other than ±0 stands for itself; any other key gets an id
   * from the numbers below −2^53, where no such integer lies (spaced by 2, so each is exact). 0 and
   * −0 share an id (`mapKeyOf` and the Map are SameValueZero), so they are one key, as in keyed
   * state; the output shows the first seen.
   */
  private idOf(key: unknown): number {
    if (typeof key === 'number' && key !== 0 && Number.isSafeInteger(key)) return key;
    const mk = mapKeyOf(key);
    let id = this.ids.get(mk);
    if (id === undefined) {
      id = this.freeIds.pop() ?? ID_BASE - 2 * this.keysById.length;
      this.ids.set(mk, id);
      this.keysById[(ID_BASE - id) / 2] = key;
    }
    return id;
  }

  /** The code of a value a number cannot stand for (see the class comment). */
  private codeOf(x: unknown): number {
    let code = this.codes.get(x);
    if (code === undefined) {
      code = this.freeCodes.pop() ?? codeAt(this.valuesByCode.length);
      this.codes.set(x, code);
      this.valuesByCode[indexOfCode(code)] = x;
    }
    return code;
  }

  /**
   * Drops the ids and codes no slot or flagged window holds (their keys and values can never be
   * output again), for reuse; then waits until the dictionaries double. Costs a state export, so
   * O(state) per doubling: nothing per record, and never with safe-integer keys and numeric values.
   */
  private sweepDictionaries(): void {
    const state = this.kernel!.exportState();
    const liveIds = new Set<number>();
    for (const keys of [state.slots.keys, state.flags.keys]) for (const k of keys) if (k < MIN_SAFE) liveIds.add(k);
    const liveCodes = new Set<number>();
    state.accumulators.forEach((a, i) => {
      if (a.kind === 'first' || a.kind === 'last') for (const v of state.slots.accumulators[i]!) if (isCode(v)) liveCodes.add(v);
    });
    for (const v of state.distinctValues) if (isCode(v)) liveCodes.add(v);
    for (const [mk, id] of this.ids) {
      if (liveIds.has(id)) continue;
      this.ids.delete(mk);
      this.keysById[(ID_BASE - id) / 2] = undefined;
      this.freeIds.push(id);
    }
    for (const [x, code] of this.codes) {
      if (liveCodes.has(code)) continue;
      this.codes.delete(x);
      this.valuesByCode[indexOfCode(code)] = undefined;
      this.freeCodes.push(code);
    }
    this.sweepAt = Math.max(MIN_SWEEP, 2 * (this.ids.size + this.codes.size));
  }

  private grow(capacity: number): void {
    this.keys = new Float64Array(capacity);
    this.timestamps = new Float64Array(capacity);
    this.columns = Array.from({ length: this.config.columns }, () => new Float64Array(capacity));
  }
}

/** Whether `v` is a value code: a subnormal double (codes are positive). */
function isCode(v: number): boolean {
  return v > 0 && v < MIN_NORMAL;
}

/** The code of the i-th coded value: (i + 1)·2^−1074, exact for any i below 2^52. */
function codeAt(i: number): number {
  return (i + 1) * Number.MIN_VALUE;
}

function indexOfCode(v: number): number {
  return v / Number.MIN_VALUE - 1;
}

/**
 * A copy of `state` with the slots and flags of the keys `keep` accepts, keys mapped by `rekey` and
 * the values of first/last accumulators and distinct sets by `recode`.
 */
function remap(
  state: WindowAggregationState,
  keep: (key: number) => boolean,
  rekey: (key: number) => number,
  recode: (value: number) => number,
): WindowAggregationState {
  const { slots, flags, accumulators } = state;
  const n = slots.keys.length;
  const rows: number[] = [];
  const distinct: number[] = [];
  const distinctAccs = accumulators.flatMap((a, i) => (a.kind === 'countDistinct' ? [i] : []));
  let d = 0;
  for (let r = 0; r < n; r++) {
    const yes = keep(slots.keys[r]!);
    if (yes) rows.push(r);
    for (const a of distinctAccs) {
      const m = slots.accumulators[a]![r]!;
      if (yes) for (let q = 0; q < m; q++) distinct.push(recode(state.distinctValues[d + q]!));
      d += m;
    }
  }
  const pick = (c: Float64Array, map?: (v: number) => number): Float64Array => Float64Array.from(rows, (r) => (map === undefined ? c[r]! : map(c[r]!)));
  const flagRows: number[] = [];
  for (let i = 0; i < flags.keys.length; i++) if (keep(flags.keys[i]!)) flagRows.push(i);
  const pickFlag = (c: Float64Array, map?: (v: number) => number): Float64Array => Float64Array.from(flagRows, (i) => (map === undefined ? c[i]! : map(c[i]!)));
  return {
    ...state,
    slots: {
      paneStarts: pick(slots.paneStarts),
      keys: pick(slots.keys, rekey),
      firstSeqs: pick(slots.firstSeqs),
      counts: pick(slots.counts),
      accumulators: slots.accumulators.map((c, a) => (accumulators[a]!.kind === 'first' || accumulators[a]!.kind === 'last' ? pick(c, recode) : pick(c))),
    },
    distinctValues: Float64Array.from(distinct),
    flags: { keys: pickFlag(flags.keys, rekey), starts: pickFlag(flags.starts), states: pickFlag(flags.states) },
  };
}
