// A subtask that ends with no barrier in reach acknowledges the pending checkpoint when it
// finishes, with its final state (Flink's finished tasks, FLIP-147). On workers this happens when
// a source ends just before a checkpoint starts while its end of input is still on the wire: the
// consumer gets no barrier, only the end. Here the wire is held on purpose (in-thread workers,
// real MessageChannels), so the interleaving happens every run — no sleeps, no luck.
import { describe, expect, it } from 'vitest';
import { MemoryCheckpointStorage, StreamEnvironment } from '../../src/index';
import type { DataMessage } from '../../src/parallel/protocol';
import { InThreadWorkers } from '../support/in-thread-workers';
import { committed, eventAt, type FinishingJobParams, type Sum } from './fixtures/finishing-job';

const JOB = new URL('./fixtures/finishing-job.ts', import.meta.url);

/** The rolling sums an uninterrupted run emits: per key, the running total after each event. */
function expectedSums(events: number): string[] {
  const totals = new Map<string, number>();
  const rows: string[] = [];
  for (let i = 0; i < events; i++) {
    const e = eventAt(i);
    const v = (totals.get(e.k) ?? 0) + e.v;
    totals.set(e.k, v);
    rows.push(JSON.stringify({ k: e.k, v }));
  }
  return rows.sort();
}

/** Turns of the event loop: enough for messages between in-thread workers to arrive, if any were sent. */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setTimeout(resolve, 0));
}

const isEnd = (m: DataMessage): boolean => m.t === 'end';

describe('a subtask that ends with no barrier in reach', () => {
  it('acknowledges the checkpoint in flight when its end arrives: the savepoint completes and the output is exactly once', async () => {
    const params: FinishingJobParams = { events: 600 };
    committed.committed.length = 0;
    const pool = new InThreadWorkers();
    // Worker 1 hosts source subtask 1 and sum subtask 1; worker 0 the others and the sink. What
    // worker 1 sends worker 0 (records and ends of input) is held until the savepoint is pending.
    const toWorker0 = pool.wire(1, 0).hold();
    const env = new StreamEnvironment({
      parallelism: 2,
      workers: pool,
      checkpoint: { interval: 3_600_000, storage: new MemoryCheckpointStorage() },
      restart: { strategy: 'none' },
    });
    const job = await env.executeJob(JOB, params);

    // Both ends worker 1 sends worker 0 are on the wire: source 1 → sum 0 and sum 1 → sink. So
    // both sources have ended (sum 1 finished only after source 0's end reached it), and on
    // worker 0 sum 0 and the sink wait for input that no barrier will follow.
    await toWorker0.sentAtLeast(2, isEnd);
    expect(pool.wire(0, 1).sent.filter(isEnd)).toHaveLength(1);

    let completed = false;
    const savepoint = job.savepoint().then((info) => {
      completed = true;
      return info;
    });
    // Worker 1's subtasks have finished and acknowledge at once; worker 0's can acknowledge only
    // when they finish, and no barrier reaches them: the savepoint stays in flight.
    await turns(20);
    expect(completed).toBe(false);
    expect(committed.committed).toEqual([]);

    // The ends arrive: sum 0 and then the sink finish, and acknowledge with their final state.
    toWorker0.release();
    // Before the fix the savepoint waited forever here; many turns are a generous bound.
    const outcome = await Promise.race([savepoint, turns(1000).then(() => 'still in flight' as const)]);
    expect(outcome, 'the savepoint is still in flight after every subtask finished').not.toBe('still in flight');
    const info = await savepoint;
    expect(info.location).toContain('memory:');
    // No barrier crossed between the workers for it: only the acknowledgements of finished subtasks.
    expect([...toWorker0.sent, ...pool.wire(0, 1).sent].filter((m) => m.t === 'barrier')).toEqual([]);
    // Completing it committed the sink's transaction: everything, once.
    expect(committed.committed.map((r: Sum) => JSON.stringify(r)).sort()).toEqual(expectedSums(params.events));

    const result = await job.done;
    expect(result.status).toBe('finished');
    // The final checkpoint after it committed nothing more.
    expect(committed.committed.map((r: Sum) => JSON.stringify(r)).sort()).toEqual(expectedSums(params.events));
    expect(pool.live.size).toBe(0);
  }, 30_000);
});
