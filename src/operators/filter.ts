import type { OperatorOptions, Stream } from '../api/stream';
import { ConfigurationError } from '../errors';
import { StatelessChainOperator } from './stateless-chain';

/**
 * Keeps the records for which `predicate` is truthy.
 *
 * @example
 * bids.pipe(filter(b => b.price > 100))
 */
export function filter<T, S extends T = T>(
  predicate: ((value: T) => value is S) | ((value: T) => unknown),
  options: OperatorOptions = {},
): (source: Stream<T>) => Stream<S> {
  if (typeof predicate !== 'function') throw new ConfigurationError('filter needs a function');
  return (source) => {
    const stage = { kind: 'filter', fn: predicate as (v: unknown) => unknown, name: options.name ?? 'filter', uid: options.uid } as const;
    return source.transform<S>('filter', () => new StatelessChainOperator([stage]) as never, options, { stage });
  };
}
