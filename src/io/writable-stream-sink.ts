import type { Stream } from '../api/stream';
import type { JobResult } from '../runtime/job-handle';
import type { Sink } from './sink';

/**
 * A sink into a WHATWG `WritableStream` (one chunk per record) that honours its backpressure: when
 * the stream's queue is full the job stops reading input until it drains. The stream is closed at
 * the end of a bounded job. At-least-once.
 */
export function writableStreamSink<T>(stream: WritableStream<T>): Sink<T> {
  const writer = stream.getWriter();
  let failed: { error: unknown } | undefined;
  const onError = (error: unknown): void => {
    failed ??= { error };
  };
  return {
    name: 'toWritableStream',
    write(batch) {
      if (failed !== undefined) throw failed.error;
      for (let i = 0; i < batch.length; i++) writer.write(batch.values[i]!).catch(onError);
      if ((writer.desiredSize ?? 1) <= 0) {
        return writer.ready.then(() => {
          if (failed !== undefined) throw failed.error;
        });
      }
      return undefined;
    },
    async finish() {
      await writer.close();
      if (failed !== undefined) throw failed.error;
    },
    close() {
      writer.releaseLock();
    },
  };
}

/**
 * Runs the job, writing every record of `stream` into `writable`; resolves when the job ends and
 * the writable is closed.
 *
 * @example
 * await toWritableStream(rows, new WritableStream({ write(row) { ... } }));
 */
export async function toWritableStream<T>(stream: Stream<T>, writable: WritableStream<T>): Promise<JobResult> {
  stream.sinkTo(writableStreamSink(writable));
  const job = await stream.environment.execute();
  return job.done;
}
