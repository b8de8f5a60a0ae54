import { ConfigurationError } from '../../errors';
import { ReducingStateDescriptor } from '../../state/descriptors';
import type { TimeWindow } from '../time-window';
import type { OnMergeContext, Trigger, TriggerContext, TriggerResult } from '../trigger';

/** Fires when a window holds `maxCount` elements (Flink's `CountTrigger`), then counts afresh. */
class CountTrigger implements Trigger<unknown> {
  readonly name: string;
  private readonly countState = new ReducingStateDescriptor<number>('count-trigger', (a, b) => a + b);

  constructor(private readonly maxCount: number) {
    this.name = `CountTrigger(${maxCount})`;
  }

  onElement(_e: unknown, _ts: number, _w: TimeWindow, ctx: TriggerContext): TriggerResult {
    const count = ctx.getPartitionedState(this.countState);
    count.add(1);
    if (count.get()! >= this.maxCount) {
      count.clear();
      return 'FIRE';
    }
    return 'CONTINUE';
  }

  onEventTime(): TriggerResult {
    return 'CONTINUE';
  }

  onProcessingTime(): TriggerResult {
    return 'CONTINUE';
  }

  clear(_w: TimeWindow, ctx: TriggerContext): void {
    ctx.getPartitionedState(this.countState).clear();
  }

  canMerge(): boolean {
    return true;
  }

  onMerge(_w: TimeWindow, ctx: OnMergeContext): void {
    ctx.mergePartitionedState(this.countState);
  }
}

/** Fires every `maxCount` elements per key and window; `globalWindow()` uses it for count windows. */
export function countTrigger<T>(maxCount: number): Trigger<T> {
  if (!Number.isInteger(maxCount) || maxCount <= 0) {
    throw new ConfigurationError(`countTrigger: maxCount must be a positive integer, got ${maxCount}`);
  }
  return new CountTrigger(maxCount);
}
