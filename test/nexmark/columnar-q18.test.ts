// q18 on columnar batches against the object query: the same upsert rows, in order, over several
// seeds and configurations (in order, out of order, ties in time at a low rate, reused batches,
// ids that collide in the hash table), the columns turned back into bids with `bidAt`.
import { describe, expect, it } from 'vitest';
import {
  bidAt,
  map,
  nexmark,
  nexmarkColumnar,
  q18,
  q18Columnar,
  type Bid,
  type NexmarkBatch,
  type NexmarkConfig,
  type NexmarkEvent,
  type Stream,
} from '../../src/index';

const CONFIGS: readonly (readonly [string, NexmarkConfig])[] = [
  ['seed 7, in order', { seed: 7, events: 40_000, firstEventRate: 1000 }],
  ['seed 3, out-of-order groups of 400', { seed: 3, events: 40_000, firstEventRate: 1000, outOfOrderGroupSize: 400 }],
  // 1 event/s, out of order: a bidder's repeat bid on an auction often comes before its latest.
  ['seed 11, 1 event/s, out-of-order groups of 50', { seed: 11, events: 30_000, firstEventRate: 1, outOfOrderGroupSize: 50 }],
  ['seed 5, default rate, 200 000 events', { seed: 5, events: 200_000 }],
];

/** `q18Columnar`'s columns as `q18`'s rows. */
async function q18Rows(batches: Stream<NexmarkBatch>): Promise<Bid[]> {
  const rows: Bid[] = [];
  await q18Columnar(batches).forEach((cols) => {
    for (let i = 0; i < cols.length; i++) rows.push(bidAt(cols, i));
  });
  return rows;
}

describe('q18 on columnar batches equals the object query', { timeout: 30_000 }, () => {
  for (const [name, config] of CONFIGS) {
    for (const eventsPerBatch of [777, 4096]) {
      it(`${name}, ${eventsPerBatch} events per batch`, async () => {
        const [o18, c18] = await Promise.all([q18(nexmark(config)).collect(), q18Rows(nexmarkColumnar({ ...config, eventsPerBatch }))]);
        expect(o18.length).toBeGreaterThan(10_000);
        expect(c18).toEqual(o18);
      });
    }
  }

  it('drops the bids older than a pair\'s latest when events come out of order', async () => {
    const config: NexmarkConfig = { seed: 11, events: 30_000, firstEventRate: 1, outOfOrderGroupSize: 50 };
    let bids = 0;
    const rows = await q18Rows(
      nexmarkColumnar({ ...config, eventsPerBatch: 1000 }).pipe(
        map((b: NexmarkBatch) => {
          bids += b.bids.length;
          return b;
        }),
      ),
    );
    expect(rows.length).toBeLessThan(bids);
    const latest = new Map<string, number>();
    for (const r of rows) {
      const key = `${r.bidder}:${r.auction}`;
      expect(r.dateTime).toBeGreaterThanOrEqual(latest.get(key) ?? Number.NEGATIVE_INFINITY);
      latest.set(key, r.dateTime);
    }
  });

  it('ids that collide in the hash table and reused batches give the same rows', async () => {
    const config: NexmarkConfig = { seed: 9, events: 60_000, firstEventRate: 1000, outOfOrderGroupSize: 100 };
    // The same low 32 bits for many pairs: only full-key equality tells them apart.
    const spread = (id: number): number => id * 2 ** 32 + 1;
    const spreadBatches = nexmarkColumnar({ ...config, eventsPerBatch: 1000 }).pipe(
      map((b: NexmarkBatch) => {
        for (let i = 0; i < b.bids.length; i++) b.bids.bidder[i] = spread(b.bids.bidder[i]!);
        return b;
      }),
    );
    const spreadEvents = nexmark(config).pipe(map((e: NexmarkEvent): NexmarkEvent => (e.kind === 'bid' ? { ...e, bidder: spread(e.bidder) } : e)));
    const [c18, o18] = await Promise.all([q18Rows(spreadBatches), q18(spreadEvents).collect()]);
    expect(c18).toEqual(o18);
    // q18 copies what it reads before its keyBy: reused batches, overwritten behind it, change nothing.
    const [reused, fresh] = await Promise.all([q18Rows(nexmarkColumnar({ ...config, eventsPerBatch: 500, objectReuse: true })), q18(nexmark(config)).collect()]);
    expect(reused).toEqual(fresh);
  });
});
