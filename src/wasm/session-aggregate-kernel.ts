import { ConfigurationError } from '../errors';
import {
  SESSION_AGGREGATE_CODES,
  sessionConfigProblem,
  type FiredSessions,
  type SessionAggregation,
  type SessionAggregationConfig,
  type SessionAggregationState,
  type SessionBatchResult,
  type SessionInput,
} from '../windowing/session-aggregation';
import { checkSessionState, SessionTable } from '../windowing/session-table';
import { instantiateKernel, KernelMemory } from './loader';

/** The exports of `assembly/session-aggregate.ts`. */
interface SessionKernelExports {
  readonly memory: WebAssembly.Memory;
  spec(): number;
  configure(gap: number, allowedLateness: number, aggregates: number, columns: number): number;
  reserveInput(n: number): number;
  inputCapacity(): number;
  add(n: number, watermark: number): number;
  fire(watermark: number): number;
  output(): number;
  outputCapacity(): number;
  late(): number;
  lateCount(): number;
  windows(): number;
  transfer(n: number): number;
  transferAddress(): number;
  exportState(): number;
  exportedEntries(): number;
  importState(n: number, m: number): number;
}

/**
 * The kernel's URL, made only when it is needed: where a caller hands in a precompiled module
 * (workerd), `import.meta.url` need not be a valid base.
 */
const wasmUrl = (): URL => new URL('../../build/wasm/session-aggregate.wasm', import.meta.url);

/** The most elements handed to the kernel in one call. */
const MAX_CALL = 1 << 16;
const NO_VALUES = new Float64Array(0);

/**
 * The session-window kernel in WebAssembly (`assembly/session-aggregate.ts`), with results
 * identical bit for bit to its JavaScript twin `SessionTable` (see `session-aggregation.ts` for
 * what it computes). Each instance owns one WebAssembly instance and its linear memory. `input(n)`
 * hands out views of the kernel's input area, so a batch is written straight into linear memory
 * and crosses the boundary in one `add` call; fired windows come back as views of its output area.
 *
 * @example
 * const k = await WasmSessionAggregation.load({ gap: 30_000, allowedLateness: 0, columns: 1,
 *   aggregates: [{ kind: 'count', column: 0 }, { kind: 'sum', column: 0 }] });
 * const input = k.input(n); // fill input.keys, input.timestamps, input.columns[0]
 * const { fired, lateCount } = k.add(n, watermark);
 */
export class WasmSessionAggregation implements SessionAggregation {
  private readonly memory: KernelMemory;
  private f64: Float64Array;
  private i32: Int32Array;
  private inBase = -1;
  private inView: SessionInput | undefined = undefined;
  private outBase = -1;
  private outCap = -1;
  private readonly out: { count: number; keys: Float64Array; starts: Float64Array; ends: Float64Array; results: Float64Array[] };
  private readonly batch: { fired: FiredSessions; late: Int32Array; lateCount: number };

  private constructor(
    private readonly exports: SessionKernelExports,
    private readonly config: SessionAggregationConfig,
  ) {
    const specBase = exports.spec() >>> 2;
    const i32 = new Int32Array(exports.memory.buffer);
    config.aggregates.forEach(({ kind, column }, a) => {
      i32[specBase + 2 * a] = SESSION_AGGREGATE_CODES[kind];
      i32[specBase + 2 * a + 1] = column;
    });
    if (exports.configure(config.gap, config.allowedLateness, config.aggregates.length, config.columns) !== 0) {
      throw new Error('session-aggregate kernel refused its configuration');
    }
    this.memory = new KernelMemory(exports.memory);
    this.f64 = this.memory.f64;
    this.i32 = this.memory.i32;
    this.out = { count: 0, keys: NO_VALUES, starts: NO_VALUES, ends: NO_VALUES, results: config.aggregates.map(() => NO_VALUES) };
    this.batch = { fired: this.out, late: new Int32Array(0), lateCount: 0 };
  }

  /**
   * Instantiates the kernel for `config` (a `ConfigurationError` for a bad one). `module`: a
   * precompiled module — required in Cloudflare workerd.
   */
  static async load(config: SessionAggregationConfig, options: { module?: WebAssembly.Module | undefined } = {}): Promise<WasmSessionAggregation> {
    const problem = sessionConfigProblem(config);
    if (problem !== undefined) throw new ConfigurationError(`session kernel: ${problem}`);
    const instance = await instantiateKernel(wasmUrl, options.module);
    return new WasmSessionAggregation(instance.exports as unknown as SessionKernelExports, config);
  }

  get size(): number {
    return this.exports.windows();
  }

  /** Bytes of linear memory the kernel holds (it never shrinks). */
  get memoryBytes(): number {
    return this.exports.memory.buffer.byteLength;
  }

  input(n: number): SessionInput {
    const base = this.exports.reserveInput(Math.min(Math.max(n, 1), MAX_CALL));
    this.sync();
    if (this.inView === undefined || base !== this.inBase) {
      this.inBase = base;
      const cap = this.exports.inputCapacity();
      const b = base >>> 3;
      this.inView = {
        keys: this.f64.subarray(b, b + cap),
        timestamps: this.f64.subarray(b + cap, b + 2 * cap),
        columns: Array.from({ length: this.config.columns }, (_, c) => this.f64.subarray(b + (2 + c) * cap, b + (3 + c) * cap)),
      };
    }
    return this.inView;
  }

  add(n: number, watermark: number): SessionBatchResult {
    const count = this.exports.add(n, watermark);
    this.result(count);
    const batch = this.batch;
    batch.lateCount = this.exports.lateCount();
    const late = this.exports.late() >>> 2;
    batch.late = this.i32.subarray(late, late + Math.max(batch.lateCount, 0));
    return batch;
  }

  fire(watermark: number): FiredSessions {
    return this.result(this.exports.fire(watermark));
  }

  exportState(): SessionAggregationState {
    const { exports } = this;
    const n = exports.exportState();
    const m = exports.exportedEntries();
    const nAggs = this.config.aggregates.length;
    this.sync();
    let b = exports.transferAddress() >>> 3;
    const column = (len: number): Float64Array => {
      const c = this.f64.slice(b, b + len);
      b += len;
      return c;
    };
    const windows = {
      keys: column(n),
      starts: column(n),
      ends: column(n),
      bits: column(n),
      counts: column(n),
      accumulators: Array.from({ length: nAggs }, () => column(n)),
    };
    const entries = { keys: column(m), times: column(m), seqs: column(m), raws: column(m), counts: column(m) };
    return { windows, entries };
  }

  importState(state: SessionAggregationState): void {
    const problem = checkSessionState(state, this.config.aggregates.length);
    if (problem !== undefined) throw new Error(`session window state: ${problem}`);
    const { windows: w, entries: e } = state;
    const n = w.keys.length;
    const m = e.keys.length;
    const columns = [w.keys, w.starts, w.ends, w.bits, w.counts, ...w.accumulators, e.keys, e.times, e.seqs, e.raws, e.counts];
    let b = this.exports.transfer(columns.reduce((s, c) => s + c.length, 0)) >>> 3;
    this.sync();
    for (const c of columns) {
      this.f64.set(c, b);
      b += c.length;
    }
    if (this.exports.importState(n, m) !== 0) throw new Error('session window state: a timer entry of a key without windows');
  }

  /** Re-makes the views if the memory grew (which detaches the old buffer). */
  private sync(): void {
    if (!this.memory.refresh()) return;
    this.f64 = this.memory.f64;
    this.i32 = this.memory.i32;
    this.inView = undefined;
    this.outCap = -1;
  }

  private result(count: number): FiredSessions {
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
      out.ends = this.f64.subarray(b + 2 * cap, b + 3 * cap);
      for (let a = 0; a < out.results.length; a++) out.results[a] = this.f64.subarray(b + (3 + a) * cap, b + (4 + a) * cap);
    }
    return out;
  }
}

/**
 * The session kernel for `config`: the WebAssembly one, or — with `wasm: false`, or where
 * WebAssembly cannot load — its JavaScript twin, with identical results.
 *
 * @example
 * const k = await loadSessionAggregation(config, { wasm: typeof WebAssembly === 'object' });
 */
export async function loadSessionAggregation(
  config: SessionAggregationConfig,
  options: { wasm?: boolean; module?: WebAssembly.Module } = {},
): Promise<SessionAggregation> {
  if (options.wasm === false) return new SessionTable(config);
  try {
    return await WasmSessionAggregation.load(config, { module: options.module });
  } catch (cause) {
    if (options.wasm === true || cause instanceof ConfigurationError) throw cause;
    return new SessionTable(config);
  }
}
