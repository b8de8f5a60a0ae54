import { StreamEnvironment } from '../api/environment';
import type { Stream } from '../api/stream';
import { ConfigurationError } from '../errors';
import type { ReadResult, Source, SourceContext, SourceOutput, SourceReader } from '../io/source';
import type { NexmarkBatch } from './columnar';
import { resolveNexmarkConfig, type NexmarkConfig, type ResolvedNexmarkConfig } from './config';
import { EventGenerator } from './generator';
import { SCRATCH_EVENTS, kernelSoon } from './generator-kernel';
import type { NexmarkEvent } from './model';

/** How the sources run the generator (not what it generates: see `NexmarkConfig`). */
export interface NexmarkSourceOptions extends NexmarkConfig {
  /**
   * The columns are written by a WebAssembly kernel (assembly/nexmark-generator.ts) unless `false`;
   * its JavaScript twin writes the same events and runs until the kernel has loaded, and wherever
   * it cannot. In Cloudflare workerd pass the precompiled `nexmark-generator.wasm` module.
   */
  readonly wasm?: boolean | WebAssembly.Module;
}

/** Options of the columnar source: the generator's configuration plus the events per batch. */
export interface NexmarkColumnarConfig extends NexmarkSourceOptions {
  /** Events per `NexmarkBatch` record (default 4096). */
  readonly eventsPerBatch?: number;
  /**
   * Flink's `pipeline.object-reuse` (which the Nexmark suite's Flink configuration turns on): the
   * batches' columns are views of a ring in the generator's memory, overwritten once
   * `REUSED_BATCHES_KEPT` (16) more batches have been made — no allocation and no copy per
   * batch. Read a batch when it arrives and copy what you keep: for chains of `map`/`filter`
   * into a sink, not for `collect()` or an exchange that may queue more batches. The columns may
   * be longer than their valid rows (each group's `length`). Default false.
   */
  readonly objectReuse?: boolean;
}

/** With `objectReuse`, a batch's columns stay valid while this many more batches are made. */
export const REUSED_BATCHES_KEPT = 16;

/**
 * Batches the columnar source makes per read: ~1 ms of work, short enough for the scheduler's
 * slices. Eight rather than two made q0 ~15 % faster (the generator and the operators each run
 * longer in a row). At most REUSED_BATCHES_KEPT: a read's batches all wait in the output before
 * the first is processed, and with object reuse more would overwrite some unread.
 */
const BATCHES_PER_READ = 8;

/** Events per block of the object source's split among parallel subtasks. */
const OBJECT_BLOCK = SCRATCH_EVENTS;

/**
 * The events a subtask reads: with parallelism p, subtask s reads blocks s, s + p, s + 2p, … of
 * `block` consecutive events — the same events, ids and timestamps as one subtask reads, dealt
 * out (like `fromGenerator`'s indices), so a parallel run gives the results of a run on one.
 * Each subtask's events stay in stream order, so its watermarks hold for them.
 */
class Split {
  constructor(
    private readonly block: number,
    private readonly step: number,
    private readonly end: number,
    /** Index of the next event: the position. */
    public index: number,
  ) {}

  /** Events from `index` on that this subtask reads in one run (0 at the end). */
  run(): number {
    const to = this.step === 1 ? this.end : Math.min(this.end, (Math.floor(this.index / this.block) + 1) * this.block);
    return Math.max(0, to - this.index);
  }

  advance(n: number): void {
    this.index += n;
    if (this.step > 1 && this.index % this.block === 0) this.index = Math.min(this.end, this.index + (this.step - 1) * this.block);
  }

  get done(): boolean {
    return this.index >= this.end;
  }
}

function splitOf(context: SourceContext, c: ResolvedNexmarkConfig, block: number): Split {
  const step = context.parallelism ?? 1;
  const start = context.restoreFrom === undefined ? (context.subtaskIndex ?? 0) * block : startPosition(context, c);
  return new Split(block, step, c.events, start);
}

/** The generator's configuration, without the sources' own options. */
function generatorConfig(options: NexmarkColumnarConfig): ResolvedNexmarkConfig {
  const { wasm: _wasm, eventsPerBatch: _eventsPerBatch, objectReuse: _objectReuse, ...config } = options;
  return resolveNexmarkConfig(config);
}

/**
 * The Nexmark generator as a source of event objects (Flink's `NexmarkSourceFunction`): bounded
 * when `events` is set, replayable from its position (the index of the next event), and split
 * among parallel subtasks in blocks of 1024 events. Each record carries its event time as its
 * timestamp.
 *
 * @example
 * const events = env.fromSource(nexmarkSource({ events: 100_000, seed: 1 }));
 */
export function nexmarkSource(options: NexmarkSourceOptions = {}): Source<NexmarkEvent> {
  const c = generatorConfig(options);
  return {
    name: 'nexmark',
    bounded: Number.isFinite(c.events),
    parallel: true,
    createReader(context: SourceContext): SourceReader<NexmarkEvent> {
      const split = splitOf(context, c, OBJECT_BLOCK);
      const generator = new EventGenerator(c, split.index);
      generator.kernel = kernelSoon(c, options, (kernel) => (generator.kernel = kernel));
      return {
        read(output: SourceOutput<NexmarkEvent>, max: number): ReadResult {
          // Events are made a scratch batch of columns at a time, then one object each.
          const emit = (e: NexmarkEvent): void => output.collect(e, e.dateTime);
          for (let n = 0; n < max && !split.done; ) {
            generator.index = split.index;
            const made = generator.next(emit, Math.min(max - n, split.run()));
            split.advance(made);
            n += made;
          }
          return split.done ? 'end' : 'more';
        },
        position: () => split.index,
      };
    },
  };
}

/**
 * The Nexmark generator as a source of columnar batches: each record is a `NexmarkBatch` of
 * `eventsPerBatch` consecutive events, its timestamp the batch's largest event time (`maxTime`).
 * The position is the index of the next event; parallel subtasks take turns batch by batch.
 *
 * @example
 * const batches = env.fromSource(nexmarkColumnarSource({ events: 10_000_000 }));
 */
export function nexmarkColumnarSource(options: NexmarkColumnarConfig = {}): Source<NexmarkBatch> {
  const c = generatorConfig(options);
  const perBatch = options.eventsPerBatch ?? 4096;
  const reuse = options.objectReuse === true;
  if (!Number.isInteger(perBatch) || perBatch <= 0) throw new ConfigurationError(`nexmark: eventsPerBatch must be a positive integer, got ${perBatch}`);
  return {
    name: 'nexmark (columnar)',
    bounded: Number.isFinite(c.events),
    parallel: true,
    createReader(context: SourceContext): SourceReader<NexmarkBatch> {
      const split = splitOf(context, c, perBatch);
      let kernel = kernelSoon(c, options, (k) => (kernel = k));
      return {
        read(output: SourceOutput<NexmarkBatch>, max: number): ReadResult {
          for (let n = 0; n < Math.min(max, BATCHES_PER_READ) && !split.done; n++) {
            const count = Math.min(perBatch, split.run());
            const batch = reuse ? kernel.reused(split.index, count, REUSED_BATCHES_KEPT) : kernel.batch(split.index, count);
            split.advance(count);
            output.collect(batch, batch.maxTime);
          }
          return split.done ? 'end' : 'more';
        },
        position: () => split.index,
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

/** `env`'s `wasm: false` reaches the generator too, unless the options say otherwise. */
function withEnvironment<O extends NexmarkSourceOptions>(options: O, env: StreamEnvironment): O {
  return env.wasm.enabled || options.wasm !== undefined ? options : { ...options, wasm: false };
}

/**
 * A stream of Nexmark events — persons, auctions and bids, as objects — on `env` (by default a
 * fresh environment). Runs in every runtime: the columns the objects are made from are written in
 * WebAssembly where it loads, else by the same generator in TypeScript.
 *
 * @example
 * const bids = await nexmark({ events: 10_000 }).pipe(filter(isBid), map((b) => b.price)).collect();
 */
export function nexmark(config: NexmarkSourceOptions = {}, env: StreamEnvironment = new StreamEnvironment()): Stream<NexmarkEvent> {
  return env.fromSource(nexmarkSource(withEnvironment(config, env)), 'nexmark');
}

/**
 * A stream of columnar `NexmarkBatch` records on `env` (by default a fresh environment): the fast
 * path for stateless queries, which loop over typed arrays instead of objects.
 *
 * @example
 * const bids = await nexmarkColumnar({ events: 1_000_000 }).pipe(map((b) => b.bids.length)).collect();
 */
export function nexmarkColumnar(config: NexmarkColumnarConfig = {}, env: StreamEnvironment = new StreamEnvironment()): Stream<NexmarkBatch> {
  return env.fromSource(nexmarkColumnarSource(withEnvironment(config, env)), 'nexmark (columnar)');
}
