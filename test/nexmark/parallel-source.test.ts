// The Nexmark sources split among parallel subtasks: subtask s of p reads blocks s, s + p, … of
// the stream, so a parallel run reads exactly the events of a run on one subtask — and the
// queries give the same rows.
import { describe, expect, it } from 'vitest';
import {
  StreamEnvironment,
  generateBatch,
  generateEvent,
  nexmark,
  nexmarkColumnar,
  nexmarkSource,
  q5Columnar,
  q7,
  q7Columnar,
  resolveNexmarkConfig,
  type NexmarkEvent,
} from '../../src/index';

const sorted = (rows: unknown[]): string[] => rows.map((r) => JSON.stringify(r)).sort();

describe('Nexmark sources in parallel', () => {
  it('deal out the events of one subtask, objects and batches', async () => {
    const config = { seed: 4, events: 10_000 };
    const one = await nexmark(config).collect();
    const two = await nexmark(config, new StreamEnvironment({ parallelism: 2 })).collect();
    expect(sorted(two)).toEqual(sorted(one));
    const batches = await nexmarkColumnar({ ...config, eventsPerBatch: 1500 }, new StreamEnvironment({ parallelism: 3 })).collect();
    expect(batches.map((b) => b.first).sort((a, b) => a - b)).toEqual([0, 1500, 3000, 4500, 6000, 7500, 9000]);
    const c = resolveNexmarkConfig(config);
    for (const b of batches) expect(b.bids.price.slice(0, b.bids.length)).toEqual(generateBatch(c, b.first, b.events).bids.price.slice(0, b.bids.length));
  });

  it('give the rows of one subtask', async () => {
    const config = { seed: 6, events: 200_000 };
    const p2 = () => new StreamEnvironment({ parallelism: 2 });
    const [o7, p7, c7, c5, pc5] = await Promise.all([
      q7(nexmark(config)).collect(),
      q7(nexmark(config, p2())).collect(),
      q7Columnar(nexmarkColumnar(config, p2())).collect(),
      q5Columnar(nexmarkColumnar(config)).collect(),
      q5Columnar(nexmarkColumnar(config, p2())).collect(),
    ]);
    expect(o7.length).toBeGreaterThan(0);
    expect(sorted(p7)).toEqual(sorted(o7));
    expect(sorted(c7)).toEqual(sorted(o7));
    expect(c5.length).toBeGreaterThan(0);
    expect(sorted(pc5)).toEqual(sorted(c5));
  });

  it('resume a subtask from its position in its own blocks', () => {
    const c = resolveNexmarkConfig({ seed: 4, events: 5000 });
    const clock = new StreamEnvironment().clock;
    // Subtask 1 of 2 reads [1024, 2048), [3072, 4096); it stopped at 1500.
    const reader = nexmarkSource({ seed: 4, events: 5000, wasm: false }).createReader({ clock, restoreFrom: 1500, subtaskIndex: 1, parallelism: 2 });
    const rest: NexmarkEvent[] = [];
    while (reader.read({ collect: (e) => rest.push(e) }, 300) === 'more');
    const expected = [...Array.from({ length: 548 }, (_, i) => 1500 + i), ...Array.from({ length: 1024 }, (_, i) => 3072 + i)].map((i) => generateEvent(c, i));
    expect(rest).toEqual(expected);
    expect(reader.position()).toBe(5000);
  });
});
