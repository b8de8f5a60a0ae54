import type { OperatorOptions, Stream } from '../api/stream';
import { ConfigurationError } from '../errors';
import { StatelessChainOperator } from './stateless-chain';

/**
 * Transforms every record (RxJS's and Flink's `map`). Consecutive stateless operators run fused
 * in one loop.
 *
 * @example
 * bids.pipe(map(b => b.price * 100))
 */
export function map<T, R>(fn: (value: T) => R, options: OperatorOptions = {}): (source: Stream<T>) => Stream<R> {
  if (typeof fn !== 'function') throw new ConfigurationError('map needs a function');
  return (source) => {
    const stage = { kind: 'map', fn: fn as (v: unknown) => unknown, name: options.name ?? 'map', uid: options.uid } as const;
    return source.transform<R>('map', () => new StatelessChainOperator([stage]) as never, options, { stage });
  };
}
