import { notANumber } from '../aggregates/builtins';
import { AbstractOperator } from '../runtime/abstract-operator';
import type { KeySelector } from '../runtime/key-selector';
import { mapKeyOf } from '../state/key-groups';
import type { Batch, OperatorContext, OutputTag } from '../types';
import { WasmWindowAggregation } from '../wasm/window-aggregate-kernel';
import { PaneAggregation } from './pane-aggregation';
import { TimeWindow } from './time-window';
import { missingTimestamp } from './window-operator';
import type { FiredWindows, KernelAggregate, WindowAggregation, WindowAggregationConfig } from './window-aggregation';

const MIN_SAFE = Number.MIN_SAFE_INTEGER;
/** The first key id: the even number just below −2^53 + 1, counting down by 2. */
const ID_BASE = -(2 ** 53) - 2;

/** A named built-in aggregate over a numeric field (`count` reads none). */
export interface KernelAggregateSpec<T> {
  readonly name: string;
  readonly kind: KernelAggregate;
  readonly field: ((value: T) => number) | undefined;
}

export interface KernelWindowSpec<T> {
  readonly size: number;
  readonly slide: number;
  readonly offset: number;
  readonly allowedLateness: number;
  readonly lateOutput: OutputTag<T> | undefined;
  readonly keySelector: KeySelector<T, unknown>;
  readonly aggregates: ReadonlyArray<KernelAggregateSpec<T>>;
}

/**
 * Tumbling and sliding event-time windows with built-in numeric aggregates, accumulated by a
 * columnar kernel (WebAssembly, or its JavaScript twin) instead of per-window keyed state. The
 * results are Flink's, as with `WindowOperator`: this operator decides lateness, the late side
 * output and late firings exactly as Flink's `WindowOperator` with an `EventTimeTrigger` does; the
 * kernel only adds elements to panes and fires windows.
 *
 * Per record the JavaScript side extracts the key (mapped to a dense id) and the fields into
 * reusable columns; the kernel takes the whole batch in one call.
 */
export class KernelWindowOperator<T> extends AbstractOperator<T, Record<string, unknown>> {
  // Configuration.
  private readonly config: WindowAggregationConfig;
  private readonly fields: Array<(value: T) => number>;
  private readonly fieldNames: string[];

  // Runtime.
  private kernel!: WindowAggregation;
  private watermark = Number.NEGATIVE_INFINITY;
  private readonly ids = new Map<unknown, number>();
  private readonly keysById: unknown[] = [];
  private keys = new Float64Array(0);
  private timestamps = new Float64Array(0);
  private columns: Float64Array[] = [];
  private staged = 0;

  // Metrics.
  numLateRecordsDropped = 0;
  private wasm = 0;

  constructor(private readonly spec: KernelWindowSpec<T>) {
    super();
    this.fields = [];
    this.fieldNames = [];
    const aggregates = spec.aggregates.map((a) => {
      if (a.field === undefined) return { kind: a.kind, column: 0 };
      this.fields.push(a.field);
      this.fieldNames.push(a.kind);
      return { kind: a.kind, column: this.fields.length - 1 };
    });
    this.config = { size: spec.size, slide: spec.slide, offset: spec.offset, aggregates, columns: Math.max(1, this.fields.length) };
  }

  override open(context: OperatorContext<Record<string, unknown>>): void {
    super.open(context);
    this.grow(1024);
  }

  async prepare(): Promise<void> {
    const { wasm } = this.context.services;
    if (wasm.enabled) {
      try {
        this.kernel = await WasmWindowAggregation.load(this.config, { module: wasm.modules?.windowAggregate });
        this.wasm = 1;
        return;
      } catch (e) {
        // Where WebAssembly cannot load, the JavaScript twin gives the same results.
        console.warn(`sluice: ${this.context.name}: WebAssembly unavailable (${(e as Error).message}); using the JavaScript kernel`);
      }
    }
    this.kernel = new PaneAggregation(this.config);
  }

  metrics(): Record<string, number> {
    return { numLateRecordsDropped: this.numLateRecordsDropped, wasm: this.wasm };
  }

  processBatch(batch: Batch<T>): void {
    const { values, timestamps } = batch;
    const { size, slide, offset } = this.config;
    const lateness = this.spec.allowedLateness;
    const selector = this.spec.keySelector;
    const fields = this.fields;
    const nFields = fields.length;
    if (batch.length > this.keys.length) this.grow(batch.length);
    const wm = this.watermark;
    let i = 0;
    try {
      for (; i < batch.length; i++) {
        const value = values[i]!;
        const ts = timestamps[i]!;
        if (Number.isNaN(ts)) {
          throw missingTimestamp();
        }
        const id = this.idOf(selector.keyOf(value));
        const s = this.staged;
        this.keys[s] = id;
        this.timestamps[s] = ts;
        for (let f = 0; f < nFields; f++) {
          const x = fields[f]!(value);
          if (typeof x !== 'number') throw notANumber(this.fieldNames[f]!, x);
          this.columns[f]![s] = x;
        }
        // The earliest window of the element ends at lastStart + slide; if even that one is ahead
        // of the watermark, nothing about this element depends on it.
        const lastStart = TimeWindow.startWithOffset(ts, offset, slide);
        if (lastStart + slide - 1 > wm) {
          this.staged = s + 1;
          continue;
        }
        this.flushStaged();
        if (lastStart + size - 1 + lateness <= wm) {
          // Every window of the element is past its cleanup: late (ts + lateness <= wm holds too).
          if (this.spec.lateOutput !== undefined) this.output.sideOutput(this.spec.lateOutput, value, ts);
          else this.numLateRecordsDropped++;
          continue;
        }
        // Within the allowed lateness for some window: add it, and fire again every window of it
        // that has fired already (Flink's EventTimeTrigger returns FIRE for such elements).
        this.keys[0] = id;
        this.timestamps[0] = ts;
        for (let f = 0; f < nFields; f++) this.columns[f]![0] = this.columns[f]![s]!;
        this.kernel.add(this.keys, this.timestamps, this.columns, 0, 1);
        // Flink fires an element's windows in the assigner's order, latest start first.
        this.emit(this.kernel.current(id, ts, wm), true);
      }
      this.flushStaged();
    } catch (cause) {
      this.staged = 0;
      throw this.failure(values[i], cause);
    }
  }

  override processWatermark(watermark: number): void {
    this.watermark = watermark;
    this.emit(this.kernel.fire(watermark));
    this.kernel.evict(watermark - this.spec.allowedLateness);
    this.output.emitWatermark(watermark);
  }

  private flushStaged(): void {
    if (this.staged === 0) return;
    this.kernel.add(this.keys, this.timestamps, this.columns, 0, this.staged);
    this.staged = 0;
  }

  private emit(fired: FiredWindows, latestFirst = false): void {
    const { size } = this.config;
    const aggregates = this.spec.aggregates;
    for (let i = 0; i < fired.count; i++) {
      const w = latestFirst ? fired.count - 1 - i : i;
      const start = fired.starts[w]!;
      const k = fired.keys[w]!;
      const row: Record<string, unknown> = { key: k >= MIN_SAFE ? k : this.keysById[(ID_BASE - k) / 2], start, end: start + size };
      for (let a = 0; a < aggregates.length; a++) row[aggregates[a]!.name] = fired.results[a]![w];
      this.output.collect(row, start + size - 1);
    }
  }

  /**
   * The kernel's f64 key: a safe integer (not −0) stands for itself; any other key gets an id from
   * the numbers below −2^53, where no such integer lies (spaced by 2, so each is exact).
   */
  private idOf(key: unknown): number {
    if (typeof key === 'number' && Number.isSafeInteger(key) && (key !== 0 || 1 / key > 0)) return key;
    const mk = mapKeyOf(key);
    let id = this.ids.get(mk);
    if (id === undefined) {
      id = ID_BASE - 2 * this.keysById.length;
      this.ids.set(mk, id);
      this.keysById.push(key);
    }
    return id;
  }

  private grow(capacity: number): void {
    this.keys = new Float64Array(capacity);
    this.timestamps = new Float64Array(capacity);
    this.columns = Array.from({ length: this.config.columns }, () => new Float64Array(capacity));
  }
}
