import { StreamEnvironment } from '../api/environment';
import type { Stream } from '../api/stream';
import { ConfigurationError } from '../errors';
import type { ReadResult, Source, SourceContext, SourceOutput, SourceReader } from '../io/source';
import { generateBatch, type NexmarkBatch } from './columnar';
import { resolveNexmarkConfig, type NexmarkConfig, type ResolvedNexmarkConfig } from './config';
import { EventGenerator } from './generator';
import type { NexmarkEvent } from './model';

/** Options of the columnar source: the generator's configuration plus the events per batch. */
export interface NexmarkColumnarConfig extends NexmarkConfig {
  /** Events per `NexmarkBatch` record (default 4096). */
  readonly eventsPerBatch?: number;
}

/**
 * The Nexmark generator as a source of event objects (Flink's `NexmarkSourceFunction`): bounded
 * when `events` is set, replayable from its position (the index of the next event). Each record
 * carries its event time as its timestamp.
 *
 * @example
 * const events = env.fromSource(nexmarkSource({ events: 100_000, seed: 1 }));
 */
export function nexmarkSource(config: NexmarkConfig = {}): Source<NexmarkEvent> {
  const c = resolveNexmarkConfig(config);
  return {
    name: 'nexmark',
    bounded: Number.isFinite(c.events),
    createReader(context: SourceContext): SourceReader<NexmarkEvent> {
      const generator = new EventGenerator(c, startPosition(context, c));
      return {
        read(output: SourceOutput<NexmarkEvent>, max: number): ReadResult {
          // Events are made a scratch batch of columns at a time, then one object each.
          const emit = (e: NexmarkEvent): void => output.collect(e, e.dateTime);
          for (let n = 0; n < max; ) {
            const made = generator.next(emit, max - n);
            if (made === 0) break;
            n += made;
          }
          return generator.index >= c.events ? 'end' : 'more';
        },
        position: () => generator.index,
      };
    },
  };
}

/**
 * The Nexmark generator as a source of columnar batches: each record is a `NexmarkBatch` of
 * `eventsPerBatch` consecutive events, its timestamp the batch's largest event time (`maxTime`).
 * The position is the index of the next event.
 *
 * @example
 * const batches = env.fromSource(nexmarkColumnarSource({ events: 10_000_000 }));
 */
export function nexmarkColumnarSource(config: NexmarkColumnarConfig = {}): Source<NexmarkBatch> {
  const c = resolveNexmarkConfig(config);
  const perBatch = config.eventsPerBatch ?? 4096;
  if (!Number.isInteger(perBatch) || perBatch <= 0) throw new ConfigurationError(`nexmark: eventsPerBatch must be a positive integer, got ${perBatch}`);
  return {
    name: 'nexmark (columnar)',
    bounded: Number.isFinite(c.events),
    createReader(context: SourceContext): SourceReader<NexmarkBatch> {
      let index = startPosition(context, c);
      const end = c.events;
      return {
        read(output: SourceOutput<NexmarkBatch>, max: number): ReadResult {
          // A batch record already holds thousands of events: one or two per read keep the
          // scheduler's slices short.
          for (let n = 0; n < Math.min(max, 2) && index < end; n++) {
            const count = Math.min(perBatch, end - index);
            const batch = generateBatch(c, index, count);
            index += count;
            output.collect(batch, batch.maxTime);
          }
          return index >= end ? 'end' : 'more';
        },
        position: () => index,
      };
    },
  };
}

function startPosition(context: SourceContext, c: ResolvedNexmarkConfig): number {
  const p = context.restoreFrom;
  if (p === undefined) return 0;
  if (typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p > c.events) {
    throw new ConfigurationError(`nexmark: cannot resume from position ${String(p)}`);
  }
  return p;
}

/**
 * A stream of Nexmark events — persons, auctions and bids, as objects — on `env` (by default a
 * fresh environment). Runs in every runtime: the generator is plain TypeScript.
 *
 * @example
 * const bids = await nexmark({ events: 10_000 }).pipe(filter(isBid), map((b) => b.price)).collect();
 */
export function nexmark(config: NexmarkConfig = {}, env: StreamEnvironment = new StreamEnvironment()): Stream<NexmarkEvent> {
  return env.fromSource(nexmarkSource(config), 'nexmark');
}

/**
 * A stream of columnar `NexmarkBatch` records on `env` (by default a fresh environment): the fast
 * path for stateless queries, which loop over typed arrays instead of objects.
 *
 * @example
 * const bids = await nexmarkColumnar({ events: 1_000_000 }).pipe(map((b) => b.bids.length)).collect();
 */
export function nexmarkColumnar(config: NexmarkColumnarConfig = {}, env: StreamEnvironment = new StreamEnvironment()): Stream<NexmarkBatch> {
  return env.fromSource(nexmarkColumnarSource(config), 'nexmark (columnar)');
}
