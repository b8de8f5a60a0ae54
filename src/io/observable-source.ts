import type { Observable } from 'rxjs';
import type { ReadResult, Source, SourceContext, SourceOutput, SourceReader } from './source';

/**
 * What a source needs of an RxJS `Observable` (or any observable with the same `subscribe`). The
 * `Observable` type is imported for inference only; rxjs is not loaded by this module.
 */
export type Subscribable<T> =
  | Observable<T>
  | {
      subscribe(observer: { next: (value: T) => void; error: (err: unknown) => void; complete: () => void }): {
        unsubscribe(): void;
      };
    };

/**
 * A source over an RxJS `Observable`. Observables push and cannot be slowed, so values wait in a
 * queue until the job reads them; an error fails the job. Not replayable (at-most-once on restart).
 */
export function observableSource<T>(observable: Subscribable<T>, options: { bounded?: boolean } = {}): Source<T> {
  return {
    name: 'fromObservable',
    bounded: options.bounded ?? true,
    createReader(_context: SourceContext): SourceReader<T> {
      const queue: T[] = [];
      let head = 0;
      let completed = false;
      let failure: { error: unknown } | undefined;
      let wake: (() => void) | undefined;
      let position = 0;
      const notify = (): void => {
        const w = wake;
        wake = undefined;
        w?.();
      };
      const subscription = observable.subscribe({
        next: (value) => {
          queue.push(value);
          notify();
        },
        error: (error) => {
          failure = { error };
          notify();
        },
        complete: () => {
          completed = true;
          notify();
        },
      });
      const drain = (output: SourceOutput<T>, max: number): ReadResult | undefined => {
        if (failure !== undefined) throw failure.error;
        const n = Math.min(max, queue.length - head);
        for (let i = 0; i < n; i++) output.collect(queue[head++]!);
        position += n;
        if (head === queue.length) {
          queue.length = 0;
          head = 0;
          if (completed) return 'end';
        }
        return n > 0 ? 'more' : undefined;
      };
      return {
        read(output: SourceOutput<T>, max: number): ReadResult | Promise<ReadResult> {
          const now = drain(output, max);
          if (now !== undefined) return now;
          return new Promise<void>((resolve) => (wake = resolve)).then(() => drain(output, max) ?? 'more');
        },
        position: () => position,
        close: () => subscription.unsubscribe(),
      };
    },
  };
}
