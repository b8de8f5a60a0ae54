import { Stream } from '../api/stream';
import { PartitionTransformation } from '../graph/transformation';

/**
 * Physical partitioning (Flink's `rebalance()`, `rescale()`, `broadcast()`, `forward()`): how
 * records travel to the next operator's parallel subtasks. The default is `forward` when both
 * sides have the same parallelism and `rebalance` otherwise; `keyBy` partitions by key.
 * https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/operators/overview/#physical-partitioning
 *
 * @example
 * env.fromArray(lines).pipe(rebalance(), map(parse))   // spread a one-subtask source over all subtasks
 */
export function rebalance<T>(): (source: Stream<T>) => Stream<T> {
  return (source) => new Stream<T>(source.environment, new PartitionTransformation(source.transformation, { kind: 'rebalance' }));
}

/** Round-robin over a local group of the next operator's subtasks (Flink's `rescale()`). */
export function rescale<T>(): (source: Stream<T>) => Stream<T> {
  return (source) => new Stream<T>(source.environment, new PartitionTransformation(source.transformation, { kind: 'rescale' }));
}

/** Every record to every subtask of the next operator (Flink's `broadcast()`). */
export function broadcast<T>(): (source: Stream<T>) => Stream<T> {
  return (source) => new Stream<T>(source.environment, new PartitionTransformation(source.transformation, { kind: 'broadcast' }));
}

/** Subtask i to subtask i; the parallelism must not change (Flink's `forward()`). */
export function forward<T>(): (source: Stream<T>) => Stream<T> {
  return (source) => new Stream<T>(source.environment, new PartitionTransformation(source.transformation, { kind: 'forward' }));
}
