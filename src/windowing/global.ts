import { GLOBAL_WINDOW, type TimeWindow } from './time-window';
import { neverTrigger } from './triggers/never';
import type { WindowAssigner } from './window-assigner';

const single: readonly TimeWindow[] = [GLOBAL_WINDOW];

/**
 * One window per key that never ends (Flink's `GlobalWindows`). It fires only through a trigger:
 * `window(globalWindow(), { trigger: purgingTrigger(countTrigger(100)) })` is a count window.
 */
export function globalWindow<T = unknown>(): WindowAssigner<T> {
  return {
    name: 'GlobalWindows',
    isEventTime: false,
    uniqueStarts: true,
    assignWindows: () => single,
    defaultTrigger: () => neverTrigger<T>(),
  };
}
