// The broadcast state pattern on worker_threads: rules reach every worker's subtask through the
// broadcast exchange, items are hash-partitioned by colour; the rows are those of parallelism 1 in
// place, at parallelism 1, 2 and 3.
// https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/fault-tolerance/broadcast_state/
import { describe, expect, it } from 'vitest';
import { StreamEnvironment } from '../../src/index';
import { nodeWorkers } from '../../src/node/index';
import type { BroadcastStateParams } from './fixtures/broadcast-state-job';

const JOB = new URL('./fixtures/broadcast-state-job.ts', import.meta.url);

describe('broadcast state on workers', () => {
  it('gives exactly the rows of parallelism 1 in place, at parallelism 1, 2 and 3', async () => {
    const params: BroadcastStateParams = { events: 2_000, colors: 11 };
    const expected = (await new StreamEnvironment({ parallelism: 1 }).collectJob(JOB, params)) as string[];
    // Matches need the rules on the item's subtask; the unmatched go through the side output.
    expect(expected.filter((r) => !r.startsWith('unmatched')).length).toBeGreaterThan(500);
    expect(expected.filter((r) => r.startsWith('unmatched')).length).toBeGreaterThan(100);
    for (const parallelism of [2, 3, 1]) {
      const inPlace = (await new StreamEnvironment({ parallelism }).collectJob(JOB, params)) as string[];
      expect([...inPlace].sort(), `in place, parallelism ${parallelism}`).toEqual([...expected].sort());
      const pool = nodeWorkers();
      const actual = (await new StreamEnvironment({ parallelism, workers: pool }).collectJob(JOB, params)) as string[];
      expect([...actual].sort(), `workers, parallelism ${parallelism}`).toEqual([...expected].sort());
      expect(pool.live.size).toBe(0);
    }
  }, 120_000);
});
