import type { Timestamp } from '../types';
import type { Sink } from './sink';

/**
 * A sink that calls `fn` for every record (at-least-once: after a restart, records since the last
 * checkpoint are delivered again).
 *
 * @example
 * stream.sinkTo(callbackSink(row => console.log(row)));
 */
export function callbackSink<T>(fn: (value: T, timestamp: Timestamp | undefined) => void): Sink<T> {
  return {
    name: 'callback',
    write(batch) {
      for (let i = 0; i < batch.length; i++) {
        const ts = batch.timestamps[i]!;
        fn(batch.values[i]!, Number.isNaN(ts) ? undefined : ts);
      }
    },
  };
}
