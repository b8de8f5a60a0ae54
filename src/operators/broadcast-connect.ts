import type { BroadcastStream } from '../api/broadcast-stream';
import { KeyedStream } from '../api/keyed-stream';
import type { OperatorOptions, Stream } from '../api/stream';
import { ConfigurationError } from '../errors';
import type { KeyedBroadcastProcessFunction } from './broadcast-process-function';
import { BroadcastProcessOperator, KeyedBroadcastProcessOperator, type AnyBroadcastFunction } from './broadcast-process-operator';
import { functionInstance } from './function-instance';

/**
 * `connect(broadcastStream, fn)`: the broadcast state pattern. The stream it is piped onto keeps
 * its partitioning (hash after `keyBy`, else forward or rebalance); the broadcast stream reaches
 * every subtask. After `keyBy` the function is a `KeyedBroadcastProcessFunction`, else a
 * `BroadcastProcessFunction`.
 * https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/fault-tolerance/broadcast_state/
 */
export function connectBroadcast<A, B, O, K>(
  other: BroadcastStream<B>,
  fn: KeyedBroadcastProcessFunction<K, A, B, O>,
  options: OperatorOptions,
): (source: Stream<A>) => Stream<O> {
  if (fn === null || typeof fn !== 'object' || typeof fn.processElement !== 'function' || typeof fn.processBroadcastElement !== 'function') {
    throw new ConfigurationError(
      'connect(broadcastStream, fn) needs a broadcast process function: { processElement(value, ctx, out), processBroadcastElement(value, ctx, out) }',
    );
  }
  const descriptors = other.descriptors;
  return (source) => {
    const inputs = [source.transformation, other.transformation];
    // A fresh instance of the user's function per subtask (and per restart), as Flink deserializes one.
    const instance = (): AnyBroadcastFunction => functionInstance(fn) as unknown as AnyBroadcastFunction;
    if (source instanceof KeyedStream) {
      const selector = source.keySelector;
      return source.transform<O>('broadcastProcess', () => new KeyedBroadcastProcessOperator<A | B, O>(instance(), selector, descriptors), options, {
        inputs,
        sideOutputs: 'any',
      });
    }
    if (fn.onTimer !== undefined) {
      throw new ConfigurationError(
        'connect(broadcastStream, fn): onTimer makes fn a KeyedBroadcastProcessFunction, which needs a keyed stream: keyBy(...) before connect',
      );
    }
    return source.transform<O>('broadcastProcess', () => new BroadcastProcessOperator<A | B, O>(instance(), descriptors), options, {
      inputs,
      sideOutputs: 'any',
    });
  };
}
