import type { TimeWindow } from '../time-window';
import type { OnMergeContext, Trigger, TriggerContext, TriggerResult } from '../trigger';

const purge = (r: TriggerResult): TriggerResult => (r === 'FIRE' ? 'FIRE_AND_PURGE' : r);

/** Turns every FIRE of `inner` into FIRE_AND_PURGE (Flink's `PurgingTrigger`). */
export function purgingTrigger<T>(inner: Trigger<T>): Trigger<T> {
  return {
    name: `PurgingTrigger(${inner.name})`,
    onElement: (e: T, ts: number, w: TimeWindow, ctx: TriggerContext) => purge(inner.onElement(e, ts, w, ctx)),
    onEventTime: (t: number, w: TimeWindow, ctx: TriggerContext) => purge(inner.onEventTime(t, w, ctx)),
    onProcessingTime: (t: number, w: TimeWindow, ctx: TriggerContext) => purge(inner.onProcessingTime(t, w, ctx)),
    clear: (w: TimeWindow, ctx: TriggerContext) => inner.clear(w, ctx),
    canMerge: () => inner.canMerge?.() ?? false,
    onMerge: (w: TimeWindow, ctx: OnMergeContext) => inner.onMerge?.(w, ctx),
  };
}
