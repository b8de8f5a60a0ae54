import { ConfigurationError } from '../errors';
import type { TimeWindow } from './time-window';

/** An element of a window with its timestamp (Flink's `TimestampedValue`). */
export interface TimestampedValue<T> {
  readonly value: T;
  readonly timestamp: number;
}

/**
 * Removes elements from a fired window, before and/or after the window function sees them
 * (Flink's `Evictor`). `elements` is in arrival order; an evictor removes from it in place (e.g.
 * with `splice`), and what remains is what the window keeps.
 */
export interface Evictor<T> {
  readonly name: string;
  evictBefore(elements: Array<TimestampedValue<T>>, size: number, window: TimeWindow): void;
  evictAfter(elements: Array<TimestampedValue<T>>, size: number, window: TimeWindow): void;
}

/** Whether an evictor evicts after the window function instead of before (Flink's `doEvictAfter`). */
export interface EvictorOptions {
  readonly evictAfter?: boolean;
}

function evictor<T>(name: string, options: EvictorOptions, evict: (elements: Array<TimestampedValue<T>>, size: number) => void): Evictor<T> {
  const after = options.evictAfter === true;
  return {
    name,
    evictBefore: (elements, size) => {
      if (!after) evict(elements, size);
    },
    evictAfter: (elements, size) => {
      if (after) evict(elements, size);
    },
  };
}

/** Keeps the last `maxCount` elements of a window, evicting from the front (Flink's `CountEvictor`). */
export function countEvictor<T>(maxCount: number, options: EvictorOptions = {}): Evictor<T> {
  if (!Number.isInteger(maxCount) || maxCount < 0) throw new ConfigurationError(`countEvictor: maxCount must be an integer ≥ 0, got ${maxCount}`);
  return evictor<T>(`CountEvictor(${maxCount})`, options, (elements, size) => {
    if (size > maxCount) elements.splice(0, size - maxCount);
  });
}

/**
 * Keeps the elements within `windowSize` ms of the newest element's timestamp: evicts those with
 * `timestamp <= max - windowSize` (Flink's `TimeEvictor`). Elements without timestamps are kept.
 */
export function timeEvictor<T>(windowSize: number, options: EvictorOptions = {}): Evictor<T> {
  if (!Number.isFinite(windowSize) || windowSize < 0) throw new ConfigurationError(`timeEvictor: windowSize must be a finite number of ms ≥ 0, got ${windowSize}`);
  return evictor<T>(`TimeEvictor(${windowSize})`, options, (elements) => {
    // Flink's hasTimestamp looks at the first element only.
    if (elements.length === 0 || Number.isNaN(elements[0]!.timestamp)) return;
    let max = Number.NEGATIVE_INFINITY;
    for (const e of elements) if (e.timestamp > max) max = e.timestamp;
    const cutoff = max - windowSize;
    removeWhere(elements, (e) => e.timestamp <= cutoff);
  });
}

/**
 * Evicts the elements whose `delta` to the window's last element is at least `threshold` (Flink's
 * `DeltaEvictor`).
 */
export function deltaEvictor<T>(threshold: number, delta: (a: T, last: T) => number, options: EvictorOptions = {}): Evictor<T> {
  if (typeof delta !== 'function') throw new ConfigurationError('deltaEvictor needs a delta function (element, last) => number');
  return evictor<T>(`DeltaEvictor(${threshold})`, options, (elements) => {
    const last = elements.at(-1);
    if (last !== undefined) removeWhere(elements, (e) => delta(e.value, last.value) >= threshold);
  });
}

function removeWhere<T>(elements: T[], drop: (e: T) => boolean): void {
  let kept = 0;
  for (const e of elements) if (!drop(e)) elements[kept++] = e;
  elements.length = kept;
}
