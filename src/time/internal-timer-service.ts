import type { KeyContext } from '../state/keyed-state-backend';
import { TimerQueue } from './timer-queue';
import { Wakeup } from './wakeup';

export type TimerSnapshotEntry = readonly [time: number, key: unknown, mapKey: unknown, nsId: unknown, namespace: unknown];

/** The timers of a version-1 keyed snapshot (read only; version 2 is `state/keyed-snapshot-format.ts`). */
export interface TimerSnapshot {
  readonly event: readonly TimerSnapshotEntry[];
  readonly processing: readonly TimerSnapshotEntry[];
}

/** The operator a timer service calls back, with the timer's key already set as current. */
export interface Triggerable<N> {
  onEventTime(key: unknown, namespace: N, time: number): void;
  onProcessingTime(key: unknown, namespace: N, time: number): void;
}

/** How a timer service reads processing time and asks to be woken. */
export interface ProcessingTimeScheduler {
  now(): number;
  /** Schedules `callback` (run by the task, which flushes outputs after it). Returns a cancel function. */
  schedule(at: number, callback: () => void): () => void;
}

/**
 * Event-time and processing-time timers of a keyed operator, scoped to the current key and a
 * namespace (Flink's `InternalTimerService`). Event-time timers fire when the watermark reaches
 * them (`time <= watermark`); processing-time timers when the clock does.
 */
export class InternalTimerService<N> {
  currentWatermark = Number.NEGATIVE_INFINITY;
  /** In batch mode processing time stands still; processing-time timers fire at the end of each key. */
  deferProcessingTime = false;
  /**
   * Batch mode, while a key's timers fire at its end: new timers are ignored, as in Flink's
   * `BatchExecutionInternalTimeService` ("Timer service is quiesced"), so that a timer that
   * registers another from `onTimer` cannot loop forever at the end of a key.
   */
  quiesced = false;
  private readonly eventTimers = new TimerQueue<N>();
  private readonly processingTimers = new TimerQueue<N>();
  private readonly wakeup: Wakeup;

  constructor(
    private readonly keys: KeyContext,
    private readonly target: Triggerable<N>,
    private readonly scheduler: ProcessingTimeScheduler,
  ) {
    this.wakeup = new Wakeup(
      (at, callback) => scheduler.schedule(at, callback),
      () => {
        this.processingTimers.fireUntil(this.scheduler.now(), this.fireProcessingTime);
        this.scheduleWakeup();
      },
    );
  }

  currentProcessingTime(): number {
    return this.scheduler.now();
  }

  registerEventTimeTimer(namespace: N, nsId: unknown, time: number): void {
    if (this.quiesced) return;
    this.eventTimers.register(time, this.keys.currentKey, this.keys.currentMapKey, namespace, nsId);
  }

  deleteEventTimeTimer(nsId: unknown, time: number): void {
    this.eventTimers.delete(time, this.keys.currentMapKey, nsId);
  }

  registerProcessingTimeTimer(namespace: N, nsId: unknown, time: number): void {
    if (this.quiesced) return;
    this.processingTimers.register(time, this.keys.currentKey, this.keys.currentMapKey, namespace, nsId);
    if (!this.deferProcessingTime && time < this.wakeup.at) this.scheduleWakeup();
  }

  deleteProcessingTimeTimer(nsId: unknown, time: number): void {
    this.processingTimers.delete(time, this.keys.currentMapKey, nsId);
  }

  /** Fires every event-time timer up to `watermark`, earliest first. */
  advanceWatermark(watermark: number): void {
    this.currentWatermark = watermark;
    this.eventTimers.fireUntil(watermark, this.fireEventTime);
  }

  /** Batch mode: fires every processing-time timer, as if time jumped to the end. */
  fireAllProcessingTimers(): void {
    this.processingTimers.fireUntil(Number.POSITIVE_INFINITY, this.fireProcessingTime);
  }

  get eventTimerCount(): number {
    return this.eventTimers.size;
  }

  get processingTimerCount(): number {
    return this.processingTimers.size;
  }

  clear(): void {
    this.eventTimers.clear();
    this.processingTimers.clear();
  }

  /** Pending timers, flat (five slots each: `time, key, mapKey, nsId, namespace`), per time domain. */
  capture(): { event: unknown[]; processing: unknown[] } {
    const event: unknown[] = [];
    const processing: unknown[] = [];
    this.eventTimers.captureInto(event);
    this.processingTimers.captureInto(processing);
    return { event, processing };
  }

  /** Re-registers one restored timer (the key-group filter is the caller's); then call `restored()`. */
  restoreTimer(eventTime: boolean, time: number, key: unknown, mapKey: unknown, nsId: unknown, namespace: N): void {
    (eventTime ? this.eventTimers : this.processingTimers).register(time, key, mapKey, namespace, nsId);
  }

  /** Schedules the wake-up for the earliest restored processing-time timer. */
  restored(): void {
    if (!this.deferProcessingTime) this.scheduleWakeup();
  }

  /** Re-registers the timers of a version-1 `snapshot` that `accept` (by map key: the key-group filter). */
  restore(snapshot: TimerSnapshot, decodeNamespace: (encoded: unknown) => N, accept: (mapKey: unknown) => boolean): void {
    for (const [time, key, mapKey, nsId, ns] of snapshot.event) {
      if (accept(mapKey)) this.eventTimers.register(time, key, mapKey, decodeNamespace(ns), nsId);
    }
    for (const [time, key, mapKey, nsId, ns] of snapshot.processing) {
      if (accept(mapKey)) this.processingTimers.register(time, key, mapKey, decodeNamespace(ns), nsId);
    }
    if (!this.deferProcessingTime) this.scheduleWakeup();
  }

  close(): void {
    this.wakeup.cancel();
  }

  private readonly fireEventTime = (key: unknown, mapKey: unknown, namespace: N, time: number): void => {
    this.keys.setCurrentKeyAndMapKey(key, mapKey);
    this.target.onEventTime(key, namespace, time);
  };

  private readonly fireProcessingTime = (key: unknown, mapKey: unknown, namespace: N, time: number): void => {
    this.keys.setCurrentKeyAndMapKey(key, mapKey);
    this.target.onProcessingTime(key, namespace, time);
  };

  private scheduleWakeup(): void {
    const next = this.processingTimers.peekTime();
    if (next !== undefined) this.wakeup.request(next);
  }
}
