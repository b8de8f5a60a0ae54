// q17 and q19 on columnar batches against the object queries: the same rows, in order, over several
// seeds and configurations (in order, out of order, across a UTC midnight so a q17 day window
// fires mid-run, late bids, spread auction ids, reused batches); q19's change columns replayed
// into the object query's upsert rows.
import { describe, expect, it } from 'vitest';
import { lateUnderBatchWatermarks } from '../support/nexmark-late';
import {
  filter,
  map,
  nexmark,
  nexmarkColumnar,
  q17,
  q17Columnar,
  q19,
  q19Columnar,
  q19Replay,
  tap,
  type NexmarkBatch,
  type NexmarkConfig,
  type NexmarkEvent,
  type Q17Row,
  type Q19Row,
} from '../../src/index';

const DAY_MS = 86_400_000;

const CONFIGS: readonly (readonly [string, NexmarkConfig])[] = [
  ['seed 7, in order', { seed: 7, events: 40_000, firstEventRate: 1000 }],
  ['seed 3, out-of-order groups of 400', { seed: 3, events: 40_000, firstEventRate: 1000, outOfOrderGroupSize: 400 }],
  // 1 event/s from 18:00 UTC: the day window of 2025-01-01 fires mid-run.
  ['seed 11, 1 event/s across midnight', { seed: 11, events: 30_000, firstEventRate: 1, baseTime: Date.UTC(2025, 0, 1, 18) }],
  ['seed 5, default rate, 200 000 events', { seed: 5, events: 200_000 }],
];

/** `q19Columnar`'s changes as `q19`'s rows, replayed as each batch arrives. */
async function q19Rows(batches: Parameters<typeof q19Columnar>[0]): Promise<Q19Row[]> {
  const replay = q19Replay();
  const rows: Q19Row[] = [];
  await q19Columnar(batches).forEach((cols) => {
    for (let i = 0; i < cols.length; i++) rows.push(replay(cols, i));
  });
  return rows;
}

describe('q17 and q19 on columnar batches equal the object queries', { timeout: 30_000 }, () => {
  for (const [name, config] of CONFIGS) {
    for (const eventsPerBatch of [777, 4096]) {
      it(`${name}, ${eventsPerBatch} events per batch`, async () => {
        const columnar = { ...config, eventsPerBatch };
        const [o17, c17, o19, c19] = await Promise.all([
          q17(nexmark(config)).collect(),
          q17Columnar(nexmarkColumnar(columnar)).collect(),
          q19(nexmark(config)).collect(),
          q19Rows(nexmarkColumnar(columnar)),
        ]);
        expect(o17.length).toBeGreaterThan(500);
        expect(c17).toEqual(o17);
        expect(o19.length).toBeGreaterThan(1000);
        expect(c19).toEqual(o19);
      });
    }
  }

  it('q17 fires a day window mid-run and reports it whole', async () => {
    const [, config] = CONFIGS[2]!;
    const rows: Q17Row[] = [];
    let firstDayAt = -1;
    let batches = 0;
    await q17Columnar(nexmarkColumnar({ ...config, eventsPerBatch: 500 }).pipe(tap(() => batches++))).forEach((r) => {
      if (r.day === '2025-01-01' && firstDayAt < 0) firstDayAt = batches;
      rows.push(r);
    });
    // 2025-01-01's rows came before the source ended, after 6 h of event time (21 600 events).
    expect(firstDayAt).toBeGreaterThan(40);
    expect(firstDayAt).toBeLessThan(batches);
    expect(new Set(rows.map((r) => r.day))).toEqual(new Set(['2025-01-01', '2025-01-02']));
    for (const r of rows) {
      expect(r.rank1_bids + r.rank2_bids + r.rank3_bids).toBe(r.total_bids);
      expect(r.min_price).toBeLessThanOrEqual(r.avg_price);
      expect(r.avg_price).toBeLessThanOrEqual(r.max_price);
    }
  });

  it('q17 drops the bids whose day window has fired, the watermark following each batch', async () => {
    // 1 event/s from 23:51:40 UTC in groups of 200 out of order (midnight inside one), a watermark bound of 1 s: bids of
    // the old day come after a batch has passed midnight.
    const config: NexmarkConfig = { seed: 4, events: 3000, firstEventRate: 1, baseTime: Date.UTC(2025, 0, 1, 23, 51, 40), outOfOrderGroupSize: 200 };
    const perBatch = 100;
    const bound = 1000;
    const late = lateUnderBatchWatermarks(config, perBatch, bound, (e, watermark) => e.kind === 'bid' && Math.floor(e.dateTime / DAY_MS) * DAY_MS + DAY_MS - 1 <= watermark);
    expect(late.size).toBeGreaterThan(0);
    // The object query over the bids the columnar one keeps, with a bound that drops none of them.
    let seen = 0;
    const kept = nexmark(config).pipe(filter(() => !late.has(seen++)));
    const [everyBid, reference, columnar] = await Promise.all([
      q17(nexmark(config), { outOfOrderness: 1e12 }).collect(),
      q17(kept, { outOfOrderness: 1e12 }).collect(),
      q17Columnar(nexmarkColumnar({ ...config, eventsPerBatch: perBatch }), { outOfOrderness: bound }).collect(),
    ]);
    expect(new Set(columnar.map((r) => r.day))).toEqual(new Set(['2025-01-01', '2025-01-02']));
    expect(reference).not.toEqual(everyBid); // some late bid counted in its day
    expect(columnar).toEqual(reference);
  });

  it('spread auction ids (the slot Map fallback) and reused batches give the same rows', async () => {
    const config: NexmarkConfig = { seed: 9, events: 40_000, firstEventRate: 1000 };
    const spread = (id: number): number => id * 10_000_019;
    const spreadBatches = nexmarkColumnar({ ...config, eventsPerBatch: 1000 }).pipe(
      map((b: NexmarkBatch) => {
        for (let i = 0; i < b.bids.length; i++) b.bids.auction[i] = spread(b.bids.auction[i]!);
        return b;
      }),
    );
    const spreadEvents = (): ReturnType<typeof nexmark> => nexmark(config).pipe(map((e: NexmarkEvent): NexmarkEvent => (e.kind === 'bid' ? { ...e, auction: spread(e.auction) } : e)));
    const [c17, o17] = await Promise.all([q17Columnar(spreadBatches).collect(), q17(spreadEvents()).collect()]);
    expect(o17.length).toBeGreaterThan(500);
    expect(c17).toEqual(o17);
    const spreadBatches19 = nexmarkColumnar({ ...config, eventsPerBatch: 1000 }).pipe(
      map((b: NexmarkBatch) => {
        for (let i = 0; i < b.bids.length; i++) b.bids.auction[i] = spread(b.bids.auction[i]!);
        return b;
      }),
    );
    const [c19, o19] = await Promise.all([q19Rows(spreadBatches19), q19(spreadEvents()).collect()]);
    expect(c19).toEqual(o19);
    // q19 copies what it reads before its keyBy: reused batches, overwritten behind it, change nothing.
    const [reused, fresh] = await Promise.all([q19Rows(nexmarkColumnar({ ...config, eventsPerBatch: 500, objectReuse: true })), q19(nexmark(config)).collect()]);
    expect(reused).toEqual(fresh);
  });
});
