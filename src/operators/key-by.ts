import { KeyedStream } from '../api/keyed-stream';
import type { OperatorOptions, Stream } from '../api/stream';
import { ConfigurationError } from '../errors';
import { KeyByTransformation } from '../graph/transformation';
import { KeySelector } from '../runtime/key-selector';

/**
 * Partitions the stream by key (Flink's `keyBy`): keyed operators after it (windows, `process`,
 * `reduce`) see one key at a time. Keys are strings, numbers, bigints, booleans, or arrays/plain
 * objects of those; a key function that returns `undefined` or `null` fails the job.
 *
 * @example
 * bids.pipe(keyBy(b => b.auction), window(tumbling(10_000)), aggregate({ n: count() }))
 */
export function keyBy<T, K>(fn: (value: T) => K, options: OperatorOptions = {}): (source: Stream<T>) => KeyedStream<T, K> {
  if (typeof fn !== 'function') throw new ConfigurationError('keyBy needs a key function');
  return (source) => {
    const selector = new KeySelector<T, K>(fn, options.name ?? 'keyBy', options.uid);
    const t = new KeyByTransformation(source.transformation, selector as KeySelector<unknown, unknown>);
    t.uid = options.uid;
    return new KeyedStream<T, K>(source.environment, t, selector);
  };
}
