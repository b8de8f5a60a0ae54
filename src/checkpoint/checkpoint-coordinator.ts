import type { CheckpointMetadata, CheckpointStorage, CompletedCheckpoint, OperatorStateMetadata, SourcePositionMetadata } from './checkpoint-storage';
import { SluiceError } from '../errors';
import { CHECKPOINT_FORMAT_VERSION } from './checkpoint-storage';
import { keyGroupRangeForOperator } from '../state/key-groups';
import type { SourceCheckpointState, SourceSubtaskState } from '../io/split-source';

/** Checkpointing configuration (Flink's `execution.checkpointing.*`). */
export interface CheckpointConfig {
  /** Milliseconds between checkpoints (`execution.checkpointing.interval`). */
  readonly interval: number;
  /** `'exactly-once'` aligns barriers; `'at-least-once'` does not (`execution.checkpointing.mode`). */
  readonly mode?: 'exactly-once' | 'at-least-once';
  /** A checkpoint not complete after this many ms is abandoned (`execution.checkpointing.timeout`, 10 min). */
  readonly timeout?: number;
  /** Minimum ms from the end of one checkpoint to the start of the next (`min-pause`). */
  readonly minPause?: number;
  /** Only one checkpoint at a time is supported (Flink's `max-concurrent-checkpoints` = 1). */
  readonly maxConcurrent?: 1;
  /** Where checkpoints go; in-memory by default. */
  readonly storage?: CheckpointStorage;
  /** Complete checkpoints to keep (`state.checkpoints.num-retained`, 1). */
  readonly retain?: number;
  /**
   * Periodic checkpoints that may fail in a row before the job fails over
   * (`execution.checkpointing.tolerable-failed-checkpoints`; Flink's default, 0: the first one).
   */
  readonly tolerableFailures?: number;
}

/** A participant of a checkpoint: an operator (maybe stateless) or a source. */
export interface Participant {
  readonly uid: string;
  readonly name: string;
  /** How many subtasks acknowledge for this operator (default 1). */
  readonly parallelism?: number;
}

/** What an acknowledgement did to the pending checkpoint (Flink's `TaskAcknowledgeResult`). */
export type AcknowledgeResult = 'success' | 'duplicate' | 'unknown' | 'complete';

interface PendingCheckpoint {
  readonly id: number;
  readonly kind: 'checkpoint' | 'savepoint';
  readonly timestamp: number;
  readonly target: string | undefined;
  /** Subtasks yet to acknowledge, as `participantKey(uid, subtask)`. */
  readonly waiting: Set<string>;
  readonly snapshots: Map<string, Uint8Array>;
  /** Per source uid, what each of its subtasks checkpoints (a position, or its splits). */
  readonly sourceStates: Map<string, ReadonlyArray<SourceSubtaskState>>;
  readonly work: Array<Promise<unknown>>;
  completion: Promise<CompletedCheckpointInfo>;
  readonly done: { resolve(c: CompletedCheckpointInfo): void; reject(e: unknown): void };
}

export interface CompletedCheckpointInfo {
  readonly checkpointId: number;
  readonly kind: 'checkpoint' | 'savepoint';
  readonly location: string;
}

/**
 * Coordinates checkpoints of one job attempt: numbers them, tracks which operators have
 * acknowledged (pure bookkeeping, result values), and — once all have — writes every snapshot and
 * then the metadata to storage, which makes the checkpoint complete. Operators are told
 * (`notifyCheckpointComplete`) only after that. Numbering continues across attempts.
 */
export class CheckpointCoordinator {
  private pending: PendingCheckpoint | undefined;
  private lastCompletedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly storage: CheckpointStorage,
    private readonly jobName: string,
    private readonly maxParallelism: number,
    private readonly operators: readonly Participant[],
    private readonly retain: number,
    private nextId: number,
    private readonly notifyComplete: (checkpointId: number) => void,
    /** The job's clock (min-pause is measured on it, so a `ManualClock` drives it in tests). */
    private readonly now: () => number = Date.now,
  ) {}

  get inProgress(): boolean {
    return this.pending !== undefined;
  }

  /** Resolves once no checkpoint is in progress (whatever its outcome). */
  async inProgressSettled(): Promise<void> {
    while (this.pending !== undefined) await this.pending.completion.catch(() => {});
  }

  get lastCompletedTime(): number {
    return this.lastCompletedAt;
  }

  /** Starts checkpoint n+1: returns its id, or `undefined` while another is in progress. */
  begin(
    kind: 'checkpoint' | 'savepoint',
    timestamp: number,
    /** Per source uid, the state of each of its subtasks: a position, or the splits it holds. */
    sourceStates: ReadonlyMap<string, ReadonlyArray<SourceSubtaskState>>,
    target?: string,
  ): { id: number; completion: Promise<CompletedCheckpointInfo> } | undefined {
    if (this.pending !== undefined) return undefined;
    const id = this.nextId++;
    let done!: PendingCheckpoint['done'];
    const completion = new Promise<CompletedCheckpointInfo>((resolve, reject) => (done = { resolve, reject }));
    completion.catch(() => {});
    this.pending = {
      id,
      kind,
      timestamp,
      target,
      waiting: new Set(this.operators.flatMap((o) => Array.from({ length: o.parallelism ?? 1 }, (_, i) => participantKey(o.uid, i)))),
      snapshots: new Map(),
      sourceStates: new Map(sourceStates),
      work: [],
      completion,
      done,
    };
    return { id, completion };
  }

  /** An operator's snapshot for checkpoint `id`; the last one starts writing the checkpoint. */
  acknowledge(uid: string, subtask: number, id: number, snapshot: Uint8Array | undefined, work?: Promise<unknown>): AcknowledgeResult {
    const p = this.pending;
    if (p === undefined || p.id !== id) return 'unknown';
    const key = participantKey(uid, subtask);
    if (!p.waiting.delete(key)) return 'duplicate';
    if (snapshot !== undefined) p.snapshots.set(key, snapshot);
    if (work !== undefined) p.work.push(work);
    if (p.waiting.size > 0) return 'success';
    void this.write(p);
    return 'complete';
  }

  /** Records where a source subtask was when checkpoint `id` began (distributed jobs report late). */
  setSourceState(id: number, uid: string, subtask: number, state: SourceSubtaskState): void {
    const p = this.pending;
    if (p === undefined || p.id !== id) return;
    const states = [...(p.sourceStates.get(uid) ?? [])];
    states[subtask] = state;
    p.sourceStates.set(uid, states);
  }

  /** Abandons the pending checkpoint (timeout, failure, cancel). */
  abort(reason: unknown): void {
    const p = this.pending;
    if (p === undefined) return;
    this.pending = undefined;
    p.done.reject(reason);
  }

  private async write(p: PendingCheckpoint): Promise<void> {
    let writer;
    try {
      await Promise.all(p.work);
      writer = await this.storage.begin(p.id, p.kind, p.target === undefined ? undefined : { target: p.target });
      const operators: OperatorStateMetadata[] = [];
      for (const o of this.operators) {
        const parallelism = o.parallelism ?? 1;
        const files = [];
        for (let subtask = 0; subtask < parallelism; subtask++) {
          const bytes = p.snapshots.get(participantKey(o.uid, subtask));
          if (bytes === undefined) continue;
          const info = await writer.write(`${safeName(o.uid)}-${subtask}`, bytes);
          const range = keyGroupRangeForOperator(this.maxParallelism, parallelism, subtask);
          files.push({ ...info, subtask, keyGroups: [range.start, range.end] as const });
        }
        operators.push({ uid: o.uid, name: o.name, parallelism, maxParallelism: this.maxParallelism, files });
      }
      const metadata: CheckpointMetadata = {
        formatVersion: CHECKPOINT_FORMAT_VERSION,
        checkpointId: p.id,
        kind: p.kind,
        timestamp: p.timestamp,
        jobName: this.jobName,
        operators,
        sources: [...p.sourceStates].map(([uid, states]) => sourceMetadata(uid, states)),
      };
      await writer.commit(metadata);
      if (this.pending !== p) return;
      this.pending = undefined;
      this.lastCompletedAt = this.now();
      if (p.kind === 'checkpoint') await this.storage.retain(this.retain);
      this.notifyComplete(p.id);
      p.done.resolve({ checkpointId: p.id, kind: p.kind, location: writer.location });
    } catch (e) {
      await writer?.abort().catch(() => {});
      if (this.pending === p) this.pending = undefined;
      p.done.reject(e);
    }
  }
}

/** A source's entry in the metadata: its subtasks' positions, or (a split source) their splits. */
function sourceMetadata(uid: string, states: ReadonlyArray<SourceSubtaskState>): SourcePositionMetadata {
  const subtasks = Array.from(states);
  if (!subtasks.some((s) => typeof s === 'object')) return { uid, positions: subtasks as Array<number | string> };
  return {
    uid,
    positions: [],
    splits: subtasks.map((s, subtask) => {
      if (typeof s !== 'object') throw new SluiceError(`Source uid "${uid}": subtask ${subtask} reported ${s === undefined ? 'nothing' : 'a position'} where the others reported splits`);
      return [...s.splits];
    }),
  };
}

/** File names allow `[A-Za-z0-9._-]`, 200 characters; uids are free text, so a hash keeps them apart. */
function participantKey(uid: string, subtask: number): string {
  return `${uid}\u0000${subtask}`;
}

function safeName(uid: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < uid.length; i++) h = Math.imul(h ^ uid.charCodeAt(i), 0x01000193);
  const readable = uid.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[^A-Za-z0-9]/, 'x').slice(0, 100);
  return `${readable}-${(h >>> 0).toString(16)}`;
}

/** Reads the state of a completed checkpoint: per operator uid, one byte array per subtask. */
export async function readCheckpointState(
  checkpoint: CompletedCheckpoint,
): Promise<{ operators: Map<string, Uint8Array[]>; sources: Map<string, SourceCheckpointState> }> {
  const operators = new Map<string, Uint8Array[]>();
  for (const o of checkpoint.metadata.operators) {
    const parts: Uint8Array[] = [];
    for (const f of [...o.files].sort((a, b) => a.subtask - b.subtask)) parts.push(await checkpoint.read(f.name));
    operators.set(o.uid, parts);
  }
  const sources = new Map<string, SourceCheckpointState>();
  for (const s of checkpoint.metadata.sources) {
    if (s.splits !== undefined) sources.set(s.uid, { splits: s.splits });
    else if (s.positions.length > 0) sources.set(s.uid, { positions: s.positions });
  }
  return { operators, sources };
}
