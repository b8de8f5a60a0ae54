import { accumulatorsOf, checkState, PaneAggregation, planWindowAggregation, type WindowAggregationPlan } from '../windowing/pane-aggregation';
import type { FiredWindows, KernelInput, WindowAggregation, WindowAggregationConfig, WindowAggregationState } from '../windowing/window-aggregation';
import { instantiateKernel, KernelMemory } from './loader';

/** The exports of `assembly/window-aggregate.ts`. */
interface WindowKernelExports {
  readonly memory: WebAssembly.Memory;
  spec(): number;
  configure(size: number, slide: number, offset: number, aggregates: number, columns: number, weightColumn: number): number;
  reserveInput(n: number): number;
  inputCapacity(): number;
  add(n: number): void;
  fire(watermark: number): number;
  current(key: number, timestamp: number, watermark: number): number;
  evict(cleanupWatermark: number): void;
  output(): number;
  outputCapacity(): number;
  entries(): number;
  transfer(bytes: number): number;
  exportSlots(): number;
  exportedDistinct(): number;
  exportFlags(): number;
  importSlots(n: number, m: number, partFire: number, fireAt: number, deadAt: number, seq: number): number;
  importFlags(k: number): void;
  fireWatermark(): number;
  retiredWatermark(): number;
  arrivals(): number;
  reset(): void;
}

/**
 * The kernel's URL, made only when it is needed: where a caller hands in a precompiled module
 * (workerd), `import.meta.url` need not be a valid base.
 */
const wasmUrl = (): URL => new URL('../../build/wasm/window-aggregate.wasm', import.meta.url);

/** The most elements handed to the kernel in one call; larger `add`s go in pieces. */
const MAX_CALL = 1 << 16;

export type { KernelInput };

const NO_VALUES = new Float64Array(0);

/**
 * The keyed window-aggregation kernel in WebAssembly (`assembly/window-aggregate.ts`), with
 * results identical bit for bit to its JavaScript twin `PaneAggregation` (see there for the
 * semantics). Each instance owns one WebAssembly instance and its linear memory.
 *
 * A batch crosses the boundary in one call: `add` copies the key, timestamp and used value columns
 * into the kernel's input area (or skips the copy for arrays obtained from `input(n)` and filled in
 * place), and `fire`/`current` return `FiredWindows` whose arrays are views of the kernel's output
 * area — valid until the next call, and possibly longer than `count`.
 *
 * @example
 * const agg = await WasmWindowAggregation.load({ size: 10_000, slide: 10_000, offset: 0, columns: 1,
 *   aggregates: [{ kind: 'count', column: 0 }, { kind: 'sum', column: 0 }] });
 * const input = agg.input(batchLength);
 * input.keys.set(keys); input.timestamps.set(timestamps); input.columns[0].set(prices);
 * agg.add(input.keys, input.timestamps, input.columns, 0, batchLength); // no copy
 * const fired = agg.fire(watermark);
 */
export class WasmWindowAggregation implements WindowAggregation {
  // Configuration.
  /** The input-area column of each configured value column, or -1 when no aggregate reads it. */
  private readonly slotOfColumn: Int32Array;

  // Views of linear memory, re-made when it grows (which detaches the old buffer).
  private readonly memory: KernelMemory;
  private f64: Float64Array;
  private inBase = 0;
  private inCap = 0;
  private inView: KernelInput | undefined = undefined;
  private outBase = 0;
  private outCap = 0;
  private readonly out: { count: number; keys: Float64Array; starts: Float64Array; results: Float64Array[] };

  private constructor(
    private readonly exports: WindowKernelExports,
    private readonly plan: WindowAggregationPlan,
    columns: number,
  ) {
    this.slotOfColumn = new Int32Array(columns).fill(-1);
    let used = 0;
    for (const { code, column } of plan.aggregates) if (code !== 0 && this.slotOfColumn[column] === -1) this.slotOfColumn[column] = used++;
    if (plan.weightColumn >= 0 && this.slotOfColumn[plan.weightColumn] === -1) this.slotOfColumn[plan.weightColumn] = used++;
    const specBase = exports.spec() >>> 2;
    const i32 = new Int32Array(exports.memory.buffer);
    plan.aggregates.forEach(({ code, column }, a) => {
      i32[specBase + 2 * a] = code;
      i32[specBase + 2 * a + 1] = code === 0 ? 0 : this.slotOfColumn[column]!;
    });
    const weightSlot = plan.weightColumn < 0 ? -1 : this.slotOfColumn[plan.weightColumn]!;
    if (exports.configure(plan.size, plan.slide, plan.offset, plan.aggregates.length, used, weightSlot) !== 0) {
      throw new Error('window-aggregate kernel refused its configuration');
    }
    this.memory = new KernelMemory(exports.memory);
    this.f64 = this.memory.f64;
    this.out = { count: 0, keys: NO_VALUES, starts: NO_VALUES, results: plan.aggregates.map(() => NO_VALUES) };
    this.reserve(1);
  }

  /**
   * Instantiates the kernel for `config` (which it validates: a `ConfigurationError` for a bad
   * one). `module`: a precompiled module — required in Cloudflare workerd.
   */
  static async load(config: WindowAggregationConfig, options: { module?: WebAssembly.Module } = {}): Promise<WasmWindowAggregation> {
    const plan = planWindowAggregation(config);
    const instance = await instantiateKernel(wasmUrl, options.module);
    return new WasmWindowAggregation(instance.exports as unknown as WindowKernelExports, plan, config.columns);
  }

  /** Number of (key, pane) entries held. */
  get size(): number {
    return this.exports.entries();
  }

  /** Bytes of linear memory the kernel holds (it never shrinks). */
  get memoryBytes(): number {
    return this.exports.memory.buffer.byteLength;
  }

  /**
   * Views of the kernel's input area holding at least `n` elements: fill them and pass them to
   * `add(…, 0, n)`, which then copies nothing. Valid until the next call into the kernel.
   */
  input(n: number): KernelInput {
    this.reserve(Math.min(Math.max(n, 1), MAX_CALL));
    return this.inView!;
  }

  add(keys: Float64Array, timestamps: Float64Array, columns: readonly Float64Array[], from: number, to: number): void {
    for (let i = from; i < to; ) {
      const n = Math.min(to - i, MAX_CALL);
      this.reserve(n);
      const view = this.inView!;
      const f64 = this.f64;
      const cap = this.inCap;
      const base = this.inBase >>> 3;
      if (keys !== view.keys || i !== 0) f64.set(slice(keys, i, n), base);
      if (timestamps !== view.timestamps || i !== 0) f64.set(slice(timestamps, i, n), base + cap);
      for (let c = 0; c < this.slotOfColumn.length; c++) {
        const slot = this.slotOfColumn[c]!;
        if (slot < 0) continue;
        const column = columns[c]!;
        if (column !== view.columns[c] || i !== 0) f64.set(slice(column, i, n), base + (2 + slot) * cap);
      }
      this.exports.add(n);
      i += n;
    }
  }

  fire(watermark: number): FiredWindows {
    return this.result(this.exports.fire(watermark));
  }

  current(key: number, timestamp: number, watermark: number): FiredWindows {
    return this.result(this.exports.current(key, timestamp, watermark));
  }

  evict(cleanupWatermark: number): void {
    this.exports.evict(cleanupWatermark);
  }

  reset(): void {
    this.exports.reset();
  }

  exportState(): WindowAggregationState {
    const { exports } = this;
    const n = exports.exportSlots();
    const m = exports.exportedDistinct();
    const nAccs = this.plan.accumulators.length;
    this.sync();
    let b = exports.transfer(0) >>> 3;
    const column = (): Float64Array => {
      const c = this.f64.slice(b, b + n);
      b += n;
      return c;
    };
    const slots = {
      paneStarts: column(),
      keys: column(),
      firstSeqs: column(),
      counts: column(),
      accumulators: Array.from({ length: nAccs }, column),
    };
    const distinctValues = this.f64.slice(b, b + m);
    const k = exports.exportFlags();
    this.sync();
    const f = exports.transfer(0) >>> 3;
    return {
      fireWatermark: exports.fireWatermark(),
      retiredWatermark: exports.retiredWatermark(),
      arrivals: exports.arrivals(),
      accumulators: accumulatorsOf(this.plan),
      slots,
      distinctValues,
      flags: { keys: this.f64.slice(f, f + k), starts: this.f64.slice(f + k, f + 2 * k), states: this.f64.slice(f + 2 * k, f + 3 * k) },
    };
  }

  importState(state: WindowAggregationState, fireWatermark: number, retiredWatermark: number): void {
    const n = checkState(state, this.plan);
    const { slots, distinctValues, flags } = state;
    const { exports } = this;
    const m = distinctValues.length;
    let b = exports.transfer(8 * ((4 + slots.accumulators.length) * n + m)) >>> 3;
    this.sync();
    for (const c of [slots.paneStarts, slots.keys, slots.firstSeqs, slots.counts, ...slots.accumulators]) {
      this.f64.set(c, b);
      b += n;
    }
    this.f64.set(distinctValues, b);
    if (exports.importSlots(n, m, state.fireWatermark, fireWatermark, retiredWatermark, state.arrivals) !== 0) {
      throw new Error('window aggregation state: a key appears twice in a pane, or the distinct values do not add up');
    }
    const k = flags.keys.length;
    const f = exports.transfer(8 * 3 * k) >>> 3;
    this.sync();
    this.f64.set(flags.keys, f);
    this.f64.set(flags.starts, f + k);
    this.f64.set(flags.states, f + 2 * k);
    exports.importFlags(k);
  }

  /** Makes the input area hold `n` elements and the views current. */
  private reserve(n: number): void {
    if (n > this.inCap) {
      this.inBase = this.exports.reserveInput(n);
      this.inCap = this.exports.inputCapacity();
      this.inView = undefined;
    }
    this.sync();
    if (this.inView === undefined) {
      const b = this.inBase >>> 3;
      const cap = this.inCap;
      this.inView = {
        keys: this.f64.subarray(b, b + cap),
        timestamps: this.f64.subarray(b + cap, b + 2 * cap),
        columns: Array.from(this.slotOfColumn, (slot) => (slot < 0 ? NO_VALUES : this.f64.subarray(b + (2 + slot) * cap, b + (3 + slot) * cap))),
      };
    }
  }

  /** Re-makes the views if the memory grew. */
  private sync(): void {
    if (!this.memory.refresh()) return;
    this.f64 = this.memory.f64;
    this.inView = undefined;
    this.outCap = -1;
  }

  private result(count: number): FiredWindows {
    const out = this.out;
    out.count = count;
    const base = this.exports.output();
    const cap = this.exports.outputCapacity();
    this.sync();
    if (base !== this.outBase || cap !== this.outCap) {
      this.outBase = base;
      this.outCap = cap;
      const b = base >>> 3;
      out.keys = this.f64.subarray(b, b + cap);
      out.starts = this.f64.subarray(b + cap, b + 2 * cap);
      for (let a = 0; a < out.results.length; a++) out.results[a] = this.f64.subarray(b + (2 + a) * cap, b + (3 + a) * cap);
    }
    return out;
  }
}

function slice(a: Float64Array, from: number, n: number): Float64Array {
  return from === 0 && n === a.length ? a : a.subarray(from, from + n);
}

/**
 * The window-aggregation kernel for `config`: the WebAssembly one, or — with `wasm: false`, or
 * where WebAssembly cannot load — its JavaScript twin, with identical results.
 *
 * @example
 * const agg = await loadWindowAggregation(config, { wasm: typeof WebAssembly === 'object' });
 */
export async function loadWindowAggregation(
  config: WindowAggregationConfig,
  options: { wasm?: boolean; module?: WebAssembly.Module } = {},
): Promise<WindowAggregation> {
  if (options.wasm === false) return new PaneAggregation(config);
  planWindowAggregation(config);
  try {
    return await WasmWindowAggregation.load(config, options.module === undefined ? {} : { module: options.module });
  } catch (cause) {
    if (options.wasm === true) throw cause;
    return new PaneAggregation(config);
  }
}
