import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assignToKeyGroup } from '../../src/index';
import { KeyGroupKernel } from '../../src/wasm/key-group-kernel';

// Runs in Node and in headless Chromium: the WASM kernel and the JS path must agree byte for byte.
describe('key-group kernel', () => {
  it('loads the WebAssembly build', async () => {
    expect((await KeyGroupKernel.load()).usesWasm).toBe(true);
    expect((await KeyGroupKernel.load({ wasm: false })).usesWasm).toBe(false);
  });

  it('agrees with the JS path on edge values and random doubles', async () => {
    const wasm = await KeyGroupKernel.load();
    const js = await KeyGroupKernel.load({ wasm: false });
    const edges = [0, -0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 53, 1.5, -2.25, Number.NaN,
      Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.MIN_VALUE, Number.MAX_VALUE, 1e15, 0.1];
    for (const maxP of [1, 7, 128, 32768]) {
      const keys = Float64Array.from(edges);
      expect(Array.from(wasm.keyGroups(keys, maxP))).toEqual(Array.from(js.keyGroups(keys, maxP)));
      expect(Array.from(js.keyGroups(keys, maxP))).toEqual(edges.map((k) => assignToKeyGroup(k, maxP)));
    }
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.double(), fc.integer(), fc.maxSafeInteger()), { maxLength: 3000 }), fc.integer({ min: 1, max: 32768 }), (keys, maxP) => {
        const k = Float64Array.from(keys);
        expect(wasm.keyGroups(k, maxP)).toEqual(js.keyGroups(k, maxP));
      }),
      { seed: 7, numRuns: 100 },
    );
  });

  it('grows its memory for a large batch and reuses it after', async () => {
    const wasm = await KeyGroupKernel.load();
    const big = Float64Array.from({ length: 200_000 }, (_, i) => i * 3.5);
    const groups = wasm.keyGroups(big, 128);
    expect(groups[199_999]).toBe(assignToKeyGroup(199_999 * 3.5, 128));
    expect(Array.from(wasm.keyGroups(Float64Array.of(42), 128))).toEqual([assignToKeyGroup(42, 128)]);
  });
});
