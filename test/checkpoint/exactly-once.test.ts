// Exactly-once through failures: a job with keyed windows, keyed process state and a
// two-phase-commit sink fails at a seeded point, restarts from its latest checkpoint, and its
// committed output equals the failure-free run's — nothing missing, nothing doubled.
// Flink: https://nightlies.apache.org/flink/flink-docs-stable/docs/learn-flink/fault_tolerance/
import { describe, expect, it } from 'vitest';
import {
  CollectingTwoPhaseCommitSink,
  ManualClock,
  MemoryCheckpointStorage,
  StreamEnvironment,
  map,
} from '../../src/index';
import { clickJob, clicks, type Click } from '../support/click-job';

/** Runs the job; throws in a user function at record `failAt` of the first attempt only. */
async function run(events: Click[], options: { failAt?: number; checkpointEvery: number; batchSize: number }) {
  const clock = new ManualClock(0);
  const sink = new CollectingTwoPhaseCommitSink<string>();
  const env = new StreamEnvironment({
    clock,
    batchSize: options.batchSize,
    checkpoint: { interval: 10, storage: new MemoryCheckpointStorage() },
    restart: { strategy: 'fixed-delay', attempts: 3, delay: 0 },
  });
  let committedBeforeFailure = 0;
  clickJob(env.fromArray(events), {
    clock,
    checkpointEvery: options.checkpointEvery,
    failAt: options.failAt,
    onFailure: () => (committedBeforeFailure = sink.committed.length),
  }).sinkTo(sink);
  const job = await env.execute('exactly-once');
  const result = await job.done;
  return { committed: sink.committed, result, restarts: job.metrics().restarts ?? 0, committedBeforeFailure };
}

describe('exactly-once recovery from a failing user function', () => {
  // 100 runs of a job: seconds of work, more on a loaded machine.
  it('commits exactly the failure-free output over 50 seeded failures', { timeout: 60_000 }, async () => {
    let failuresAfterACommit = 0;
    for (let seed = 0; seed < 50; seed++) {
      const events = clicks(seed, 300 + seed * 7);
      const checkpointEvery = 20 + (seed % 5) * 15;
      const batchSize = [1, 7, 32, 1024][seed % 4]!;
      const expected = await run(events, { checkpointEvery, batchSize });
      const failAt = 1 + ((seed * 104729) % events.length);
      const recovered = await run(events, { failAt, checkpointEvery, batchSize });
      expect(recovered.restarts, `seed ${seed}`).toBe(1);
      expect(recovered.committed, `seed ${seed}, failure at record ${failAt}`).toEqual(expected.committed);
      expect(expected.committed.length).toBeGreaterThan(0);
      if (recovered.committedBeforeFailure > 0) failuresAfterACommit++;
    }
    // Most failures strike after checkpoints have committed output, so recovery must really resume
    // from a checkpoint: restarting from scratch would commit those records twice.
    expect(failuresAfterACommit).toBeGreaterThan(25);
  });

  it('without checkpoints the failure fails the job (restart strategy none)', async () => {
    const env = new StreamEnvironment();
    const job = await env
      .fromArray([1, 2, 3])
      .pipe(
        map((x) => {
          if (x === 2) throw new Error('boom');
          return x;
        }),
      )
      .execute();
    await expect(job.done).rejects.toThrow('boom');
    expect(job.status).toBe('failed');
  });
});
