import type { ReadResult, Source, SourceContext, SourceOutput, SourceReader } from './source';

/** How long one read keeps gathering records that are already available, in ms. */
const GATHER_MS = 2;

/**
 * A source over an async iterable (an async generator, a Node stream). A read gathers what arrives
 * within a couple of milliseconds into one batch. Replayable only if the iterable can restart.
 */
export function asyncIterableSource<T>(iterable: AsyncIterable<T>, options: { bounded?: boolean } = {}): Source<T> {
  return {
    name: 'fromAsyncIterable',
    bounded: options.bounded ?? true,
    createReader(context: SourceContext): SourceReader<T> {
      const it = iterable[Symbol.asyncIterator]();
      let position = 0;
      const skip = typeof context.restoreFrom === 'number' ? context.restoreFrom : 0;
      let skipped = skip === 0;
      return {
        async read(output: SourceOutput<T>, max: number): Promise<ReadResult> {
          if (!skipped) {
            for (; position < skip; position++) if ((await it.next()).done) return 'end';
            skipped = true;
          }
          const start = Date.now();
          for (let n = 0; n < max; n++) {
            const r = await it.next();
            if (r.done) return 'end';
            position++;
            output.collect(r.value);
            if (Date.now() - start >= GATHER_MS) break;
          }
          return 'more';
        },
        position: () => position,
        close: () => void it.return?.(),
      };
    },
  };
}
