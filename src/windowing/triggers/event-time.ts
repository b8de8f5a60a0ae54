import type { TimeWindow } from '../time-window';
import type { OnMergeContext, Trigger, TriggerContext, TriggerResult } from '../trigger';

/**
 * Fires once the watermark passes the window's end (Flink's `EventTimeTrigger`); an element that
 * arrives for a window already past the watermark (allowed lateness) fires it again at once.
 */
class EventTimeTrigger implements Trigger<unknown> {
  readonly name = 'EventTimeTrigger';

  onElement(_e: unknown, _ts: number, window: TimeWindow, ctx: TriggerContext): TriggerResult {
    if (window.maxTimestamp() <= ctx.currentWatermark()) return 'FIRE';
    ctx.registerEventTimeTimer(window.maxTimestamp());
    return 'CONTINUE';
  }

  onEventTime(time: number, window: TimeWindow): TriggerResult {
    return time === window.maxTimestamp() ? 'FIRE' : 'CONTINUE';
  }

  onProcessingTime(): TriggerResult {
    return 'CONTINUE';
  }

  clear(window: TimeWindow, ctx: TriggerContext): void {
    ctx.deleteEventTimeTimer(window.maxTimestamp());
  }

  canMerge(): boolean {
    return true;
  }

  onMerge(window: TimeWindow, ctx: OnMergeContext): void {
    // Only register a timer if the watermark is not yet past the end of the merged window: else the
    // merged window fires on its own cleanup timer, or when an element arrives.
    if (window.maxTimestamp() > ctx.currentWatermark()) ctx.registerEventTimeTimer(window.maxTimestamp());
  }
}

const instance = new EventTimeTrigger();

/** The default trigger of event-time windows. */
export function eventTimeTrigger<T>(): Trigger<T> {
  return instance;
}
