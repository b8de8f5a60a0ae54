import { ConfigurationError } from '../errors';
import { TimeWindow } from './time-window';
import type { Trigger } from './trigger';
import { eventTimeTrigger } from './triggers/event-time';
import { processingTimeTrigger } from './triggers/processing-time';
import { mergeTimeWindows, type WindowAssigner } from './window-assigner';

/**
 * Session windows (Flink's `EventTimeSessionWindows.withGap`): each element opens
 * `[t, t + gap)`, and windows of a key that overlap or touch merge — so a session ends once no
 * element arrives for `gap` ms. `gap` may be a function of the element (dynamic gap).
 *
 * @example
 * window(session(30_000))
 */
export function session<T = unknown>(
  gap: number | ((element: T) => number),
  options: { readonly time?: 'event' | 'processing' } = {},
): WindowAssigner<T> {
  const isEventTime = (options.time ?? 'event') === 'event';
  if (typeof gap === 'number' && (!Number.isFinite(gap) || gap <= 0)) {
    throw new ConfigurationError(`session: gap must be a finite number > 0, got ${gap}`);
  }
  const gapOf = typeof gap === 'number' ? () => gap : gap;
  return {
    name: `${isEventTime ? 'EventTime' : 'ProcessingTime'}SessionWindows(${typeof gap === 'number' ? gap : 'dynamic'})`,
    isEventTime,
    uniqueStarts: false,
    ...(isEventTime && typeof gap === 'number' ? { sessionGap: gap } : {}),
    assignWindows(element: T, timestamp: number, now: number) {
      const t = isEventTime ? timestamp : now;
      const g = gapOf(element);
      if (!Number.isFinite(g) || g <= 0) throw new Error(`session gap must be a finite number > 0, got ${g}`);
      return [new TimeWindow(t, t + g)];
    },
    defaultTrigger: (): Trigger<T> => (isEventTime ? eventTimeTrigger<T>() : processingTimeTrigger<T>()),
    mergeWindows: mergeTimeWindows,
  };
}
