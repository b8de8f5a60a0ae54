import type { Batch } from '../types';
import type { KeySelector } from './key-selector';
import { mapKeyOf } from '../state/key-groups';

interface KeyRecords<T> {
  readonly values: T[];
  readonly timestamps: number[];
  readonly inputs: number[];
}

/**
 * Batch mode's keyed input (Flink's `SortingDataInput`): records grouped by key (keys in the order
 * first seen), each key's records in timestamp order, ties in arrival order.
 */
export class SortedKeyedInput<T> {
  private readonly byKey = new Map<unknown, KeyRecords<T>>();

  constructor(private readonly keySelectors: ReadonlyArray<KeySelector<T, unknown>>) {}

  add(batch: Batch<T>, input: number): void {
    const selector = this.keySelectors[input]!;
    for (let i = 0; i < batch.length; i++) {
      const value = batch.values[i]!;
      const mapKey = mapKeyOf(selector.keyOf(value));
      let records = this.byKey.get(mapKey);
      if (records === undefined) {
        records = { values: [], timestamps: [], inputs: [] };
        this.byKey.set(mapKey, records);
      }
      records.values.push(value);
      records.timestamps.push(batch.timestamps[i]!);
      records.inputs.push(input);
    }
  }

  /** Hands each key's records to `process` (runs of one input per batch), then calls `endOfKey`. */
  drain(process: (batch: Batch<T>, input: number) => void, endOfKey: () => void): void {
    for (const records of this.byKey.values()) {
      const n = records.values.length;
      const order = Array.from({ length: n }, (_, i) => i);
      const ts = records.timestamps;
      order.sort((a, b) => (ts[a]! - ts[b]! || a - b));
      let start = 0;
      while (start < n) {
        const input = records.inputs[order[start]!]!;
        let end = start + 1;
        while (end < n && records.inputs[order[end]!] === input) end++;
        const values: T[] = [];
        const timestamps = new Float64Array(end - start);
        for (let j = start; j < end; j++) {
          values.push(records.values[order[j]!]!);
          timestamps[j - start] = ts[order[j]!]!;
        }
        process({ values, timestamps, length: end - start }, input);
        start = end;
      }
      endOfKey();
    }
    this.byKey.clear();
  }
}
