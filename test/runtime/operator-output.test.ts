import { describe, expect, it } from 'vitest';
import { OperatorOutput, type InputTarget } from '../../src/runtime/operator-output';
import type { Batch } from '../../src/types';

/** A downstream input that records each batch it gets (copied: batches are only lent) and each watermark. */
function recorder(): { target: InputTarget; seen: Array<Array<[unknown, number]> | number>; lent: Array<Batch<unknown>> } {
  const seen: Array<Array<[unknown, number]> | number> = [];
  const lent: Array<Batch<unknown>> = [];
  const target: InputTarget = {
    processBatch(batch) {
      lent.push(batch);
      seen.push(Array.from({ length: batch.length }, (_, i) => [batch.values[i], batch.timestamps[i]!] as [unknown, number]));
    },
    processWatermark: (w) => void seen.push(w),
    processIdle() {},
    processBarrier() {},
    endInput() {},
  };
  return { target, seen, lent };
}

const batchOf = (values: string[], timestamps: number[]): Batch<unknown> => ({ values, timestamps: Float64Array.from(timestamps), length: values.length });

describe('OperatorOutput: batches at a time', () => {
  it('collectBatch with nothing pending hands the batch on as it is', () => {
    const { target, seen, lent } = recorder();
    const output = new OperatorOutput(4, [{ target, input: 0 }]);
    const batch = batchOf(['a', 'b'], [1, 2]);
    output.collectBatch(batch);
    expect(lent[0]).toBe(batch);
    expect(seen).toEqual([[['a', 1], ['b', 2]]]);
    expect(output.recordsOut).toBe(2);
  });

  it('collectBatch after collected records keeps the order: it joins them, flushing when full', () => {
    const { target, seen } = recorder();
    const output = new OperatorOutput(4, [{ target, input: 0 }]);
    output.collect('x', 0);
    output.collectBatch(batchOf(['a', 'b', 'c', 'd'], [1, 2, 3, 4]));
    output.emitWatermark(4);
    expect(seen).toEqual([[['x', 0], ['a', 1], ['b', 2], ['c', 3]], [['d', 4]], 4]);
    expect(output.recordsOut).toBe(5);
  });

  it('collectAll copies a source slice without timestamps, in batches of the capacity', () => {
    const { target, seen } = recorder();
    const output = new OperatorOutput(3, [{ target, input: 0 }]);
    output.collect('x', 7);
    output.collectAll(['p', 'a', 'b', 'c', 'd', 'e', 'q'], 1, 6);
    output.flush();
    expect(seen).toEqual([
      [['x', 7], ['a', NaN], ['b', NaN]],
      [['c', NaN], ['d', NaN], ['e', NaN]],
    ]);
  });
});
