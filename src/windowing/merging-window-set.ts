import type { TimeWindow } from './time-window';
import type { WindowAssigner } from './window-assigner';

/** Called when windows merge: the merged windows and their state windows, into `stateWindowResult`. */
export type MergeFunction = (
  mergeResult: TimeWindow,
  mergedWindows: readonly TimeWindow[],
  stateWindowResult: TimeWindow,
  mergedStateWindows: readonly TimeWindow[],
) => void;

/**
 * The in-flight windows of one key for a merging assigner, each mapped to the window whose
 * namespace holds its state, so that a merge moves no state until it must (Flink's
 * `MergingWindowSet`). `mapping` is the persisted form: window key → [window, state window].
 */
export class MergingWindowSet {
  constructor(
    private readonly assigner: WindowAssigner<unknown>,
    readonly mapping: Map<string, [TimeWindow, TimeWindow]>,
  ) {}

  getStateWindow(window: TimeWindow): TimeWindow | undefined {
    return this.mapping.get(window.key)?.[1];
  }

  retireWindow(window: TimeWindow): void {
    if (!this.mapping.delete(window.key)) throw new Error(`Window ${window} is not in in-flight window set.`);
  }

  /**
   * Adds `newWindow`, merging it with in-flight windows where the assigner says so. Returns the
   * window `newWindow` ended up in; `mergeFunction` runs for each merge, before this returns.
   */
  addWindow(newWindow: TimeWindow, mergeFunction: MergeFunction): TimeWindow {
    const windows = [...this.mapping.values()].map((e) => e[0]);
    windows.push(newWindow);
    const mergeResults: Array<[TimeWindow, TimeWindow[]]> = [];
    this.assigner.mergeWindows!(windows, (toBeMerged, result) => mergeResults.push([result, toBeMerged]));

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
      const mergedStateWindow = this.mapping.get(mergedWindows[0]!.key)![1];
      const mergedStateWindows: TimeWindow[] = [];
      for (const w of mergedWindows) {
        const entry = this.mapping.get(w.key);
        if (entry !== undefined) {
          this.mapping.delete(w.key);
          if (!entry[1].equals(mergedStateWindow)) mergedStateWindows.push(entry[1]);
        }
      }
      this.mapping.set(mergeResult.key, [mergeResult, mergedStateWindow]);
      // Merging a single pre-existing window into itself (the new window fell inside it) moves nothing.
      if (!(mergedWindows.length === 1 && mergedWindows[0]!.equals(mergeResult))) {
        mergeFunction(mergeResult, mergedWindows, mergedStateWindow, mergedStateWindows);
      }
    }
    if (mergeResults.length === 0 || (resultWindow.equals(newWindow) && !mergedNewWindow)) {
      this.mapping.set(resultWindow.key, [resultWindow, resultWindow]);
    }
    return resultWindow;
  }
}
