import { StreamEnvironment } from '../api/environment';
import { MemoryCheckpointStorage } from '../checkpoint/memory-storage';
import { ConfigurationError } from '../errors';
import { SinkTransformation } from '../graph/transformation';
import { LocalExecutor } from '../runtime/local-executor';
import { isJobDefinition } from './define-job';
import { DataPlane } from './data-plane';
import type { DeploySpec, PlanSummary, TaskManagerApi, WorkerEvent } from './protocol';
import { encodeWireRecords } from './wire-codec';
import { CodecKernel } from '../codec/codec-kernel';
import type { Sink } from '../io/sink';
import { TwoPhaseCommitSink } from '../io/two-phase-commit-sink';
import type { Batch } from '../types';

/**
 * Sends the records of the stream a job definition returned to the main thread. With checkpoints
 * it is a two-phase-commit sink: a transaction's records leave the worker only when its
 * checkpoint completes (or the job ends), tagged with the transaction's id, so the main thread
 * keeps each transaction once however often a restart commits it (Flink's collect sink is
 * exactly-once in the same way).
 */
function collectSink(events: MessagePort, spec: DeploySpec): Sink<unknown> {
  const post = (txn: string | undefined, values: readonly unknown[], length: number): void => {
    if (length === 0) return;
    const { format, buffer } = encodeWireRecords(values, length);
    events.postMessage({ t: 'rows', txn, format, records: buffer } satisfies WorkerEvent, [buffer]);
  };
  if (!spec.options.checkpointing) return { name: 'collect', write: (batch) => post(undefined, batch.values, batch.length) };
  let sequence = 0;
  const prefix = `${spec.attempt}/${spec.workerIndex}`;
  return new (class extends TwoPhaseCommitSink<unknown, { id: string; records: unknown[] }> {
    override readonly name = 'collect';
    beginTransaction(): { id: string; records: unknown[] } {
      return { id: `${prefix}/${sequence++}`, records: [] };
    }
    invoke(txn: { id: string; records: unknown[] }, batch: Batch<unknown>): void {
      for (let i = 0; i < batch.length; i++) txn.records.push(batch.values[i]);
    }
    preCommit(): void {}
    commit(txn: { id: string; records: unknown[] }): void {
      post(txn.id, txn.records, txn.records.length);
    }
    abort(): void {}
  })();
}

/** Subtask `subtask` of a vertex runs on worker `subtask mod workers` (Flink's slot sharing). */
export function workerOf(subtask: number, workers: number): number {
  return subtask % workers;
}

/**
 * The worker side of a distributed job (Flink's TaskExecutor): imports the job module, builds the
 * graph, runs this worker's subtasks in a `LocalExecutor` whose exchanges to other workers go
 * through the data plane, and reports to the main thread on its event port.
 */
export class TaskManager implements TaskManagerApi {
  private executor: LocalExecutor | undefined;
  private events: MessagePort | undefined;
  private dataPlane: DataPlane | undefined;
  private release_: (() => void) | undefined;
  private released = Promise.resolve();

  /** The current job's ports: its peers' and its event port. */
  private ports: MessagePort[] = [];

  /**
   * Builds and deploys this worker's share of a job. A worker of a kept-alive pool deploys one job
   * after another: the previous one has finished, and only its ports are left to close.
   */
  async deploy(spec: DeploySpec): Promise<PlanSummary> {
    this.dataPlane?.close();
    for (const port of this.ports) port.close();
    this.ports = [...spec.peers.filter((p): p is MessagePort => p !== undefined), spec.events];
    this.released = new Promise<void>((resolve) => (this.release_ = resolve));
    const events = spec.events;
    this.events = events;
    const module = (await import(/* @vite-ignore */ spec.moduleUrl)) as { default?: unknown };
    if (!isJobDefinition(module.default)) {
      throw new ConfigurationError(`The job module ${spec.moduleUrl} must have a default export made by defineJob(...): workers import it to build the job`);
    }
    const { options } = spec;
    const kernel = await CodecKernel.load({ wasm: options.wasm });
    const env = new StreamEnvironment({
      parallelism: options.parallelism,
      maxParallelism: options.maxParallelism,
      batchSize: options.batchSize,
      runtimeMode: options.runtimeMode,
      autoWatermarkInterval: options.autoWatermarkInterval,
      wasm: options.wasm,
    });
    const result = module.default.build(env, spec.params);
    const extra = result === undefined ? [] : [new SinkTransformation(result.transformation, collectSink(events, spec))];
    const graph = env.takeGraph(extra);
    const post = (e: WorkerEvent, transfer: Transferable[] = []): void => events.postMessage(e, transfer);
    const restore = spec.restore;
    const executor = new LocalExecutor(`worker ${spec.workerIndex}`, graph, {
      clock: env.clock,
      maxParallelism: options.maxParallelism,
      runtimeMode: options.runtimeMode,
      autoWatermarkInterval: options.autoWatermarkInterval,
      batchSize: options.batchSize,
      wasm: env.wasm,
      parallelism: options.parallelism,
      checkpoint: options.checkpointing
        ? { config: { interval: Number.MAX_SAFE_INTEGER, mode: options.exactlyOnce ? 'exactly-once' : 'at-least-once' }, storage: new MemoryCheckpointStorage(), firstId: 1 }
        : undefined,
      restore:
        restore === undefined
          ? undefined
          : {
              operators: new Map(restore.operators),
              sources: new Map(restore.sources),
              allowNonRestoredState: restore.allowNonRestoredState,
              location: restore.location,
            },
      remote: {
        runsHere: (vertex, subtask) => workerOf(subtask, spec.workers) === spec.workerIndex,
        remoteTarget: (edge, producer, consumer) => this.dataPlane!.target(edge, producer, consumer),
        acknowledge: (uid, subtask, checkpointId, snapshot, work) => {
          const send = (): void => post({ t: 'ack', uid, subtask, checkpointId, snapshot });
          if (work === undefined) send();
          else work.then(send, (e: unknown) => this.fail(e));
        },
        drained: () => {
          post({ t: 'drained' });
          return this.released;
        },
      },
    });
    this.executor = executor;
    this.dataPlane = new DataPlane(executor, spec.peers, (_vertex, subtask) => workerOf(subtask, spec.workers), options.credits, options.batchSize, kernel);
    // Every worker's subtasks exist before the main thread starts any worker.
    executor.deploy();
    this.dataPlane.listen();
    executor.done.then(
      () => post({ t: 'finished' }),
      (e: unknown) => this.fail(e),
    );
    return {
      operators: executor.executionPlan.vertices.map((v) => ({
        uid: v.uid,
        name: v.vertex.name,
        parallelism: v.parallelism,
        source: v.vertex.kind === 'source',
      })),
    };
  }

  start(): void {
    this.executor!.start();
  }

  injectBarrier(checkpointId: number, timestamp: number): ReturnType<TaskManagerApi['injectBarrier']> {
    return this.executor!.injectBarrier({ checkpointId, timestamp });
  }

  notifyCheckpointComplete(checkpointId: number): void {
    this.executor!.notifyCheckpointComplete(checkpointId);
  }

  release(): void {
    this.release_?.();
  }

  async cancel(): Promise<void> {
    this.dataPlane?.close();
    await this.executor?.cancel();
  }

  metrics(): ReturnType<TaskManagerApi['metrics']> {
    const memory = (globalThis as { process?: { memoryUsage?: () => { heapUsed: number } } }).process?.memoryUsage?.();
    return {
      job: this.executor!.metrics(),
      inFlightBuffers: this.dataPlane?.inFlight ?? 0,
      bytesSent: this.dataPlane?.bytesSent ?? 0,
      heapUsedBytes: memory?.heapUsed,
    };
  }

  private fail(e: unknown): void {
    const error = e instanceof Error ? e : new Error(String(e));
    this.events?.postMessage({ t: 'failed', message: error.message, stack: error.stack, name: error.name } satisfies WorkerEvent);
  }
}
