import { ConfigurationError } from '../errors';
import type { Clock } from '../types';
import type { ReadResult, SourceContext, SourceOutput, SourcePosition, SourceReader } from './source';
import type { SplitReader, SplitSource, SplitState } from './split-source';

export interface GeneratorOptions {
  /** How many records; unbounded when absent. */
  readonly count?: number;
  /** At most this many records per second of processing time (Flink's `RateLimiterStrategy.perSecond`). */
  readonly eventsPerSecond?: number;
}

/**
 * A generator's split: the indices `next`, `next + stride`, `next + 2·stride`, … below `count`.
 * A fresh run at parallelism p has p of them, `{ next: s, stride: p }` for subtask s.
 */
// A type alias, not an interface: it must fit `SplitState`'s index signature.
export type GeneratorSplit = { readonly next: number; readonly stride: number };

/**
 * Flink's `DataGeneratorSource`: record i is `generate(i)`, optionally rate-limited on the job's
 * clock. Replayable, and parallel with splits: subtask s of p generates the indices s, s + p,
 * s + 2p, … (and its share of the rate); a checkpoint stores each subtask's split with the next
 * index, so a restore at any parallelism generates every index not yet emitted exactly once.
 *
 * @example
 * env.fromGenerator(i => ({ id: i, ts: Date.now() }), { eventsPerSecond: 10_000 })
 */
export function generatorSource<T>(generate: (index: number) => T, options: GeneratorOptions = {}): SplitSource<T, GeneratorSplit> {
  const { count = Number.POSITIVE_INFINITY, eventsPerSecond } = options;
  if (!(count >= 0)) throw new ConfigurationError(`fromGenerator: count must be ≥ 0, got ${count}`);
  if (eventsPerSecond !== undefined && !(eventsPerSecond > 0)) {
    throw new ConfigurationError(`fromGenerator: eventsPerSecond must be > 0, got ${eventsPerSecond}`);
  }
  const reader = (splits: readonly GeneratorSplit[], clock: Clock): GeneratorReader<T> =>
    new GeneratorReader(generate, count, eventsPerSecond, splits, clock);
  return {
    name: 'fromGenerator',
    bounded: Number.isFinite(count),
    parallel: true,
    createSplits: (parallelism) => Array.from({ length: parallelism }, (_, s) => ({ next: s, stride: parallelism })),
    createSplitReader: (splits, context) => reader(splits.map(checkSplit), context.clock),
    splitsAtPosition: (position, subtask, parallelism) => [splitAt(position, subtask, parallelism)],
    createReader(context: SourceContext): SourceReader<T> {
      const subtask = context.subtaskIndex ?? 0;
      const parallelism = context.parallelism ?? 1;
      return reader([splitAt(context.restoreFrom ?? subtask, subtask, parallelism)], context.clock);
    },
  };
}

/** The split of subtask `subtask` of `parallelism` whose next index is `position`. */
function splitAt(position: SourcePosition, subtask: number, parallelism: number): GeneratorSplit {
  // A position of subtask s of p is one of its indices, s + k·p: anything else is not its.
  if (typeof position !== 'number' || !Number.isSafeInteger(position) || position < subtask || (position - subtask) % parallelism !== 0) {
    throw new ConfigurationError(`fromGenerator: subtask ${subtask} of ${parallelism} cannot resume from position ${JSON.stringify(position)}`);
  }
  return { next: position, stride: parallelism };
}

function checkSplit(split: SplitState): GeneratorSplit {
  const s = split as Partial<Record<string, unknown>> | null;
  const ok =
    typeof s === 'object' &&
    s !== null &&
    Number.isSafeInteger(s.next) &&
    (s.next as number) >= 0 &&
    Number.isSafeInteger(s.stride) &&
    (s.stride as number) >= 1;
  if (!ok) throw new ConfigurationError(`fromGenerator: cannot resume from split ${JSON.stringify(split)}: expected { next, stride }, integers with next ≥ 0 and stride ≥ 1`);
  return { next: s.next as number, stride: s.stride as number };
}

/**
 * Reads generator splits, merged by index so that a subtask's records keep their order (an
 * event-time generator stays in order). Rate-limited to the share of the indices its splits hold.
 */
class GeneratorReader<T> implements SplitReader<T, GeneratorSplit>, SourceReader<T> {
  // Per split, parallel arrays; a split whose next index is ≥ `count` is read to its end.
  private readonly next: number[] = [];
  private readonly stride: number[] = [];
  // Rate limiting.
  private readonly rate: number | undefined;
  private readonly startTime: number;
  private emitted = 0;
  /** One read's records, handed on in one `collectAll` call (reused from read to read). */
  private readonly buffer: T[] = [];

  constructor(
    private readonly generate: (index: number) => T,
    private readonly count: number,
    eventsPerSecond: number | undefined,
    splits: readonly GeneratorSplit[],
    private readonly clock: Clock,
  ) {
    let share = 0;
    for (const s of splits) {
      share += 1 / s.stride;
      this.next.push(s.next);
      this.stride.push(s.stride);
    }
    this.rate = eventsPerSecond === undefined ? undefined : eventsPerSecond * share;
    this.startTime = clock.now();
  }

  read(output: SourceOutput<T>, max: number): ReadResult | Promise<ReadResult> {
    const rate = this.rate;
    if (rate === undefined || this.exhausted()) return this.emit(output, max);
    const allowed = Math.floor(((this.clock.now() - this.startTime) * rate) / 1000) - this.emitted;
    if (allowed > 0) return this.emit(output, Math.min(max, allowed));
    // Ahead of the rate: wait until the next record is due.
    const dueAt = this.startTime + ((this.emitted + 1) * 1000) / rate;
    return new Promise<ReadResult>((resolve) => {
      this.clock.schedule(dueAt, () => resolve(this.emit(output, 1)));
    });
  }

  private emit(output: SourceOutput<T>, n: number): ReadResult {
    const { next, stride, count, generate } = this;
    if (next.length === 1) {
      // One split (every subtask of a run that was not rescaled): a plain loop.
      const step = stride[0]!;
      let index = next[0]!;
      const end = Math.min(count, index + n * step);
      if (output.collectAll !== undefined) {
        // The records go on in one call, not one `collect` each: the loop calls nothing but the
        // user's function.
        const buffer = this.buffer;
        let k = 0;
        for (; index < end; index += step) buffer[k++] = generate(index);
        output.collectAll(buffer, 0, k);
        if (index >= count) buffer.length = 0;
      } else {
        for (; index < end; index += step) output.collect(generate(index));
      }
      this.emitted += (index - next[0]!) / step;
      next[0] = index;
    } else {
      for (let k = 0; k < n; k++) {
        let i = -1;
        for (let j = 0; j < next.length; j++) if (next[j]! < count && (i < 0 || next[j]! < next[i]!)) i = j;
        if (i < 0) break;
        output.collect(generate(next[i]!));
        next[i]! += stride[i]!;
        this.emitted++;
      }
    }
    return this.exhausted() ? 'end' : 'more';
  }

  private exhausted(): boolean {
    for (const index of this.next) if (index < this.count) return false;
    return true;
  }

  snapshotSplits(): GeneratorSplit[] {
    const splits: GeneratorSplit[] = [];
    for (let i = 0; i < this.next.length; i++) if (this.next[i]! < this.count) splits.push({ next: this.next[i]!, stride: this.stride[i]! });
    return splits;
  }

  /** The next index of a reader of one subtask's split (`createReader`). */
  position(): number {
    return this.next[0] ?? this.count;
  }
}
