import type { OperatorOptions, Stream } from '../api/stream';
import { ConfigurationError } from '../errors';
import { StatelessChainOperator } from './stateless-chain';

/**
 * Calls `fn` for every record and passes the record on unchanged (RxJS's `tap`).
 *
 * @example
 * stream.pipe(tap(x => seen++))
 */
export function tap<T>(fn: (value: T) => void, options: OperatorOptions = {}): (source: Stream<T>) => Stream<T> {
  if (typeof fn !== 'function') throw new ConfigurationError('tap needs a function');
  return (source) => {
    const stage = { kind: 'tap', fn: fn as (v: unknown) => void, name: options.name ?? 'tap', uid: options.uid } as const;
    return source.transform<T>('tap', () => new StatelessChainOperator([stage]) as never, options, { stage });
  };
}
