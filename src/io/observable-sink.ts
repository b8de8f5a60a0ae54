import { Observable } from 'rxjs';
import type { Stream } from '../api/stream';
import { SinkTransformation } from '../graph/transformation';

/**
 * An RxJS `Observable` of the stream's records. Each subscription runs the job once; the
 * observable completes when a bounded job finishes, errors when it fails, and unsubscribing
 * cancels the job.
 *
 * @example
 * toObservable(rows).pipe(rx.take(10)).subscribe(console.log);
 */
export function toObservable<T>(stream: Stream<T>): Observable<T> {
  return new Observable<T>((subscriber) => {
    const job = stream.environment.startJob([
      new SinkTransformation(stream.transformation, {
        name: 'toObservable',
        write(batch) {
          for (let i = 0; i < batch.length && !subscriber.closed; i++) subscriber.next(batch.values[i] as T);
        },
      }),
    ]);
    job.done.then(
      () => subscriber.complete(),
      (error: unknown) => subscriber.error(error),
    );
    return () => {
      void job.cancel();
    };
  });
}
