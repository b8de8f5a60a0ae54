import { ConfigurationError } from '../../errors';
import { ReducingStateDescriptor } from '../../state/descriptors';
import type { TimeWindow } from '../time-window';
import type { OnMergeContext, Trigger, TriggerContext, TriggerResult } from '../trigger';

/**
 * Fires every `interval` ms of event time while the window is open, and once more at its end
 * (Flink's `ContinuousEventTimeTrigger`): early results of a long window. The first firing is at
 * the first multiple of `interval` after the first element's timestamp, never later than the
 * window's end; when windows merge, the earliest pending firing is kept.
 */
class ContinuousEventTimeTrigger implements Trigger<unknown> {
  readonly name: string;
  private readonly fireTime = new ReducingStateDescriptor<number>('fire-time', (a, b) => Math.min(a, b));

  constructor(private readonly interval: number) {
    this.name = `ContinuousEventTimeTrigger(${interval})`;
  }

  onElement(_e: unknown, timestamp: number, window: TimeWindow, ctx: TriggerContext): TriggerResult {
    // The watermark is past the window already (allowed lateness): fire at once.
    if (window.maxTimestamp() <= ctx.currentWatermark()) return 'FIRE';
    ctx.registerEventTimeTimer(window.maxTimestamp());
    const fireTime = ctx.getPartitionedState(this.fireTime);
    // As Flink, with Java's remainder (toward zero), which JavaScript's `%` is too.
    if (fireTime.get() === undefined) this.registerNext(timestamp - (timestamp % this.interval), window, ctx);
    return 'CONTINUE';
  }

  onEventTime(time: number, window: TimeWindow, ctx: TriggerContext): TriggerResult {
    if (time === window.maxTimestamp()) return 'FIRE';
    const fireTime = ctx.getPartitionedState(this.fireTime);
    if (fireTime.get() === time) {
      fireTime.clear();
      this.registerNext(time, window, ctx);
      return 'FIRE';
    }
    return 'CONTINUE';
  }

  onProcessingTime(): TriggerResult {
    return 'CONTINUE';
  }

  clear(_w: TimeWindow, ctx: TriggerContext): void {
    const fireTime = ctx.getPartitionedState(this.fireTime);
    const at = fireTime.get();
    if (at !== undefined) {
      ctx.deleteEventTimeTimer(at);
      fireTime.clear();
    }
  }

  canMerge(): boolean {
    return true;
  }

  onMerge(_w: TimeWindow, ctx: OnMergeContext): void {
    ctx.mergePartitionedState(this.fireTime);
    const next = ctx.getPartitionedState(this.fireTime).get();
    if (next !== undefined) ctx.registerEventTimeTimer(next);
  }

  private registerNext(time: number, window: TimeWindow, ctx: TriggerContext): void {
    const next = Math.min(time + this.interval, window.maxTimestamp());
    ctx.getPartitionedState(this.fireTime).add(next);
    ctx.registerEventTimeTimer(next);
  }
}

/**
 * Early firings of event-time windows every `interval` ms of event time (Flink's
 * `ContinuousEventTimeTrigger.of`), besides the firing at the window's end. The window keeps its
 * contents, so each firing sees everything so far; wrap it in `purgingTrigger` for deltas.
 *
 * @example
 * window(tumbling(3_600_000), { trigger: continuousEventTimeTrigger(60_000) }) // an hour, updated every minute
 */
export function continuousEventTimeTrigger<T>(interval: number): Trigger<T> {
  if (!Number.isFinite(interval) || interval <= 0) throw new ConfigurationError(`continuousEventTimeTrigger: interval must be a finite number of ms > 0, got ${interval}`);
  return new ContinuousEventTimeTrigger(interval);
}
