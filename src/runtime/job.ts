import { readCheckpointState, type CompletedCheckpointInfo } from '../checkpoint/checkpoint-coordinator';
import type { CheckpointStorage, CompletedCheckpoint } from '../checkpoint/checkpoint-storage';
import { ConfigurationError, SluiceError } from '../errors';
import type { JobGraph } from '../graph/job-graph';
import type { JobStatus } from '../types';
import type { JobHandle, JobMetrics, JobResult } from './job-handle';
import { LocalExecutor, type ExecutorConfig, type RestoreState } from './local-executor';
import { decideRestart, type RestartStrategy } from './restart-strategy';

/** One run of a job from its start or a checkpoint, on this thread or on workers. */
export interface Attempt extends JobHandle {
  start(): this;
  triggerCheckpoint(kind: 'checkpoint' | 'savepoint', target?: string): Promise<CompletedCheckpointInfo>;
  /** The newest checkpoint id the attempt used (a restart numbers after it). */
  readonly lastCheckpointId: number;
}

/**
 * A job across its attempts: the first attempt starts from `restoreFrom` (or from scratch); when an
 * attempt fails, the restart strategy decides whether a new attempt starts, after a delay, from the
 * latest complete checkpoint. The handle (status, done, cancel, metrics, savepoint) outlives the
 * attempts.
 */
export class Job implements JobHandle {
  status: JobStatus = 'created';
  readonly done: Promise<JobResult>;
  private resolve!: (r: JobResult) => void;
  private reject!: (e: unknown) => void;
  private attempt: Attempt | undefined;
  private attempts = 0;
  private failures = 0;
  private canceled = false;
  private lastCheckpointId = 0;
  private cancelRestart: (() => void) | undefined;
  /** Resolves once the first attempt runs (after its checkpoint is restored), or the job ended. */
  readonly started: Promise<this>;
  private markStarted: () => void = () => {};

  constructor(
    readonly name: string,
    private readonly graph: JobGraph,
    private readonly config: ExecutorConfig,
    private readonly restart: RestartStrategy,
    private readonly storage: CheckpointStorage | undefined,
    private readonly allowNonRestoredState: boolean,
    /** Runs one attempt; by default on this thread (a `ClusterExecutor` runs it on workers). */
    private readonly createAttempt: (config: ExecutorConfig, attempt: number) => Attempt = (config) => new LocalExecutor(name, graph, config),
  ) {
    this.done = new Promise<JobResult>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.done.catch(() => {});
    this.started = new Promise<this>((resolve) => (this.markStarted = () => resolve(this)));
  }


  /** Starts the first attempt from `restore` (a checkpoint or savepoint), or from scratch. */
  async startFrom(restore: CompletedCheckpoint | undefined): Promise<void> {
    this.initialRestore = restore;
    try {
      if (this.canceled) return;
      this.launch(restore === undefined ? undefined : await this.load(restore));
    } catch (e) {
      this.failBeforeStart(e);
    } finally {
      this.markStarted();
    }
  }

  failBeforeStart(error: unknown): void {
    this.status = 'failed';
    this.reject(error);
    this.markStarted();
  }

  private initialRestore: CompletedCheckpoint | undefined;

  get restarts(): number {
    return this.failures;
  }

  cancel(): Promise<void> {
    this.canceled = true;
    this.cancelRestart?.();
    if (this.attempt === undefined || this.status === 'restarting') {
      this.status = 'canceled';
      this.resolve({ status: 'canceled', metrics: this.metrics() });
    } else {
      void this.attempt.cancel();
    }
    return this.done.then(
      () => undefined,
      () => undefined,
    );
  }

  metrics(): JobMetrics {
    const m = this.attempt?.metrics();
    return { ...(m ?? { busyTimeMs: 0, idleTimeMs: 0, backPressuredTimeMs: 0, operators: [] }), status: this.status, restarts: this.failures };
  }

  /** Writes a savepoint (to `target` for file storage); resolves with where it is. */
  async savepoint(target?: string): Promise<CompletedCheckpointInfo> {
    if (this.attempt === undefined || this.status !== 'running') throw new SluiceError(`Cannot take a savepoint of a job that is ${this.status}`);
    return this.attempt.triggerCheckpoint('savepoint', target);
  }

  private launch(restore: RestoreState | undefined): void {
    const checkpoint = this.config.checkpoint === undefined ? undefined : { ...this.config.checkpoint, firstId: this.lastCheckpointId + 1 };
    const attempt = this.createAttempt({ ...this.config, checkpoint, restore }, this.attempts++);
    this.attempt = attempt;
    attempt.start();
    this.status = attempt.status === 'failed' ? 'failed' : 'running';
    attempt.done.then(
      (result) => {
        this.status = result.status;
        this.resolve({ status: result.status, metrics: this.metrics() });
      },
      (error: unknown) => this.onFailure(attempt, error),
    );
  }

  private onFailure(attempt: Attempt, error: unknown): void {
    this.lastCheckpointId = Math.max(this.lastCheckpointId, attempt.lastCheckpointId);
    if (this.canceled) {
      this.status = 'canceled';
      this.resolve({ status: 'canceled', metrics: this.metrics() });
      return;
    }
    this.failures++;
    const decision = decideRestart(this.restart, this.failures);
    if (!decision.restart) {
      this.status = 'failed';
      this.reject(error);
      return;
    }
    this.status = 'restarting';
    const restart = (): void => {
      this.cancelRestart = undefined;
      void this.restartFromLatest().catch((e: unknown) => {
        this.status = 'failed';
        this.reject(e);
      });
    };
    if (decision.delay <= 0) {
      queueMicrotask(restart);
      return;
    }
    this.cancelRestart = this.config.clock.schedule(this.config.clock.now() + decision.delay, restart);
  }

  private async restartFromLatest(): Promise<void> {
    const latest = this.storage === undefined ? undefined : await this.storage.latest();
    if (this.canceled) return;
    const from = latest ?? this.initialRestore;
    const restore = from === undefined ? undefined : await this.load(from);
    if (latest !== undefined) this.lastCheckpointId = Math.max(this.lastCheckpointId, latest.metadata.checkpointId);
    this.launch(restore);
  }

  private async load(checkpoint: CompletedCheckpoint): Promise<RestoreState> {
    const { metadata } = checkpoint;
    if (metadata.operators.some((o) => o.maxParallelism !== this.config.maxParallelism)) {
      throw new ConfigurationError(
        `The checkpoint at ${checkpoint.location} was taken with maxParallelism ${metadata.operators[0]?.maxParallelism}; this job has ${this.config.maxParallelism}. Key groups cannot be redistributed across a changed maxParallelism (as in Flink).`,
      );
    }
    this.lastCheckpointId = Math.max(this.lastCheckpointId, metadata.checkpointId);
    const { operators, sources } = await readCheckpointState(checkpoint);
    return { operators, sources, allowNonRestoredState: this.allowNonRestoredState, location: checkpoint.location };
  }
}
