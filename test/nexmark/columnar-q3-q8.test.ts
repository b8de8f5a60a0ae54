// q3 and q8 on columnar batches against the object queries: the same rows, in order, over several
// seeds and configurations (in order, out of order, slow and default rates, batch sizes that split
// a join's two sides across batches, reused batches), and q8's late rows dropped as Flink drops them.
//
// q3's rows come in stream order (a row when the later of its person and auction arrives). The
// object q3 orders them so only when its runtime hands on one event at a time (`batchSize: 1`):
// with the default 1024, each source read goes through its auction branch before its person
// branch, so an auction and its seller in the same read join when the person arrives. Against
// that run the rows are the same, in another order.
import { describe, expect, it } from 'vitest';
import { lateUnderBatchWatermarks } from '../support/nexmark-late';
import {
  filter,
  nexmark,
  nexmarkColumnar,
  q3,
  q3Columnar,
  q8,
  q8Columnar,
  StreamEnvironment,
  type Q3Row,
  type NexmarkConfig,
} from '../../src/index';

/** The object q3 with one event per runtime batch: its rows in stream order. */
function q3InStreamOrder(config: NexmarkConfig): Promise<Q3Row[]> {
  return q3(nexmark(config, new StreamEnvironment({ batchSize: 1 }))).collect();
}

const byRow = (a: Q3Row, b: Q3Row): number => a.id - b.id || a.name.localeCompare(b.name);

const CONFIGS: readonly (readonly [string, NexmarkConfig])[] = [
  ['seed 7, in order', { seed: 7, events: 60_000, firstEventRate: 1000 }],
  ['seed 3, out-of-order groups of 400', { seed: 3, events: 60_000, firstEventRate: 1000, outOfOrderGroupSize: 400 }],
  ['seed 11, 10 events/s', { seed: 11, events: 20_000, firstEventRate: 10 }],
  ['seed 5, default rate, 200 000 events', { seed: 5, events: 200_000 }],
];

describe('q3 and q8 on columnar batches equal the object queries', { timeout: 30_000 }, () => {
  for (const [name, config] of CONFIGS) {
    for (const eventsPerBatch of [97, 4096]) {
      it(`${name}, ${eventsPerBatch} events per batch`, async () => {
        const columnar = { ...config, eventsPerBatch };
        const [o3, d3, c3, o8, c8] = await Promise.all([
          q3InStreamOrder(config),
          q3(nexmark(config)).collect(),
          q3Columnar(nexmarkColumnar(columnar)).collect(),
          q8(nexmark(config)).collect(),
          q8Columnar(nexmarkColumnar(columnar)).collect(),
        ]);
        expect(o3.length).toBeGreaterThan(50);
        expect(c3).toEqual(o3);
        expect([...c3].sort(byRow)).toEqual([...d3].sort(byRow));
        expect(o8.length).toBeGreaterThan(5);
        expect(c8).toEqual(o8);
      });
    }
  }

  it('reused batches, overwritten behind the keyBy, give the same rows', async () => {
    const config: NexmarkConfig = { seed: 9, events: 60_000, firstEventRate: 1000 };
    const reused = { ...config, eventsPerBatch: 500, objectReuse: true };
    const [o3, c3, o8, c8] = await Promise.all([
      q3InStreamOrder(config),
      q3Columnar(nexmarkColumnar(reused)).collect(),
      q8(nexmark(config)).collect(),
      q8Columnar(nexmarkColumnar(reused)).collect(),
    ]);
    expect(c3).toEqual(o3);
    expect(c8).toEqual(o8);
  });

  it('q8 drops the rows whose window has fired, the watermark following each batch', async () => {
    // 100 events/s in groups of 2000 out of order (20 s of event time each), a watermark bound
    // of 1 s: rows of a window come after a batch has passed its end.
    const config: NexmarkConfig = { seed: 4, events: 20_000, firstEventRate: 100, outOfOrderGroupSize: 2000 };
    const perBatch = 250;
    const bound = 1000;
    const late = lateUnderBatchWatermarks(config, perBatch, bound, (e, watermark) => e.kind !== 'bid' && Math.floor(e.dateTime / 10_000) * 10_000 + 10_000 - 1 <= watermark);
    expect(late.size).toBeGreaterThan(0);
    // The object query over the rows the columnar one keeps, with a bound that drops none of them.
    let seen = 0;
    const kept = nexmark(config).pipe(filter(() => !late.has(seen++)));
    const [everyRow, reference, columnar] = await Promise.all([
      q8(nexmark(config), { outOfOrderness: 1e12 }).collect(),
      q8(kept, { outOfOrderness: 1e12 }).collect(),
      q8Columnar(nexmarkColumnar({ ...config, eventsPerBatch: perBatch }), { outOfOrderness: bound }).collect(),
    ]);
    expect(reference).not.toEqual(everyRow); // some late row joined in its window
    expect(columnar).toEqual(reference);
  });
});
