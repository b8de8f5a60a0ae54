import { CheckpointFailureManager, CheckpointInProgressError } from '../checkpoint/checkpoint-failure-manager';
import { transfer } from 'comlink';
import { CheckpointCoordinator, type CompletedCheckpointInfo } from '../checkpoint/checkpoint-coordinator';
import { ConfigurationError, SluiceError } from '../errors';
import type { ExecutorConfig } from '../runtime/local-executor';
import type { JobHandle, JobMetrics, JobResult, OperatorMetrics, TaskMetrics } from '../runtime/job-handle';
import type { JobStatus } from '../types';
import type { DeploySpec, PlanSummary, TaskManagerApi, WorkerEvent } from './protocol';
import { decodeWireRecords } from './wire-codec';
import type { SpawnedWorker, WorkerPool } from './worker-pool';

/** Batches a consumer grants each channel: enough to keep a worker busy, few enough to bound memory. */
export const CREDITS_PER_CHANNEL = 32;
/** How often the main thread collects the workers' metrics. */
const METRICS_INTERVAL_MS = 500;

export interface ClusterJob {
  readonly moduleUrl: string;
  readonly params: unknown;
  readonly pool: WorkerPool;
  /** Records of the stream the job definition returned, as they arrive (see `collectSink`). */
  readonly onRows: (rows: unknown[], txn: string | undefined) => void;
}

/**
 * One attempt of a job spread over workers, seen from the main thread (Flink's JobMaster): spawns a
 * worker per parallel subtask index, connects every pair of workers with a `MessageChannel` for
 * the data plane, deploys the job module to each through Comlink, and coordinates checkpoints —
 * barriers enter at each worker's sources, acknowledgements come back on each worker's event port.
 * A failed or lost worker fails the attempt; the job's restart strategy starts a new one.
 */
export class ClusterExecutor implements JobHandle {
  status: JobStatus = 'created';
  readonly done: Promise<JobResult>;
  private resolveDone!: (r: JobResult) => void;
  private rejectDone!: (e: unknown) => void;
  private workers: SpawnedWorker[] = [];
  /** Per worker: stops this attempt listening for its death (when it goes back to the pool). */
  private unwatch: Array<() => void> = [];
  private readonly eventPorts: MessagePort[] = [];
  private coordinator: CheckpointCoordinator | undefined;
  private drained = 0;
  private finished = 0;
  /** Acknowledgements that arrived before their checkpoint's source states. */
  private readonly earlyAcks = new Map<number, Array<Extract<WorkerEvent, { t: 'ack' }>>>();
  private readonly positioned = new Set<number>();
  private cancelTick: (() => void) | undefined;
  private cancelPoll: (() => void) | undefined;
  lastCheckpointId = 0;

  constructor(
    readonly name: string,
    private readonly job: ClusterJob,
    private readonly config: ExecutorConfig,
    private readonly attempt: number,
  ) {
    this.done = new Promise<JobResult>((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    this.done.catch(() => {});
  }

  start(): this {
    this.status = 'running';
    this.deploy().catch((e: unknown) => this.fail(e));
    return this;
  }

  private async deploy(): Promise<void> {
    const count = this.config.parallelism;
    const { pool } = this.job;
    this.workers = Array.from({ length: count }, (_, i) => pool.spawn(i));
    this.unwatch = this.workers.map((w, i) => w.onExit((e) => this.fail(new SluiceError(`Worker ${i} was lost: ${e.message}`, { cause: e }))));
    // One channel per pair of workers carries all their subtasks' channels, both ways.
    const peers: Array<Array<MessagePort | undefined>> = Array.from({ length: count }, () => new Array<MessagePort | undefined>(count));
    for (let a = 0; a < count; a++) {
      for (let b = a + 1; b < count; b++) {
        const channel = new MessageChannel();
        peers[a]![b] = channel.port1;
        peers[b]![a] = channel.port2;
      }
    }
    const restore = this.config.restore;
    const summaries = await Promise.all(
      this.workers.map((w, i) => {
        const events = new MessageChannel();
        this.eventPorts.push(events.port1);
        events.port1.addEventListener('message', (e: MessageEvent<WorkerEvent>) => this.onEvent(i, e.data));
        events.port1.start();
        const ports = peers[i]!.filter((p): p is MessagePort => p !== undefined);
        const spec: DeploySpec = {
          moduleUrl: this.job.moduleUrl,
          params: this.job.params,
          workerIndex: i,
          workers: count,
          attempt: this.attempt,
          options: {
            parallelism: this.config.parallelism,
            maxParallelism: this.config.maxParallelism,
            batchSize: this.config.batchSize,
            runtimeMode: this.config.runtimeMode,
            autoWatermarkInterval: this.config.autoWatermarkInterval,
            wasm: this.config.wasm.enabled,
            exactlyOnce: this.config.checkpoint?.config.mode !== 'at-least-once',
            checkpointing: this.config.checkpoint !== undefined,
            credits: CREDITS_PER_CHANNEL,
          },
          restore:
            restore === undefined
              ? undefined
              : {
                  operators: [...restore.operators],
                  sources: [...restore.sources],
                  allowNonRestoredState: restore.allowNonRestoredState ?? false,
                  location: restore.location,
                },
          peers: peers[i]!,
          events: events.port2,
        };
        return w.api.deploy(transfer(spec, [...ports, events.port2]));
      }),
    );
    if (this.status !== 'running') return;
    this.startCheckpointing(summaries[0]!);
    for (const w of this.workers) void w.api.start();
    const poll = (): void => {
      if (this.status !== 'running') return;
      void this.refreshMetrics().finally(() => {
        if (this.status === 'running') this.cancelPoll = this.config.clock.schedule(this.config.clock.now() + METRICS_INTERVAL_MS, poll);
      });
    };
    poll();
  }

  private onEvent(worker: number, e: WorkerEvent): void {
    if (this.status !== 'running') return;
    switch (e.t) {
      case 'rows':
        this.job.onRows(decodeWireRecords(e.format, e.records, `results from worker ${worker}`), e.txn);
        break;
      case 'ack':
        if (this.positioned.has(e.checkpointId)) this.coordinator?.acknowledge(e.uid, e.subtask, e.checkpointId, e.snapshot);
        else this.earlyAcks.set(e.checkpointId, [...(this.earlyAcks.get(e.checkpointId) ?? []), e]);
        break;
      case 'drained':
        if (++this.drained === this.workers.length) void this.finalCheckpoint();
        break;
      case 'finished':
        // The final metrics are the workers' last word; then they go.
        if (++this.finished === this.workers.length) void this.refreshMetrics().finally(() => this.terminate('finished'));
        break;
      case 'failed': {
        const error = new SluiceError(`Worker ${worker}: ${e.message}`);
        error.stack = e.stack;
        this.fail(error);
        break;
      }
    }
  }

  /** All input is processed: as in local execution, a final checkpoint commits what sinks hold. */
  private async finalCheckpoint(): Promise<void> {
    try {
      if (this.coordinator !== undefined) {
        await this.coordinator.inProgressSettled();
        if (this.status === 'running') await this.startCheckpoint('checkpoint');
      }
      for (const w of this.workers) void w.api.release();
    } catch (e) {
      this.fail(e);
    }
  }

  private startCheckpointing(summary: PlanSummary): void {
    const checkpoint = this.config.checkpoint;
    if (checkpoint === undefined || this.config.runtimeMode === 'batch') return;
    this.coordinator = new CheckpointCoordinator(
      checkpoint.storage,
      this.name,
      this.config.maxParallelism,
      summary.operators.filter((o) => !o.source).map((o) => ({ uid: o.uid, name: o.name, parallelism: o.parallelism })),
      checkpoint.config.retain ?? 1,
      checkpoint.firstId,
      (id) => {
        this.lastCheckpointId = Math.max(this.lastCheckpointId, id);
        for (const w of this.workers) void w.api.notifyCheckpointComplete(id);
      },
      () => this.config.clock.now(),
    );
    const { interval, minPause = 0 } = checkpoint.config;
    const failures = new CheckpointFailureManager(checkpoint.config.tolerableFailures ?? 0);
    const tick = (): void => {
      if (this.status !== 'running') return;
      const c = this.coordinator!;
      if (!c.inProgress && this.drained === 0 && this.config.clock.now() - c.lastCompletedTime >= minPause) {
        failures.watch(this.triggerCheckpoint('checkpoint'), () => this.status === 'running', (error) => this.fail(error));
      }
      this.cancelTick = this.config.clock.schedule(this.config.clock.now() + interval, tick);
    };
    this.cancelTick = this.config.clock.schedule(this.config.clock.now() + interval, tick);
  }

  triggerCheckpoint(kind: 'checkpoint' | 'savepoint', target?: string): Promise<CompletedCheckpointInfo> {
    return this.startCheckpoint(kind, target);
  }

  savepoint(target?: string): Promise<CompletedCheckpointInfo> {
    return this.startCheckpoint('savepoint', target);
  }

  private async startCheckpoint(kind: 'checkpoint' | 'savepoint', target?: string): Promise<CompletedCheckpointInfo> {
    const coordinator = this.coordinator;
    if (coordinator === undefined) throw new ConfigurationError('Checkpointing is not enabled: set checkpoint: { interval, storage }');
    if (this.status !== 'running') throw new SluiceError(`Cannot take a ${kind} of a job that is ${this.status}`);
    const now = this.config.clock.now();
    const started = coordinator.begin(kind, now, new Map(), target);
    if (started === undefined) {
      // A savepoint is a forced request in Flink (CheckpointRequestDecider): it waits, never fails.
      if (kind === 'savepoint') {
        await coordinator.inProgressSettled();
        return this.startCheckpoint(kind, target);
      }
      throw new CheckpointInProgressError(kind);
    }
    const { id, completion } = started;
    // Restarts number after every id used, completed or not (Flink's CheckpointIDCounter).
    this.lastCheckpointId = Math.max(this.lastCheckpointId, id);
    const timeout = this.config.checkpoint!.config.timeout ?? 600_000;
    const cancelTimeout = this.config.clock.schedule(now + timeout, () => coordinator.abort(new SluiceError(`Checkpoint ${id} expired after ${timeout} ms`)));
    completion.then(cancelTimeout, cancelTimeout);
    // A worker lost meanwhile never answers: the attempt's end settles the wait instead.
    const positions = await Promise.race([Promise.all(this.workers.map((w) => w.api.injectBarrier(id, now))), this.ended.then(() => [])]);
    for (const list of positions) for (const p of list) coordinator.setSourceState(id, p.uid, p.subtask, p.state);
    this.positioned.add(id);
    for (const e of this.earlyAcks.get(id) ?? []) coordinator.acknowledge(e.uid, e.subtask, e.checkpointId, e.snapshot);
    this.earlyAcks.delete(id);
    return completion;
  }

  cancel(): Promise<void> {
    if (this.status === 'running' || this.status === 'created') this.terminate('canceled');
    return this.done.then(
      () => undefined,
      () => undefined,
    );
  }

  /**
   * The workers' metrics as of their last report (they report every `METRICS_INTERVAL_MS`):
   * operators summed over their subtasks, and one entry per worker in `tasks`.
   */
  metrics(): JobMetrics {
    const reports = this.reports;
    const operators = new Map<string, OperatorMetrics>();
    for (const r of reports) {
      if (r === undefined) continue;
      for (const o of r.job.operators) {
        const key = `${o.uid ?? ''}\u0000${o.name}`;
        const prev = operators.get(key);
        operators.set(
          key,
          prev === undefined
            ? o
            : { ...prev, recordsIn: prev.recordsIn + o.recordsIn, recordsOut: prev.recordsOut + o.recordsOut, watermark: Math.min(prev.watermark, o.watermark) },
        );
      }
    }
    const tasks: TaskMetrics[] = [];
    reports.forEach((r, worker) => {
      if (r === undefined) return;
      const { busyTimeMs, idleTimeMs, backPressuredTimeMs } = r.job;
      tasks.push({
        worker,
        busyTimeMs,
        idleTimeMs,
        backPressuredTimeMs,
        inFlightBuffers: r.inFlightBuffers,
        bytesSent: r.bytesSent,
        heapUsedBytes: r.heapUsedBytes,
      });
    });
    const sum = (f: (t: TaskMetrics) => number): number => tasks.reduce((a, t) => a + f(t), 0);
    return {
      status: this.status,
      busyTimeMs: sum((t) => t.busyTimeMs),
      idleTimeMs: sum((t) => t.idleTimeMs),
      backPressuredTimeMs: sum((t) => t.backPressuredTimeMs),
      operators: [...operators.values()],
      tasks,
    };
  }

  private reports: Array<Awaited<ReturnType<TaskManagerApi['metrics']>> | undefined> = [];

  /** Asks every worker for its metrics now; `metrics()` then reflects them. */
  async refreshMetrics(): Promise<JobMetrics> {
    const reports = await Promise.all(this.workers.map((w) => w.api.metrics().catch(() => undefined)));
    if (this.status === 'running') this.reports = reports;
    return this.metrics();
  }

  private fail(error: unknown): void {
    if (this.status !== 'running' && this.status !== 'created') return;
    this.terminate('failed', error);
  }

  private markEnded!: () => void;
  private readonly ended = new Promise<void>((resolve) => (this.markEnded = resolve));

  private terminate(status: 'finished' | 'canceled' | 'failed', error?: unknown): void {
    if (this.status !== 'running' && this.status !== 'created') return;
    this.status = status;
    this.markEnded();
    this.cancelTick?.();
    this.cancelPoll?.();
    this.coordinator?.abort(new SluiceError(`The job attempt ended (${status})`));
    // A finished job's workers are idle: the pool keeps them for the next job (keepAlive) or ends
    // them. Any other end may leave work running on them: they go.
    for (const stop of this.unwatch) stop();
    for (const w of this.workers) {
      if (status === 'finished') this.job.pool.release(w);
      else w.terminate();
    }
    for (const port of this.eventPorts) port.close();
    if (status === 'failed') this.rejectDone(error);
    else this.resolveDone({ status, metrics: this.metrics() });
  }
}
