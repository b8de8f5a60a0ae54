import type { ReadResult, Source, SourceContext, SourceOutput, SourceReader } from './source';

/**
 * A source over a WHATWG `ReadableStream` (one record per chunk). The stream's own backpressure
 * holds: a chunk is read only when the job asks for more. Not replayable: a stream cannot rewind,
 * so a job that restarts continues from where the stream is (at-most-once for in-flight chunks).
 */
export function readableStreamSource<T>(stream: ReadableStream<T>): Source<T> {
  return {
    name: 'fromReadableStream',
    bounded: true,
    createReader(_context: SourceContext): SourceReader<T> {
      const reader = stream.getReader();
      let position = 0;
      return {
        async read(output: SourceOutput<T>, max: number): Promise<ReadResult> {
          const start = Date.now();
          for (let n = 0; n < max; n++) {
            const r = await reader.read();
            if (r.done) return 'end';
            position++;
            output.collect(r.value);
            if (Date.now() - start >= 2) break;
          }
          return 'more';
        },
        position: () => position,
        close: () => {
          reader.cancel().catch(() => {});
        },
      };
    },
  };
}
