// The WebAssembly column writer (assembly/nexmark-generator.ts) against its JavaScript twin
// (`generateBatch`/`fillBatch`, the generator the other tests check against the Flink suite's
// rules): the same events, column for column and bit for bit, for any configuration and range.
// Runs in Node and in headless Chromium.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  NexmarkKernel,
  REUSED_BATCHES_KEPT,
  forEachEvent,
  generateBatch,
  generateEvent,
  nexmarkColumnar,
  resolveNexmarkConfig,
  type NexmarkBatch,
  type NexmarkConfig,
  type NexmarkEvent,
} from '../../src/index';

type Group = 'bids' | 'persons' | 'auctions';

/** The first difference between two batches (every column's valid rows, kinds, header), or undefined. */
function difference(a: NexmarkBatch, b: NexmarkBatch): string | undefined {
  if (a.first !== b.first || a.events !== b.events || !Object.is(a.maxTime, b.maxTime)) return `header ${a.first}/${a.events}/${a.maxTime} vs ${b.first}/${b.events}/${b.maxTime}`;
  for (let i = 0; i < a.events; i++) if (a.kinds[i] !== b.kinds[i]) return `kinds[${i}]`;
  for (const group of ['bids', 'persons', 'auctions'] as Group[]) {
    const x = a[group] as unknown as Record<string, ArrayLike<number>> & { length: number };
    const y = b[group] as unknown as Record<string, ArrayLike<number>> & { length: number };
    if (x.length !== y.length) return `${group}.length ${x.length} vs ${y.length}`;
    if (Object.keys(x).join() !== Object.keys(y).join()) return `${group} columns ${Object.keys(x).join()} vs ${Object.keys(y).join()}`;
    for (const column of Object.keys(x)) {
      if (column === 'length') continue;
      if (x[column]!.constructor !== y[column]!.constructor) return `${group}.${column} type`;
      for (let i = 0; i < x.length; i++) if (!Object.is(x[column]![i], y[column]![i])) return `${group}.${column}[${i}]: ${x[column]![i]} vs ${y[column]![i]}`;
    }
  }
  return undefined;
}

const CONFIGS: NexmarkConfig[] = [
  {},
  { seed: 42 },
  { seed: 7, outOfOrderGroupSize: 1000 },
  { seed: 3, firstEventRate: 3000 }, // 333.33… µs between events: the non-stepping timestamp path
  { seed: 9, firstEventRate: 1_000_000, numEventGenerators: 3, firstEventId: 5, firstEventNumber: 77 },
  { seed: -1, personProportion: 3, auctionProportion: 0, bidProportion: 5, avgBidByteSize: 20, avgPersonByteSize: 10_000 },
  { seed: 11, hotAuctionRatio: 1, hotBiddersRatio: 9, hotSellersRatio: 1, numInFlightAuctions: 3, numActivePeople: 2, avgAuctionByteSize: 60 },
  { seed: 2, firstEventId: 2 ** 32 - 700, baseTime: 0 }, // ids across 2^32, where eventHash mixes in the high part
  { seed: 5, avgBidByteSize: 100.5 }, // a fractional `extra` length: truncated the same way four bids at a time
  { seed: 6, avgBidByteSize: 100_000 }, // an `extra` longer than the pool: bids one at a time (ToInt32's wrap)
];

describe('Nexmark generator in WebAssembly', () => {
  it('loads the WebAssembly build, and `wasm: false` is the JavaScript twin', async () => {
    const c = resolveNexmarkConfig({});
    expect((await NexmarkKernel.load(c)).usesWasm).toBe(true);
    expect((await NexmarkKernel.load(c, { wasm: false })).usesWasm).toBe(false);
  });

  it('writes the events of the JavaScript generator, column for column, for every configuration', async () => {
    for (const config of CONFIGS) {
      const c = resolveNexmarkConfig(config);
      const wasm = await NexmarkKernel.load(c, { wasm: true });
      // Batches in a row, a lone event, a batch larger than any before (the memory grows), and
      // batches far into the stream.
      const ranges: Array<[number, number]> = [[0, 4096], [4096, 4096], [8192, 1], [8193, 9000], [17_193, 50], [123_456_789, 3000], [2 ** 40 + 3, 700]];
      for (const [first, count] of ranges) {
        const expected = generateBatch(c, first, count);
        expect(difference(wasm.batch(first, count), expected), `${JSON.stringify(config)} batch at ${first}`).toBeUndefined();
        expect(difference(wasm.scratch(first, count), expected), `${JSON.stringify(config)} scratch at ${first}`).toBeUndefined();
      }
    }
  });

  it('reuses a ring of batches (object reuse): each equal to a fresh one, intact for REUSED_BATCHES_KEPT more', async () => {
    // In order; and out of order with batches crowded with persons or auctions beyond a slot's
    // columns (6 in 200 of these), which go packed into fresh views.
    const configs = [
      [{ seed: 13 }, 4096, 3 * REUSED_BATCHES_KEPT],
      [{ seed: 3, outOfOrderGroupSize: 777, personProportion: 5, auctionProportion: 9, bidProportion: 2 }, 1000, 200],
    ] as const;
    for (const [config, size, batches] of configs) {
      const c = resolveNexmarkConfig(config);
      const wasm = await NexmarkKernel.load(c, { wasm: true });
      const made: NexmarkBatch[] = [];
      for (let b = 0; b < batches; b++) {
        made.push(wasm.reused(b * size, size, REUSED_BATCHES_KEPT));
        // Every batch made in the last REUSED_BATCHES_KEPT calls is still what it was.
        for (const k of [b, b - 1, b - Math.floor(REUSED_BATCHES_KEPT / 2), b - REUSED_BATCHES_KEPT]) {
          if (k >= 0) expect(difference(made[k]!, generateBatch(c, k * size, size)), `${JSON.stringify(config)}: batch ${k} after batch ${b}`).toBeUndefined();
        }
      }
      // A shorter last batch fits too.
      expect(difference(wasm.reused(10 ** 6, 333, REUSED_BATCHES_KEPT), generateBatch(c, 10 ** 6, 333))).toBeUndefined();
    }
  });

  it('gives the objects of `generateEvent`, event for event', async () => {
    const c = resolveNexmarkConfig({ seed: 42, outOfOrderGroupSize: 37 });
    const wasm = await NexmarkKernel.load(c, { wasm: true });
    const made: NexmarkEvent[] = [];
    forEachEvent(wasm.batch(1000, 3000), (e) => made.push(e));
    expect(made).toEqual(Array.from({ length: 3000 }, (_, i) => generateEvent(c, 1000 + i)));
  });

  it('agrees on random configurations and ranges', async () => {
    const wasm = new Map<string, NexmarkKernel>();
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          seed: fc.integer(),
          firstEventRate: fc.integer({ min: 1, max: 2_000_000 }),
          outOfOrderGroupSize: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 5000 })),
          personProportion: fc.integer({ min: 0, max: 5 }),
          auctionProportion: fc.integer({ min: 0, max: 9 }),
          bidProportion: fc.integer({ min: 1, max: 60 }),
          avgBidByteSize: fc.integer({ min: 0, max: 300 }),
          firstEventId: fc.integer({ min: 0, max: 2 ** 34 }),
        }),
        fc.integer({ min: 0, max: 2 ** 36 }),
        fc.integer({ min: 1, max: 3000 }),
        async (config, first, count) => {
          const c = resolveNexmarkConfig(config);
          const key = JSON.stringify(config);
          if (!wasm.has(key)) wasm.set(key, await NexmarkKernel.load(c, { wasm: true }));
          expect(difference(wasm.get(key)!.batch(first, count), generateBatch(c, first, count))).toBeUndefined();
        },
      ),
      { seed: 11, numRuns: 60 },
    );
  });

  it('feeds the columnar source the same batches as the JavaScript generator', async () => {
    const config = { seed: 8, events: 50_000, eventsPerBatch: 3000 };
    const [fast, twin] = await Promise.all([nexmarkColumnar(config).collect(), nexmarkColumnar({ ...config, wasm: false }).collect()]);
    expect(fast.length).toBe(17);
    fast.forEach((b, i) => expect(difference(b, twin[i]!), `batch ${i}`).toBeUndefined());
    // With object reuse, each batch read as it arrives.
    const seen: Array<string | undefined> = [];
    await nexmarkColumnar({ ...config, objectReuse: true }).forEach((b) => seen.push(difference(b, twin[seen.length]!)));
    expect(seen).toEqual(twin.map(() => undefined));
  });
});
