import type { ReadResult, Source, SourceContext, SourceOutput, SourceReader } from './source';

/**
 * A source over a synchronous iterable (an array, a Set, a generator). Bounded unless
 * `bounded: false` is given for an endless generator. Replay skips the records before the position,
 * so it needs an iterable that can be iterated again from the start.
 */
export function iterableSource<T>(iterable: Iterable<T>, options: { bounded?: boolean } = {}): Source<T> {
  return {
    name: 'fromIterable',
    bounded: options.bounded ?? true,
    createReader(context: SourceContext): SourceReader<T> {
      const it = iterable[Symbol.iterator]();
      let position = 0;
      const skip = typeof context.restoreFrom === 'number' ? context.restoreFrom : 0;
      for (; position < skip; position++) if (it.next().done) break;
      return {
        read(output: SourceOutput<T>, max: number): ReadResult {
          for (let n = 0; n < max; n++) {
            const r = it.next();
            if (r.done) return 'end';
            position++;
            output.collect(r.value);
          }
          return 'more';
        },
        position: () => position,
        close: () => void it.return?.(),
      };
    },
  };
}
