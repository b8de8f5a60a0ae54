// q15 and q16 on columnar batches against the object queries: the same rows, in order, over
// several seeds and configurations (in order, out of order, small and reused batches, and runs
// that cross UTC midnight, so that more than one day fires).
import { describe, expect, it } from 'vitest';
import { nexmark, nexmarkColumnar, q15, q15Columnar, q16, q16Columnar, type NexmarkConfig } from '../../src/index';

const CONFIGS: readonly (readonly [string, NexmarkConfig])[] = [
  ['seed 7, in order', { seed: 7, events: 60_000, firstEventRate: 1000 }],
  ['seed 3, out-of-order groups of 400', { seed: 3, events: 60_000, firstEventRate: 1000, outOfOrderGroupSize: 400 }],
  // 1 event/s from 18:00 UTC: ~8 h of event time, so two days fire.
  ['seed 11, 1 event/s across midnight', { seed: 11, events: 30_000, firstEventRate: 1, baseTime: Date.UTC(2025, 0, 1, 18) }],
  // One event every 5 s (5 generators sharing 1 event/s): three days, out of order.
  ['seed 5, an event every 5 s over three days, out of order', { seed: 5, events: 40_000, firstEventRate: 1, numEventGenerators: 5, outOfOrderGroupSize: 50, baseTime: Date.UTC(2025, 0, 1, 6) }],
];

describe('q15 and q16 on columnar batches equal the object queries', { timeout: 30_000 }, () => {
  for (const [name, config] of CONFIGS) {
    for (const objectReuse of [false, true]) {
      it(`${name}${objectReuse ? ', object reuse' : ''}`, async () => {
        const columnar = { ...config, eventsPerBatch: objectReuse ? 500 : 1000, objectReuse };
        // Out-of-order groups at a low rate span more than the default 4 s bound.
        const options = { outOfOrderness: 400_000 };
        const [o15, o16, c15, c16] = await Promise.all([
          q15(nexmark(config), options).collect(),
          q16(nexmark(config), options).collect(),
          q15Columnar(nexmarkColumnar(columnar), options).collect(),
          q16Columnar(nexmarkColumnar(columnar), options).collect(),
        ]);
        expect(o15.length).toBeGreaterThanOrEqual(1);
        expect(c15).toEqual(o15);
        expect(o16.length).toBeGreaterThan(1000);
        expect(c16).toEqual(o16);
      });
    }
  }

  it('runs across midnight fire one q15 row per day, and q16 rows per channel and day', async () => {
    const [, config] = CONFIGS[3]!;
    const rows15 = await q15Columnar(nexmarkColumnar(config), { outOfOrderness: 400_000 }).collect();
    expect(rows15.map((r) => r.day)).toEqual(['2025-01-01', '2025-01-02', '2025-01-03']);
    for (const r of rows15) {
      expect(r.rank1_bids + r.rank2_bids + r.rank3_bids).toBe(r.total_bids);
      expect(r.total_bidders).toBeLessThanOrEqual(r.rank1_bidders + r.rank2_bidders + r.rank3_bidders);
    }
    const rows16 = await q16Columnar(nexmarkColumnar(config), { outOfOrderness: 400_000 }).collect();
    expect(new Set(rows16.map((r) => r.day)).size).toBe(3);
    for (const day of ['2025-01-01', '2025-01-02', '2025-01-03']) {
      const channels = rows16.filter((r) => r.day === day).map((r) => r.channel);
      expect(new Set(channels).size).toBe(channels.length);
      expect(channels).toEqual(expect.arrayContaining(['Apple', 'Baidu', 'Facebook', 'Google']));
    }
  });
});
