import type { KeyedStream } from '../api/keyed-stream';
import { WindowedStream, type WindowOptions } from '../api/windowed-stream';
import { ConfigurationError } from '../errors';
import type { WindowAssigner } from '../windowing/window-assigner';

/**
 * Cuts a keyed stream into windows (Flink's `window`); follow it with `aggregate`, `reduce`,
 * `count`/`sum`/`min`/`max`/`avg` or `process`. Windows fire when the watermark passes their end
 * (`end - 1`); with `allowedLateness` late elements fire them again, later ones go to `lateOutput`.
 *
 * @example
 * keyBy(b => b.auction), window(tumbling(10_000), { allowedLateness: 5_000, lateOutput: late }), aggregate({ n: count() })
 */
export function window<T, K>(assigner: WindowAssigner<T>, options: WindowOptions<T> = {}): (source: KeyedStream<T, K>) => WindowedStream<T, K> {
  if (assigner === null || typeof assigner !== 'object' || typeof assigner.assignWindows !== 'function') {
    throw new ConfigurationError('window needs a window assigner: tumbling(...), sliding(...), session(...) or globalWindow()');
  }
  return (source) => {
    if (!('keySelector' in source)) {
      throw new ConfigurationError('window(...) needs a keyed stream: add keyBy(...) before it');
    }
    return new WindowedStream<T, K>(source, assigner, options);
  };
}
