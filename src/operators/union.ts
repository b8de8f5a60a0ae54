import type { OperatorOptions, Stream } from '../api/stream';
import { AbstractOperator } from '../runtime/abstract-operator';
import type { Batch } from '../types';

/** Forwards every input; the runtime combines their watermarks (minimum over active inputs). */
class UnionOperator<T> extends AbstractOperator<T, T> {
  processBatch(batch: Batch<T>): void {
    const { values, timestamps } = batch;
    for (let i = 0; i < batch.length; i++) this.output.collect(values[i]!, timestamps[i]!);
  }
}

/**
 * Merges streams of the same type (Flink's `union`, RxJS's `merge`). The watermark after a union is
 * the minimum of its inputs' watermarks; idle inputs are left out.
 *
 * @example
 * a.pipe(union(b, c))
 */
export function union<T>(...others: Array<Stream<T>>): (source: Stream<T>) => Stream<T> {
  return unionWith(others, {});
}

/** `union` with operator options. */
export function unionWith<T>(others: Array<Stream<T>>, options: OperatorOptions): (source: Stream<T>) => Stream<T> {
  return (source) =>
    source.transform<T>('union', () => new UnionOperator<T>(), options, {
      inputs: [source.transformation, ...others.map((o) => o.transformation)],
      watermarkRole: 'transparent',
    });
}
