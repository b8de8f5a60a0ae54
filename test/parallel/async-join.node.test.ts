// asyncMap, intervalJoin and windowJoin on worker_threads: the same rows as in place, at
// parallelism 1, 2 and 3 (keyed state split by key group; asynchronous answers on each worker).
import { describe, expect, it } from 'vitest';
import { StreamEnvironment } from '../../src/index';
import { nodeWorkers } from '../../src/node/index';
import type { AsyncJoinParams } from './fixtures/async-join-job';

const JOB = new URL('./fixtures/async-join-job.ts', import.meta.url);

describe('asyncMap and the joins on workers', () => {
  it('give exactly the rows of parallelism 1 in place, at parallelism 1, 2 and 3', async () => {
    const params: AsyncJoinParams = { events: 3_000, keys: 11 };
    const expected = (await new StreamEnvironment({ parallelism: 1 }).collectJob(JOB, params)) as string[];
    expect(expected.filter((r) => r.startsWith('interval')).length).toBeGreaterThan(500);
    expect(expected.filter((r) => r.startsWith('window-count')).length).toBeGreaterThan(50);
    for (const parallelism of [1, 2, 3]) {
      const pool = nodeWorkers();
      const actual = (await new StreamEnvironment({ parallelism, workers: pool }).collectJob(JOB, params)) as string[];
      expect([...actual].sort(), `parallelism ${parallelism}`).toEqual([...expected].sort());
      expect(pool.live.size).toBe(0);
    }
  }, 120_000);
});
