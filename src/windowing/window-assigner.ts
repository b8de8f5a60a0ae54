import type { TimeWindow } from './time-window';
import type { Trigger } from './trigger';

/**
 * Says which windows an element belongs to (Flink's `WindowAssigner`). Assigners that merge
 * (sessions) also say how windows merge.
 */
export interface WindowAssigner<T = unknown> {
  readonly name: string;
  readonly isEventTime: boolean;
  /**
   * Windows of one key never share a start (fixed-size assigners), so `start` alone can name a
   * window's state; otherwise its `key` does.
   */
  readonly uniqueStarts: boolean;
  /** Set by tumbling and sliding assigners: their alignment, so kernels can run them as panes. */
  readonly panes?: { readonly size: number; readonly slide: number; readonly offset: number };
  /** Set by event-time session assigners with a fixed gap, so a kernel can run them. */
  readonly sessionGap?: number;
  /** Windows for an element. The returned array may be reused by the next call. */
  assignWindows(element: T, timestamp: number, currentProcessingTime: number): readonly TimeWindow[];
  defaultTrigger(): Trigger<T>;
  /** Present on merging assigners: calls `merge` for every group of windows that becomes one. */
  mergeWindows?(windows: readonly TimeWindow[], merge: (toBeMerged: TimeWindow[], result: TimeWindow) => void): void;
}

/** Flink's `TimeWindow.mergeWindows`: sort by start, then fold together windows that intersect. */
export function mergeTimeWindows(
  windows: readonly TimeWindow[],
  merge: (toBeMerged: TimeWindow[], result: TimeWindow) => void,
): void {
  const sorted = [...windows].sort((a, b) => a.start - b.start);
  let current: { result: TimeWindow; members: TimeWindow[] } | undefined;
  const merged: Array<{ result: TimeWindow; members: TimeWindow[] }> = [];
  for (const candidate of sorted) {
    if (current === undefined) {
      current = { result: candidate, members: [candidate] };
    } else if (current.result.intersects(candidate)) {
      current.result = current.result.cover(candidate);
      current.members.push(candidate);
    } else {
      merged.push(current);
      current = { result: candidate, members: [candidate] };
    }
  }
  if (current !== undefined) merged.push(current);
  for (const m of merged) if (m.members.length > 1) merge(m.members, m.result);
}
