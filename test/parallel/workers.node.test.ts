// Jobs on worker_threads (Flink's TaskManagers as threads): the same results at parallelism 1, 2
// and 4 as on one thread — as multisets, and per key and window kind in order.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { canonical, perKey } from '../support/results';
import { StreamEnvironment } from '../../src/index';
import { nodeWorkers } from '../../src/node/index';
import { CREDITS_PER_CHANNEL } from '../../src/parallel/cluster-executor';
import { Signal } from '../support/signal';
import { SignallingStorage } from '../support/signalling-storage';
import { PROGRESS_CHANNEL, type Progress, type SlowSinkParams } from './fixtures/slow-sink-job';
import type { WindowJobParams } from './fixtures/window-job';
import type { RescaleJobParams } from './fixtures/rescale-job';

const JOB = new URL('./fixtures/window-job.ts', import.meta.url);

describe('jobs on worker_threads', () => {
  it('tumbling, sliding and session windows: parallelism 1, 2 and 4 on workers equal parallelism 1 on this thread', async () => {
    for (const seed of [7]) {
      const params: WindowJobParams = { seed, events: 40_000, keys: 37 };
      const expected = await new StreamEnvironment({ parallelism: 1 }).collectJob(JOB, params);
      expect(expected.length).toBeGreaterThan(300);
      for (const parallelism of [1, 2, 4]) {
        const pool = nodeWorkers();
        const actual = await new StreamEnvironment({ parallelism, workers: pool }).collectJob(JOB, params);
        expect(actual.map(canonical).sort()).toEqual(expected.map(canonical).sort());
        expect(perKey(actual)).toEqual(perKey(expected));
        // Every worker of the job is gone once it has finished.
        expect(pool.live.size).toBe(0);
      }
    }
  }, 120_000);
});

describe('a kept-alive pool (a session cluster, as Flink\'s session mode)', () => {
  it('runs one job after another on the same workers, with exact results, and close() ends them', async () => {
    const params: WindowJobParams = { seed: 11, events: 20_000, keys: 23 };
    const expected = (await new StreamEnvironment({ parallelism: 1 }).collectJob(JOB, params)).map(canonical).sort();
    const pool = nodeWorkers({ keepAlive: true });
    try {
      const first = await new StreamEnvironment({ parallelism: 2, workers: pool }).collectJob(JOB, params);
      expect(first.map(canonical).sort()).toEqual(expected);
      const kept = [...pool.live];
      expect(kept).toHaveLength(2);
      // The second job checkpoints (exactly-once): each worker must wait for its final checkpoint
      // again, not finish at once because the first job's release is still remembered.
      const storage = new SignallingStorage();
      const second = await new StreamEnvironment({ parallelism: 2, workers: pool, checkpoint: { interval: 50, storage } }).collectJob(JOB, params);
      expect(second.map(canonical).sort()).toEqual(expected);
      expect(perKey(second)).toEqual(perKey(first));
      expect([...pool.live]).toEqual(kept);
      // A job with more subtask indexes than workers kept adds fresh ones beside them.
      const third = await new StreamEnvironment({ parallelism: 3, workers: pool }).collectJob(JOB, params);
      expect(third.map(canonical).sort()).toEqual(expected);
      expect(pool.live.size).toBe(3);
      expect(kept.every((w) => pool.live.has(w))).toBe(true);
    } finally {
      pool.close();
    }
    expect(pool.live.size).toBe(0);
  }, 120_000);

  it('a canceled job\'s workers are terminated, not kept', async () => {
    const pool = nodeWorkers({ keepAlive: true });
    const storage = new SignallingStorage();
    const job = await new StreamEnvironment({ parallelism: 2, workers: pool, checkpoint: { interval: 50, storage } }).executeJob(JOB, {
      seed: 5,
      events: 1_000_000,
      keys: 7,
      eventsPerSecond: 5_000,
    } satisfies WindowJobParams);
    await storage.committed.next();
    await job.cancel();
    expect(pool.live.size).toBe(0);
    pool.close();
  }, 60_000);

  it('idle workers do not keep the Node process running', async () => {
    const tsx = new URL('../../node_modules/.bin/tsx', import.meta.url).pathname;
    const main = new URL('./fixtures/kept-alive-main.ts', import.meta.url).pathname;
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(tsx, [main], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}: ${err}`))));
    });
    // The job ran, its two workers stayed (idle) — and the process exited on its own.
    expect(output).toMatch(/^rows [1-9]\d* idle 2$/m);
  }, 60_000);
});

describe('rescaling a parallel source on workers', () => {
  it('a checkpoint taken mid-run on 2 workers resumes on 3: every generator index counted once', async () => {
    const RESCALE_JOB = new URL('./fixtures/rescale-job.ts', import.meta.url);
    const params: RescaleJobParams = { events: 30_000, keys: 11 };
    const expected = await new StreamEnvironment({ parallelism: 1 }).collectJob(RESCALE_JOB, params);
    expect(expected).toHaveLength(params.keys);
    // Nothing is emitted before the end, so the restored run alone must give every row.
    const storage = new SignallingStorage();
    const first = await new StreamEnvironment({
      parallelism: 2,
      workers: nodeWorkers(),
      checkpoint: { interval: 100, storage, retain: 1_000 },
      restart: { strategy: 'none' },
    }).executeJob(RESCALE_JOB, { ...params, eventsPerSecond: 10_000 });
    const checkpointId = await storage.committed.next();
    await first.cancel();
    const checkpoint = await storage.open(checkpointId);
    // Mid-run: each of the two subtasks left a split with indices still to generate.
    const splits = checkpoint.metadata.sources.find((s) => s.uid === 'events')!.splits!;
    expect(splits.map((held) => held.map((s) => (s as { stride: number }).stride))).toEqual([[2], [2]]);
    expect(splits.flat().every((s) => (s as { next: number }).next < params.events)).toBe(true);
    const pool = nodeWorkers();
    const actual = await new StreamEnvironment({
      parallelism: 3,
      workers: pool,
      checkpoint: { interval: 3_600_000, storage: new SignallingStorage() },
      restoreFrom: checkpoint,
    }).collectJob(RESCALE_JOB, params);
    expect(actual.map(canonical).sort()).toEqual(expected.map(canonical).sort());
    expect(pool.live.size).toBe(0);
  }, 60_000);
});

describe('shipping a job to workers', () => {
  it('a job built in place cannot travel to workers: a clear error says how to define it in a module', async () => {
    const env = new StreamEnvironment({ parallelism: 2, workers: nodeWorkers() });
    await expect(env.fromArray([1, 2, 3]).collect()).rejects.toThrow(/cannot be sent to workers.*defineJob.*executeJob/s);
  });

  it('a module without a defineJob default export is refused, naming the module', async () => {
    const env = new StreamEnvironment({ parallelism: 2, workers: nodeWorkers() });
    const url = new URL('./fixtures/not-a-job.ts', import.meta.url);
    await expect(env.collectJob(url)).rejects.toThrow(`The job module ${url.href} must have a default export made by defineJob(...)`);
  });
});

describe('failures and backpressure on workers', () => {
  it('a worker terminated mid-run: the job restarts from the last checkpoint on fresh workers, with exact results', async () => {
    const params: WindowJobParams = { seed: 99, events: 12_000, keys: 17, eventsPerSecond: 6_000 };
    const expected = await new StreamEnvironment({ parallelism: 1 }).collectJob(JOB, { ...params, eventsPerSecond: undefined });
    const storage = new SignallingStorage();
    const pool = nodeWorkers();
    const env = new StreamEnvironment({
      parallelism: 2,
      workers: pool,
      checkpoint: { interval: 100, storage },
      restart: { strategy: 'fixed-delay', attempts: 3, delay: 0 },
    });
    const rows = env.collectJob(JOB, params);
    await storage.committed.next();
    [...pool.live][1]!.terminate();
    const actual = await rows;
    expect(actual.map(canonical).sort()).toEqual(expected.map(canonical).sort());
    expect(perKey(actual)).toEqual(perKey(expected));
    expect(pool.live.size).toBe(0);
  }, 60_000);

  it('a slow sink slows a 10× faster source on another worker: bounded in-flight data, the source settles at the sink rate', async () => {
    const params: SlowSinkParams = { eventsPerSecond: 200_000, writeMs: 12 };
    const batchSize = 256;
    const emitted: number[] = [0, 0];
    let written = 0;
    const marks: Array<{ written: number; emitted: number }> = [];
    const reached = new Signal();
    const channel = new BroadcastChannel(PROGRESS_CHANNEL);
    channel.onmessage = (e: MessageEvent<Progress>) => {
      if (e.data.t === 'source') emitted[e.data.subtask] = e.data.emitted;
      else {
        written = e.data.written;
        if (marks.length < 2 && written >= (marks.length + 1) * 20_000) {
          marks.push({ written, emitted: emitted[0]! + emitted[1]! });
          reached.fire();
        }
      }
    };
    const env = new StreamEnvironment({ parallelism: 2, batchSize, workers: nodeWorkers() });
    const job = await env.executeJob(new URL('./fixtures/slow-sink-job.ts', import.meta.url), params);
    try {
      await reached.next();
      await reached.next();
      // Per task (worker): time accounted, buffers in flight within the credits, a heap figure.
      const tasks = job.metrics().tasks ?? [];
      expect(tasks.map((t) => t.worker)).toEqual([0, 1]);
      for (const t of tasks) {
        expect(t.busyTimeMs + t.idleTimeMs + t.backPressuredTimeMs).toBeGreaterThan(0);
        expect(t.inFlightBuffers).toBeLessThanOrEqual(CREDITS_PER_CHANNEL);
        expect(t.heapUsedBytes).toBeGreaterThan(0);
      }
      // Worker 1's source sends to the sink on worker 0: it has sent records and been held back.
      expect(tasks[1]!.bytesSent).toBeGreaterThan(0);
      expect(tasks[1]!.backPressuredTimeMs).toBeGreaterThan(0);
    } finally {
      await job.cancel();
      channel.close();
    }
    const [a, b] = marks as [{ written: number; emitted: number }, { written: number; emitted: number }];
    // Between the two marks the source emitted what the sink wrote, give or take the buffers in
    // between: the credits of one remote channel, a queued buffer, a local batch, one in the sink,
    // and the 256-record granularity of the progress reports.
    const slack = (CREDITS_PER_CHANNEL + 6) * batchSize;
    expect(Math.abs(b.emitted - a.emitted - (b.written - a.written))).toBeLessThanOrEqual(slack);
    // And at any time the source is ahead of the sink by no more than those buffers.
    expect(b.emitted - b.written).toBeLessThanOrEqual(slack);
  }, 60_000);
});
