import type { Trigger, TriggerResult } from '../trigger';

/** Never fires: the default of `globalWindow()`, which needs a trigger of its own. */
export function neverTrigger<T>(): Trigger<T> {
  const cont = (): TriggerResult => 'CONTINUE';
  return { name: 'NeverTrigger', onElement: cont, onEventTime: cont, onProcessingTime: cont, clear: () => {}, canMerge: () => true, onMerge: () => {} };
}
