import { AbstractOperator } from '../runtime/abstract-operator';
import {
  BoundedOutOfOrdernessWatermarks,
  WatermarksWithIdleness,
  type WatermarkGenerator,
  type WatermarkOutput,
  type WatermarkStrategy,
} from '../time/watermark-strategy';
import type { Batch, OperatorContext, Timestamp } from '../types';

/**
 * Assigns timestamps and generates watermarks (Flink's `TimestampsAndWatermarksOperator`).
 * Watermarks from upstream are dropped, except the final +∞ of a bounded input. With per-record
 * emission the watermark can advance after any record: the batch is cut there, so records after it
 * are judged against the new watermark exactly as if they had come one by one. In batch mode only
 * timestamps are assigned (Flink ignores watermark generators there).
 */
export class WatermarksOperator<T> extends AbstractOperator<T, T> implements WatermarkOutput {
  private generator!: WatermarkGenerator<T>;
  private perRecord = true;
  private batchMode = false;
  private currentWatermark = Number.NEGATIVE_INFINITY;
  private idle = false;
  /** While a batch is processed with coalescing on: hold watermarks back instead of emitting. */
  private holding = false;
  private held = false;
  private cancelPeriodic: (() => void) | undefined;
  private bounded: BoundedOutOfOrdernessWatermarks<T> | undefined;
  /** Whether `processFast` handles batches (see there). */
  private fast = false;
  /** The timestamps `processFast` assigned to the current batch. */
  private timestamps = new Float64Array(0);
  /** The current batch's records with those timestamps, handed on without a copy. */
  private readonly view: { values: T[]; timestamps: Float64Array; length: number } = { values: [], timestamps: this.timestamps, length: 0 };

  constructor(private readonly strategy: WatermarkStrategy<T>) {
    super();
  }

  override open(context: OperatorContext<T>): void {
    super.open(context);
    const { services } = context;
    const s = this.strategy;
    this.batchMode = services.runtimeMode === 'batch';
    this.perRecord = (s.emit ?? 'record') === 'record';
    const inner = s.generator?.() ?? new BoundedOutOfOrdernessWatermarks<T>(s.outOfOrderness ?? 0);
    this.generator = s.idleness === undefined ? inner : new WatermarksWithIdleness(inner, s.idleness, () => services.clock.now());
    // The built-in generator without idleness: its calls per record are inlined (`emitBounded`).
    // Batch mode calls no generator at all. Either way, batches are processed a batch at a time.
    this.bounded = s.generator === undefined && s.idleness === undefined && !this.batchMode ? (inner as BoundedOutOfOrdernessWatermarks<T>) : undefined;
    this.fast = this.bounded !== undefined || this.batchMode;
    if (!this.batchMode && (!this.perRecord || s.idleness !== undefined)) {
      this.schedulePeriodic(s.interval ?? services.autoWatermarkInterval);
    }
  }

  /** Below the fast path: a custom generator or idleness, which must see every record. */
  processBatch(batch: Batch<T>): void {
    if (this.fast) {
      this.processFast(batch);
      return;
    }
    const { values, timestamps } = batch;
    const assign = this.strategy.timestamp;
    const output = this.output;
    const generator = this.generator;
    const emitPerRecord = this.perRecord;
    this.holding = emitPerRecord && this.context.coalesceWatermarks !== false;
    const slack = this.context.coalesceWatermarks === 'strict' ? 1 : 0;
    let i = 0;
    try {
      for (; i < batch.length; i++) {
        const value = values[i]!;
        const ts = assign(value, timestamps[i]!);
        if (typeof ts !== 'number' || !Number.isFinite(ts)) throw new Error(badTimestamp(ts));
        // A record not far enough ahead of a held watermark must see it first (see job-graph.ts).
        if (this.held && ts <= this.currentWatermark + slack) this.releaseHeld();
        output.collect(value, ts);
        generator.onEvent(value, ts, this);
        if (emitPerRecord) generator.onPeriodicEmit(this);
      }
    } catch (cause) {
      this.holding = false;
      throw this.failure(values[i], cause);
    }
    this.holding = false;
    if (this.held) this.releaseHeld();
  }

  /**
   * `processBatch` in batch mode, and for the built-in bounded-out-of-orderness generator without
   * idleness: the same records, watermarks and errors as the per-record loop, a batch at a time.
   * First the timestamps of the whole batch, in a loop that calls nothing but the user's function;
   * then the watermark decisions over them (`emitBounded`), with the generator's state in locals.
   * A stretch of records between two watermarks goes on as a batch: the first one (usually the
   * whole batch) as it is, with this operator's timestamps, without a copy.
   */
  private processFast(batch: Batch<T>): void {
    const { values, timestamps } = batch;
    const n = batch.length;
    if (this.timestamps.length < n) this.timestamps = new Float64Array(Math.max(n, 2 * this.timestamps.length));
    const ts = this.timestamps;
    const assign = this.strategy.timestamp;
    let end = 0;
    let failed = false;
    let cause: unknown;
    try {
      for (; end < n; end++) {
        const t = assign(values[end]!, timestamps[end]!);
        if (typeof t !== 'number' || !Number.isFinite(t)) throw new Error(badTimestamp(t));
        ts[end] = t;
      }
    } catch (e) {
      failed = true;
      cause = e;
    }
    // The records before a failing one are handled as the per-record loop would have, copied into
    // the output as it copies them (so none goes on that it would have held back), then the error.
    this.emitBounded(values, end, failed);
    if (failed) throw this.failure(values[end], cause);
  }

  /**
   * The watermark decisions of the per-record loop over `ts[0, end)`: after a record that raises
   * the maximum, the watermark `max - bound - 1` advances; emitted at once — or, when coalescing,
   * held until a record with `ts <= watermark + slack` or the end of the batch. Without
   * coalescing the slack is +∞: a watermark goes out before the next record, i.e. right after the
   * record that raised it. Periodic emission and batch mode only track the maximum.
   */
  private emitBounded(values: T[], end: number, copy: boolean): void {
    const ts = this.timestamps;
    const bounded = this.bounded;
    if (bounded === undefined || !this.perRecord) {
      if (bounded !== undefined) {
        let max = bounded.maxTimestamp;
        for (let i = 0; i < end; i++) if (ts[i]! > max) max = ts[i]!;
        bounded.maxTimestamp = max;
      }
      this.emitRange(values, 0, end, copy);
      return;
    }
    const coalesce = this.context.coalesceWatermarks;
    const slack = coalesce === false ? Number.POSITIVE_INFINITY : coalesce === 'strict' ? 1 : 0;
    const lag = bounded.outOfOrderness + 1;
    let max = bounded.maxTimestamp;
    let from = 0;
    for (let i = 0; i < end; i++) {
      const t = ts[i]!;
      if (this.held && t <= this.currentWatermark + slack) {
        this.emitRange(values, from, i, copy);
        from = i;
        this.releaseHeld();
      }
      if (t > max) {
        max = t;
        if (max - lag > this.currentWatermark) {
          this.currentWatermark = max - lag;
          this.held = true;
        }
      }
    }
    bounded.maxTimestamp = max;
    this.emitRange(values, from, end, copy);
    // Before a failing record (no timestamp to compare), only an unheld watermark goes out.
    if (this.held && (!copy || coalesce === false)) this.releaseHeld();
  }

  /** Emits records [from, to) with the timestamps assigned: as a batch when it starts the input's. */
  private emitRange(values: T[], from: number, to: number, copy: boolean): void {
    if (from === to) return;
    const ts = this.timestamps;
    if (from === 0 && !copy) {
      const view = this.view;
      view.values = values;
      view.timestamps = ts;
      view.length = to;
      this.output.collectBatch(view);
      view.values = NO_VALUES as T[];
      return;
    }
    for (let i = from; i < to; i++) this.output.collect(values[i]!, ts[i]!);
  }

  private releaseHeld(): void {
    this.held = false;
    if (this.idle) this.markActive();
    this.output.emitWatermark(this.currentWatermark);
  }

  override processWatermark(watermark: Timestamp): void {
    // Only the end of a bounded input passes: this operator owns the stream's event time.
    if (watermark === Number.POSITIVE_INFINITY) {
      if (this.idle) this.markActive();
      this.emitWatermark(watermark);
    }
  }

  override processIdle(): void {}

  override close(): void {
    this.cancelPeriodic?.();
  }

  // WatermarkOutput: what the generator calls.
  emitWatermark(watermark: Timestamp): void {
    if (watermark <= this.currentWatermark) return;
    this.currentWatermark = watermark;
    if (this.holding) {
      this.held = true;
      return;
    }
    if (this.idle) this.markActive();
    this.output.emitWatermark(watermark);
  }

  markIdle(): void {
    if (this.idle) return;
    this.idle = true;
    this.output.emitIdle(true);
  }

  markActive(): void {
    if (!this.idle) return;
    this.idle = false;
    this.output.emitIdle(false);
  }

  private schedulePeriodic(interval: number): void {
    const clock = this.context.services.clock;
    const tick = (): void => {
      this.generator.onPeriodicEmit(this);
      this.cancelPeriodic = this.context.scheduleProcessingTime(clock.now() + interval, tick);
    };
    this.cancelPeriodic = this.context.scheduleProcessingTime(clock.now() + interval, tick);
  }
}

function badTimestamp(ts: unknown): string {
  return `the timestamp function returned ${typeof ts === 'number' ? ts : `${typeof ts} ${String(ts)}`}; event time must be a finite number of epoch ms`;
}

/** What the view holds between batches, so that it keeps no records alive. */
const NO_VALUES: unknown[] = [];
