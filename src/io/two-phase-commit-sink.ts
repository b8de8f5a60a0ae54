import type { Batch } from '../types';
import type { Sink } from './sink';

/**
 * Flink's `TwoPhaseCommitSinkFunction`: records go into a transaction; at a checkpoint barrier the
 * transaction is pre-committed and becomes part of the snapshot, and a new one begins; when the
 * checkpoint completes, its transactions are committed. After a failure the transactions of the
 * restored checkpoint are committed again — so `commit` must be idempotent — and anything begun
 * after it is aborted. Exactly-once, given a replayable source.
 *
 * Transactions (`TXN`) must be plain data: they are written into the checkpoint.
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
  abstract abort(transaction: TXN): void | Promise<void>;

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
