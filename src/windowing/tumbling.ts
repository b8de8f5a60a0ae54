import { ConfigurationError } from '../errors';
import { TimeWindow } from './time-window';
import { eventTimeTrigger } from './triggers/event-time';
import { processingTimeTrigger } from './triggers/processing-time';
import type { Trigger } from './trigger';
import type { WindowAssigner } from './window-assigner';

export interface TimeWindowOptions {
  /** Shifts the epoch alignment, e.g. for time zones (Flink's `offset`); `|offset| < size`. */
  readonly offset?: number;
  /** `'event'` (default) or `'processing'` time. */
  readonly time?: 'event' | 'processing';
}

/**
 * Tumbling windows of `size` ms, aligned to the epoch plus `offset`: an element with timestamp t
 * belongs to `[start, start + size)` with `start = t - ((t - offset) mod size)`
 * (Flink's `TumblingEventTimeWindows`).
 *
 * @example
 * keyBy(b => b.auction), window(tumbling(10_000)), aggregate({ bids: count() })
 */
export function tumbling<T = unknown>(size: number, options: TimeWindowOptions = {}): WindowAssigner<T> {
  const { offset = 0, time = 'event' } = options;
  if (!Number.isFinite(size) || size <= 0) throw new ConfigurationError(`tumbling: size must be a finite number > 0, got ${size}`);
  if (!Number.isFinite(offset) || Math.abs(offset) >= size) {
    throw new ConfigurationError(`tumbling: offset must satisfy |offset| < size, got offset ${offset} and size ${size}`);
  }
  const isEventTime = time === 'event';
  // One cached window: consecutive elements of the same window allocate nothing.
  const result: TimeWindow[] = [new TimeWindow(Number.NaN, Number.NaN)];
  return {
    name: `Tumbling${isEventTime ? 'EventTime' : 'ProcessingTime'}Windows(${size}${offset === 0 ? '' : `, ${offset}`})`,
    isEventTime,
    uniqueStarts: true,
    panes: { size, slide: size, offset },
    assignWindows(_e: T, timestamp: number, now: number) {
      const t = isEventTime ? timestamp : now;
      const start = TimeWindow.startWithOffset(t, offset, size);
      if (result[0]!.start !== start) result[0] = new TimeWindow(start, start + size);
      return result;
    },
    defaultTrigger: (): Trigger<T> => (isEventTime ? eventTimeTrigger<T>() : processingTimeTrigger<T>()),
  };
}
