import type { Batch } from '../types';
import type { Sink } from './sink';

/**
 * Flink's `TwoPhaseCommitSinkFunction`: records go into a transaction; at a checkpoint barrier the
 * transaction is pre-committed and becomes part of the snapshot, and a new one begins — which the
 * snapshot holds too, as the "current" transaction; when the checkpoint completes, its pre-committed
 * transactions are committed. On restore the pre-committed transactions of the checkpoint are
 * committed again (`recoverAndCommit`) — so `commit` must be idempotent — and its current one is
 * aborted (`recoverAndAbort`): after a crash nothing else ever closes it. Exactly-once, given a
 * replayable source.
 *
 * Transactions (`TXN`) must be plain data: they are written into the checkpoint. A sink that a new
 * process must be able to clean up after (a file, a staging record) names what a transaction writes
 * after something fixed in the handle `beginTransaction` returns: the checkpoint holds the current
 * transaction as it was when it began, before any record reached it.
 *
 * @see https://nightlies.apache.org/flink/flink-docs-stable/api/java/org/apache/flink/streaming/api/functions/sink/TwoPhaseCommitSinkFunction.html
 */
export abstract class TwoPhaseCommitSink<T, TXN> implements Sink<T> {
  readonly name: string = 'two-phase-commit sink';
  /** Marks the sink for the runtime. */
  readonly twoPhaseCommit = true;

  abstract beginTransaction(): TXN;
  /** Adds records to the open transaction. */
  abstract invoke(transaction: TXN, batch: Batch<T>): void;
  /** Makes the transaction durable, but not yet visible (at the checkpoint barrier). */
  abstract preCommit(transaction: TXN): void | Promise<void>;
  /** Makes it visible. Called again after a recovery: must be idempotent. */
  abstract commit(transaction: TXN): void | Promise<void>;
  /** Drops the transaction's records. Called when the job fails or is canceled. */
  abstract abort(transaction: TXN): void | Promise<void>;

  /**
   * On restore, commits a transaction the checkpoint holds as pre-committed (its commit may or may not
   * have landed before the failure). Runs in the restored job, perhaps in a new process with a new
   * sink instance: `transaction` is the handle as it was written into the checkpoint. Defaults to
   * `commit`. Flink's `recoverAndCommit`.
   */
  recoverAndCommit(transaction: TXN): void | Promise<void> {
    return this.commit(transaction);
  }

  /**
   * On restore, aborts the transaction that was open when the checkpoint was taken (begun right after
   * its barrier). Everything it received after the checkpoint is replayed by the source, so whatever
   * it wrote — possibly nothing, possibly a pre-commit of a later checkpoint that never completed —
   * must go. Runs perhaps in a new process with a new sink instance, with the handle as it was when the
   * transaction began: find what it wrote from that. Must be idempotent and tolerate artifacts that
   * were never created. Defaults to `abort`. Flink's `recoverAndAbort`.
   *
   * @example
   * // A sink whose transactions write one file each, named after the transaction id:
   * override async recoverAndAbort(txn: { id: string }): Promise<void> {
   *   await unlink(`out/.${txn.id}.inprogress`).catch(() => {}); // gone already, or never written
   * }
   */
  recoverAndAbort(transaction: TXN): void | Promise<void> {
    return this.abort(transaction);
  }

  /** Not used: the runtime drives the transactions. */
  write(): void {
    throw new Error('TwoPhaseCommitSink.write is driven by the runtime');
  }
}

export function isTwoPhaseCommitSink(sink: Sink<unknown>): sink is TwoPhaseCommitSink<unknown, unknown> {
  return (sink as { twoPhaseCommit?: boolean }).twoPhaseCommit === true;
}

/**
 * An exactly-once sink that collects committed records in memory (a test and demo aid, and the
 * model for transactional sinks): a transaction is an array of records; commit appends them to
 * `committed` once per transaction id.
 */
export class CollectingTwoPhaseCommitSink<T> extends TwoPhaseCommitSink<T, { id: string; records: T[] }> {
  override readonly name = 'exactly-once collect';
  readonly committed: T[] = [];
  private readonly done = new Set<string>();
  private sequence = 0;
  private readonly prefix = Math.random().toString(36).slice(2);

  beginTransaction(): { id: string; records: T[] } {
    return { id: `${this.prefix}-${this.sequence++}`, records: [] };
  }

  invoke(txn: { id: string; records: T[] }, batch: Batch<T>): void {
    for (let i = 0; i < batch.length; i++) txn.records.push(batch.values[i]!);
  }

  preCommit(): void {}

  commit(txn: { id: string; records: T[] }): void {
    if (this.done.has(txn.id)) return;
    this.done.add(txn.id);
    this.committed.push(...txn.records);
  }

  abort(): void {}
}
