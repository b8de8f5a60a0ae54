import { TimeWindow } from './time-window';
import { mergeTimeWindows, type WindowAssigner } from './window-assigner';

/** Called when windows merge: the merged windows and their state windows, into `stateWindowResult`. */
export type MergeFunction = (
  mergeResult: TimeWindow,
  mergedWindows: readonly TimeWindow[],
  stateWindowResult: TimeWindow,
  mergedStateWindows: readonly TimeWindow[],
) => void;

/** Persisted form of one in-flight window: `[start, end, stateStart, stateEnd]`. */
export type MergingEntry = [number, number, number, number];

/**
 * The in-flight windows of one key for a merging assigner, each mapped to the window whose
 * namespace holds its state, so that a merge moves no state until it must (Flink's
 * `MergingWindowSet`). `mapping` is the persisted form (plain numbers, so snapshots can encode it):
 * window key → [window, state window].
 */
export class MergingWindowSet {
  constructor(
    private readonly assigner: WindowAssigner<unknown>,
    readonly mapping: Map<string, MergingEntry>,
  ) {}

  getStateWindow(window: TimeWindow): TimeWindow | undefined {
    const e = this.mapping.get(window.key);
    return e === undefined ? undefined : new TimeWindow(e[2], e[3]);
  }

  private set(window: TimeWindow, stateWindow: TimeWindow): void {
    this.mapping.set(window.key, [window.start, window.end, stateWindow.start, stateWindow.end]);
  }

  retireWindow(window: TimeWindow): void {
    if (!this.mapping.delete(window.key)) throw new Error(`Window ${window} is not in in-flight window set.`);
  }

  /**
   * Adds `newWindow`, merging it with in-flight windows where the assigner says so. Returns the
   * window `newWindow` ended up in; `mergeFunction` runs for each merge, before this returns.
   */
  addWindow(newWindow: TimeWindow, mergeFunction: MergeFunction): TimeWindow {
    const mergeResults: Array<[TimeWindow, TimeWindow[]]> = [];
    if (this.assigner.mergeWindows === mergeTimeWindows) {
      // The windows in the set never intersect one another (they would have merged), so only
      // those the new window intersects merge, into one group: the same result as Flink's sort
      // of every window on every element, without its O(n log n) per element.
      const group: TimeWindow[] = [newWindow];
      let cover = newWindow;
      for (const e of this.mapping.values()) {
        if (e[0] <= newWindow.end && e[1] >= newWindow.start) {
          const w = new TimeWindow(e[0], e[1]);
          group.push(w);
          cover = cover.cover(w);
        }
      }
      if (group.length > 1) mergeResults.push([cover, group.sort((a, b) => a.start - b.start)]);
    } else {
      const windows = [...this.mapping.values()].map((e) => new TimeWindow(e[0], e[1]));
      windows.push(newWindow);
      this.assigner.mergeWindows!(windows, (toBeMerged, result) => mergeResults.push([result, toBeMerged]));
    }

    let resultWindow = newWindow;
    let mergedNewWindow = false;
    for (const [mergeResult, members] of mergeResults) {
      const mergedWindows = members.filter((w) => !w.equals(newWindow));
      if (mergedWindows.length !== members.length) {
        mergedNewWindow = true;
        resultWindow = mergeResult;
      }
      if (mergedWindows.length === 0) continue;
      // The state of the merge result lives in the state window of any one merged window.
      const mergedStateWindow = this.getStateWindow(mergedWindows[0]!)!;
      const mergedStateWindows: TimeWindow[] = [];
      for (const w of mergedWindows) {
        const stateWindow = this.getStateWindow(w);
        if (stateWindow !== undefined) {
          this.mapping.delete(w.key);
          if (!stateWindow.equals(mergedStateWindow)) mergedStateWindows.push(stateWindow);
        }
      }
      this.set(mergeResult, mergedStateWindow);
      // Merging a single pre-existing window into itself (the new window fell inside it) moves nothing.
      if (!(mergedWindows.length === 1 && mergedWindows[0]!.equals(mergeResult))) {
        mergeFunction(mergeResult, mergedWindows, mergedStateWindow, mergedStateWindows);
      }
    }
    if (mergeResults.length === 0 || (resultWindow.equals(newWindow) && !mergedNewWindow)) {
      this.set(resultWindow, resultWindow);
    }
    return resultWindow;
  }
}
