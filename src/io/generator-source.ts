import { ConfigurationError } from '../errors';
import type { ReadResult, Source, SourceContext, SourceOutput, SourceReader } from './source';

export interface GeneratorOptions {
  /** How many records; unbounded when absent. */
  readonly count?: number;
  /** At most this many records per second of processing time (Flink's `RateLimiterStrategy.perSecond`). */
  readonly eventsPerSecond?: number;
}

/**
 * Flink's `DataGeneratorSource`: record i is `generate(i)`, optionally rate-limited on the job's
 * clock. Replayable: the position is the index of the next record. Parallel: subtask s of p
 * generates the indices s, s + p, s + 2p, … (and its share of the rate).
 *
 * @example
 * env.fromGenerator(i => ({ id: i, ts: Date.now() }), { eventsPerSecond: 10_000 })
 */
export function generatorSource<T>(generate: (index: number) => T, options: GeneratorOptions = {}): Source<T> {
  const { count = Number.POSITIVE_INFINITY, eventsPerSecond } = options;
  if (!(count >= 0)) throw new ConfigurationError(`fromGenerator: count must be ≥ 0, got ${count}`);
  if (eventsPerSecond !== undefined && !(eventsPerSecond > 0)) {
    throw new ConfigurationError(`fromGenerator: eventsPerSecond must be > 0, got ${eventsPerSecond}`);
  }
  return {
    name: 'fromGenerator',
    bounded: Number.isFinite(count),
    parallel: true,
    createReader(context: SourceContext): SourceReader<T> {
      const step = context.parallelism ?? 1;
      let index = typeof context.restoreFrom === 'number' ? context.restoreFrom : (context.subtaskIndex ?? 0);
      const clock = context.clock;
      const startTime = clock.now();
      const startIndex = index;
      const rate = eventsPerSecond === undefined ? undefined : eventsPerSecond / step;
      const emit = (output: SourceOutput<T>, n: number): ReadResult => {
        const end = Math.min(count, index + n * step);
        for (; index < end; index += step) output.collect(generate(index));
        return index >= count ? 'end' : 'more';
      };
      return {
        read(output: SourceOutput<T>, max: number): ReadResult | Promise<ReadResult> {
          if (rate === undefined) return emit(output, max);
          const emitted = (index - startIndex) / step;
          const allowed = Math.floor(((clock.now() - startTime) * rate) / 1000) - emitted;
          if (allowed > 0) return emit(output, Math.min(max, allowed));
          // Ahead of the rate: wait until the next record is due.
          const dueAt = startTime + ((emitted + 1) * 1000) / rate;
          return new Promise<ReadResult>((resolve) => {
            clock.schedule(dueAt, () => resolve(emit(output, 1)));
          });
        },
        position: () => index,
      };
    },
  };
}
