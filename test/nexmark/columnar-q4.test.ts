// q4 on columnar batches against the object query: the same rows, in order, over several seeds and
// configurations (in order, out of order, slow and default rates, batch sizes that split an auction
// from its bids, reused batches), and against the object query run one event at a time.
//
// q4's rows come when the watermark passes an auction's end, in order of (end, arrival): neither
// how the runtime interleaves its auction and bid branches nor where the watermark steps changes
// them while the watermark bound covers the stream's out-of-orderness, so the rows are equal in
// order at any batch size.
import { describe, expect, it } from 'vitest';
import { nexmark, nexmarkColumnar, q4, q4Columnar, StreamEnvironment, type NexmarkConfig } from '../../src/index';

const CONFIGS: readonly (readonly [string, NexmarkConfig])[] = [
  ['seed 7, in order', { seed: 7, events: 60_000, firstEventRate: 1000 }],
  ['seed 3, out-of-order groups of 400', { seed: 3, events: 60_000, firstEventRate: 1000, outOfOrderGroupSize: 400 }],
  ['seed 11, 10 events/s', { seed: 11, events: 20_000, firstEventRate: 10 }],
  ['seed 5, default rate, 200 000 events', { seed: 5, events: 200_000 }],
];

describe('q4 on columnar batches equals the object query', { timeout: 30_000 }, () => {
  for (const [name, config] of CONFIGS) {
    for (const eventsPerBatch of [97, 4096]) {
      it(`${name}, ${eventsPerBatch} events per batch`, async () => {
        const [o, c] = await Promise.all([q4(nexmark(config)).collect(), q4Columnar(nexmarkColumnar({ ...config, eventsPerBatch })).collect()]);
        expect(o.length).toBeGreaterThan(50);
        expect(c).toEqual(o);
      });
    }
  }

  it('one event per runtime batch gives the same rows', async () => {
    const config: NexmarkConfig = { seed: 13, events: 40_000, firstEventRate: 1000, outOfOrderGroupSize: 100 };
    const [o, c] = await Promise.all([
      q4(nexmark(config, new StreamEnvironment({ batchSize: 1 }))).collect(),
      q4Columnar(nexmarkColumnar({ ...config, eventsPerBatch: 250 })).collect(),
    ]);
    expect(o.length).toBeGreaterThan(50);
    expect(c).toEqual(o);
  });

  it('reused batches, overwritten behind the keyBy, give the same rows', async () => {
    const config: NexmarkConfig = { seed: 9, events: 60_000, firstEventRate: 1000 };
    const [o, c] = await Promise.all([
      q4(nexmark(config)).collect(),
      q4Columnar(nexmarkColumnar({ ...config, eventsPerBatch: 500, objectReuse: true })).collect(),
    ]);
    expect(c).toEqual(o);
  });
});
