// Failed checkpoints, as Flink's CheckpointFailureManager (apache/flink, flink-runtime/.../checkpoint/
// CheckpointFailureManager.java) with `execution.checkpointing.tolerable-failed-checkpoints`
// (CheckpointConfig.getTolerableCheckpointFailureNumber: 0 when unset — "would not tolerate any
// declined checkpoint failure"): more than that many failures in a row fail the job over.
// https://nightlies.apache.org/flink/flink-docs-stable/docs/deployment/config/#execution-checkpointing-tolerable-failed-checkpoints
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { ManualClock, StreamEnvironment, TwoPhaseCommitSink, tap, type Batch } from '../../src/index';
import { Signal } from '../support/signal';

interface Txn {
  readonly id: number;
  readonly records: number[];
}

/** A transactional sink whose first pre-commit waits until the test lets it go (or forever). */
class StuckSink extends TwoPhaseCommitSink<number, Txn> {
  readonly committed: number[] = [];
  readonly preCommitsStarted = new Signal<number>();
  private next = 0;
  private release: (() => void) | undefined;
  private preCommitted0 = false;

  beginTransaction(): Txn {
    return { id: this.next++, records: [] };
  }

  invoke(txn: Txn, batch: Batch<number>): void {
    for (let i = 0; i < batch.length; i++) txn.records.push(batch.values[i]!);
  }

  preCommit(txn: Txn): void | Promise<void> {
    this.preCommitsStarted.fire(txn.id);
    if (txn.id !== 0) return;
    return new Promise<void>((resolve) => (this.release = resolve)).then(() => void (this.preCommitted0 = true));
  }

  /** Lets the stuck first pre-commit finish. */
  unstick(): void {
    this.release?.();
  }

  commit(txn: Txn): void {
    if (txn.id === 0 && !this.preCommitted0) throw new Error('committed a transaction whose pre-commit has not finished');
    this.committed.push(...txn.records);
  }

  abort(): void {}
}

async function startJob(config: Record<string, string | number>) {
  const clock = new ManualClock(0);
  const input = new Subject<number>();
  const passed = new Signal<number>();
  const sink = new StuckSink();
  const env = new StreamEnvironment({
    clock,
    config: { 'execution.checkpointing.interval': 10, 'execution.checkpointing.timeout': 25, 'restart-strategy.type': 'none', ...config },
  });
  env
    .fromObservable(input)
    .pipe(tap((x: number) => passed.fire(x)))
    .sinkTo(sink);
  const job = await env.execute('stuck');
  const send = async (x: number): Promise<void> => {
    input.next(x);
    await passed.next();
  };
  return { clock, input, sink, job, send };
}

describe('failed checkpoints (Flink: CheckpointFailureManager)', () => {
  it('by default the first expired checkpoint fails the job', async () => {
    const { clock, sink, job, send } = await startJob({});
    await send(1);
    clock.advance(10); // checkpoint 1 starts; its pre-commit never finishes
    await sink.preCommitsStarted.next();
    clock.advance(25); // … and it expires
    await expect(job.done).rejects.toThrow(/Exceeded checkpoint tolerable failure threshold \(0 in a row\): Checkpoint 1 expired after 25 ms/);
    expect(sink.committed).toEqual([]);
  });

  it('tolerated failures let the job go on; a later checkpoint waits for the earlier pre-commit before it commits', async () => {
    const { clock, input, sink, job, send } = await startJob({ 'execution.checkpointing.tolerable-failed-checkpoints': 1 });
    await send(1);
    clock.advance(10);
    await sink.preCommitsStarted.next(); // checkpoint 1, transaction 0: stuck (the sink holds the job back meanwhile)
    clock.advance(25); // checkpoint 1 expires: one failure, tolerated
    clock.advance(10); // checkpoint 2 pre-commits transaction 1 — and must not commit transaction 0 yet
    expect(await sink.preCommitsStarted.next()).toBe(1);
    // A turn of the event loop: were checkpoint 2 not waiting for transaction 0's pre-commit, it
    // would complete now and commit transaction 0 (the sink throws on that).
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(sink.committed).toEqual([]);
    expect(job.status).toBe('running');
    sink.unstick(); // transaction 0's pre-commit finishes: checkpoint 2 completes and commits 0 and 1
    await send(2);
    input.complete();
    const result = await job.done;
    expect(result.status).toBe('finished');
    expect(sink.committed).toEqual([1, 2]);
  });

  it('more failures in a row than tolerated fail the job, and nothing of the stuck transaction is committed', async () => {
    const { clock, sink, job, send } = await startJob({ 'execution.checkpointing.tolerable-failed-checkpoints': 2 });
    await send(1);
    for (let checkpoint = 1; checkpoint <= 3; checkpoint++) {
      clock.advance(10);
      await sink.preCommitsStarted.next();
      clock.advance(25);
    }
    await expect(job.done).rejects.toThrow(/Exceeded checkpoint tolerable failure threshold \(2 in a row\): Checkpoint 3 expired/);
    expect(sink.committed).toEqual([]);
  });
});
