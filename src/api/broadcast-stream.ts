import type { PartitionTransformation } from '../graph/transformation';
import type { MapStateDescriptor } from '../state/descriptors';
import type { StreamEnvironment } from './environment';

/**
 * A stream whose every record goes to every parallel subtask of the operator it is connected to,
 * with the broadcast state that operator keeps of it (Flink's `BroadcastStream`). Made by
 * `broadcast(descriptor, ...)`; its only use is `connect(broadcastStream, broadcastProcessFunction)`.
 * https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/fault-tolerance/broadcast_state/
 *
 * @example
 * const ruleState = new MapStateDescriptor<string, Rule>('rules');
 * const rules: BroadcastStream<Rule> = ruleStream.pipe(broadcast(ruleState));
 * items.pipe(keyBy((i) => i.color), connect<Item, Rule, string, string>(rules, matcher));
 */
export class BroadcastStream<T> {
  declare readonly __element?: T;

  /** @internal */
  constructor(
    readonly environment: StreamEnvironment,
    /** @internal The broadcast exchange after the stream's producer. */ readonly transformation: PartitionTransformation,
    /** The broadcast states the connected operator keeps, by descriptor name. */
    readonly descriptors: ReadonlyArray<MapStateDescriptor<unknown, unknown>>,
  ) {}
}
