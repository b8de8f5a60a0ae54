import { ConfigurationError } from '../errors';
import type { ReadResult, Source, SourceContext, SourceOutput } from '../io/source';
import { assignSplits, isSplitSource, type SourceCheckpointState, type SourceSubtaskState, type SplitState } from '../io/split-source';
import type { Clock } from '../types';

/** What the executor reads a source subtask through, whether the source has splits or a position. */
export interface SourceSubtaskReader {
  read(output: SourceOutput<unknown>, max: number): ReadResult | Promise<ReadResult>;
  /** What a checkpoint stores for this subtask. */
  state(): SourceSubtaskState;
  close(): void;
}

/** A source vertex of the execution plan, as far as creating its readers goes. */
export interface SourceSubtasks {
  readonly source: Source<unknown>;
  readonly name: string;
  readonly uid: string;
  readonly parallelism: number;
  /** What the checkpoint being restored holds for this source, if anything. */
  readonly restored: SourceCheckpointState | undefined;
  readonly clock: Clock;
}

/**
 * Decides what each subtask of a source reads and returns a factory of its readers: a split source
 * gets fresh splits (`createSplits`) or the restored ones dealt out for this parallelism
 * (`assignSplits`); a source without splits resumes each subtask from its position, which works
 * only at the parallelism it was checkpointed at. Throws, before any subtask starts, what a
 * restore must refuse.
 */
export function sourceSubtaskReaders(s: SourceSubtasks): (subtask: number) => SourceSubtaskReader {
  const { source, parallelism, restored, clock } = s;
  const context = (subtask: number): SourceContext => ({ clock, subtaskIndex: subtask, parallelism });
  let held: ReadonlyArray<readonly SplitState[]> | undefined;
  if (restored !== undefined && 'positions' in restored) {
    const positions = restored.positions;
    if (isSplitSource(source) && source.splitsAtPosition !== undefined) {
      // A format-1 checkpoint of a split source: its positions become splits, so it rescales too.
      held = positions.map((position, subtask) => source.splitsAtPosition!(position, subtask, positions.length));
    } else if (positions.length !== parallelism) {
      throw new ConfigurationError(
        `The source ${s.name} (uid "${s.uid}") was checkpointed with ${positions.length} subtasks; this job runs it with ${parallelism}. ` +
          'A parallel source without splits resumes only at the parallelism it was checkpointed with (give it splits: see SplitSource).',
      );
    } else {
      return (subtask) => positionReader(source, { ...context(subtask), restoreFrom: positions[subtask]! });
    }
  } else if (restored !== undefined) {
    held = restored.splits;
  }
  if (!isSplitSource(source)) {
    if (restored !== undefined) {
      throw new ConfigurationError(
        `The checkpoint holds splits for the source uid "${s.uid}", but this job's source ${s.name} does not read splits: was the source under that uid replaced?`,
      );
    }
    return (subtask) => positionReader(source, context(subtask));
  }
  const assigned = assignSplits<SplitState>(held ?? [source.createSplits(parallelism)], parallelism);
  return (subtask) => {
    const reader = source.createSplitReader(assigned[subtask]!, context(subtask));
    return {
      read: (output, max) => reader.read(output, max),
      state: () => ({ splits: reader.snapshotSplits() }),
      close: () => reader.close?.(),
    };
  };
}

function positionReader(source: Source<unknown>, context: SourceContext): SourceSubtaskReader {
  const reader = source.createReader(context);
  return {
    read: (output, max) => reader.read(output, max),
    state: () => reader.position(),
    close: () => reader.close?.(),
  };
}
