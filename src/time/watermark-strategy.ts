import { ConfigurationError } from '../errors';
import type { Timestamp } from '../types';

/** Where a watermark generator sends watermarks (Flink's `WatermarkOutput`). */
export interface WatermarkOutput {
  emitWatermark(watermark: Timestamp): void;
  markIdle(): void;
  markActive(): void;
}

/** Flink's `WatermarkGenerator`: sees every event, and is asked periodically for a watermark. */
export interface WatermarkGenerator<T> {
  onEvent(event: T, timestamp: Timestamp, output: WatermarkOutput): void;
  onPeriodicEmit(output: WatermarkOutput): void;
}

/** How `watermarks(...)` assigns timestamps and generates watermarks. */
export interface WatermarkStrategy<T> {
  /** Event time of an element, in epoch ms. Must be a finite number. */
  timestamp(element: T, recordTimestamp: Timestamp): Timestamp;
  /**
   * Bounded out-of-orderness in ms (Flink's `forBoundedOutOfOrderness`): the watermark trails the
   * largest timestamp seen by this much, minus 1 ms. `0` (the default) is Flink's
   * `forMonotonousTimestamps`.
   */
  outOfOrderness?: number;
  /** Marks the stream idle after this many ms of processing time without records (`withIdleness`). */
  idleness?: number;
  /**
   * `'record'` (default): a watermark may advance after every record — deterministic, for any input
   * speed. `'periodic'`: as Flink's default, every `interval` ms of processing time.
   */
  emit?: 'record' | 'periodic';
  /** Period of `'periodic'` emission and of idleness checks; defaults to the environment's (200 ms). */
  interval?: number;
  /** A custom generator instead of bounded out-of-orderness. */
  generator?: () => WatermarkGenerator<T>;
}

/** Flink's `BoundedOutOfOrdernessWatermarks`: watermark = max timestamp − out-of-orderness − 1. */
export class BoundedOutOfOrdernessWatermarks<T> implements WatermarkGenerator<T> {
  /** The largest timestamp seen (the watermarks operator's per-record loop updates it in place). */
  maxTimestamp = Number.NEGATIVE_INFINITY;

  constructor(readonly outOfOrderness: number) {}

  onEvent(_event: T, timestamp: Timestamp): void {
    if (timestamp > this.maxTimestamp) this.maxTimestamp = timestamp;
  }

  onPeriodicEmit(output: WatermarkOutput): void {
    output.emitWatermark(this.maxTimestamp - this.outOfOrderness - 1);
  }
}

/**
 * Flink's `WatermarksWithIdleness`: a stream without events for `timeout` ms of processing time is
 * marked idle, so it stops holding back the watermark of operators downstream.
 */
export class WatermarksWithIdleness<T> implements WatermarkGenerator<T> {
  private lastActivity: Timestamp;
  private idle = false;

  constructor(
    private readonly inner: WatermarkGenerator<T>,
    private readonly timeout: number,
    private readonly now: () => Timestamp,
  ) {
    this.lastActivity = now();
  }

  onEvent(event: T, timestamp: Timestamp, output: WatermarkOutput): void {
    this.inner.onEvent(event, timestamp, output);
    this.lastActivity = this.now();
    if (this.idle) {
      this.idle = false;
      output.markActive();
    }
  }

  onPeriodicEmit(output: WatermarkOutput): void {
    if (this.idle) return;
    if (this.now() - this.lastActivity >= this.timeout) {
      this.idle = true;
      output.markIdle();
    } else {
      this.inner.onPeriodicEmit(output);
    }
  }
}

/** Checks a strategy at graph-building time. */
export function validateWatermarkStrategy<T>(strategy: WatermarkStrategy<T>): void {
  if (typeof strategy.timestamp !== 'function') {
    throw new ConfigurationError('watermarks(...) needs a `timestamp` function that returns epoch ms');
  }
  const { outOfOrderness = 0, idleness, interval, emit = 'record' } = strategy;
  if (!Number.isFinite(outOfOrderness) || outOfOrderness < 0) {
    throw new ConfigurationError(`watermarks: outOfOrderness must be a finite number ≥ 0, got ${outOfOrderness}`);
  }
  if (idleness !== undefined && (!Number.isFinite(idleness) || idleness <= 0)) {
    throw new ConfigurationError(`watermarks: idleness must be a finite number > 0, got ${idleness}`);
  }
  if (interval !== undefined && (!Number.isFinite(interval) || interval <= 0)) {
    throw new ConfigurationError(`watermarks: interval must be a finite number > 0, got ${interval}`);
  }
  if (emit !== 'record' && emit !== 'periodic') {
    throw new ConfigurationError(`watermarks: emit must be 'record' or 'periodic', got ${String(emit)}`);
  }
}
