import type { ReadResult, Source, SourceContext, SourceOutput, SourceReader } from './source';

/** A bounded source over an array; replayable from its index. */
export function arraySource<T>(values: readonly T[]): Source<T> {
  return {
    name: 'fromArray',
    bounded: true,
    createReader(context: SourceContext): SourceReader<T> {
      let index = typeof context.restoreFrom === 'number' ? context.restoreFrom : 0;
      return {
        read(output: SourceOutput<T>, max: number): ReadResult {
          const end = Math.min(values.length, index + max);
          if (output.collectAll !== undefined) {
            output.collectAll(values, index, end);
            index = end;
          } else {
            for (; index < end; index++) output.collect(values[index]!);
          }
          return index >= values.length ? 'end' : 'more';
        },
        position: () => index,
      };
    },
  };
}
