import { CheckpointFailureManager, CheckpointInProgressError } from '../checkpoint/checkpoint-failure-manager';
import { CheckpointCoordinator, type CheckpointConfig, type CompletedCheckpointInfo } from '../checkpoint/checkpoint-coordinator';
import type { CheckpointStorage } from '../checkpoint/checkpoint-storage';
import { decodeValue, encodeValue } from '../codec/value-codec';
import { ConfigurationError, NO_RECORD, SluiceError, operatorFailure } from '../errors';
import { isTwoPhaseCommitSink, type TwoPhaseCommitSink } from '../io/two-phase-commit-sink';
import type { JobGraph } from '../graph/job-graph';
import { channelInputs, channelOf, consumersOf, planExecution, type ExecutionPlan, type PlannedEdge, type PlannedVertex } from '../parallel/execution-plan';
import { CombinerTarget } from '../parallel/combiner-target';
import { PartitionerTarget } from '../parallel/partitioner';
import type { WindowCombiner } from '../windowing/window-combiner';
import { keyGroupRangeForOperator } from '../state/key-groups';
import type { Sink } from '../io/sink';
import type { Source, SourceOutput, ReadResult } from '../io/source';
import type { SourceCheckpointState, SourceSubtaskState } from '../io/split-source';
import { SinkTransformation, SourceTransformation } from '../graph/transformation';
import { monotonicNow, yieldToEventLoop } from '../platform/yield';
import type { Batch, CheckpointBarrier, Clock, JobStatus, OperatorContext, RuntimeMode, RuntimeServices, Timestamp, WasmOptions } from '../types';
import { AbstractOperator } from './abstract-operator';
import type { JobHandle, JobMetrics, JobResult, OperatorMetrics } from './job-handle';
import { OperatorNode } from './operator-node';
import { OperatorOutput, type Edge, type InputTarget } from './operator-output';
import { sourceSubtaskReaders, type SourceSubtaskReader } from './source-subtasks';

/** What an attempt restores: per operator uid the snapshots of its subtasks, per source uid its positions or splits. */
export interface RestoreState {
  readonly operators: ReadonlyMap<string, readonly Uint8Array[]>;
  /** Per source uid, the position of each subtask or the splits each subtask held. */
  readonly sources: ReadonlyMap<string, SourceCheckpointState>;
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
  /** How many subtasks each operator runs (see `planExecution`). */
  readonly parallelism: number;
  /** Set when this executor runs one worker's share of a job spread over workers. */
  readonly remote?: RemotePlacement;
}

/**
 * One worker's share of a distributed job: which subtasks run here, how to reach the others, and
 * the coordinator on the main thread that checkpoints are acknowledged to.
 */
export interface RemotePlacement {
  runsHere(vertex: PlannedVertex, subtask: number): boolean;
  /** The input of a consumer subtask on another worker. */
  remoteTarget(edge: PlannedEdge, producer: number, consumer: number): InputTarget;
  acknowledge(uid: string, subtask: number, checkpointId: number, snapshot: Uint8Array | undefined, work: Promise<unknown> | undefined): void;
  /** Every local subtask has finished; resolves when the job may end (after its final checkpoint). */
  drained(): Promise<void>;
}

/** How long the scheduler runs before it yields to the event loop, in ms. */
const TIME_SLICE_MS = 8;

interface SourceTask {
  readonly uid: string;
  readonly planned: PlannedVertex;
  readonly subtask: number;
  readonly reader: SourceSubtaskReader;
  readonly output: OperatorOutput;
  readonly collector: SourceOutput<unknown>;
  recordsOut: number;
  ended: boolean;
}

/**
 * A sink operator whose writes may be asynchronous: a pending write holds the job back
 * (`LocalExecutor.backpressure`), and while any is in flight the data plane holds back credits.
 */
abstract class WritingOperator extends AbstractOperator<unknown, never> {
  writing = 0;

  constructor(protected readonly executor: LocalExecutor) {
    super();
  }

  protected track(r: void | Promise<void>): void {
    if (!(r instanceof Promise)) return;
    this.writing++;
    this.executor.backpressure(r.finally(() => this.writing--), this.context.name);
  }
}

/**
 * What a two-phase-commit sink subtask snapshots (Flink's `TwoPhaseCommitSinkFunction.State`): its
 * pre-committed transactions, each with the checkpoint that pre-committed it, and the transaction it
 * began right after the barrier — which a restore aborts, since after a crash nothing else would.
 */
interface TransactionsSnapshot {
  readonly pending: Array<[number, unknown]>;
  readonly current: unknown;
}

/**
 * Reads a two-phase-commit sink's snapshot. Snapshots written before the current transaction was
 * part of them are the bare list of pending transactions: those restore with nothing to abort.
 */
function decodeTransactions(bytes: Uint8Array, name: string): { pending: ReadonlyArray<readonly [number, unknown]>; current?: { txn: unknown } } {
  const value = decodeValue(bytes, `${name} transactions`);
  const pending = Array.isArray(value) ? value : (value as Partial<TransactionsSnapshot> | null)?.pending;
  if (!Array.isArray(pending) || !pending.every((e) => Array.isArray(e) && e.length === 2 && typeof e[0] === 'number')) {
    throw new SluiceError(`${name} transactions: the checkpoint holds no two-phase-commit sink state (pending transactions expected)`);
  }
  const entries = pending as ReadonlyArray<readonly [number, unknown]>;
  return Array.isArray(value) ? { pending: entries } : { pending: entries, current: { txn: (value as TransactionsSnapshot).current } };
}

/**
 * Runs a two-phase-commit sink: one open transaction; at a barrier it is pre-committed, a new one
 * begins, and the snapshot holds both the pre-committed ones and the new one; a completed checkpoint
 * commits its transactions; a restore commits the restored pre-committed ones again (idempotently)
 * and aborts the restored current one. Without checkpointing, the end of input commits.
 */
class TwoPhaseCommitSinkOperator extends WritingOperator {
  private transaction: unknown;
  private pending: Array<[number, unknown]> = [];
  private work: Promise<unknown> | undefined;
  /**
   * Every pre-commit so far, settled or not — and the restore's commits and aborts. A checkpoint waits
   * for all of them, not only its own: its snapshot lists the earlier transactions too, and its
   * completion commits them — which must never happen to a transaction whose pre-commit has not
   * finished (an earlier checkpoint that expired waiting for it). And a checkpoint taken before the
   * restore's commits and aborts landed must not complete: it no longer holds those transactions, so
   * a restore from it could not finish them.
   */
  private preCommitted: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly sink: TwoPhaseCommitSink<unknown, unknown>,
    executor: LocalExecutor,
    private readonly checkpointing: boolean,
  ) {
    super(executor);
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
    this.work = this.preCommitted = Promise.all([this.preCommitted, this.sink.preCommit(this.transaction)]);
    this.transaction = this.sink.beginTransaction();
    // Encoded now, while the new transaction is as `beginTransaction` made it: what a restore aborts
    // must be found from that (records reach it only later).
    return encodeValue({ pending: this.pending, current: this.transaction } satisfies TransactionsSnapshot);
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

  /**
   * Every subtask receives the snapshots of all subtasks of the earlier run, and takes those of old
   * subtasks `j ≡ subtaskIndex (mod parallelism)`: each old subtask's state goes to exactly one new
   * subtask, whatever the rescaling (Flink redistributes the sink's list state the same way), so each
   * restored transaction is committed or aborted once. (Idempotence of `commit` is still needed: the
   * restored pending transactions may have been committed before the failure.)
   */
  restoreState(snapshots: readonly Uint8Array[]): void {
    const { subtaskIndex, parallelism, name } = this.context;
    const work: Array<void | Promise<void>> = [];
    for (let j = subtaskIndex; j < snapshots.length; j += parallelism) {
      const bytes = snapshots[j];
      if (bytes === undefined) continue;
      const { pending, current } = decodeTransactions(bytes, name);
      for (const [, txn] of pending) work.push(this.sink.recoverAndCommit(txn));
      if (current !== undefined) work.push(this.sink.recoverAndAbort(current.txn));
    }
    const restored = Promise.all(work);
    // A failure fails the job (`track`); the checkpoints of the job wait for the restore.
    restored.catch(() => {});
    this.preCommitted = restored;
    this.track(restored.then(() => undefined));
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

}

/** Adapts a `Sink` to the operator protocol; a promise from `write` becomes backpressure. */
class SinkOperator extends WritingOperator {
  constructor(
    private readonly sink: Sink<unknown>,
    executor: LocalExecutor,
  ) {
    super(executor);
  }

  processBatch(batch: Batch<unknown>): void {
    let r: void | Promise<void>;
    try {
      r = this.sink.write(batch);
    } catch (cause) {
      throw this.failure(NO_RECORD, cause);
    }
    this.track(r);
  }

  override finish(): void {
    const r = this.sink.finish?.();
    this.track(r);
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

  private readonly nodes: SubtaskNode[] = [];
  private readonly subtaskOf = new Map<OperatorNode, SubtaskNode>();
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
    this.plan = planExecution(graph, { parallelism: config.parallelism, maxParallelism: config.maxParallelism });
  }

  /** Builds the running graph and starts the scheduler. */
  start(): this {
    try {
      if (!this.deployed) this.deploy();
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
    // One entry per operator, summed over its subtasks; the watermark is the slowest subtask's.
    const byVertex = new Map<PlannedVertex, OperatorMetrics>();
    const add = (planned: PlannedVertex, m: Omit<OperatorMetrics, 'name' | 'uid' | 'busyTimeMs' | 'idleTimeMs' | 'backPressuredTimeMs'>): void => {
      const prev = byVertex.get(planned);
      if (prev === undefined) {
        byVertex.set(planned, { name: planned.vertex.kind === 'source' ? planned.vertex.name : this.nameOf(planned), uid: planned.vertex.uid, ...m, ...task });
        return;
      }
      const extra: Record<string, number> = { ...prev.extra };
      for (const [k, v] of Object.entries(m.extra)) extra[k] = (extra[k] ?? 0) + v;
      byVertex.set(planned, {
        ...prev,
        recordsIn: prev.recordsIn + m.recordsIn,
        recordsOut: prev.recordsOut + m.recordsOut,
        watermark: Math.min(prev.watermark, m.watermark),
        extra,
      });
    };
    for (const s of this.sources) add(s.planned, { recordsIn: 0, recordsOut: s.output.recordsOut, watermark: s.output.lastWatermark, extra: {} });
    for (const { planned, node } of this.nodes) {
      const extra = (node.operator as { metrics?: () => Record<string, number> }).metrics?.() ?? {};
      add(planned, {
        recordsIn: node.recordsIn,
        recordsOut: node.output.recordsOut,
        watermark: node.watermark,
        extra: node.output.droppedSideOutputRecords > 0 ? { ...extra, droppedSideOutputRecords: node.output.droppedSideOutputRecords } : extra,
      });
    }
    const operators = [...byVertex.entries()].sort(([a], [b]) => a.index - b.index).map(([, m]) => m);
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
    const positions = new Map<string, SourceSubtaskState[]>();
    for (const s of this.sources) {
      const list = positions.get(s.uid) ?? [];
      list[s.subtask] = s.reader.state();
      positions.set(s.uid, list);
    }
    const started = coordinator.begin(kind, this.config.clock.now(), positions, target);
    if (started === undefined) {
      // A savepoint is a forced request in Flink (CheckpointRequestDecider): it is never refused
      // because a checkpoint is in progress. With one checkpoint at a time, it waits for that one.
      if (kind === 'savepoint') return coordinator.inProgressSettled().then(() => this.triggerCheckpoint(kind, target));
      return Promise.reject(new CheckpointInProgressError(kind));
    }
    const { id, completion } = started;
    this.activeCheckpoint = id;
    this.lastCheckpointId = Math.max(this.lastCheckpointId, id);
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
    node.lastAcknowledged = checkpointId;
    const work = node.operator instanceof TwoPhaseCommitSinkOperator ? node.operator.takeWork() : undefined;
    const { subtask } = this.subtaskOf.get(node)!;
    const ack = (bytes: Uint8Array | undefined): void => {
      if (this.config.remote !== undefined) this.config.remote.acknowledge(node.uid!, subtask, checkpointId, bytes, work);
      else this.coordinator?.acknowledge(node.uid!, subtask, checkpointId, bytes, work);
    };
    if (snapshot instanceof Promise) {
      // An asynchronous snapshot acknowledges once its bytes are ready. Its failure fails the job,
      // as a synchronous throw would; after a cancel or a failure it is moot.
      snapshot.then(ack, (cause: unknown) => {
        if (this.status === 'running') this.fail(cause);
      });
      return;
    }
    ack(snapshot);
  }

  /**
   * Distributed jobs: the coordinator on the main thread starts checkpoint `id` here. Quiescent
   * subtasks acknowledge at once, local sources emit the barrier; returns the sources' positions.
   */
  injectBarrier(barrier: CheckpointBarrier): Array<{ uid: string; subtask: number; state: SourceSubtaskState }> {
    this.activeCheckpoint = barrier.checkpointId;
    const positions = this.sources.map((s) => ({ uid: s.uid, subtask: s.subtask, state: s.reader.state() }));
    this.guard(() => {
      for (const { node } of this.nodes) if (node.finished) this.acknowledge(node, barrier.checkpointId, node.operator.snapshotState?.(barrier.checkpointId));
      for (const s of this.sources) if (!s.ended) s.output.emitBarrier(barrier);
    });
    return positions;
  }

  /** Distributed jobs: checkpoint `id` is complete. */
  notifyCheckpointComplete(id: number): void {
    this.lastCheckpointId = Math.max(this.lastCheckpointId, id);
    for (const { node } of this.nodes) this.guard(() => node.operator.notifyCheckpointComplete?.(id));
  }

  /** Distributed jobs: runs input that arrived from another worker as a task of this job. */
  deliver(fn: () => void): void {
    // Other workers may send before this one has prepared its operators (loaded WASM kernels).
    if (this.early !== undefined) this.early.push(fn);
    else this.guard(fn);
    this.notify();
  }

  /** Input delivered before the operators were prepared; `undefined` once they are. */
  private early: Array<() => void> | undefined = [];

  private startCheckpointing(): void {
    const checkpoint = this.config.checkpoint;
    if (checkpoint === undefined || !this.takesCheckpoints || this.config.remote !== undefined) return;
    this.coordinator = new CheckpointCoordinator(
      checkpoint.storage,
      this.name,
      this.config.maxParallelism,
      this.plan.vertices.filter((v) => v.vertex.kind !== 'source').map((v) => ({ uid: v.uid, name: this.nameOf(v), parallelism: v.parallelism })),
      checkpoint.config.retain ?? 1,
      checkpoint.firstId,
      (id) => this.notifyCheckpointComplete(id),
      () => this.config.clock.now(),
    );
    const { interval, minPause = 0 } = checkpoint.config;
    const failures = new CheckpointFailureManager(checkpoint.config.tolerableFailures ?? 0);
    const tick = (): void => {
      const c = this.coordinator!;
      const now = this.config.clock.now();
      if (!c.inProgress && now - c.lastCompletedTime >= minPause && !this.sources.every((s) => s.ended)) {
        failures.watch(this.triggerCheckpoint('checkpoint'), () => this.status === 'running', (error) => this.fail(error));
      }
      this.scheduleTask(now + interval, tick);
    };
    this.scheduleTask(this.config.clock.now() + interval, tick);
  }

  /**
   * Whether this run takes checkpoints: configured, and not BATCH mode (which has none; on a worker
   * the coordinator on the main thread takes them).
   */
  private get takesCheckpoints(): boolean {
    return this.config.checkpoint !== undefined && this.config.runtimeMode !== 'batch';
  }

  /** The newest checkpoint started in this attempt (completed or not). */
  private activeCheckpoint = 0;

  /**
   * The newest checkpoint id this attempt used, completed or not: a restart numbers after it, as
   * Flink's CheckpointIDCounter never reuses an id (one that was in flight may have been written).
   */
  lastCheckpointId = 0;
  private coordinator: CheckpointCoordinator | undefined;

  /** Called whenever a sink write or a blocked channel settles (the data plane may return credits). */
  onWritable: (() => void) | undefined = undefined;

  /** Called by sinks: the scheduler reads no more input until `promise` settles. */
  backpressure(promise: Promise<unknown>, sinkName: string): void {
    const tracked = promise.then(
      () => {
        this.pendingWrites.delete(tracked);
        this.onWritable?.();
        this.notify();
      },
      (cause: unknown) => {
        this.pendingWrites.delete(tracked);
        this.fail(operatorFailure(sinkName, undefined, NO_RECORD, cause));
      },
    );
    this.pendingWrites.add(tracked);
  }

  private readonly plan: ExecutionPlan;

  private nameOf(planned: PlannedVertex): string {
    const v = planned.vertex;
    return v.stages !== undefined ? v.stages.map((s) => s.name).join(' -> ') : v.name;
  }

  /**
   * Expands the graph into subtasks (`planExecution`), creates an operator node per subtask and a
   * reader per source subtask, and connects them: a forward edge calls the consumer directly, any
   * other exchange goes through a partitioner.
   */
  private deployed = false;

  /**
   * Creates the operator subtasks without starting them. A worker does this before any worker
   * starts, so that input from a faster peer always finds its consumer. Throws what a restore
   * refuses. `start` deploys when this has not been called.
   */
  deploy(): void {
    if (this.deployed) return;
    this.deployed = true;
    const plan = this.plan;
    const services: RuntimeServices = {
      clock: this.config.clock,
      maxParallelism: this.config.maxParallelism,
      runtimeMode: this.config.runtimeMode,
      autoWatermarkInterval: this.config.autoWatermarkInterval,
      wasm: this.config.wasm,
      guard: (fn) => this.guard(fn),
    };
    const exactlyOnce = this.config.checkpoint?.config.mode !== 'at-least-once';
    const outputs = new Map<PlannedVertex, OperatorOutput[]>();
    for (const planned of plan.vertices) {
      const v = planned.vertex;
      const list: OperatorOutput[] = [];
      outputs.set(planned, list);
      for (let subtask = 0; subtask < planned.parallelism; subtask++) {
        if (this.config.remote !== undefined && !this.config.remote.runsHere(planned, subtask)) continue;
        const output = new OperatorOutput(this.config.batchSize, []);
        list[subtask] = output;
        if (v.kind === 'source') continue;
        const sink = v.kind === 'sink' ? (v.transformation as SinkTransformation).sink : undefined;
        const combined = planned.inputs.find((e) => e.combine !== undefined)?.combine;
        const operator =
          sink === undefined
            ? combined !== undefined
              ? combined.createMerger()
              : v.createOperator!()
            : isTwoPhaseCommitSink(sink)
              ? // Without checkpoints the end of input commits, as Flink's CommitterOperator does.
                new TwoPhaseCommitSinkOperator(sink, this, this.takesCheckpoints)
              : new SinkOperator(sink, this);
        const node = new OperatorNode(
          this.nameOf(planned),
          planned.uid,
          operator,
          output,
          channelInputs(planned, subtask),
          (n, id, snapshot) => this.acknowledge(n, id, snapshot),
          exactlyOnce,
        );
        // A subtask whose every input ended before a checkpoint's barrier could reach it (its
        // sources had finished; on a worker, their end was still in flight) gets no barrier: it
        // acknowledges with its final state when it finishes, as Flink's finished tasks do.
        node.onFinished = () => {
          const id = this.activeCheckpoint;
          if (id > node.lastAcknowledged) this.acknowledge(node, id, node.operator.snapshotState?.(id));
        };
        const entry: SubtaskNode = { planned, subtask, node };
        this.nodes.push(entry);
        (this.nodesByVertex[planned.index] ??= [])[subtask] = node;
        this.subtaskOf.set(node, entry);
      }
    }
    const targetOf = (edge: PlannedEdge, producer: number, consumer: number): Edge => ({
      target: this.nodeAt(edge.to.index, consumer) ?? this.config.remote!.remoteTarget(edge, producer, consumer),
      input: channelOf(edge, producer, consumer),
    });
    for (const planned of plan.vertices) {
      for (const edge of planned.outputs) {
        for (let producer = 0; producer < planned.parallelism; producer++) {
          if (outputs.get(planned)![producer] === undefined) continue;
          const consumers = consumersOf(edge, producer);
          const edges = consumers.map((c) => targetOf(edge, producer, c));
          const direct = edges.length === 1 && edge.partitioning.kind !== 'hash';
          const partitioner = direct ? undefined : new PartitionerTarget(edge.partitioning, edges, plan.maxParallelism, this.config.batchSize, producer);
          const out: Edge =
            partitioner === undefined
              ? edges[0]!
              : edge.combine === undefined
                ? { target: partitioner, input: 0 }
                : { target: this.combinerTarget(edge.combine.createCombiner(), partitioner), input: 0 };
          const output = outputs.get(planned)![producer]!;
          if (edge.tagId === undefined) output.addEdge(out);
          else output.addSideEdge(edge.tagId, out);
        }
      }
    }
    for (const planned of plan.vertices) {
      if (planned.vertex.kind !== 'source') continue;
      // Every worker decides the same: which splits (or position) each subtask resumes from.
      const readerOf = sourceSubtaskReaders({
        source: (planned.vertex.transformation as SourceTransformation).source as Source<unknown>,
        name: planned.vertex.name,
        uid: planned.uid,
        parallelism: planned.parallelism,
        restored: this.config.restore?.sources.get(planned.uid),
        clock: this.config.clock,
      });
      for (let subtask = 0; subtask < planned.parallelism; subtask++) {
        const output = outputs.get(planned)![subtask];
        if (output === undefined) continue;
        const reader = readerOf(subtask);
        this.sources.push({
          uid: planned.uid,
          planned,
          subtask,
          reader,
          output,
          recordsOut: 0,
          ended: false,
          // The output itself, not closures made per job around it: a source's call sites then see
          // the same methods in every job a kept-alive worker runs, and V8 keeps them inlined.
          collector: output,
        });
      }
    }
    // Open downstream first, as Flink does, so that an operator's outputs are ready when it opens.
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const { planned, subtask, node } = this.nodes[i]!;
      const hold = (promise: Promise<unknown>): void => this.backpressure(promise, node.name);
      const context: OperatorContext<unknown> = {
        name: node.name,
        uid: planned.vertex.uid,
        subtaskIndex: subtask,
        parallelism: planned.parallelism,
        output: node.output,
        services,
        coalesceWatermarks: planned.vertex.coalesceWatermarks ?? false,
        scheduleProcessingTime: (at, callback) => this.scheduleTask(at, () => {
          callback();
          node.output.flush();
        }),
        runTask: (fn) =>
          this.guard(() => {
            fn();
            node.output.flush();
          }),
        hold,
      };
      node.host = { hold, guard: (fn) => this.guard(fn) };
      node.operator.open(context);
    }
    this.restoreOperators();
    this.startCheckpointing();
  }

  /** The pre-aggregating ends of exchanges (their kernels load with the operators'). */
  private readonly combiners: CombinerTarget[] = [];

  private combinerTarget(combiner: WindowCombiner<unknown>, partitioner: PartitionerTarget): CombinerTarget {
    const target = new CombinerTarget(combiner, partitioner, this.config.batchSize);
    this.combiners.push(target);
    return target;
  }

  /** Hands every operator its restored snapshots; state for an operator the job lacks is an error. */
  private restoreOperators(): void {
    const restore = this.config.restore;
    if (restore === undefined) return;
    const known = new Set<string>(this.plan.vertices.map((v) => v.uid));
    for (const [uid, parts] of restore.operators) {
      // As in Flink, only operators that have state must exist in the new job.
      if (parts.length > 0 && !known.has(uid) && restore.allowNonRestoredState !== true) {
        throw new ConfigurationError(
          `The checkpoint${restore.location === undefined ? '' : ` at ${restore.location}`} has state for operator uid "${uid}", which this job does not have. ` +
            'Give operators stable uids (.uid(...) or { uid }) or set allowNonRestoredState.',
        );
      }
    }
    for (const { planned, subtask, node } of this.nodes) {
      const parts = restore.operators.get(planned.uid);
      if (parts !== undefined && parts.length > 0) {
        node.operator.restoreState?.(parts, keyGroupRangeForOperator(this.config.maxParallelism, planned.parallelism, subtask));
      }
    }
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
      this.onStepEnd?.();
    } catch (e) {
      this.fail(e);
    } finally {
      this.busyMs += monotonicNow() - t0;
    }
  }

  /** Called after every step of work (the data plane sends what its channels have gathered). */
  onStepEnd: (() => void) | undefined = undefined;

  private async run(): Promise<void> {
    const ready: SourceTask[] = [...this.sources];
    const arrived: Array<{ task: SourceTask; result: ReadResult }> = [];
    let waiting = 0;
    let sliceStart = monotonicNow();
    try {
      // The caller gets a running handle back before anything is processed.
      await yieldToEventLoop();
      await Promise.all([
        ...this.nodes.map(({ node }) => node.operator.prepare?.()),
        ...this.combiners.map((c) => c.prepare(this.config.wasm)),
      ]);
      for (const fn of this.early!) this.guard(fn);
      this.early = undefined;
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
        } else if (waiting > 0 || (this.config.remote !== undefined && !this.nodes.every((n) => n.node.finished))) {
          // Waiting for a source, or — on a worker — for input from the other workers.
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
              this.fail(operatorFailure(task.planned.vertex.name, task.planned.vertex.uid, NO_RECORD, e));
            },
          );
        } else {
          task.output.flush();
          this.onStepEnd?.();
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
      // Every source has ended; sinks may still be writing.
      await this.settleWrites();
      if (this.status === 'running' && this.config.remote !== undefined) {
        // The coordinator takes the final checkpoint across workers, then lets this one end.
        await Promise.race([this.config.remote.drained(), this.ended]);
        await this.settleWrites();
      }
    } catch (e) {
      this.fail(e);
    }
    this.terminate();
  }

  private async settleWrites(): Promise<void> {
    while (this.pendingWrites.size > 0 && this.status === 'running') {
      const t0 = monotonicNow();
      await Promise.race([Promise.all(this.pendingWrites), this.wakeup()]);
      this.backPressuredMs += monotonicNow() - t0;
    }
  }

  /** Resolves when the attempt stops running (failed or canceled), so waits can end early. */
  // Declared first: field initializers run in order, and `ended` sets it.
  private markEnded!: () => void;
  private readonly ended = new Promise<void>((resolve) => (this.markEnded = resolve));

  /** The subtask of the operator at `vertexIndex` in the plan, when it runs here. */
  nodeAt(vertexIndex: number, subtask: number): OperatorNode | undefined {
    return this.nodesByVertex[vertexIndex]?.[subtask];
  }

  /** Per vertex index, its subtasks that run here (looked up for every buffer from another worker). */
  private readonly nodesByVertex: Array<Array<OperatorNode | undefined>> = [];

  get executionPlan(): ExecutionPlan {
    return this.plan;
  }

  private endSource(task: SourceTask): void {
    task.ended = true;
    task.reader.close();
    task.output.emitWatermark(Number.POSITIVE_INFINITY);
    task.output.endInput();
  }

  private wakeup(): Promise<void> {
    return new Promise<void>((resolve) => (this.wake = resolve));
  }

  private notify(): void {
    if (this.status !== 'running' && this.status !== 'created') this.markEnded();
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
          s.reader.close();
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


/** One operator subtask of the running job. */
interface SubtaskNode {
  readonly planned: PlannedVertex;
  readonly subtask: number;
  readonly node: OperatorNode;
}
