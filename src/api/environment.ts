import { ConfigurationError, JobCanceledError } from '../errors';
import { buildJobGraph, type JobGraph } from '../graph/job-graph';
import { SinkTransformation, SourceTransformation, type Transformation } from '../graph/transformation';
import { arraySource } from '../io/array-source';
import { asyncIterableSource } from '../io/async-iterable-source';
import { generatorSource, type GeneratorOptions } from '../io/generator-source';
import { iterableSource } from '../io/iterable-source';
import { observableSource, type Subscribable } from '../io/observable-source';
import { readableStreamSource } from '../io/readable-stream-source';
import type { Source } from '../io/source';
import type { JobHandle } from '../runtime/job-handle';
import { MemoryCheckpointStorage } from '../checkpoint/memory-storage';
import type { CheckpointConfig } from '../checkpoint/checkpoint-coordinator';
import type { CheckpointStorage, CompletedCheckpoint } from '../checkpoint/checkpoint-storage';
import { Job } from '../runtime/job';
import { defaultRestartStrategy, validateRestartStrategy, type RestartStrategy } from '../runtime/restart-strategy';
import { DEFAULT_MAX_PARALLELISM } from '../state/key-groups';
import { SystemClock } from '../time/clock';
import type { Clock, RuntimeMode, WasmOptions } from '../types';
import { Stream } from './stream';
import { ClusterExecutor, type ClusterJob } from '../parallel/cluster-executor';
import { isJobDefinition } from '../parallel/define-job';
import { flinkConfigOptions } from './flink-config';
import { positiveInteger, positiveNumber } from './option-checks';
import type { WorkerPool } from '../parallel/worker-pool';

export interface StreamEnvironmentOptions {
  /**
   * Subtasks per operator (Flink's `parallelism.default`): on `workers` for `executeJob` /
   * `collectJob`, otherwise interleaved on this thread.
   */
  readonly parallelism?: number;
  /** Number of key groups, the unit of state redistribution (Flink's default: 128). */
  readonly maxParallelism?: number;
  /** `'streaming'` (default) or `'batch'` for bounded input (Flink's `execution.runtime-mode`). */
  readonly runtimeMode?: RuntimeMode;
  /** Processing time; inject a `ManualClock` in tests. */
  readonly clock?: Clock;
  /** Period of periodic watermarks in ms (Flink's `pipeline.auto-watermark-interval`, 200). */
  readonly autoWatermarkInterval?: number;
  /** Records per batch between operators. */
  readonly batchSize?: number;
  /**
   * Built-in window aggregations (count/sum/min/max/avg over tumbling, sliding and session
   * event-time windows) run in WebAssembly kernels unless `false`; their JavaScript twins give
   * identical results. In Cloudflare workerd pass the precompiled modules:
   * `{ windowAggregate: mod, sessionAggregate: mod2 }`.
   */
  readonly wasm?: boolean | { readonly windowAggregate?: WebAssembly.Module; readonly sessionAggregate?: WebAssembly.Module };
  /** Periodic checkpoints (Flink's `execution.checkpointing.*`); off when absent. */
  readonly checkpoint?: CheckpointConfig;
  /** What to do when the job fails; Flink's default: fixed-delay when checkpointing, else none. */
  readonly restart?: RestartStrategy;
  /**
   * Starts from a checkpoint or savepoint instead of from scratch: a `CompletedCheckpoint` (e.g.
   * `await storage.open(id)`, or `FileCheckpointStorage.openPath(dir)` in Node), or a storage whose
   * latest checkpoint to use — how a reloaded tab or a restarted process continues.
   */
  readonly restoreFrom?: CompletedCheckpoint | CheckpointStorage;
  /** Start even if the checkpoint has state for operators the job no longer has. */
  readonly allowNonRestoredState?: boolean;
  /**
   * Flink configuration keys, e.g. `{ 'execution.runtime-mode': 'BATCH',
   * 'execution.checkpointing.interval': '10 s', 'restart-strategy.type': 'fixed-delay' }` (see
   * `FLINK_CONFIG_KEYS`). A key sets the option it names, over the option given beside it;
   * checkpointing keys fill in `checkpoint`, and an interval among them turns checkpointing on.
   */
  readonly config?: Readonly<Record<string, string | number>>;
  /**
   * Runs jobs started with `executeJob` / `collectJob` on workers, one per parallel subtask index:
   * `webWorkers()` in browsers and Deno, `nodeWorkers()` from `sluice/node`. Without it those jobs
   * run their subtasks on this thread, interleaved.
   */
  readonly workers?: WorkerPool;
}

/**
 * Where a job is defined and run (Flink's `StreamExecutionEnvironment`).
 *
 * @example
 * const env = new StreamEnvironment({ runtimeMode: 'batch' });
 * const counts = await env.fromArray(words).pipe(keyBy(w => w), window(globalWindow(), { trigger: countTrigger(2) }), count()).collect();
 */
export class StreamEnvironment {
  readonly parallelism: number;
  readonly maxParallelism: number;
  readonly runtimeMode: RuntimeMode;
  readonly clock: Clock;
  readonly autoWatermarkInterval: number;
  readonly batchSize: number;
  readonly wasm: WasmOptions;
  readonly checkpoint: CheckpointConfig | undefined;
  readonly restart: RestartStrategy;
  private readonly restoreFrom: CompletedCheckpoint | CheckpointStorage | undefined;
  private readonly allowNonRestoredState: boolean;
  readonly workers: WorkerPool | undefined;
  private sinks: SinkTransformation[] = [];

  constructor(options: StreamEnvironmentOptions = {}) {
    const { checkpoint: configured, ...fromConfig } = flinkConfigOptions(options.config ?? {});
    const merged: StreamEnvironmentOptions = { ...options, ...fromConfig };
    this.parallelism = positiveInteger('parallelism', merged.parallelism ?? 1);
    this.maxParallelism = positiveInteger('maxParallelism', merged.maxParallelism ?? DEFAULT_MAX_PARALLELISM);
    if (this.maxParallelism > 32768) throw new ConfigurationError(`maxParallelism must be ≤ 32768 (Flink's limit), got ${this.maxParallelism}`);
    if (this.parallelism > this.maxParallelism) {
      throw new ConfigurationError(`parallelism (${this.parallelism}) must not exceed maxParallelism (${this.maxParallelism})`);
    }
    const mode = merged.runtimeMode ?? 'streaming';
    if (mode !== 'streaming' && mode !== 'batch') throw new ConfigurationError(`runtimeMode must be 'streaming' or 'batch', got ${String(mode)}`);
    this.runtimeMode = mode;
    this.clock = options.clock ?? new SystemClock();
    this.autoWatermarkInterval = positiveNumber('autoWatermarkInterval', merged.autoWatermarkInterval ?? 200);
    this.batchSize = positiveInteger('batchSize', merged.batchSize ?? 1024);
    const wasm = options.wasm ?? true;
    this.wasm = typeof wasm === 'boolean' ? { enabled: wasm } : { enabled: true, modules: wasm };
    const checkpoint = { ...options.checkpoint, ...configured };
    // As in Flink, configuration keys turn checkpointing on only with an interval among them.
    this.checkpoint = options.checkpoint === undefined && checkpoint.interval === undefined ? undefined : (checkpoint as CheckpointConfig);
    if (this.checkpoint !== undefined) {
      positiveNumber('checkpoint.interval', this.checkpoint.interval);
      if (this.checkpoint.mode !== undefined && this.checkpoint.mode !== 'exactly-once' && this.checkpoint.mode !== 'at-least-once') {
        throw new ConfigurationError(`checkpoint.mode must be 'exactly-once' or 'at-least-once', got ${String(this.checkpoint.mode)}`);
      }
      if ((this.checkpoint.maxConcurrent ?? 1) !== 1) throw new ConfigurationError('checkpoint.maxConcurrent: only 1 is supported');
    }
    this.restart = merged.restart ?? defaultRestartStrategy(this.checkpoint !== undefined);
    validateRestartStrategy(this.restart);
    this.restoreFrom = options.restoreFrom;
    this.allowNonRestoredState = options.allowNonRestoredState ?? false;
    this.workers = options.workers;
  }

  /** A stream from any `Source`. */
  fromSource<T>(source: Source<T>, name?: string): Stream<T> {
    const t = new SourceTransformation(source as Source<unknown>);
    if (name !== undefined) t.name = name;
    return new Stream<T>(this, t);
  }

  fromArray<T>(values: readonly T[]): Stream<T> {
    if (!Array.isArray(values)) throw new ConfigurationError('fromArray needs an array');
    return this.fromSource(arraySource(values));
  }

  fromIterable<T>(values: Iterable<T>, options?: { bounded?: boolean }): Stream<T> {
    return this.fromSource(iterableSource(values, options));
  }

  fromAsyncIterable<T>(values: AsyncIterable<T>, options?: { bounded?: boolean }): Stream<T> {
    return this.fromSource(asyncIterableSource(values, options));
  }

  fromObservable<T>(observable: Subscribable<T>, options?: { bounded?: boolean }): Stream<T> {
    return this.fromSource(observableSource(observable, options));
  }

  fromReadableStream<T>(stream: ReadableStream<T>): Stream<T> {
    return this.fromSource(readableStreamSource(stream));
  }

  fromGenerator<T>(generate: (index: number) => T, options?: GeneratorOptions): Stream<T> {
    return this.fromSource(generatorSource(generate, options));
  }

  /** Runs every sink registered with `sinkTo`/`print` as one job; resolves once it runs. */
  async execute(jobName?: string): Promise<JobHandle> {
    return this.startJob([], jobName).started;
  }

  /** Runs one job and resolves with the records of each stream, in order (bounded input). */
  async collect<S extends ReadonlyArray<Stream<unknown>>>(
    ...streams: S
  ): Promise<{ -readonly [I in keyof S]: S[I] extends Stream<infer T> ? T[] : never }> {
    const buffers = streams.map(() => [] as unknown[]);
    const sinks = streams.map(
      (s, i) =>
        new SinkTransformation(s.transformation, {
          name: 'collect',
          write(batch) {
            const out = buffers[i]!;
            for (let j = 0; j < batch.length; j++) out.push(batch.values[j]);
          },
        }),
    );
    const job = this.startJob(sinks);
    const result = await job.done;
    if (result.status === 'canceled') throw new JobCanceledError(`The job "${job.name}" was canceled before it finished`);
    return buffers as never;
  }

  /** @internal */
  /**
   * Runs the job defined in the module at `moduleUrl` (its default export is `defineJob(...)`): on
   * the environment's `workers` when it has them, else on this thread. Resolves once started.
   *
   * @example
   * const job = await env.executeJob(new URL('./jobs/counts.js', import.meta.url), { events: 1e6 });
   * await job.done;
   */
  async executeJob<P>(moduleUrl: URL | string, params?: P): Promise<JobHandle> {
    return (await this.startModuleJob(moduleUrl, params, () => {})).started;
  }

  /**
   * Runs the job defined in the module at `moduleUrl` to its end and returns the records of the
   * stream its definition returned. With checkpointing they are exactly-once across restarts.
   */
  async collectJob<T = unknown, P = unknown>(moduleUrl: URL | string, params?: P): Promise<T[]> {
    const rows: T[] = [];
    const job = await this.startModuleJob(moduleUrl, params, (batch) => {
      for (const r of batch) rows.push(r as T);
    });
    const result = await job.done;
    if (result.status === 'canceled') throw new JobCanceledError(`The job "${job.name}" was canceled before it finished`);
    return rows;
  }

  private async startModuleJob(moduleUrl: URL | string, params: unknown, onRows: (rows: unknown[]) => void): Promise<Job> {
    const url = String(moduleUrl);
    const pool = this.workers;
    if (pool === undefined || !pool.available) {
      const module = (await import(/* @vite-ignore */ url)) as { default?: unknown };
      if (!isJobDefinition(module.default)) throw new ConfigurationError(`The job module ${url} must have a default export made by defineJob(...)`);
      const result = module.default.build(this, params);
      const extra = result === undefined ? [] : [new SinkTransformation(result.transformation, { name: 'collect', write: (batch) => void onRows(batch.values.slice(0, batch.length)) })];
      return this.startJob(extra, url);
    }
    // Transactions already delivered, across attempts: a restart may commit one again.
    const delivered = new Set<string>();
    const job: ClusterJob = {
      moduleUrl: url,
      params,
      pool,
      onRows: (rows, txn) => {
        if (txn !== undefined) {
          if (delivered.has(txn)) return;
          delivered.add(txn);
        }
        onRows(rows);
      },
    };
    return this.startJob([], url, (config, attempt) => new ClusterExecutor(url, job, config, attempt));
  }

  addSink(sink: SinkTransformation): void {
    this.sinks.push(sink);
  }

  /** @internal */
  hasSinkFor(t: Transformation): boolean {
    return this.sinks.some((s) => s.inputs[0] === t);
  }

  /** @internal Starts a job of the registered sinks plus `extra`; the registered sinks are consumed. */
  /** @internal The job graph of the sinks added so far plus `extra`; the environment starts afresh. */
  takeGraph(extra: readonly SinkTransformation[] = []): JobGraph {
    const sinks = [...this.sinks, ...extra];
    this.sinks = [];
    return buildJobGraph(sinks);
  }

  startJob(extra: SinkTransformation[], jobName = 'sluice job', createAttempt?: ConstructorParameters<typeof Job>[6]): Job {
    if (createAttempt === undefined && this.parallelism > 1 && this.workers !== undefined) this.checkInPlace();
    const graph = createAttempt === undefined ? this.takeGraph(extra) : { vertices: [] };
    const storage = this.checkpoint === undefined ? undefined : (this.checkpoint.storage ?? new MemoryCheckpointStorage());
    const job = new Job(
      jobName,
      graph,
      {
        clock: this.clock,
        maxParallelism: this.maxParallelism,
        runtimeMode: this.runtimeMode,
        autoWatermarkInterval: this.autoWatermarkInterval,
        batchSize: this.batchSize,
        wasm: this.wasm,
        parallelism: this.parallelism,
        checkpoint: storage === undefined ? undefined : { config: this.checkpoint!, storage, firstId: 1 },
      },
      this.restart,
      storage,
      this.allowNonRestoredState,
      createAttempt,
    );
    void this.resolveRestore().then(
      (restore) => job.startFrom(restore),
      (e: unknown) => job.failBeforeStart(e),
    );
    return job;
  }

  /**
   * A job built in place (closures in this thread) cannot travel to workers. Where workers exist
   * that is an error that says how to ship the job; where the runtime has none (Cloudflare
   * workerd), the subtasks run here, interleaved, with a warning.
   */
  private checkInPlace(): void {
    if (this.workers!.available) {
      throw new ConfigurationError(
        'This job was built in place, and its functions cannot be sent to workers (closures do not cross postMessage). ' +
          'Define it in a module — export default defineJob((env, params) => ...) — and run it with env.executeJob(moduleUrl, params) ' +
          'or env.collectJob(moduleUrl, params); or leave out the workers option to run its subtasks on this thread.',
      );
    }
    console.warn(`sluice: this runtime has no workers; the ${this.parallelism} subtasks of each operator run on this thread, interleaved`);
  }

  private async resolveRestore(): Promise<CompletedCheckpoint | undefined> {
    const from = this.restoreFrom;
    if (from === undefined) return undefined;
    if ('metadata' in from) return from;
    const latest = await from.latest();
    return latest;
  }
}
