import { ConfigurationError } from '../errors';
import { TimeWindow } from './time-window';
import type { Trigger } from './trigger';
import { eventTimeTrigger } from './triggers/event-time';
import { processingTimeTrigger } from './triggers/processing-time';
import type { TimeWindowOptions } from './tumbling';
import type { WindowAssigner } from './window-assigner';

/**
 * Sliding windows of `size` ms every `slide` ms, aligned to the epoch plus `offset`; an element
 * belongs to `size / slide` windows, the latest first (Flink's `SlidingEventTimeWindows`). A slide
 * larger than the size would drop elements between windows, so it is refused.
 *
 * @example
 * window(sliding(10_000, 1_000))
 */
export function sliding<T = unknown>(size: number, slide: number, options: TimeWindowOptions = {}): WindowAssigner<T> {
  const { offset = 0, time = 'event' } = options;
  if (!Number.isFinite(size) || size <= 0) throw new ConfigurationError(`sliding: size must be a finite number > 0, got ${size}`);
  if (!Number.isFinite(slide) || slide <= 0) throw new ConfigurationError(`sliding: slide must be a finite number > 0, got ${slide}`);
  if (slide > size) throw new ConfigurationError(`sliding: slide (${slide}) must not be larger than size (${size})`);
  if (!Number.isFinite(offset) || Math.abs(offset) >= slide) {
    throw new ConfigurationError(`sliding: offset must satisfy |offset| < slide, got offset ${offset} and slide ${slide}`);
  }
  const isEventTime = time === 'event';
  // The windows of the last pane, reused while elements stay in that pane.
  const panesAligned = size % slide === 0;
  let cachedPane = Number.NaN;
  let cached: TimeWindow[] = [];
  return {
    name: `Sliding${isEventTime ? 'EventTime' : 'ProcessingTime'}Windows(${size}, ${slide}${offset === 0 ? '' : `, ${offset}`})`,
    isEventTime,
    uniqueStarts: true,
    panes: { size, slide, offset },
    assignWindows(_e: T, timestamp: number, now: number) {
      const t = isEventTime ? timestamp : now;
      const lastStart = TimeWindow.startWithOffset(t, offset, slide);
      // Every element of a pane has the same windows only when the size is a multiple of the slide.
      if (lastStart === cachedPane && panesAligned) return cached;
      const windows: TimeWindow[] = [];
      for (let start = lastStart; start > t - size; start -= slide) windows.push(new TimeWindow(start, start + size));
      cached = windows;
      cachedPane = lastStart;
      return cached;
    },
    defaultTrigger: (): Trigger<T> => (isEventTime ? eventTimeTrigger<T>() : processingTimeTrigger<T>()),
  };
}
