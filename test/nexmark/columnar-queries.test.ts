// q14, q21 and q22 on columnar batches against the object queries: the same rows, in order, over
// several seeds and configurations (in order, out of order, across UTC hours, small and reused
// batches), read as they arrive.
import { describe, expect, it } from 'vitest';
import {
  nexmark,
  nexmarkColumnar,
  q14,
  q14Columnar,
  q14RowAt,
  q21,
  q21ChannelIds,
  q21Columnar,
  q21RowAt,
  q22,
  q22Columnar,
  q22RowAt,
  REUSED_BATCHES_KEPT,
  type NexmarkConfig,
} from '../../src/index';

const CONFIGS: readonly (readonly [string, NexmarkConfig])[] = [
  ['seed 7, in order', { seed: 7, events: 40_000, firstEventRate: 1000 }],
  ['seed 3, out-of-order groups of 400', { seed: 3, events: 40_000, firstEventRate: 1000, outOfOrderGroupSize: 400 }],
  // 1 event/s from 18:00 UTC: every q14 time of day, across midnight.
  ['seed 11, 1 event/s across midnight', { seed: 11, events: 30_000, firstEventRate: 1, baseTime: Date.UTC(2025, 0, 1, 18) }],
];

/** The rows of a columnar query's outputs, converted as each batch arrives (so object reuse is safe). */
function rowsOf<C extends { readonly length: number }, R>(rowAt: (cols: C, i: number) => R): { rows: R[]; add: (cols: C) => void } {
  const rows: R[] = [];
  return { rows, add: (cols) => { for (let i = 0; i < cols.length; i++) rows.push(rowAt(cols, i)); } };
}

describe('q14, q21, q22 on columnar batches equal the object queries', { timeout: 30_000 }, () => {
  for (const [name, config] of CONFIGS) {
    for (const objectReuse of [false, true]) {
      it(`${name}${objectReuse ? ', object reuse' : ''}`, async () => {
        const columnar = { ...config, eventsPerBatch: objectReuse ? 500 : 1000, objectReuse };
        const c14 = rowsOf(q14RowAt);
        const c21 = rowsOf(q21RowAt);
        const c22 = rowsOf(q22RowAt);
        const [o14, o21, o22] = await Promise.all([
          q14(nexmark(config)).collect(),
          q21(nexmark(config)).collect(),
          q22(nexmark(config)).collect(),
          q14Columnar(nexmarkColumnar(columnar), { objectReuse }).forEach(c14.add),
          q21Columnar(nexmarkColumnar(columnar), { objectReuse }).forEach(c21.add),
          q22Columnar(nexmarkColumnar(columnar)).forEach(c22.add),
        ]);
        expect(o14.length).toBeGreaterThan(1000);
        expect(c14.rows).toEqual(o14);
        expect(c21.rows.length).toBeLessThan(o22.length);
        expect(c21.rows).toEqual(o21);
        expect(c22.rows).toEqual(o22);
      });
    }
  }

  it('q14 covers every time of day and counts the c of long extras', async () => {
    const [, config] = CONFIGS[2]!;
    const c14 = rowsOf(q14RowAt);
    await q14Columnar(nexmarkColumnar(config)).forEach(c14.add);
    expect(new Set(c14.rows.map((r) => r.bidTimeType)).size).toBe(3);
    expect(c14.rows.some((r) => r.c_counts > 0)).toBe(true);
    for (const r of c14.rows) expect(r.c_counts).toBe(r.extra.split('c').length - 1);
  });

  it('q21 drops the channels without an id; with object reuse q14 and q21 reuse a ring of output columns', async () => {
    const ids = q21ChannelIds();
    expect(ids.slice(0, 4)).toEqual(['1', '2', '3', '0']);
    expect(ids.filter((id) => id === null).length).toBeGreaterThan(0);
    const config = { seed: 5, events: 40_000, eventsPerBatch: 500, objectReuse: true };
    const seen14 = new Set<Float64Array>();
    const seen21 = new Set<Float64Array>();
    await Promise.all([
      q14Columnar(nexmarkColumnar(config), { objectReuse: true }).forEach((cols) => seen14.add(cols.price)),
      q21Columnar(nexmarkColumnar(config), { objectReuse: true }).forEach((cols) => seen21.add(cols.price)),
    ]);
    expect(seen14.size).toBe(REUSED_BATCHES_KEPT + 1);
    expect(seen21.size).toBe(REUSED_BATCHES_KEPT + 1);
  });
});
