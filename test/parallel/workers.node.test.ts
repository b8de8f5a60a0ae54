// Jobs on worker_threads (Flink's TaskManagers as threads): the same results at parallelism 1, 2
// and 4 as on one thread — as multisets, and per key and window kind in order.
import { describe, expect, it } from 'vitest';
import { StreamEnvironment } from '../../src/index';
import { nodeWorkers } from '../../src/node/index';
import type { WindowJobParams } from './fixtures/window-job';

const JOB = new URL('./fixtures/window-job.ts', import.meta.url);
const canonical = (r: unknown): string => JSON.stringify(r);

function perKey(rows: readonly unknown[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const r of rows) {
    const { kind, key } = r as { kind: string; key: unknown };
    m.set(`${kind} ${String(key)}`, [...(m.get(`${kind} ${String(key)}`) ?? []), canonical(r)]);
  }
  return m;
}

describe('jobs on worker_threads', () => {
  it('tumbling, sliding and session windows: parallelism 1, 2 and 4 on workers equal parallelism 1 on this thread', async () => {
    for (const seed of [7, 1234]) {
      const params: WindowJobParams = { seed, events: 30_000, keys: 1 + (seed % 60) };
      const expected = await new StreamEnvironment({ parallelism: 1 }).collectJob(JOB, params);
      expect(expected.length).toBeGreaterThan(300);
      for (const parallelism of [1, 2, 4]) {
        if (seed !== 7 && parallelism === 1) continue;
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
