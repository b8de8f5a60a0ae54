import { StreamEnvironment } from '../api/environment';
import type { Stream } from '../api/stream';
import type { GeneratorOptions } from './generator-source';
import type { Subscribable } from './observable-source';

/**
 * Sources usable without an environment, RxJS-style: each call makes a stream on a fresh default
 * `StreamEnvironment` (streaming mode, parallelism 1, system clock).
 *
 * @example
 * const doubled = await fromArray([1, 2, 3]).pipe(map(x => x * 2)).collect();
 */
export function fromArray<T>(values: readonly T[]): Stream<T> {
  return new StreamEnvironment().fromArray(values);
}

export function fromIterable<T>(values: Iterable<T>, options?: { bounded?: boolean }): Stream<T> {
  return new StreamEnvironment().fromIterable(values, options);
}

export function fromAsyncIterable<T>(values: AsyncIterable<T>, options?: { bounded?: boolean }): Stream<T> {
  return new StreamEnvironment().fromAsyncIterable(values, options);
}

export function fromObservable<T>(observable: Subscribable<T>, options?: { bounded?: boolean }): Stream<T> {
  return new StreamEnvironment().fromObservable(observable, options);
}

export function fromReadableStream<T>(stream: ReadableStream<T>): Stream<T> {
  return new StreamEnvironment().fromReadableStream(stream);
}

export function fromGenerator<T>(generate: (index: number) => T, options?: GeneratorOptions): Stream<T> {
  return new StreamEnvironment().fromGenerator(generate, options);
}
