// IndexedDBSink: the browser's exactly-once sink. Unit behaviour of its two-phase commit, then
// exactly-once jobs with IndexedDB checkpoints through failures, restarts and a simulated page reload.
import { describe, expect, it } from 'vitest';
import {
  CollectingTwoPhaseCommitSink,
  IndexedDBCheckpointStorage,
  ManualClock,
  StreamEnvironment,
  tap,
  type RestartStrategy,
} from '../../src/index';
import { IndexedDBSink, type IndexedDBSinkTransaction } from '../../src/io/indexeddb-sink';
import type { Batch } from '../../src/types';
import { inNode, newFactory } from '../support/indexeddb';
import { clickJob, clicks, type Click } from '../support/click-job';
import { Signal } from '../support/signal';

// A fresh database name per test: in Chromium every test shares the real indexedDB.

let databases = 0;
const uniqueName = (what: string) => `sluice-sink-test-${what}-${Date.now()}-${databases++}`;

async function harness() {
  const factory = await newFactory();
  const dbName = uniqueName('unit');
  const options = { indexedDB: factory };
  return {
    factory,
    dbName,
    sink: new IndexedDBSink<unknown>(dbName, options),
    /** A new sink over the same database, as after a page reload. */
    reopen: () => new IndexedDBSink<unknown>(dbName, options),
    committed: () => IndexedDBSink.readCommitted(dbName, options),
    cleanup: () => IndexedDBSink.deleteDatabase(dbName, options),
  };
}

function batch<T>(...values: T[]): Batch<T> {
  return { values, timestamps: new Float64Array(values.length).fill(NaN), length: values.length };
}

/** A transaction as it comes back from a checkpoint: a structured copy. */
const throughCheckpoint = <T>(txn: IndexedDBSinkTransaction<T>): IndexedDBSinkTransaction<T> => JSON.parse(JSON.stringify(txn));

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

async function stagedKeys(factory: IDBFactory, dbName: string): Promise<IDBValidKey[]> {
  const db = await request(factory.open(dbName));
  try {
    return await request(db.transaction('staged', 'readonly').objectStore('staged').getAllKeys());
  } finally {
    db.close();
  }
}

describe(`IndexedDBSink (${inNode ? 'fake-indexeddb' : 'real IndexedDB'})`, () => {
  it('makes records visible only at commit, and stages them at pre-commit so the transaction stays small', async () => {
    const { sink, factory, dbName, committed, cleanup } = await harness();
    const txn = sink.beginTransaction();
    sink.invoke(txn, batch({ a: 1 }, { a: 2 }));
    sink.invoke(txn, batch({ a: 3, bytes: new Uint8Array([1, 2, 3]) }));
    expect(await committed()).toEqual([]);
    const staging = sink.preCommit(txn);
    // Synchronously after the barrier, the transaction (which goes into the checkpoint) holds no records.
    expect(txn).toEqual({ session: txn.session, seq: txn.seq, records: [], staged: 3 });
    await staging;
    expect(await stagedKeys(factory, dbName)).toEqual([[txn.session, txn.seq]]);
    expect(await committed()).toEqual([]);
    await sink.commit(txn);
    expect(await committed()).toEqual([{ a: 1 }, { a: 2 }, { a: 3, bytes: new Uint8Array([1, 2, 3]) }]);
    expect(await stagedKeys(factory, dbName)).toEqual([]);
    await sink.dispose();
    await cleanup();
  });

  it('a repeated commit is a no-op, also from a new sink instance after a recovery', async () => {
    const { sink, reopen, committed, cleanup } = await harness();
    const txn = sink.beginTransaction();
    sink.invoke(txn, batch('x', 'y'));
    await sink.preCommit(txn);
    const snapshot = throughCheckpoint(txn);
    await sink.commit(txn);
    await sink.commit(txn);
    const recovered = reopen();
    await recovered.commit(snapshot);
    await Promise.all([recovered.commit(snapshot), sink.commit(snapshot)]);
    expect(await committed()).toEqual(['x', 'y']);
    await Promise.all([sink.dispose(), recovered.dispose()]);
    await cleanup();
  });

  it('a recovered sink commits a transaction that was staged but not yet committed', async () => {
    const { sink, reopen, committed, cleanup } = await harness();
    const txn = sink.beginTransaction();
    sink.invoke(txn, batch(1, 2, 3));
    await sink.preCommit(txn);
    const snapshot = throughCheckpoint(txn);
    await sink.dispose(); // the page goes away before the checkpoint's commit
    const recovered = reopen();
    await recovered.commit(snapshot);
    expect(await committed()).toEqual([1, 2, 3]);
    await recovered.dispose();
    await cleanup();
  });

  it('abort drops the records of an open and of a staged transaction', async () => {
    const { sink, factory, dbName, committed, cleanup } = await harness();
    const open = sink.beginTransaction();
    sink.invoke(open, batch('dropped'));
    await sink.abort(open);
    expect(open.records).toEqual([]);
    const staged = sink.beginTransaction();
    sink.invoke(staged, batch('also dropped'));
    await sink.preCommit(staged);
    await sink.abort(staged);
    expect(await stagedKeys(factory, dbName)).toEqual([]);
    const kept = sink.beginTransaction();
    sink.invoke(kept, batch('kept'));
    await sink.preCommit(kept);
    await sink.commit(kept);
    expect(await committed()).toEqual(['kept']);
    // A staged transaction that was aborted cannot be committed: its records are gone, and that is loud.
    await expect(sink.commit(staged)).rejects.toThrow('neither staged nor committed');
    await sink.dispose();
    await cleanup();
  });

  it('recoverAndAbort (from a new sink, with the handle as the checkpoint holds it) deletes what a later pre-commit staged; idempotent', async () => {
    const { sink, reopen, factory, dbName, committed, cleanup } = await harness();
    const neverStaged = throughCheckpoint(sink.beginTransaction());
    void sink.preCommit(neverStaged); // (empty: nothing is written)
    const open = sink.beginTransaction();
    const handle = throughCheckpoint(open); // begun right after the barrier: nothing staged yet
    sink.invoke(open, batch('replayed after the restore'));
    await sink.preCommit(open); // a later checkpoint that never completes
    expect(await stagedKeys(factory, dbName)).toEqual([[open.session, open.seq]]);
    await sink.dispose(); // the page dies
    const recovered = reopen();
    await recovered.recoverAndAbort(handle);
    await recovered.recoverAndAbort(handle);
    await recovered.recoverAndAbort(neverStaged);
    expect(await stagedKeys(factory, dbName)).toEqual([]);
    expect(await committed()).toEqual([]);
    await recovered.dispose();
    await cleanup();
  });

  it('readCommitted returns transactions in commit order, not begin order', async () => {
    const { sink, reopen, committed, cleanup } = await harness();
    const other = reopen(); // another session
    const a0 = sink.beginTransaction();
    const b0 = other.beginTransaction();
    sink.invoke(a0, batch('a0'));
    other.invoke(b0, batch('b0', 'b0+'));
    await Promise.all([sink.preCommit(a0), other.preCommit(b0)]);
    const a1 = sink.beginTransaction();
    const b1 = other.beginTransaction();
    sink.invoke(a1, batch('a1'));
    other.invoke(b1, batch('b1'));
    await Promise.all([sink.preCommit(a1), other.preCommit(b1)]);
    for (const [s, t] of [
      [other, b0],
      [sink, a0],
      [sink, a1],
      [other, b1],
    ] as const) {
      await s.commit(t);
    }
    expect(await committed()).toEqual(['b0', 'b0+', 'a0', 'a1', 'b1']);
    await Promise.all([sink.dispose(), other.dispose()]);
    await cleanup();
  });

  it('a commit also commits what the session staged before and never committed (a commit lost in a reload)', async () => {
    const { sink, reopen, factory, dbName, committed, cleanup } = await harness();
    const txns: IndexedDBSinkTransaction<unknown>[] = [];
    for (let i = 0; i < 4; i++) {
      const txn = sink.beginTransaction();
      sink.invoke(txn, batch(`t${i}`));
      await sink.preCommit(txn);
      txns.push(txn);
    }
    await sink.commit(txns[0]!);
    // t1's checkpoint completed but its commit never landed; t2's checkpoint completed; t3's did not.
    await sink.dispose();
    const recovered = reopen();
    await recovered.commit(throughCheckpoint(txns[2]!));
    expect(await committed()).toEqual(['t0', 't1', 't2']);
    expect(await stagedKeys(factory, dbName)).toEqual([[txns[3]!.session, 3]]);
    await recovered.commit(throughCheckpoint(txns[2]!));
    await recovered.commit(throughCheckpoint(txns[1]!));
    expect(await committed()).toEqual(['t0', 't1', 't2']);
    await recovered.dispose();
    await cleanup();
  });

  it('a new attempt is a new session: what a failed attempt staged is not committed by its commits', async () => {
    for (const how of ['abort', 'reopen'] as const) {
      const { sink, committed, cleanup } = await harness();
      const t0 = sink.beginTransaction();
      sink.invoke(t0, batch('t0'));
      await sink.preCommit(t0);
      const t1 = sink.beginTransaction();
      sink.invoke(t1, batch('t1: its checkpoint never completes'));
      await sink.preCommit(t1);
      const open = sink.beginTransaction();
      sink.invoke(open, batch('open'));
      // The attempt fails: the runtime aborts the open transaction (or, after a crash, nothing does).
      if (how === 'abort') await sink.abort(open);
      // The next attempt opens the sink and restores the checkpoint of t0.
      const next = sink.beginTransaction();
      expect(next.session).not.toBe(t0.session);
      await sink.commit(throughCheckpoint(t0));
      sink.invoke(next, batch('next'));
      await sink.preCommit(next);
      await sink.commit(next);
      expect(await committed(), how).toEqual(['t0', 'next']);
      await sink.dispose();
      await cleanup();
    }
  });

  it('when staging fails, the transaction keeps its records and commits them later', async () => {
    const { sink, committed, cleanup } = await harness();
    const txn = sink.beginTransaction();
    const uncloneable = { f: () => 1 };
    sink.invoke(txn, batch<unknown>('a', uncloneable));
    await expect(sink.preCommit(txn)).rejects.toThrow();
    expect(txn.staged).toBe(0);
    expect(txn.records).toEqual(['a', uncloneable]);
    txn.records.pop(); // (a test shortcut: the runtime never edits a transaction)
    await sink.commit(txn);
    await sink.commit(txn);
    expect(await committed()).toEqual(['a']);
    await sink.dispose();
    await cleanup();
  });

  it('transaction ids are unique across sink instances', async () => {
    const { sink, reopen, cleanup } = await harness();
    const other = reopen();
    const ids = new Set(
      [sink, other, sink, other].map((s) => {
        const txn = s.beginTransaction();
        void s.preCommit(txn); // (empty: nothing is written) the next begin continues the session
        return `${txn.session}#${txn.seq}`;
      }),
    );
    expect(ids.size).toBe(4);
    await cleanup();
  });

  it.runIf(inNode)('says what to do when there is no IndexedDB', () => {
    const saved = Object.getOwnPropertyDescriptor(globalThis, 'indexedDB')!;
    delete (globalThis as { indexedDB?: unknown }).indexedDB;
    try {
      expect(() => new IndexedDBSink('x')).toThrow('IndexedDB is not available in this runtime');
    } finally {
      Object.defineProperty(globalThis, 'indexedDB', saved);
    }
  });
});

// ── Exactly-once jobs ────────────────────────────────────────────────────────────────────────────

interface RunOptions {
  readonly failAt?: number;
  readonly checkpointEvery: number;
  readonly batchSize: number;
  readonly restart: RestartStrategy;
  readonly factory: IDBFactory;
  readonly checkpoints: string;
  readonly output: string;
  /** Restore from the checkpoint storage's latest checkpoint (a reloaded page). */
  readonly resume?: boolean;
}

/** An IndexedDBSink that knows whether pre-committed transactions are still waiting for their commit. */
class TrackedSink<T> extends IndexedDBSink<T> {
  private readonly uncommitted = new Set<string>();
  private waiting: Array<() => void> = [];

  /** Resolves once every pre-committed transaction has been committed (or the attempt aborted). */
  settled(): Promise<void> {
    return this.uncommitted.size === 0 ? Promise.resolve() : new Promise((resolve) => this.waiting.push(resolve));
  }

  override preCommit(txn: IndexedDBSinkTransaction<T>): Promise<void> {
    this.uncommitted.add(`${txn.session}#${txn.seq}`);
    return super.preCommit(txn);
  }
  override async commit(txn: IndexedDBSinkTransaction<T>): Promise<void> {
    await super.commit(txn);
    this.uncommitted.delete(`${txn.session}#${txn.seq}`);
    this.release();
  }
  override abort(txn: IndexedDBSinkTransaction<T>): Promise<void> {
    this.uncommitted.clear(); // the attempt failed: its checkpoint in flight never completes
    this.release();
    return super.abort(txn);
  }

  private release(): void {
    if (this.uncommitted.size > 0) return;
    for (const resolve of this.waiting.splice(0)) resolve();
  }
}

/** One macrotask: lets the scheduler inject a requested barrier before the source goes on. */
const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

/** Runs the job into an IndexedDBSink; throws in a user function at record `failAt`, once. */
async function run(events: Click[], options: RunOptions) {
  const clock = new ManualClock(0);
  const storage = new IndexedDBCheckpointStorage(options.checkpoints, { indexedDB: options.factory });
  const sink = new TrackedSink<string>(options.output, { indexedDB: options.factory });
  const env = new StreamEnvironment({
    clock,
    batchSize: options.batchSize,
    checkpoint: { interval: 10, storage },
    restart: options.restart,
    ...(options.resume === true ? { restoreFrom: storage } : {}),
  });
  // Replayable. Every `checkpointEvery` records it waits for the checkpoint the job has just taken to
  // commit (IndexedDB needs the event loop), as a live source's pauses allow; a checkpoint that is not
  // taken (one is still in progress) holds it up for 200 ms at most.
  const source: AsyncIterable<Click> = {
    async *[Symbol.asyncIterator]() {
      for (let i = 0; i < events.length; i++) {
        if (i % options.checkpointEvery === 0) {
          await nextTask();
          await Promise.race([sink.settled(), new Promise((resolve) => setTimeout(resolve, 200))]);
        }
        yield events[i]!;
      }
    },
  };
  clickJob(env.fromAsyncIterable(source), { clock, checkpointEvery: options.checkpointEvery, failAt: options.failAt }).sinkTo(sink);
  const job = await env.execute('indexeddb exactly-once');
  const result = await job.done.then(
    (r) => r.status,
    () => 'failed' as const,
  );
  await sink.dispose();
  await storage.dispose();
  return { status: result, restarts: job.metrics().restarts ?? 0 };
}

describe(`exactly-once into IndexedDBSink with IndexedDB checkpoints (${inNode ? 'fake-indexeddb' : 'real IndexedDB'})`, () => {
  it('a failing user function and a restart commit exactly the failure-free output', async () => {
    let resumedAfterACommit = 0;
    for (const seed of [1, 2, 3, 4]) {
      const factory = await newFactory();
      const events = clicks(seed, 250 + seed * 31);
      const checkpointEvery = 15 + (seed % 3) * 10;
      const batchSize = [1, 7, 32, 1024][seed % 4]!;
      const base = { checkpointEvery, batchSize, factory, restart: { strategy: 'fixed-delay', attempts: 3, delay: 0 } } as const;
      const clean = { checkpoints: uniqueName('chk-clean'), output: uniqueName('out-clean') };
      const chaos = { checkpoints: uniqueName('chk-chaos'), output: uniqueName('out-chaos') };

      const expectedRun = await run(events, { ...base, ...clean });
      expect(expectedRun.status).toBe('finished');
      const expected = await IndexedDBSink.readCommitted<string>(clean.output, { indexedDB: factory });
      expect(expected.length).toBeGreaterThan(10);

      const failAt = Math.floor(events.length * (0.3 + 0.15 * (seed % 4)));
      const recovered = await run(events, { ...base, ...chaos, failAt });
      expect(recovered.status, `seed ${seed}`).toBe('finished');
      expect(recovered.restarts, `seed ${seed}`).toBe(1);
      expect(await IndexedDBSink.readCommitted<string>(chaos.output, { indexedDB: factory }), `seed ${seed}, failure at ${failAt}`).toEqual(expected);

      // The same failure with no restart strategy stands for a closed or reloaded page: a new job
      // (new sink, new storage instance) resumes from the latest checkpoint in IndexedDB.
      const reload = { checkpoints: uniqueName('chk-reload'), output: uniqueName('out-reload') };
      const crashed = await run(events, { ...base, ...reload, failAt, restart: { strategy: 'none' } });
      expect(crashed.status).toBe('failed');
      const before = await IndexedDBSink.readCommitted<string>(reload.output, { indexedDB: factory });
      expect(expected.slice(0, before.length)).toEqual(before);
      if (before.length > 0) resumedAfterACommit++;
      const resumed = await run(events, { ...base, ...reload, resume: true });
      expect(resumed.status).toBe('finished');
      expect(await IndexedDBSink.readCommitted<string>(reload.output, { indexedDB: factory }), `seed ${seed}, reload at ${failAt}`).toEqual(expected);

      for (const name of [clean, chaos, reload].flatMap((d) => [d.checkpoints, d.output])) {
        await IndexedDBSink.deleteDatabase(name, { indexedDB: factory });
      }
    }
    // Output was committed before most of the failures, so resuming really started from a checkpoint.
    expect(resumedAfterACommit).toBeGreaterThanOrEqual(3);
  });

  it('loses nothing when the page dies while a commit is in flight and a newer checkpoint has completed', async () => {
    // A checkpoint completes while an earlier transaction's commit is still in flight; the page then
    // dies. The runtime keeps that transaction in the newer checkpoint until its commit lands (and the
    // sink also commits a session's earlier staged transactions), so a restore commits it.
    const factory = await newFactory();
    const checkpoints = uniqueName('chk-dying');
    const output = uniqueName('out-dying');
    const records = Array.from({ length: 40 }, (_, i) => i);
    const commits = new Signal<IndexedDBSinkTransaction<number>>();
    let hung = 0;
    class DyingSink extends IndexedDBSink<number> {
      override commit(txn: IndexedDBSinkTransaction<number>): Promise<void> {
        commits.fire(txn);
        if (txn.staged === 0) return super.commit(txn);
        hung++;
        return new Promise(() => {}); // the page dies before this commit lands
      }
    }
    const clock = new ManualClock(0);
    const storage = new IndexedDBCheckpointStorage(checkpoints, { indexedDB: factory });
    const env = new StreamEnvironment({ clock, batchSize: 1, checkpoint: { interval: 10, storage }, restart: { strategy: 'none' } });
    let seen = 0;
    env
      .fromArray(records)
      .pipe(tap(() => void (++seen === 10 && clock.advance(10))))
      .sinkTo(new DyingSink(output, { indexedDB: factory }));
    await env.execute('dies');
    await commits.next(); // checkpoint 1 completed; its commit hangs (and holds back the source)
    expect(hung).toBe(1);
    clock.advance(10); // checkpoint 2 is taken meanwhile
    await commits.next(); // its commit comes after its metadata: checkpoint 2 is complete
    expect((await storage.latest())?.metadata.checkpointId).toBe(2);
    await storage.dispose(); // the page is gone; nothing of it runs any more

    const restored = new IndexedDBCheckpointStorage(checkpoints, { indexedDB: factory });
    const resumed = new StreamEnvironment({ checkpoint: { interval: 10, storage: restored }, restoreFrom: restored });
    resumed
      .fromArray(records)
      .pipe(tap(() => {}))
      .sinkTo(new IndexedDBSink<number>(output, { indexedDB: factory }));
    const job = await resumed.execute('resumed');
    expect((await job.done).status).toBe('finished');
    expect(await IndexedDBSink.readCommitted<number>(output, { indexedDB: factory })).toEqual(records);
    await restored.dispose();
    await IndexedDBSink.deleteDatabase(output, { indexedDB: factory });
    await IndexedDBSink.deleteDatabase(checkpoints, { indexedDB: factory });
  });

  it('a restore aborts the transaction a dead page left open (Flink recoverAndAbort): its staged records are deleted', async () => {
    // Flink's TwoPhaseCommitSinkFunction keeps the transaction begun after the barrier in the snapshot
    // and aborts it on restore (recoverAndAbort):
    // https://nightlies.apache.org/flink/flink-docs-stable/api/java/org/apache/flink/streaming/api/functions/sink/TwoPhaseCommitSinkFunction.html
    // Here checkpoint 1 completes; the transaction begun after it receives records and is staged by
    // checkpoint 2, which never completes; then the page dies — nothing closes or aborts anything.
    const factory = await newFactory();
    const checkpoints = uniqueName('chk-killed');
    const output = uniqueName('out-killed');
    const COUNT = 40;
    const clock = new ManualClock(0);
    const firstCommit = new Signal();
    const staged = new Signal<IndexedDBSinkTransaction<number>>();
    let preCommits = 0;
    class DyingSink extends IndexedDBSink<number> {
      override async preCommit(txn: IndexedDBSinkTransaction<number>): Promise<void> {
        await super.preCommit(txn);
        if (++preCommits === 2) {
          staged.fire(txn);
          await new Promise<never>(() => {}); // the page dies during checkpoint 2
        }
      }
      override async commit(txn: IndexedDBSinkTransaction<number>): Promise<void> {
        await super.commit(txn);
        firstCommit.fire();
      }
    }
    const dying: AsyncIterable<number> = {
      async *[Symbol.asyncIterator]() {
        for (let i = 0; i < COUNT; i++) {
          if (i === 10) {
            clock.advance(10); // checkpoint 1, after records 0..9
            await firstCommit.next();
          }
          if (i === 20) {
            clock.advance(10); // checkpoint 2, after records 10..19
            await new Promise<never>(() => {}); // the page reads nothing more
          }
          yield i;
        }
      },
    };
    const storage = new IndexedDBCheckpointStorage(checkpoints, { indexedDB: factory });
    const env = new StreamEnvironment({ clock, batchSize: 1, checkpoint: { interval: 10, storage }, restart: { strategy: 'none' } });
    env.fromAsyncIterable(dying).sinkTo(new DyingSink(output, { indexedDB: factory }));
    await env.execute('dies with an open transaction');
    const open = await staged.next();
    expect(open.staged).toBe(10);
    expect(await stagedKeys(factory, output)).toEqual([[open.session, open.seq]]);
    expect(await IndexedDBSink.readCommitted<number>(output, { indexedDB: factory })).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect((await storage.latest())?.metadata.checkpointId).toBe(1);
    await storage.dispose(); // the page is gone

    // A new page: new storage instance, new environment, new sink; restored from checkpoint 1.
    const restored = new IndexedDBCheckpointStorage(checkpoints, { indexedDB: factory });
    const resumed = new StreamEnvironment({ batchSize: 1, checkpoint: { interval: 10, storage: restored }, restoreFrom: restored });
    const all: AsyncIterable<number> = {
      async *[Symbol.asyncIterator]() {
        for (let i = 0; i < COUNT; i++) yield i;
      },
    };
    const sink = new IndexedDBSink<number>(output, { indexedDB: factory });
    resumed.fromAsyncIterable(all).sinkTo(sink);
    const job = await resumed.execute('resumed');
    expect((await job.done).status).toBe('finished');
    expect(await stagedKeys(factory, output)).toEqual([]);
    expect(await IndexedDBSink.readCommitted<number>(output, { indexedDB: factory })).toEqual(Array.from({ length: COUNT }, (_, i) => i));
    await sink.dispose();
    await restored.dispose();
    await IndexedDBSink.deleteDatabase(output, { indexedDB: factory });
    await IndexedDBSink.deleteDatabase(checkpoints, { indexedDB: factory });
  });

  it('commits what CollectingTwoPhaseCommitSink commits (the reference 2PC sink)', async () => {
    const factory = await newFactory();
    const output = uniqueName('ref');
    const sink = new IndexedDBSink<number>(output, { indexedDB: factory });
    const reference = new CollectingTwoPhaseCommitSink<number>();
    const storage = new IndexedDBCheckpointStorage(uniqueName('ref-chk'), { indexedDB: factory });
    const env = new StreamEnvironment({ checkpoint: { interval: 5, storage } });
    const doubled = env.fromGenerator((i) => i * 2, { count: 2000 });
    doubled.sinkTo(sink);
    doubled.sinkTo(reference);
    const job = await env.execute();
    expect((await job.done).status).toBe('finished');
    expect(await IndexedDBSink.readCommitted<number>(output, { indexedDB: factory })).toEqual(reference.committed);
    expect(reference.committed).toHaveLength(2000);
    await sink.dispose();
    await storage.dispose();
    await IndexedDBSink.deleteDatabase(output, { indexedDB: factory });
    await IndexedDBSink.deleteDatabase(storage.dbName, { indexedDB: factory });
  });
});
