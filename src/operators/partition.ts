import { BroadcastStream } from '../api/broadcast-stream';
import { Stream } from '../api/stream';
import { PartitionTransformation } from '../graph/transformation';
import type { MapStateDescriptor } from '../state/descriptors';
import { checkBroadcastDescriptors } from './broadcast-descriptors';

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

/**
 * Every record to every subtask of the next operator (Flink's `broadcast()`). Given one or more
 * `MapStateDescriptor`s it makes a `BroadcastStream` instead (Flink's `broadcast(descriptors...)`):
 * connect it to a keyed or plain stream with a broadcast process function, which keeps those
 * broadcast states — the broadcast state pattern,
 * https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/fault-tolerance/broadcast_state/
 *
 * @example
 * env.fromArray(lines).pipe(broadcast(), map(parse))      // every subtask of map sees every line
 *
 * const ruleState = new MapStateDescriptor<string, Rule>('rules');
 * const rules = ruleStream.pipe(broadcast(ruleState));     // a BroadcastStream<Rule>
 * items.pipe(keyBy((i) => i.color), connect<Item, Rule, Item, string>(rules, {
 *   processElement(item, ctx, out) { if (ctx.getBroadcastState(ruleState).contains(item.shape)) out.collect(item); },
 *   processBroadcastElement(rule, ctx) { ctx.getBroadcastState(ruleState).put(rule.shape, rule); },
 * }))
 */
export function broadcast<T>(): (source: Stream<T>) => Stream<T>;
export function broadcast<T>(
  descriptor: MapStateDescriptor<unknown, unknown>,
  ...more: ReadonlyArray<MapStateDescriptor<unknown, unknown>>
): (source: Stream<T>) => BroadcastStream<T>;
export function broadcast<T>(...descriptors: ReadonlyArray<MapStateDescriptor<unknown, unknown>>): (source: Stream<T>) => Stream<T> | BroadcastStream<T> {
  if (descriptors.length === 0) {
    return (source) => new Stream<T>(source.environment, new PartitionTransformation(source.transformation, { kind: 'broadcast' }));
  }
  checkBroadcastDescriptors(descriptors);
  return (source) =>
    new BroadcastStream<T>(source.environment, new PartitionTransformation(source.transformation, { kind: 'broadcast' }), descriptors);
}

/** Subtask i to subtask i; the parallelism must not change (Flink's `forward()`). */
export function forward<T>(): (source: Stream<T>) => Stream<T> {
  return (source) => new Stream<T>(source.environment, new PartitionTransformation(source.transformation, { kind: 'forward' }));
}
