import type { Batch } from '../types';

/** A reusable batch an operator fills and hands downstream; emptied after every hand-off. */
export class BatchBuilder<T> implements Batch<T> {
  readonly values: T[];
  readonly timestamps: Float64Array;
  length = 0;

  constructor(readonly capacity: number) {
    this.values = new Array<T>(capacity);
    this.timestamps = new Float64Array(capacity);
  }

  /** Drops references to the records so they can be collected. */
  clear(): void {
    this.values.fill(undefined as T, 0, this.length);
    this.length = 0;
  }
}
