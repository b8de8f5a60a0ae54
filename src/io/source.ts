import type { Clock, Timestamp } from '../types';

/** Where a source resumes: an offset for every built-in source. JSON-serialisable. */
export type SourcePosition = number | string;

export interface SourceContext {
  readonly clock: Clock;
  /** The position to resume from (checkpoint recovery), if any. */
  readonly restoreFrom?: SourcePosition;
  /** Which split a parallel source reads: subtask `subtaskIndex` of `parallelism` (0 of 1 otherwise). */
  readonly subtaskIndex?: number;
  readonly parallelism?: number;
}

export interface SourceOutput<T> {
  /** Emits a record; `timestamp` is optional (a timestamp assigner usually sets it). */
  collect(value: T, timestamp?: Timestamp): void;
  /**
   * Emits `values[from, to)` without timestamps, as `collect` for each would, in one call. The
   * runtime's output has it; a source must fall back to `collect` where it is absent.
   */
  collectAll?(values: readonly T[], from: number, to: number): void;
}

/** `'more'`: call again; `'end'`: the source is exhausted (after the records of this call). */
export type ReadResult = 'more' | 'end';

/**
 * Reads a source in batches. `read` emits up to `max` records and returns synchronously when it
 * could, or a promise when it must wait for data — the scheduler runs other work meanwhile.
 */
export interface SourceReader<T> {
  read(output: SourceOutput<T>, max: number): ReadResult | Promise<ReadResult>;
  /** The offset of the next record to read. */
  position(): SourcePosition;
  close?(): void;
}

/**
 * A source of records. Bounded sources end, and then emit a final +∞ watermark so every window
 * fires. Built-in sources are replayable from `position()` unless documented otherwise.
 */
export interface Source<T> {
  readonly name: string;
  readonly bounded: boolean;
  /**
   * A splittable source runs one subtask per parallel instance, each reading its split (see
   * `SourceContext.subtaskIndex`); otherwise the source is one subtask, like Flink's `fromElements`.
   */
  readonly parallel?: boolean;
  createReader(context: SourceContext): SourceReader<T>;
}
