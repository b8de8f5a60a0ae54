// Jobs on module Web Workers in Chromium (Vite dev server builds the workers from
// `new URL('./worker-entry.ts', import.meta.url)`): the same results at parallelism 1, 2 and 4 as
// on one thread, a main thread free of long tasks while two workers process ≥ 1M events, and
// exact results after a worker is terminated mid-run, and a kept-alive pool reused across jobs.
import { describe, expect, it } from 'vitest';
import { canonical, perKey } from '../support/results';
import { StreamEnvironment, webWorkers } from '../../src/index';
import { SignallingStorage } from '../support/signalling-storage';
import type { ThroughputJobParams } from './fixtures/throughput-job';
import type { WindowJobParams } from './fixtures/window-job';

const JOB = new URL('./fixtures/window-job.ts', import.meta.url);
const THROUGHPUT_JOB = new URL('./fixtures/throughput-job.ts', import.meta.url);

describe('jobs on module Web Workers (Chromium)', () => {
  it('tumbling, sliding and session windows: parallelism 1, 2 and 4 on workers equal parallelism 1 on this thread', async () => {
    for (const seed of [7, 1234]) {
      const params: WindowJobParams = { seed, events: 30_000, keys: 1 + (seed % 60) };
      const expected = await new StreamEnvironment({ parallelism: 1 }).collectJob(JOB, params);
      expect(expected.length).toBeGreaterThan(300);
      for (const parallelism of [1, 2, 4]) {
        if (seed !== 7 && parallelism === 1) continue;
        const pool = webWorkers();
        const actual = await new StreamEnvironment({ parallelism, workers: pool }).collectJob(JOB, params);
        expect(actual.map(canonical).sort()).toEqual(expected.map(canonical).sort());
        expect(perKey(actual)).toEqual(perKey(expected));
        expect(pool.live.size).toBe(0);
      }
    }
  }, 120_000);

  it('a kept-alive pool runs the next job on the same Web Workers, with exact results; close() ends them', async () => {
    const params: WindowJobParams = { seed: 21, events: 20_000, keys: 13 };
    const expected = (await new StreamEnvironment({ parallelism: 1 }).collectJob(JOB, params)).map(canonical).sort();
    const pool = webWorkers({ keepAlive: true });
    const first = await new StreamEnvironment({ parallelism: 2, workers: pool }).collectJob(JOB, params);
    const kept = [...pool.live];
    expect(kept).toHaveLength(2);
    const second = await new StreamEnvironment({ parallelism: 2, workers: pool, checkpoint: { interval: 50, storage: new SignallingStorage() } }).collectJob(JOB, params);
    expect([...pool.live]).toEqual(kept);
    pool.close();
    expect(pool.live.size).toBe(0);
    expect(first.map(canonical).sort()).toEqual(expected);
    expect(second.map(canonical).sort()).toEqual(expected);
  }, 60_000);

  /**
   * Runs the throughput job on 2 workers while a PerformanceObserver watches the main thread;
   * returns the rate and the long tasks (> 50 ms) that overlapped the run.
   */
  async function watched(params: ThroughputJobParams): Promise<{ rate: number; longTasks: number[]; processed: number }> {
    const env = () => new StreamEnvironment({ parallelism: 2, workers: webWorkers() });
    // Warm-up: the workers' first run compiles the modules and the window kernel.
    await (await env().executeJob(THROUGHPUT_JOB, { ...params, events: 100_000 })).done;
    const entries: PerformanceEntry[] = [];
    const observer = new PerformanceObserver((list) => entries.push(...list.getEntries()));
    observer.observe({ type: 'longtask' });
    const start = performance.now();
    let processed: number;
    if (params.stateless === true) {
      const result = await (await env().executeJob(THROUGHPUT_JOB, params)).done;
      processed = result.metrics.operators.find((o) => o.name === 'fromGenerator')?.recordsOut ?? 0;
    } else {
      const rows = await env().collectJob<{ n: number }>(THROUGHPUT_JOB, params);
      processed = rows.reduce((n, r) => n + r.n, 0);
    }
    const elapsed = performance.now() - start;
    // Entries are delivered asynchronously: give the observer a turn before disconnecting.
    await new Promise((resolve) => setTimeout(resolve, 100));
    observer.disconnect();
    const during = entries.filter((t) => t.startTime + t.duration >= start && t.startTime <= start + elapsed);
    // Vitest runs other test files at the same time in sibling iframes of one page, on this same
    // main thread: their long tasks are reported here too, attributed to those frames
    // ('same-origin…'). This page's own (or unattributed) long tasks count.
    const elsewhere = (t: PerformanceEntry): boolean => /^(same-origin|cross-origin)/.test(t.name);
    const longTasks = during.filter((t) => !elsewhere(t)).map((t) => t.duration);
    const others = during.filter(elsewhere).map((t) => `${t.duration.toFixed(0)} ms (${t.name})`);
    if (others.length > 0) console.log(`long tasks of other frames during the run, not counted: ${others.join(', ')}`);
    const rate = params.events / (elapsed / 1000);
    console.log(
      `2 workers, ${params.stateless === true ? 'map + filter on each worker' : 'keyed windows across the workers'}: ${params.events} events in ${elapsed.toFixed(0)} ms = ` +
        `${(rate / 1e6).toFixed(2)}M events/s; main-thread long tasks during the run: ${longTasks.length}`,
    );
    return { rate, longTasks, processed };
  }

  it('two workers process ≥ 1M events with no main-thread long task over 50 ms', async () => {
    expect(PerformanceObserver.supportedEntryTypes).toContain('longtask');
    // Rates are reported, not asserted (the machine is shared; see bench/parallel.ts). On a quiet
    // run here: 3.0M events/s without an exchange, 1.06M for the keyed windows, whose records
    // cross between the workers (0.44–0.65M at load 6). The test checks the main thread.
    const stateless = await watched({ events: 4_000_000, keys: 1000, stateless: true });
    expect(stateless.processed).toBe(4_000_000);
    expect(stateless.longTasks).toEqual([]);
    const keyed = await watched({ events: 2_000_000, keys: 1000 });
    expect(keyed.processed).toBe(2_000_000);
    expect(keyed.longTasks).toEqual([]);
  }, 120_000);

  it('a worker terminated mid-run: the job restarts from the last checkpoint on fresh workers, with exact results', async () => {
    const params: WindowJobParams = { seed: 99, events: 12_000, keys: 37, eventsPerSecond: 6_000 };
    const expected = await new StreamEnvironment({ parallelism: 1 }).collectJob(JOB, { ...params, eventsPerSecond: undefined });
    const storage = new SignallingStorage();
    const pool = webWorkers();
    const env = new StreamEnvironment({
      parallelism: 2,
      workers: pool,
      checkpoint: { interval: 100, storage },
      restart: { strategy: 'fixed-delay', attempts: 3, delay: 0 },
    });
    const result = env.collectJob(JOB, params);
    // Kill a worker once a checkpoint is complete, so the restart has state to restore.
    await storage.committed.next();
    [...pool.live][1]!.terminate();
    const actual = await result;
    // A summary of the difference, not a diff of a million rows (too big for vitest's channel).
    const balance = new Map<string, number>();
    for (const r of expected) balance.set(canonical(r), (balance.get(canonical(r)) ?? 0) + 1);
    for (const r of actual) balance.set(canonical(r), (balance.get(canonical(r)) ?? 0) - 1);
    const wrong = [...balance].filter(([, n]) => n !== 0);
    expect({ rows: actual.length, wrong: wrong.length, examples: wrong.slice(0, 3) }).toEqual({ rows: expected.length, wrong: 0, examples: [] });
    expect(pool.live.size).toBe(0);
  }, 120_000);
});
