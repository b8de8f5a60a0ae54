// A two-phase-commit sink's snapshot and restore, as Flink's TwoPhaseCommitSinkFunction does them:
// the snapshot holds the pre-committed (pending) transactions and the transaction begun right after
// the barrier (the current one); a restore calls recoverAndCommit on each pending one and
// recoverAndAbort on the current one.
// https://nightlies.apache.org/flink/flink-docs-stable/api/java/org/apache/flink/streaming/api/functions/sink/TwoPhaseCommitSinkFunction.html
import { describe, expect, it } from 'vitest';
import {
  ManualClock,
  MemoryCheckpointStorage,
  StreamEnvironment,
  TwoPhaseCommitSink,
  keyBy,
  map,
  tap,
  type CompletedCheckpoint,
} from '../../src/index';
import { decodeValue, encodeValue } from '../../src/codec/value-codec';
import type { Batch } from '../../src/types';
import { Signal } from '../support/signal';

interface Txn {
  readonly id: string;
  readonly records: number[];
}

/** Records every call the runtime makes, by transaction id; `committed` as CollectingTwoPhaseCommitSink. */
class RecordingSink extends TwoPhaseCommitSink<number, Txn> {
  override readonly name = 'recording sink';
  readonly calls: string[] = [];
  readonly committed: number[] = [];
  private sequence = 0;
  /** With `parallel`, the sink runs as one subtask per parallel instance (all share this object). */
  constructor(
    private readonly prefix: string,
    readonly parallel = false,
  ) {
    super();
  }
  beginTransaction(): Txn {
    return { id: `${this.prefix}${this.sequence++}`, records: [] };
  }
  invoke(txn: Txn, batch: Batch<number>): void {
    for (let i = 0; i < batch.length; i++) txn.records.push(batch.values[i]!);
  }
  preCommit(): void {}
  commit(txn: Txn): void {
    this.calls.push(`commit ${txn.id}`);
    this.committed.push(...txn.records);
  }
  abort(txn: Txn): void {
    this.calls.push(`abort ${txn.id}`);
  }
  override recoverAndCommit(txn: Txn): void {
    this.calls.push(`recoverAndCommit ${txn.id}`);
    super.recoverAndCommit(txn);
  }
  override recoverAndAbort(txn: Txn): void {
    this.calls.push(`recoverAndAbort ${txn.id}`);
    super.recoverAndAbort(txn);
  }
  recovered(): string[] {
    return this.calls.filter((c) => c.startsWith('recover'));
  }
}

const COUNT = 12;
const records = Array.from({ length: COUNT }, (_, i) => i);

/**
 * Runs records 0..4 into the first transaction, takes checkpoint 1 and waits for it to complete,
 * runs records 5..7 into the next transaction, and cancels the job (which aborts that one).
 */
async function firstRun(sink: RecordingSink, storage: MemoryCheckpointStorage): Promise<CompletedCheckpoint> {
  const clock = new ManualClock(0);
  const reached = new Signal();
  const committed = new Signal();
  const original = sink.commit.bind(sink);
  sink.commit = (txn) => {
    original(txn);
    committed.fire();
  };
  const source: AsyncIterable<number> = {
    async *[Symbol.asyncIterator]() {
      for (let i = 0; i < COUNT; i++) {
        if (i === 5) {
          clock.advance(10);
          await committed.next();
        }
        if (i === 8) {
          reached.fire();
          await new Promise<never>(() => {});
        }
        yield i;
      }
    },
  };
  const env = new StreamEnvironment({ clock, batchSize: 1, checkpoint: { interval: 10, storage }, restart: { strategy: 'none' } });
  env.fromAsyncIterable(source).sinkTo(sink);
  const job = await env.execute('first run');
  await reached.next();
  await job.cancel();
  const checkpoint = (await storage.latest())!;
  expect(checkpoint.metadata.checkpointId).toBe(1);
  return checkpoint;
}

async function restoredRun(sink: RecordingSink, restoreFrom: CompletedCheckpoint) {
  const env = new StreamEnvironment({
    batchSize: 1,
    checkpoint: { interval: 10, storage: new MemoryCheckpointStorage() },
    restart: { strategy: 'none' },
    restoreFrom,
  });
  const all: AsyncIterable<number> = {
    async *[Symbol.asyncIterator]() {
      for (const r of records) yield r;
    },
  };
  env.fromAsyncIterable(all).sinkTo(sink);
  const job = await env.execute('restored run');
  return (await job.done).status;
}

/** The sink's state file of checkpoint `checkpoint` (one subtask). */
function sinkFile(checkpoint: CompletedCheckpoint): string {
  const op = checkpoint.metadata.operators.find((o) => o.name.includes('recording sink'))!;
  expect(op.files).toHaveLength(1);
  return op.files[0]!.name;
}

/** `checkpoint` with the sink's state file replaced by `bytes`. */
function withSinkState(checkpoint: CompletedCheckpoint, bytes: Uint8Array): CompletedCheckpoint {
  const name = sinkFile(checkpoint);
  return { ...checkpoint, metadata: checkpoint.metadata, read: (n) => (n === name ? Promise.resolve(bytes) : checkpoint.read(n)) };
}

describe('TwoPhaseCommitSink recovery (Flink recoverAndCommit / recoverAndAbort)', () => {
  it('the snapshot holds the pending transactions and the one begun after the barrier; a restore commits the ones and aborts the other', async () => {
    const first = new RecordingSink('a');
    const checkpoint = await firstRun(first, new MemoryCheckpointStorage());
    expect(first.calls).toEqual(['commit a0', 'abort a1']);
    // Pre-committed by checkpoint 1: a0 (records 0..4); begun right after its barrier: a1, still empty.
    expect(decodeValue(await checkpoint.read(sinkFile(checkpoint)))).toEqual({
      pending: [[1, { id: 'a0', records: [0, 1, 2, 3, 4] }]],
      current: { id: 'a1', records: [] },
    });

    const second = new RecordingSink('b');
    expect(await restoredRun(second, checkpoint)).toBe('finished');
    expect(second.recovered()).toEqual(['recoverAndCommit a0', 'recoverAndAbort a1']);
    // The defaults: commit and abort.
    expect(second.calls.slice(0, 4)).toEqual(['recoverAndCommit a0', 'commit a0', 'recoverAndAbort a1', 'abort a1']);
    expect(second.committed).toEqual(records);
  });

  it('restores a snapshot written before it held the current transaction (the bare pending list)', async () => {
    const checkpoint = await firstRun(new RecordingSink('a'), new MemoryCheckpointStorage());
    const { pending } = decodeValue(await checkpoint.read(sinkFile(checkpoint))) as { pending: unknown };
    const old = withSinkState(checkpoint, encodeValue(pending));
    const sink = new RecordingSink('b');
    expect(await restoredRun(sink, old)).toBe('finished');
    expect(sink.recovered()).toEqual(['recoverAndCommit a0']);
    expect(sink.committed).toEqual(records);
  });

  it('a corrupt snapshot fails the restore, naming the sink', async () => {
    const checkpoint = await firstRun(new RecordingSink('a'), new MemoryCheckpointStorage());
    for (const bytes of [new Uint8Array([250, 1, 2, 3]), encodeValue({ current: 1 }), encodeValue([7])]) {
      const sink = new RecordingSink('b');
      await expect(restoredRun(sink, withSinkState(checkpoint, bytes))).rejects.toThrow(/recording sink transactions/);
      expect(sink.recovered()).toEqual([]);
    }
  });

  it('after rescaling, each restored transaction is committed or aborted by exactly one subtask', async () => {
    // Two sink subtasks take checkpoint 1 (each with a pending and a current transaction); the job
    // runs on to the end. Restoring checkpoint 1 at parallelism 1, 2 and 3 recovers each transaction once.
    const storage = new MemoryCheckpointStorage();
    const clock = new ManualClock(0);
    const first = new RecordingSink('a', true);
    let seen = 0;
    const env = new StreamEnvironment({ clock, parallelism: 2, batchSize: 1, checkpoint: { interval: 10, storage, retain: 10 } });
    env
      .fromArray(records)
      .pipe(
        tap(() => void (++seen === 6 && clock.advance(10))),
        // An exchange, so that the records reach both sink subtasks.
        keyBy((r) => String(r % 4)),
        map((r) => r),
      )
      .sinkTo(first);
    expect((await (await env.execute('parallel')).done).status).toBe('finished');
    const checkpoint = await storage.open(1);
    const op = checkpoint.metadata.operators.find((o) => o.name.includes('recording sink'))!;
    expect(op.files).toHaveLength(2);
    const expected: string[] = [];
    for (const file of op.files) {
      const { pending, current } = decodeValue(await checkpoint.read(file.name)) as { pending: Array<[number, Txn]>; current: Txn };
      expected.push(...pending.map(([, t]) => `recoverAndCommit ${t.id}`), `recoverAndAbort ${current.id}`);
    }
    expect(expected.filter((c) => c.startsWith('recoverAndAbort'))).toHaveLength(2);

    for (const parallelism of [1, 2, 3]) {
      const sink = new RecordingSink('b', true);
      const restored = new StreamEnvironment({
        parallelism,
        batchSize: 1,
        checkpoint: { interval: 10, storage: new MemoryCheckpointStorage() },
        restart: { strategy: 'none' },
        restoreFrom: checkpoint,
      });
      restored
        .fromArray(records)
        .pipe(
          tap(() => {}),
          keyBy((r) => String(r % 4)),
          map((r) => r),
        )
        .sinkTo(sink);
      expect((await (await restored.execute('rescaled')).done).status).toBe('finished');
      expect(sink.recovered().sort(), `parallelism ${parallelism}`).toEqual(expected.sort());
    }
  });
});
