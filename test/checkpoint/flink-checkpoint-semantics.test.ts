// Checkpointing and two-phase commit, pinned against Apache Flink's documented behaviour (runs in Node
// and Chromium, in-memory checkpoint storage, checkpoints driven by a ManualClock).
//
// Sources each test cites:
// - TwoPhaseCommitSinkFunction.java (apache/flink, flink-streaming-java/.../functions/sink/):
//   snapshotState pre-commits the open transaction and starts a new one; notifyCheckpointComplete(id)
//   commits every pending transaction of a checkpoint <= id; initializeState commits the restored
//   pending transactions again (recoverAndCommit, "we don't really know whether the transactions were
//   already committed") and aborts the restored current transaction — the one snapshotState began
//   right after the barrier and put into the state (recoverAndAbort); close() aborts the open transaction.
// - CommitterOperator.java (Sink V2): endInput commits everything when checkpointing is disabled or in
//   BATCH mode ("There will be no final checkpoint, all committables should be committed here").
// - FLIP-147 / https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/fault-tolerance/checkpointing/#checkpointing-with-parts-of-the-graph-finished
//   a bounded streaming job with checkpointing waits for a final checkpoint, which commits.
// - CheckpointingOptions.java `state.checkpoints.num-retained` ("The maximum number of completed
//   checkpoints to retain", default 1) and CompletedCheckpointStore: older checkpoints are subsumed.
//   Savepoints are neither counted nor subsumed (FLINK-6328, "Savepoints must not be counted as
//   retained checkpoints"; CheckpointProperties: a savepoint does not discard on subsumption).
// - CheckpointRequestDecider.java (apache/flink): a savepoint is a forced request; it is not refused
//   because a checkpoint is already in progress (forced requests pass the max-concurrent check).
import { describe, expect, it } from 'vitest';
import {
  ManualClock,
  MemoryCheckpointStorage,
  StreamEnvironment,
  TwoPhaseCommitSink,
  map,
  tap,
  type Batch,
  type JobHandle,
} from '../../src/index';

interface Txn {
  readonly id: string;
  readonly records: number[];
}

/** A transactional sink that logs every call, shared with the storage's log so orderings can be checked. */
class RecordingSink extends TwoPhaseCommitSink<number, Txn> {
  readonly committed: number[] = [];
  private readonly done = new Set<string>();
  private next = 0;

  constructor(
    private readonly log: string[],
    private readonly label = 'a',
  ) {
    super();
  }

  beginTransaction(): Txn {
    return { id: `${this.label}${this.next++}`, records: [] };
  }

  invoke(txn: Txn, batch: Batch<number>): void {
    for (let i = 0; i < batch.length; i++) txn.records.push(batch.values[i]!);
  }

  preCommit(txn: Txn): void {
    this.log.push(`pre:${txn.id}`);
  }

  commit(txn: Txn): void {
    this.log.push(`commit:${txn.id}`);
    // Idempotent, as TwoPhaseCommitSinkFunction#commit must be: recovery commits again.
    if (this.done.has(txn.id)) return;
    this.done.add(txn.id);
    this.committed.push(...txn.records);
  }

  abort(txn: Txn): void {
    this.log.push(`abort:${txn.id}`);
  }

  // Logged apart from close's abort; the default (abort) would log `abort:` too.
  override recoverAndAbort(txn: Txn): void {
    this.log.push(`recoverAndAbort:${txn.id}`);
  }
}

/**
 * Memory storage that logs `complete:<id>` once a checkpoint's metadata is committed. The coordinator
 * applies retention right after a checkpoint's metadata is written and before it notifies the operators,
 * so this is the moment Flink's CheckpointCoordinator calls a checkpoint complete.
 */
class LoggingStorage extends MemoryCheckpointStorage {
  constructor(private readonly log: string[]) {
    super();
  }

  override async retain(n?: number): Promise<void> {
    const latest = await this.latest();
    if (latest !== undefined) this.log.push(`complete:${latest.metadata.checkpointId}`);
    return super.retain(n);
  }
}

const input = Array.from({ length: 60 }, (_, i) => i);

/** Runs input → (optional failure) → sink, the clock advancing one interval every `every` records. */
async function runJob(options: {
  log: string[];
  sink: RecordingSink;
  storage?: MemoryCheckpointStorage;
  checkpointing: boolean;
  every?: number;
  failAt?: number;
  runtimeMode?: 'streaming' | 'batch';
}) {
  const clock = new ManualClock(0);
  const env = new StreamEnvironment({
    clock,
    batchSize: 1,
    runtimeMode: options.runtimeMode,
    checkpoint: options.checkpointing ? { interval: 10, storage: options.storage ?? new LoggingStorage(options.log) } : undefined,
    restart: options.failAt === undefined ? { strategy: 'none' } : { strategy: 'fixed-delay', attempts: 1, delay: 0 },
  });
  let seen = 0;
  let failed = false;
  env
    .fromArray(input)
    .pipe(
      tap(() => {
        if (options.every !== undefined && ++seen % options.every === 0) clock.advance(10);
      }),
      map(
        (x) => {
          if (!failed && x === options.failAt) {
            failed = true;
            options.log.push('failure');
            throw new Error(`injected failure at ${x}`);
          }
          return x;
        },
        { uid: 'chaos' },
      ),
    )
    .sinkTo(options.sink);
  const job = await env.execute('2pc');
  return job.done;
}

const index = (log: readonly string[], entry: string): number => log.indexOf(entry);

describe('two-phase commit, as TwoPhaseCommitSinkFunction', () => {
  it('pre-commits at the barrier and commits only after the checkpoint completes (snapshotState / notifyCheckpointComplete)', async () => {
    const log: string[] = [];
    const sink = new RecordingSink(log);
    await runJob({ log, sink, checkpointing: true, every: 7 });

    const commits = log.filter((e) => e.startsWith('commit:'));
    expect(commits.length).toBeGreaterThan(3);
    for (const commit of commits) {
      const txn = commit.slice('commit:'.length);
      const at = index(log, commit);
      const pre = index(log, `pre:${txn}`);
      // pre-committed first, then a checkpoint completed between the pre-commit and the commit
      expect(pre, `${txn} pre-committed before its commit`).toBeGreaterThanOrEqual(0);
      expect(pre).toBeLessThan(at);
      expect(log.slice(pre, at).some((e) => e.startsWith('complete:')), `a checkpoint completed between pre:${txn} and its commit`).toBe(true);
    }
    // Nothing is visible before the first checkpoint completes.
    expect(index(log, commits[0]!)).toBeGreaterThan(log.findIndex((e) => e.startsWith('complete:')));
    // Each transaction is pre-committed once and committed once in a failure-free run; none aborted.
    expect(new Set(commits).size).toBe(commits.length);
    expect(log.filter((e) => e.startsWith('abort:'))).toEqual([]);
    expect(sink.committed).toEqual(input);
  });

  it('FLIP-147: a bounded job with checkpointing commits its last transaction through a final checkpoint', async () => {
    const log: string[] = [];
    const sink = new RecordingSink(log);
    // The clock never reaches the interval: the only checkpoint is the one taken at the end of input.
    await runJob({ log, sink, checkpointing: true });
    expect(log).toEqual(['pre:a0', 'complete:1', 'commit:a0']);
    expect(sink.committed).toEqual(input);
  });

  it('CommitterOperator.endInput: without checkpointing the end of input commits everything', async () => {
    const log: string[] = [];
    const sink = new RecordingSink(log);
    await runJob({ log, sink, checkpointing: false, every: 7 });
    expect(log).toEqual(['pre:a0', 'commit:a0']);
    expect(sink.committed).toEqual(input);
  });

  it('CommitterOperator.endInput: in BATCH mode the end of input commits everything, checkpoint configured or not', async () => {
    // Flink: "if (!isCheckpointingEnabled || isBatchMode) ... all committables should be committed here";
    // BATCH mode takes no checkpoints, so a sink that waited for one would never commit.
    const log: string[] = [];
    const sink = new RecordingSink(log);
    const result = await runJob({ log, sink, checkpointing: true, runtimeMode: 'batch' });
    expect(result.status).toBe('finished');
    expect(sink.committed).toEqual(input);
    expect(log).toEqual(['pre:a0', 'commit:a0']);
  });

  it('after a failure: the open transaction is aborted, the restored pending ones are committed again (recoverAndCommit), output exactly once', async () => {
    const log: string[] = [];
    const sink = new RecordingSink(log);
    // The clock advances at records 10, 20, …: checkpoints complete during the run; the failure at
    // record 35 strikes between two of them.
    const result = await runJob({ log, sink, checkpointing: true, every: 10, failAt: 35 });
    expect(result.status).toBe('finished');

    const failure = index(log, 'failure');
    const before = log.slice(0, failure);
    const after = log.slice(failure + 1);
    const lastComplete = [...before].reverse().find((e) => e.startsWith('complete:'));
    expect(lastComplete, 'a checkpoint completed before the failure').toBeDefined();

    // The transaction open at the failure is aborted (TwoPhaseCommitSinkFunction#close) and never committed.
    const aborted = after.filter((e) => e.startsWith('abort:')).map((e) => e.slice('abort:'.length));
    expect(aborted.length).toBe(1);
    expect(log).not.toContain(`commit:${aborted[0]}`);
    // The restored checkpoint holds the transaction begun right after its barrier; the restore aborts
    // it (initializeState → recoverAndAbort). The failure struck before the next barrier, so that is
    // the transaction close aborted too: abort must be idempotent.
    expect(after.filter((e) => e.startsWith('recoverAndAbort:'))).toEqual([`recoverAndAbort:${aborted[0]}`]);
    expect(after.indexOf(`recoverAndAbort:${aborted[0]}`)).toBeLessThan(after.findIndex((e) => e.startsWith('pre:')));

    // The transaction pre-committed at the restored checkpoint is committed again on restore, before
    // anything new is committed (initializeState → recoverAndCommit); the sink's idempotence keeps
    // its records once.
    const recommitted = after.filter((e) => e.startsWith('commit:') && before.includes(e));
    expect(recommitted.length).toBeGreaterThan(0);
    const firstCommitAfter = after.findIndex((e) => e.startsWith('commit:'));
    expect(recommitted).toContain(after[firstCommitAfter]);
    expect(sink.committed).toEqual(input);
  });
});

describe('retained checkpoints (state.checkpoints.num-retained)', () => {
  async function runRetaining(retain: number | undefined, savepointAt?: number) {
    const storage = new MemoryCheckpointStorage();
    const clock = new ManualClock(0);
    const config: Record<string, number> = retain === undefined ? {} : { 'state.checkpoints.num-retained': retain };
    const env = new StreamEnvironment({
      clock,
      batchSize: 1,
      checkpoint: { interval: 10, storage },
      config,
      restart: { strategy: 'none' },
    });
    let savepoint: Promise<{ checkpointId: number }> | undefined;
    let seen = 0;
    const job = await env
      .fromArray(input)
      .pipe(
        tap(() => {
          seen++;
          if (seen === savepointAt) savepoint = job.savepoint();
          if (seen % 5 === 0) clock.advance(10);
        }),
      )
      .sinkTo(new RecordingSink([]))
      .execute('retention');
    await job.done;
    const ids: number[] = [];
    for (let id = 1; id <= 30; id++) {
      if (await storage.open(id).then(() => true, () => false)) ids.push(id);
    }
    const latest = (await storage.latest())!.metadata.checkpointId;
    return { ids, latest, savepoint: savepoint === undefined ? undefined : (await savepoint).checkpointId };
  }

  it('keeps only the latest checkpoint by default (num-retained = 1): older ones are subsumed', async () => {
    const { ids, latest } = await runRetaining(undefined);
    expect(latest).toBeGreaterThan(3);
    expect(ids).toEqual([latest]);
  });

  it('keeps the newest n with num-retained = n', async () => {
    const { ids, latest } = await runRetaining(3);
    expect(ids).toEqual([latest - 2, latest - 1, latest]);
  });

  it('never subsumes a savepoint nor counts it among the retained (FLINK-6328)', async () => {
    const { ids, latest, savepoint } = await runRetaining(1, 12);
    expect(savepoint).toBeDefined();
    expect(savepoint).toBeLessThan(latest - 1);
    expect(ids).toEqual([savepoint, latest]);
  });
});

describe('a savepoint while a checkpoint is in progress (CheckpointRequestDecider: savepoints are forced)', () => {
  it('is not refused: it completes after the running checkpoint, and the job goes on', async () => {
    const log: string[] = [];
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    let gateReached!: () => void;
    const reached = new Promise<void>((resolve) => (gateReached = resolve));
    // The first pre-commit holds checkpoint 1 open until the test lets it go.
    const sink = new (class extends RecordingSink {
      override preCommit(txn: Txn): void | Promise<void> {
        super.preCommit(txn);
        if (txn.id !== 'a0') return;
        gateReached();
        return gate;
      }
    })(log);
    const clock = new ManualClock(0);
    const env = new StreamEnvironment({ clock, checkpoint: { interval: 10, storage: new LoggingStorage(log) }, restart: { strategy: 'none' } });
    // Paced by the clock (1 event per ms): the source waits while the clock stands still.
    env.fromGenerator((i) => i, { count: 60, eventsPerSecond: 1000 }).sinkTo(sink);
    const job: JobHandle = await env.execute('forced savepoint');
    clock.advanceTo(10); // checkpoint 1 starts
    await reached;

    let outcome: 'pending' | 'resolved' | 'rejected' = 'pending';
    const savepoint = job.savepoint().then(
      (info) => {
        outcome = 'resolved';
        return info;
      },
      (e: unknown) => {
        outcome = 'rejected';
        throw e;
      },
    );
    for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setTimeout(resolve, 0));
    expect(outcome).toBe('pending'); // waiting for checkpoint 1, not refused

    openGate();
    const info = await savepoint;
    expect(info.location).toContain('savepoint-2');
    expect(info.checkpointId).toBe(2);
    expect(log.indexOf('complete:1')).toBeGreaterThanOrEqual(0);

    while (job.status === 'running') {
      clock.advance(10);
      await new Promise<void>((resolve) => setTimeout(resolve, 0));
    }
    expect((await job.done).status).toBe('finished');
    expect(sink.committed).toEqual(Array.from({ length: 60 }, (_, i) => i));
  });
});
