import type { ReadResult, Source, SourceContext, SourceOutput, SourceReader } from './source';

/** How long one read keeps gathering records that are already available, in ms. */
const GATHER_MS = 2;
const GATHERED = Symbol('gathered');

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
      /** A `next()` a read stopped waiting for; the following read takes it up. */
      let pending: Promise<IteratorResult<T>> | undefined;
      return {
        async read(output: SourceOutput<T>, max: number): Promise<ReadResult> {
          if (!skipped) {
            for (; position < skip; position++) if ((await it.next()).done) return 'end';
            skipped = true;
          }
          // Once a record is in hand, waiting for the next one is bounded by the gathering time:
          // an iterable that stalls must not hold back what it has already produced.
          let timer: ReturnType<typeof setTimeout> | undefined;
          let deadline: Promise<typeof GATHERED> | undefined;
          try {
            for (let n = 0; n < max; n++) {
              const next = pending ?? it.next();
              pending = next;
              let r: IteratorResult<T> | typeof GATHERED;
              if (n === 0) {
                r = await next;
              } else {
                deadline ??= new Promise((resolve) => (timer = setTimeout(() => resolve(GATHERED), GATHER_MS)));
                r = await Promise.race([next, deadline]);
                if (r === GATHERED) return 'more';
              }
              pending = undefined;
              if (r.done === true) return 'end';
              position++;
              output.collect(r.value);
            }
            return 'more';
          } finally {
            if (timer !== undefined) clearTimeout(timer);
          }
        },
        position: () => position,
        close: () => void it.return?.(),
      };
    },
  };
}
