/**
 * The core protocol of sluice: what flows between operators, and the contract an operator implements.
 * Types only — no logic lives here.
 *
 * Every task handles four kinds of input, in order per channel: a batch of records, a watermark, a
 * watermark status (idle/active), and the end of input. Checkpoint barriers join them with the
 * exactly-once work.
 */

/**
 * Event time or processing time, in epoch milliseconds. `NaN` marks a record without a timestamp
 * (Flink: `Long.MIN_VALUE`); watermarks run from −∞ to the +∞ a bounded input ends with.
 */
export type Timestamp = number;


/**
 * Records with their timestamps. Only indices below `length` are valid. A batch is owned by the
 * operator that emitted it and reused after the downstream call returns: read it, never keep it.
 */
export interface Batch<T> {
  readonly values: T[];
  /** One timestamp per record; `NaN` where the record has none. */
  readonly timestamps: Float64Array;
  readonly length: number;
}

/** A checkpoint barrier (Chandy-Lamport): everything before it belongs to checkpoint `checkpointId`. */
export interface CheckpointBarrier {
  readonly checkpointId: number;
  readonly timestamp: Timestamp;
}

/** Where a user function hands its results. */
export interface Collector<T> {
  collect(value: T): void;
}

/** Identifies a side output: `sideOutput<Bid>('late')`. */
export interface OutputTag<T> {
  readonly id: string;
  /** Phantom field that carries the element type; never set. */
  readonly __type?: T;
}

/** The output side of an operator: records, watermarks and side outputs, batched by the runtime. */
export interface Output<T> {
  collect(value: T, timestamp: Timestamp): void;
  /**
   * Emits every record of `batch`, after those collected before: what `collect` for each would do,
   * but the batch may go downstream as it is, without a copy. Read during the call only.
   */
  collectBatch(batch: Batch<T>): void;
  sideOutput<S>(tag: OutputTag<S>, value: S, timestamp: Timestamp): void;
  emitWatermark(watermark: Timestamp): void;
  emitIdle(idle: boolean): void;
}

/**
 * A stream operator. The runtime calls `open` once, then the input methods in channel order, then
 * `finish` after every input has ended, then `close`. `processWatermark` receives the operator's
 * combined input watermark (minimum over active inputs), only when it advances.
 */
export interface Operator<I, O> {
  open(context: OperatorContext<O>): void;
  /** Asynchronous set-up awaited after `open` and before the first record (e.g. loading a WASM kernel). */
  prepare?(): Promise<void>;
  processBatch(batch: Batch<I>, input: number): void;
  processWatermark(watermark: Timestamp): void;
  processIdle(idle: boolean): void;
  endInput(input: number): void;
  /**
   * Every input has ended. A promise (an operator with asynchronous work in flight) holds back the
   * end of this operator's output, and of the job, until it settles; a rejection fails the job.
   */
  finish(): void | Promise<void>;
  close(): void;
  /**
   * Captures the operator's state at a checkpoint barrier; absent when stateless. Returns the
   * encoded bytes, or a promise of them: then the state is captured as of this call and encoded
   * while processing goes on, and the checkpoint waits for it (a rejection fails the job, as a
   * throw does).
   */
  snapshotState?(checkpointId: number): Uint8Array | Promise<Uint8Array>;
  /**
   * Restores before the first record, from the snapshots of every subtask of the earlier run: a
   * keyed operator keeps the key groups in `keyGroups` (so parallelism may change).
   */
  restoreState?(snapshots: readonly Uint8Array[], keyGroups: { readonly start: number; readonly end: number }): void;
  /** The checkpoint `checkpointId` is complete (two-phase-commit sinks commit here). */
  notifyCheckpointComplete?(checkpointId: number): void;
}

/** What the runtime gives an operator when it opens. */
export interface OperatorContext<O> {
  readonly name: string;
  readonly uid: string | undefined;
  /** Which parallel instance of the operator this is: `subtaskIndex` of `parallelism`. */
  readonly subtaskIndex: number;
  readonly parallelism: number;
  readonly output: Output<O>;
  readonly services: RuntimeServices;
  /**
   * Watermark generators only: whether per-record watermarks may be held within a batch — until a
   * record with `ts <= watermark + 1` (`'strict'`) or `ts <= watermark` (`'relaxed'`) — as the
   * job graph proves invisible downstream; `false`: never.
   */
  readonly coalesceWatermarks: false | 'strict' | 'relaxed';
  /**
   * Runs `callback` once processing time reaches `at`, as a task of this operator: an error fails
   * the job, and outputs are flushed afterwards. Returns a function that cancels it.
   */
  scheduleProcessingTime(at: Timestamp, callback: () => void): () => void;
  /**
   * Runs `fn` now as a task of this operator, from a callback of asynchronous work: an error fails
   * the job, and outputs are flushed afterwards.
   */
  runTask(fn: () => void): void;
  /**
   * Holds the job back until `promise` settles: no more input is read, and the job does not end
   * before it (a rejection fails the job, naming this operator).
   */
  hold(promise: Promise<unknown>): void;
}

/** Runtime-wide services an operator may use. */
export interface RuntimeServices {
  readonly clock: Clock;
  readonly maxParallelism: number;
  readonly runtimeMode: RuntimeMode;
  readonly autoWatermarkInterval: number;
  /** Whether built-in aggregations may run in WebAssembly, and precompiled kernels (workerd). */
  readonly wasm: WasmOptions;
  /** Runs `fn` where an error fails the job (timer and clock callbacks). */
  guard(fn: () => void): void;
}

/**
 * `enabled: false` runs every kernel's JavaScript twin. `modules` hands in precompiled kernels, for
 * runtimes that cannot compile WebAssembly from bytes (Cloudflare workerd).
 */
export interface WasmOptions {
  readonly enabled: boolean;
  readonly modules?: { readonly windowAggregate?: WebAssembly.Module; readonly sessionAggregate?: WebAssembly.Module };
}

/** `streaming` processes records as they arrive; `batch` processes bounded input key by key. */
export type RuntimeMode = 'streaming' | 'batch';

/** Processing time. Injectable so tests drive it. */
export interface Clock {
  now(): Timestamp;
  /** Runs `callback` once `now() >= at`. Returns a function that cancels it. */
  schedule(at: Timestamp, callback: () => void): () => void;
}

/** A job's lifecycle (Flink's JobStatus, reduced). */
export type JobStatus = 'created' | 'running' | 'restarting' | 'finished' | 'failed' | 'canceled';
