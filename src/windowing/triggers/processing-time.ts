import type { TimeWindow } from '../time-window';
import type { OnMergeContext, Trigger, TriggerContext, TriggerResult } from '../trigger';

/** Fires when processing time passes the window's end (Flink's `ProcessingTimeTrigger`). */
class ProcessingTimeTrigger implements Trigger<unknown> {
  readonly name = 'ProcessingTimeTrigger';

  onElement(_e: unknown, _ts: number, window: TimeWindow, ctx: TriggerContext): TriggerResult {
    ctx.registerProcessingTimeTimer(window.maxTimestamp());
    return 'CONTINUE';
  }

  onEventTime(): TriggerResult {
    return 'CONTINUE';
  }

  onProcessingTime(): TriggerResult {
    return 'FIRE';
  }

  clear(window: TimeWindow, ctx: TriggerContext): void {
    ctx.deleteProcessingTimeTimer(window.maxTimestamp());
  }

  canMerge(): boolean {
    return true;
  }

  onMerge(window: TimeWindow, ctx: OnMergeContext): void {
    if (window.maxTimestamp() > ctx.currentProcessingTime()) ctx.registerProcessingTimeTimer(window.maxTimestamp());
  }
}

const instance = new ProcessingTimeTrigger();

/** The default trigger of processing-time windows. */
export function processingTimeTrigger<T>(): Trigger<T> {
  return instance;
}
