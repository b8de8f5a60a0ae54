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
    // The built-in generator per record, without idleness: its two calls per record are inlined.
    this.bounded = s.generator === undefined && s.idleness === undefined && this.perRecord && !this.batchMode ? (inner as BoundedOutOfOrdernessWatermarks<T>) : undefined;
    if (!this.batchMode && (!this.perRecord || s.idleness !== undefined)) {
      this.schedulePeriodic(s.interval ?? services.autoWatermarkInterval);
    }
  }

  processBatch(batch: Batch<T>): void {
    if (this.bounded !== undefined) {
      this.processBounded(batch, this.bounded);
      return;
    }
    const { values, timestamps } = batch;
    const assign = this.strategy.timestamp;
    const output = this.output;
    const generator = this.generator;
    const emitPerRecord = this.perRecord && !this.batchMode;
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
        if (this.batchMode) continue;
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
   * `processBatch` for the built-in bounded-out-of-orderness generator emitting per record: the
   * same decisions as the generic loop (the watermark after a record is `max - bound - 1`,
   * emitted — or held, when coalescing — only when it advances), with the generator's state in
   * locals.
   */
  private processBounded(batch: Batch<T>, generator: BoundedOutOfOrdernessWatermarks<T>): void {
    const { values, timestamps } = batch;
    const assign = this.strategy.timestamp;
    const output = this.output;
    const holding = this.context.coalesceWatermarks !== false;
    const slack = this.context.coalesceWatermarks === 'strict' ? 1 : 0;
    const lag = generator.outOfOrderness + 1;
    let max = generator.maxTimestamp;
    let i = 0;
    try {
      for (; i < batch.length; i++) {
        const value = values[i]!;
        const ts = assign(value, timestamps[i]!);
        if (typeof ts !== 'number' || !Number.isFinite(ts)) throw new Error(badTimestamp(ts));
        if (this.held && ts <= this.currentWatermark + slack) this.releaseHeld();
        output.collect(value, ts);
        if (ts > max) {
          max = ts;
          if (max - lag > this.currentWatermark) {
            this.currentWatermark = max - lag;
            if (holding) this.held = true;
            else output.emitWatermark(this.currentWatermark);
          }
        }
      }
    } catch (cause) {
      generator.maxTimestamp = max;
      throw this.failure(values[i], cause);
    }
    generator.maxTimestamp = max;
    if (this.held) this.releaseHeld();
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
