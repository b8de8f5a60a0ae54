import { afterEach, describe, expect, it, vi } from 'vitest';
import { StreamEnvironment, aggregate, count, keyBy, max, sliding, sum, watermarks, window } from '../../src/index';
import { KernelPool, type PoolableKernel } from '../../src/wasm/kernel-pool';
import { WasmWindowAggregation } from '../../src/wasm/window-aggregate-kernel';
import { mulberry32 } from '../../bench/random';

class FakeKernel implements PoolableKernel {
  resets = 0;
  constructor(readonly memoryBytes: number) {}
  reset(): void {
    this.resets++;
  }
}

describe('KernelPool: idle kernels by signature, within a byte budget', () => {
  it('gives back a kernel reset, only for its own signature, most recently idle first', () => {
    const pool = new KernelPool<FakeKernel>(100);
    const a1 = new FakeKernel(10);
    const a2 = new FakeKernel(10);
    pool.give('a', a1);
    pool.give('a', a2);
    expect(a1.resets).toBe(1);
    expect(pool.take('b')).toBeUndefined();
    expect(pool.take('a')).toBe(a2);
    expect(pool.take('a')).toBe(a1);
    expect(pool.take('a')).toBeUndefined();
    expect(pool.idleBytes).toBe(0);
  });

  it('lets the longest idle go beyond the budget, and never keeps a kernel larger than it', () => {
    const pool = new KernelPool<FakeKernel>(100);
    const old = new FakeKernel(60);
    const recent = new FakeKernel(30);
    pool.give('x', old);
    pool.give('y', recent);
    pool.give('z', new FakeKernel(30)); // 120 > 100: `old` goes
    expect(pool.idleBytes).toBe(60);
    expect(pool.take('x')).toBeUndefined();
    expect(pool.take('y')).toBe(recent);
    const huge = new FakeKernel(101);
    pool.give('h', huge);
    expect(huge.resets).toBe(0);
    expect(pool.take('h')).toBeUndefined();
  });
});

interface Bid {
  readonly key: number;
  readonly ts: number;
  readonly price: number;
}

function bids(n: number, seed: number): Bid[] {
  const random = mulberry32(seed);
  return Array.from({ length: n }, (_, i) => ({
    key: Math.floor(random() * 50),
    ts: 1_000 + i * 3 - (random() < 0.1 ? Math.floor(random() * 400) : 0),
    price: Math.floor(random() * 100),
  }));
}

function job(input: Bid[], fail?: number): Promise<Array<Record<string, unknown>>> {
  return new StreamEnvironment({ wasm: true })
    .fromArray(input)
    .pipe(
      watermarks({ timestamp: (b: Bid) => b.ts, outOfOrderness: 200 }),
      keyBy((b: Bid) => b.key),
      window(sliding(1_000, 250)),
      aggregate({
        n: count(),
        total: sum((b: Bid) => {
          if (b.price === fail) throw new Error(`bad price ${b.price}`);
          return b.price;
        }),
        top: max((b: Bid) => b.price),
      }),
    )
    .collect();
}

describe('window operators reuse the WebAssembly kernel a finished job left behind', () => {
  afterEach(() => vi.restoreAllMocks());

  it('a second job takes the first one’s kernel and gets exactly the rows a fresh kernel gives', async () => {
    const first = bids(3_000, 7);
    const second = bids(3_000, 8);
    const fresh = await job(second); // leaves a kernel behind
    const load = vi.spyOn(WasmWindowAggregation, 'load');
    await job(first); // takes it, leaves it again
    const reused = await job(second);
    expect(load).not.toHaveBeenCalled();
    expect(reused).toEqual(fresh);
    expect(reused.length).toBeGreaterThan(100);
  });

  it('a failed job does not give its kernel back', async () => {
    await job(bids(500, 9)); // one idle kernel
    await expect(job(bids(3_000, 10), 42)).rejects.toThrow(/bad price 42/); // takes it, fails
    const load = vi.spyOn(WasmWindowAggregation, 'load');
    await job(bids(500, 11));
    expect(load).toHaveBeenCalledTimes(1);
  });
});
