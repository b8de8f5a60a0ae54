// Splits: the unit of a parallel source's input that can move between subtasks (Flink's FLIP-27
// `SourceSplit`). A checkpoint stores the splits each source subtask holds, with their progress,
// instead of one position per subtask; a restore deals them out to however many subtasks the new
// run has. The splits, not the subtasks, carry the progress, so rescaling loses and repeats nothing.

import type { ReadResult, Source, SourceContext, SourceOutput, SourcePosition } from './source';

/**
 * A split with its progress, as a checkpoint stores it: a JSON value (it is written into the
 * checkpoint's metadata), e.g. `{ next: 42, stride: 4 }` for a generator's share of the indices or
 * `{ path: 'a.log', offset: 1024 }` for a file. Describe a split with a `type` alias, not an
 * `interface` (an interface does not fit the index signature).
 */
export type SplitState = null | boolean | number | string | readonly SplitState[] | { readonly [key: string]: SplitState };

/**
 * Reads the splits one source subtask holds (Flink's FLIP-27 `SourceReader`). It decides the order
 * in which it reads them (a generator merges its splits by index, so each subtask's output stays
 * in event-time order).
 */
export interface SplitReader<T, S extends SplitState = SplitState> {
  /** Emits up to `max` records, as `SourceReader.read`; `'end'` once every split it holds is read. */
  read(output: SourceOutput<T>, max: number): ReadResult | Promise<ReadResult>;
  /**
   * The splits it holds with their progress, to be stored in a checkpoint (Flink's
   * `SourceReader.snapshotState`). A split read to its end may be left out: nothing of it is left.
   */
  snapshotSplits(): readonly S[];
  close?(): void;
}

/**
 * A parallel source whose input is a set of independent splits (Flink's FLIP-27 `Source` and its
 * `SplitEnumerator`). A fresh run at parallelism p creates its splits with `createSplits(p)` and
 * subtask i reads the splits i, i + p, …; a restore deals the splits the checkpoint holds to the
 * new subtasks round-robin (see `assignSplits`), whatever parallelism the checkpoint was taken
 * at. Every split must be readable by any subtask, on its own.
 *
 * `createReader` (from `Source`) still reads subtask `subtaskIndex` of `parallelism` from a single
 * position, for callers that use a source directly and for checkpoints that stored positions.
 *
 * @example
 * type Range = { readonly next: number; readonly end: number };
 * const numbers: SplitSource<number, Range> = {
 *   name: 'numbers', bounded: true, parallel: true,
 *   createSplits: (p) => Array.from({ length: p }, (_, i) => ({ next: i * 100, end: (i + 1) * 100 })),
 *   createSplitReader: (splits) => rangeReader(splits),
 *   createReader: (context) => ...,
 * };
 */
export interface SplitSource<T, S extends SplitState = SplitState> extends Source<T> {
  readonly parallel: true;
  /** The splits of the whole input, for a fresh run at `parallelism` (at least one per subtask keeps all busy). */
  createSplits(parallelism: number): readonly S[];
  /**
   * A reader of `splits` for subtask `context.subtaskIndex` of `context.parallelism`. The splits come
   * from a checkpoint's metadata: check their shape and throw a clear error if it is wrong.
   */
  createSplitReader(splits: readonly SplitState[], context: SourceContext): SplitReader<T, S>;
  /**
   * The splits that `position` — what a format-1 checkpoint stored for subtask `subtask` of
   * `parallelism`, before sources had splits — stands for. Lets such checkpoints restore at any
   * parallelism; without it they restore only at their own.
   */
  splitsAtPosition?(position: SourcePosition, subtask: number, parallelism: number): readonly S[];
}

/** Whether `source` reads splits (and so can resume at another parallelism). */
export function isSplitSource<T>(source: Source<T>): source is SplitSource<T> {
  const s = source as Partial<SplitSource<T>>;
  return s.parallel === true && typeof s.createSplits === 'function' && typeof s.createSplitReader === 'function';
}

/**
 * What a checkpoint holds for one source subtask: its position, or — a split source — the splits
 * it holds with their progress.
 */
export type SourceSubtaskState = SourcePosition | { readonly splits: readonly SplitState[] };

/**
 * What a checkpoint holds for one source: a position per subtask (sources without splits, and
 * every source in format-1 checkpoints), or the splits of each subtask.
 */
export type SourceCheckpointState =
  | { readonly positions: readonly SourcePosition[] }
  | { readonly splits: ReadonlyArray<readonly SplitState[]> };

/**
 * Deals the splits that `held[s]` lists for each old subtask s to `parallelism` new subtasks, as
 * Flink redistributes split state: at the same parallelism every subtask keeps its own splits;
 * otherwise all splits, in old-subtask order, go round-robin. Every split goes to exactly one
 * subtask; with fewer splits than subtasks some subtasks get none (and end at once). Pure.
 */
export function assignSplits<S>(held: ReadonlyArray<readonly S[]>, parallelism: number): S[][] {
  if (held.length === parallelism) return held.map((splits) => [...splits]);
  const assigned: S[][] = Array.from({ length: parallelism }, () => []);
  let next = 0;
  for (const splits of held) {
    for (const split of splits) {
      assigned[next]!.push(split);
      next = (next + 1) % parallelism;
    }
  }
  return assigned;
}
