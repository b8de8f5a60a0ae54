import { CheckpointCoordinator, type CheckpointConfig, type CompletedCheckpointInfo } from '../checkpoint/checkpoint-coordinator';
import type { CheckpointStorage } from '../checkpoint/checkpoint-storage';
import { decodeValue, encodeValue } from '../codec/value-codec';
import { ConfigurationError, NO_RECORD, SluiceError, operatorFailure } from '../errors';
import { isTwoPhaseCommitSink, type TwoPhaseCommitSink } from '../io/two-phase-commit-sink';
import type { JobGraph, JobVertex } from '../graph/job-graph';
import type { Sink } from '../io/sink';
import type { Source, SourceOutput, SourceReader, ReadResult } from '../io/source';
import { SinkTransformation, SourceTransformation } from '../graph/transformation';
import { monotonicNow, yieldToEventLoop } from '../platform/yield';
import type { Batch, CheckpointBarrier, Clock, JobStatus, OperatorContext, RuntimeMode, RuntimeServices, Timestamp, WasmOptions } from '../types';
import { AbstractOperator } from './abstract-operator';
import type { JobHandle, JobMetrics, JobResult, OperatorMetrics } from './job-handle';
import { OperatorNode } from './operator-node';
import { OperatorOutput, type Edge } from './operator-output';

/** What an attempt restores: per operator uid the snapshots of its subtasks, per source uid its position. */
export interface RestoreState {
  readonly operators: ReadonlyMap<string, readonly Uint8Array[]>;
  readonly sources: ReadonlyMap<string, number | string>;
  /** Skip state of operators the job no longer has (Flink's `allowNonRestoredState`). */
  readonly allowNonRestoredState?: boolean;
  readonly location?: string;
}

export interface ExecutorConfig {
  readonly clock: Clock;
  readonly maxParallelism: number;
  readonly runtimeMode: RuntimeMode;
  readonly autoWatermarkInterval: number;
  readonly batchSize: number;
  readonly wasm: WasmOptions;
  readonly checkpoint?: { readonly config: CheckpointConfig; readonly storage: CheckpointStorage; readonly firstId: number };
  readonly restore?: RestoreState;
}

/** How long the scheduler runs before it yields to the event loop, in ms. */
const TIME_SLICE_MS = 8;

interface SourceTask {
  readonly uid: string;
  readonly vertex: JobVertex;
  readonly reader: SourceReader<unknown>;
  readonly output: OperatorOutput;
  readonly collector: SourceOutput<unknown>;
  recordsOut: number;
  ended: boolean;
}

/**
 * Runs a two-phase-commit sink: one open transaction; at a barrier it is pre-committed into the
 * snapshot and a new one begins; a completed checkpoint commits its transactions; a restore commits
 * the restored ones again (idempotently). Without checkpointing, the end of input commits.
 */
class TwoPhaseCommitSinkOperator extends AbstractOperator<unknown, never> {
  private transaction: unknown;
  private pending: Array<[number, unknown]> = [];
  private work: Promise<unknown> | undefined;

  constructor(
    private readonly sink: TwoPhaseCommitSink<unknown, unknown>,
    private readonly executor: LocalExecutor,
    private readonly checkpointing: boolean,
  ) {
    super();
  }

  override open(context: OperatorContext<never>): void {
    super.open(context);
    this.transaction = this.sink.beginTransaction();
  }

  processBatch(batch: Batch<unknown>): void {
    try {
      this.sink.invoke(this.transaction, batch);
    } catch (cause) {
      throw this.failure(NO_RECORD, cause);
    }
  }

  snapshotState(checkpointId: number): Uint8Array {
    this.pending.push([checkpointId, this.transaction]);
    this.work = Promise.resolve(this.sink.preCommit(this.transaction));
    this.transaction = this.sink.beginTransaction();
    return encodeValue(this.pending);
  }

  /** Pre-commit work the checkpoint must wait for. */
  takeWork(): Promise<unknown> | undefined {
    const w = this.work;
    this.work = undefined;
    return w;
  }

  notifyCheckpointComplete(checkpointId: number): void {
    for (const entry of this.pending) {
      if (entry[0] > checkpointId || this.committing.has(entry)) continue;
      this.committing.add(entry);
      // A transaction stays pending — in every snapshot — until its commit has landed: a
      // checkpoint taken while the commit is in flight must still be able to commit it again.
      const done = (): void => {
        this.committing.delete(entry);
        this.pending = this.pending.filter((e) => e !== entry);
      };
      const r = this.sink.commit(entry[1]);
      if (r instanceof Promise) this.track(r.then(done));
      else done();
    }
  }

  private readonly committing = new Set<[number, unknown]>();

  restoreState(snapshots: readonly Uint8Array[]): void {
    for (const bytes of snapshots) {
      const pending = decodeValue(bytes, `${this.context.name} transactions`) as Array<[number, unknown]>;
      for (const [, txn] of pending) this.track(this.sink.commit(txn));
    }
  }

  override finish(): void {
    if (this.checkpointing) return; // the final checkpoint commits
    this.track(Promise.resolve(this.sink.preCommit(this.transaction)).then(() => this.sink.commit(this.transaction)));
  }

  override close(): void {
    if (this.executor.status === 'failed' || this.executor.status === 'canceled') {
      this.track(this.sink.abort(this.transaction));
    }
  }

  private track(r: void | Promise<void>): void {
    if (r instanceof Promise) this.executor.backpressure(r, this.context.name);
  }
}

/** Adapts a `Sink` to the operator protocol; a promise from `write` becomes backpressure. */
class SinkOperator extends AbstractOperator<unknown, never> {
  constructor(
    private readonly sink: Sink<unknown>,
    private readonly executor: LocalExecutor,
  ) {
    super();
  }

  processBatch(batch: Batch<unknown>): void {
    let r: void | Promise<void>;
    try {
      r = this.sink.write(batch);
    } catch (cause) {
      throw this.failure(NO_RECORD, cause);
    }
    if (r !== undefined) this.executor.backpressure(r, this.context.name);
  }

  override finish(): void {
    const r = this.sink.finish?.();
    if (r !== undefined) this.executor.backpressure(r, this.context.name);
  }

  override close(): void {
    this.sink.close?.();
  }
}

/**
 * Runs a job graph on the current thread. Sources are read in turn, a batch at a time, and every
 * batch is pushed synchronously through the operators; between batches the scheduler yields to the
 * event loop every few milliseconds so that timers, I/O and a page's rendering get their turn.
 * Clock callbacks (processing-time timers, periodic watermarks) run as tasks of their own.
 */
export class LocalExecutor implements JobHandle {
  status: JobStatus = 'created';
  readonly done: Promise<JobResult>;
  private resolveDone!: (r: JobResult) => void;
  private rejectDone!: (e: unknown) => void;

  private readonly nodes: Array<{ vertex: JobVertex; node: OperatorNode }> = [];
  private readonly sources: SourceTask[] = [];
  private readonly pendingWrites = new Set<Promise<unknown>>();
  private readonly scheduled = new Set<() => void>();
  private failure: unknown = undefined;
  private wake: (() => void) | undefined;
  private busyMs = 0;
  private idleMs = 0;
  private backPressuredMs = 0;

  constructor(
    readonly name: string,
    private readonly graph: JobGraph,
    private readonly config: ExecutorConfig,
  ) {
    this.done = new Promise<JobResult>((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    // A job nobody awaits must not crash the process with an unhandled rejection.
    this.done.catch(() => {});
  }

  /** Builds the running graph and starts the scheduler. */
  start(): this {
    try {
      this.deploy();
    } catch (e) {
      this.fail(e);
      return this;
    }
    this.status = 'running';
    void this.run();
    return this;
  }

  cancel(): Promise<void> {
    if (this.status === 'running' || this.status === 'created') {
      this.status = 'canceled';
      this.notify();
    }
    return this.done.then(
      () => undefined,
      () => undefined,
    );
  }

  savepoint(target?: string): Promise<CompletedCheckpointInfo> {
    return this.triggerCheckpoint('savepoint', target);
  }

  metrics(): JobMetrics {
    const task = { busyTimeMs: this.busyMs, idleTimeMs: this.idleMs, backPressuredTimeMs: this.backPressuredMs };
    const operators: OperatorMetrics[] = [];
    for (const s of this.sources) {
      operators.push({
        name: s.vertex.name,
        uid: s.vertex.uid,
        recordsIn: 0,
        recordsOut: s.output.recordsOut,
        watermark: s.output.lastWatermark,
        ...task,
        extra: {},
      });
    }
    for (const { vertex, node } of this.nodes) {
      const extra = (node.operator as { metrics?: () => Record<string, number> }).metrics?.() ?? {};
      operators.push({
        name: node.name,
        uid: vertex.uid,
        recordsIn: node.recordsIn,
        recordsOut: node.output.recordsOut,
        watermark: node.watermark,
        ...task,
        extra: node.output.droppedSideOutputRecords > 0 ? { ...extra, droppedSideOutputRecords: node.output.droppedSideOutputRecords } : extra,
      });
    }
    return { status: this.status, ...task, operators };
  }

  /**
   * Takes a checkpoint or savepoint; resolves when it is complete. Barriers enter at the sources
   * between two scheduler steps (Flink's coordinator posts to the source tasks' mailboxes), never
   * in the middle of a batch.
   */
  triggerCheckpoint(kind: 'checkpoint' | 'savepoint', target?: string): Promise<CompletedCheckpointInfo> {
    return new Promise<CompletedCheckpointInfo>((resolve, reject) => {
      this.requests.push({ run: () => this.startCheckpoint(kind, target).then(resolve, reject), reject });
      this.notify();
    });
  }

  private readonly requests: Array<{ run: () => void; reject: (e: unknown) => void }> = [];

  private startCheckpoint(kind: 'checkpoint' | 'savepoint', target?: string): Promise<CompletedCheckpointInfo> {
    const coordinator = this.coordinator;
    if (coordinator === undefined) return Promise.reject(new ConfigurationError('Checkpointing is not enabled: set checkpoint: { interval, storage }'));
    if (this.status !== 'running') return Promise.reject(new SluiceError(`Cannot take a ${kind} of a job that is ${this.status}`));
    const positions = new Map(this.sources.map((s) => [s.uid, s.reader.position()] as const));
    const started = coordinator.begin(kind, this.config.clock.now(), positions, target);
    if (started === undefined) return Promise.reject(new SluiceError(`A checkpoint is already in progress; try the ${kind} again later`));
    const { id, completion } = started;
    const barrier: CheckpointBarrier = { checkpointId: id, timestamp: this.config.clock.now() };
    const timeout = this.config.checkpoint!.config.timeout ?? 600_000;
    const cancelTimeout = this.scheduleTask(this.config.clock.now() + timeout, () =>
      coordinator.abort(new SluiceError(`Checkpoint ${id} expired after ${timeout} ms`)),
    );
    completion.then(cancelTimeout, cancelTimeout);
    this.guard(() => {
      // Operators whose inputs have all ended get no barrier: they are quiescent, snapshot them now.
      for (const { node } of this.nodes) if (node.finished) this.acknowledge(node, id, node.operator.snapshotState?.(id));
      for (const s of this.sources) if (!s.ended) s.output.emitBarrier(barrier);
    });
    return completion;
  }

  private acknowledge(node: OperatorNode, checkpointId: number, snapshot: Uint8Array | Promise<Uint8Array> | undefined): void {
    const work = node.operator instanceof TwoPhaseCommitSinkOperator ? node.operator.takeWork() : undefined;
    if (snapshot instanceof Promise) {
      // An asynchronous snapshot acknowledges once its bytes are ready. Its failure fails the job,
      // as a synchronous throw would; after a cancel or a failure it is moot.
      snapshot.then(
        (bytes) => this.coordinator?.acknowledge(node.uid!, checkpointId, bytes, work),
        (cause: unknown) => {
          if (this.status === 'running') this.fail(cause);
        },
      );
      return;
    }
    this.coordinator?.acknowledge(node.uid!, checkpointId, snapshot, work);
  }

  private startCheckpointing(): void {
    const checkpoint = this.config.checkpoint;
    if (checkpoint === undefined || this.config.runtimeMode === 'batch') return;
    this.coordinator = new CheckpointCoordinator(
      checkpoint.storage,
      this.name,
      this.config.maxParallelism,
      this.nodes.map(({ node }) => ({ uid: node.uid!, name: node.name })),
      checkpoint.config.retain ?? 1,
      checkpoint.firstId,
      (id) => {
        this.lastCheckpointId = id;
        for (const { node } of this.nodes) this.guard(() => node.operator.notifyCheckpointComplete?.(id));
      },
    );
    const { interval, minPause = 0 } = checkpoint.config;
    const tick = (): void => {
      const c = this.coordinator!;
      const now = this.config.clock.now();
      if (!c.inProgress && Date.now() - c.lastCompletedTime >= minPause && !this.sources.every((s) => s.ended)) {
        this.triggerCheckpoint('checkpoint').catch(() => {
          // An expired or failed checkpoint does not fail the job (Flink's tolerable failures).
        });
      }
      this.scheduleTask(now + interval, tick);
    };
    this.scheduleTask(this.config.clock.now() + interval, tick);
  }

  /** The last checkpoint that completed in this attempt (restarts continue numbering after it). */
  lastCheckpointId = 0;
  private coordinator: CheckpointCoordinator | undefined;

  /** Called by sinks: the scheduler reads no more input until `promise` settles. */
  backpressure(promise: Promise<unknown>, sinkName: string): void {
    const tracked = promise.then(
      () => {
        this.pendingWrites.delete(tracked);
        this.notify();
      },
      (cause: unknown) => {
        this.pendingWrites.delete(tracked);
        this.fail(operatorFailure(sinkName, undefined, NO_RECORD, cause));
      },
    );
    this.pendingWrites.add(tracked);
  }

  private deploy(): void {
    const { vertices } = this.graph;
    const services: RuntimeServices = {
      clock: this.config.clock,
      maxParallelism: this.config.maxParallelism,
      runtimeMode: this.config.runtimeMode,
      autoWatermarkInterval: this.config.autoWatermarkInterval,
      wasm: this.config.wasm,
      guard: (fn) => this.guard(fn),
    };
    // Consumers first, so that every output knows its targets when it is created.
    const targets = new Map<JobVertex, Array<{ tagId: string | undefined; edge: Edge }>>();
    const nodeOf = new Map<JobVertex, OperatorNode>();
    for (let i = vertices.length - 1; i >= 0; i--) {
      const v = vertices[i]!;
      if (v.kind === 'source') continue;
      const output = this.createOutput(targets.get(v) ?? []);
      const sink = v.kind === 'sink' ? (v.transformation as SinkTransformation).sink : undefined;
      const operator =
        sink === undefined
          ? v.createOperator!()
          : isTwoPhaseCommitSink(sink)
            ? new TwoPhaseCommitSinkOperator(sink, this, this.config.checkpoint !== undefined)
            : new SinkOperator(sink, this);
      const name = v.stages !== undefined ? v.stages.map((s) => s.name).join(' -> ') : v.name;
      const node = new OperatorNode(
        name,
        uidOf(v, i),
        operator,
        output,
        v.inputs.length,
        (n, id, snapshot) => this.acknowledge(n, id, snapshot),
        this.config.checkpoint?.config.mode !== 'at-least-once',
      );
      nodeOf.set(v, node);
      this.nodes.unshift({ vertex: v, node });
      v.inputs.forEach((input, index) => {
        const list = targets.get(input.from) ?? [];
        list.push({ tagId: input.tagId, edge: { target: node, input: index } });
        targets.set(input.from, list);
      });
    }
    for (const v of vertices) {
      if (v.kind !== 'source') continue;
      const output = this.createOutput(targets.get(v) ?? []);
      const source = (v.transformation as SourceTransformation).source as Source<unknown>;
      const uid = uidOf(v, vertices.indexOf(v));
      const restoreFrom = this.config.restore?.sources.get(uid);
      const reader = source.createReader(restoreFrom === undefined ? { clock: this.config.clock } : { clock: this.config.clock, restoreFrom });
      const task: SourceTask = {
        uid,
        vertex: v,
        reader,
        output,
        recordsOut: 0,
        ended: false,
        collector: { collect: (value, timestamp = Number.NaN) => output.collect(value, timestamp) },
      };
      this.sources.push(task);
    }
    // Open downstream first, as Flink does, so that an operator's outputs are ready when it opens.
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const { vertex, node } = this.nodes[i]!;
      const context: OperatorContext<unknown> = {
        name: node.name,
        uid: vertex.uid,
        output: node.output,
        services,
        coalesceWatermarks: vertex.coalesceWatermarks === true,
        scheduleProcessingTime: (at, callback) => this.scheduleTask(at, () => {
          callback();
          node.output.flush();
        }),
      };
      node.operator.open(context);
    }
    this.restoreOperators();
    this.startCheckpointing();
  }

  /** Hands every operator its restored snapshots; state for an operator the job lacks is an error. */
  private restoreOperators(): void {
    const restore = this.config.restore;
    if (restore === undefined) return;
    const known = new Set<string>([...this.nodes.map(({ node }) => node.uid!), ...this.sources.map((s) => s.uid)]);
    for (const [uid, parts] of restore.operators) {
      // As in Flink, only operators that have state must exist in the new job.
      if (parts.length > 0 && !known.has(uid) && restore.allowNonRestoredState !== true) {
        throw new ConfigurationError(
          `The checkpoint${restore.location === undefined ? '' : ` at ${restore.location}`} has state for operator uid "${uid}", which this job does not have. ` +
            'Give operators stable uids (.uid(...) or { uid }) or set allowNonRestoredState.',
        );
      }
    }
    for (const { node } of this.nodes) {
      const parts = restore.operators.get(node.uid!);
      if (parts !== undefined && parts.length > 0) node.operator.restoreState?.(parts, { start: 0, end: this.config.maxParallelism - 1 });
    }
  }

  private createOutput(list: Array<{ tagId: string | undefined; edge: Edge }>): OperatorOutput {
    const output = new OperatorOutput(
      this.config.batchSize,
      list.filter((t) => t.tagId === undefined).map((t) => t.edge),
    );
    for (const t of list) if (t.tagId !== undefined) output.addSideEdge(t.tagId, t.edge);
    return output;
  }

  private scheduleTask(at: Timestamp, task: () => void): () => void {
    const cancelClock = this.config.clock.schedule(at, () => {
      this.scheduled.delete(cancel);
      if (this.status !== 'running') return;
      this.guard(task);
    });
    const cancel = (): void => {
      this.scheduled.delete(cancel);
      cancelClock();
    };
    this.scheduled.add(cancel);
    return cancel;
  }

  private guard(fn: () => void): void {
    if (this.status !== 'running') return;
    const t0 = monotonicNow();
    try {
      fn();
    } catch (e) {
      this.fail(e);
    } finally {
      this.busyMs += monotonicNow() - t0;
    }
  }

  private async run(): Promise<void> {
    const ready: SourceTask[] = [...this.sources];
    const arrived: Array<{ task: SourceTask; result: ReadResult }> = [];
    let waiting = 0;
    let sliceStart = monotonicNow();
    try {
      // The caller gets a running handle back before anything is processed.
      await yieldToEventLoop();
      await Promise.all(this.nodes.map(({ node }) => node.operator.prepare?.()));
      sliceStart = monotonicNow();
      while (this.status === 'running') {
        if (this.requests.length > 0) {
          while (this.requests.length > 0) this.requests.shift()!.run();
          // Let the checkpoint's asynchronous write get going before more input is read.
          await yieldToEventLoop();
          sliceStart = monotonicNow();
          continue;
        }
        if (this.pendingWrites.size > 0) {
          const t0 = monotonicNow();
          await Promise.race([Promise.all(this.pendingWrites), this.wakeup()]);
          this.backPressuredMs += monotonicNow() - t0;
          sliceStart = monotonicNow();
          continue;
        }
        const t0 = monotonicNow();
        let next: { task: SourceTask; result: ReadResult | Promise<ReadResult> } | undefined;
        if (arrived.length > 0) {
          next = arrived.shift()!;
        } else if (ready.length > 0) {
          const task = ready.shift()!;
          next = { task, result: task.reader.read(task.collector, this.config.batchSize) };
        } else if (waiting > 0) {
          await this.wakeup();
          this.idleMs += monotonicNow() - t0;
          sliceStart = monotonicNow();
          continue;
        } else {
          break;
        }
        const { task, result } = next;
        if (result instanceof Promise) {
          waiting++;
          result.then(
            (r) => {
              waiting--;
              arrived.push({ task, result: r });
              this.notify();
            },
            (e: unknown) => {
              waiting--;
              this.fail(operatorFailure(task.vertex.name, task.vertex.uid, NO_RECORD, e));
            },
          );
        } else {
          task.output.flush();
          if (result === 'end') this.endSource(task);
          else ready.push(task);
        }
        const now = monotonicNow();
        this.busyMs += now - t0;
        if (now - sliceStart >= TIME_SLICE_MS) {
          await yieldToEventLoop();
          sliceStart = monotonicNow();
        }
      }
      if (this.status === 'running' && this.coordinator !== undefined) {
        // The final checkpoint commits what two-phase-commit sinks hold (Flink's FLIP-147).
        await this.coordinator.inProgressSettled();
        if (this.status === 'running') await this.startCheckpoint('checkpoint');
      }
      if (this.status === 'running') {
        // Every source has ended; sinks may still be writing.
        while (this.pendingWrites.size > 0 && this.status === 'running') {
          const t0 = monotonicNow();
          await Promise.race([Promise.all(this.pendingWrites), this.wakeup()]);
          this.backPressuredMs += monotonicNow() - t0;
        }
      }
    } catch (e) {
      this.fail(e);
    }
    this.terminate();
  }

  private endSource(task: SourceTask): void {
    task.ended = true;
    task.reader.close?.();
    task.output.emitWatermark(Number.POSITIVE_INFINITY);
    task.output.endInput();
  }

  private wakeup(): Promise<void> {
    return new Promise<void>((resolve) => (this.wake = resolve));
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private fail(error: unknown): void {
    if (this.status === 'failed' || this.status === 'finished') return;
    if (this.status === 'created') {
      this.status = 'failed';
      this.failure = error;
      this.terminate();
      return;
    }
    this.status = 'failed';
    this.failure = error;
    this.notify();
  }

  private terminate(): void {
    for (const cancel of [...this.scheduled]) cancel();
    for (const r of this.requests.splice(0)) r.reject(new SluiceError(`The job attempt ended (${this.status}) before the checkpoint started`));
    this.coordinator?.abort(new SluiceError(`The job attempt ended (${this.status})`));
    for (const s of this.sources) {
      if (!s.ended) {
        try {
          s.reader.close?.();
        } catch {
          // Closing is best effort once the job is over.
        }
      }
    }
    for (const { node } of this.nodes) {
      try {
        node.operator.close();
      } catch (e) {
        if (this.status === 'running') this.fail(e);
      }
    }
    if (this.status === 'running') this.status = 'finished';
    if (this.status === 'failed') this.rejectDone(this.failure);
    else this.resolveDone({ status: this.status === 'canceled' ? 'canceled' : 'finished', metrics: this.metrics() });
  }
}


/** The stable id state is matched by: the user's uid, else one derived from the graph position. */
function uidOf(vertex: JobVertex, index: number): string {
  return vertex.uid ?? `${index}:${vertex.name}`;
}
