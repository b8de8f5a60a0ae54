import type { OperatorOptions, Stream } from '../api/stream';
import { ConfigurationError } from '../errors';
import { StatelessChainOperator } from './stateless-chain';

/**
 * Turns every record into zero or more records: `fn` returns an iterable (an array, a generator)
 * or nothing.
 *
 * @example
 * lines.pipe(flatMap(line => line.split(' ')))
 */
export function flatMap<T, R>(
  fn: (value: T) => Iterable<R> | null | undefined,
  options: OperatorOptions = {},
): (source: Stream<T>) => Stream<R> {
  if (typeof fn !== 'function') throw new ConfigurationError('flatMap needs a function');
  return (source) => {
    const stage = {
      kind: 'flatMap',
      fn: fn as (v: unknown) => Iterable<unknown> | null | undefined,
      name: options.name ?? 'flatMap',
      uid: options.uid,
    } as const;
    return source.transform<R>('flatMap', () => new StatelessChainOperator([stage]) as never, options, { stage });
  };
}
