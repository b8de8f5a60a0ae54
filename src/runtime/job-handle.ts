import type { JobStatus } from '../types';

/** Per-operator figures (Flink's task metrics). Times are those of the task the operator runs in. */
export interface OperatorMetrics {
  readonly name: string;
  readonly uid: string | undefined;
  readonly recordsIn: number;
  readonly recordsOut: number;
  /** The operator's current input watermark (−∞ before the first). */
  readonly watermark: number;
  /** Time spent processing. */
  readonly busyTimeMs: number;
  /** Time waiting for input. */
  readonly idleTimeMs: number;
  /** Time waiting for output to drain (a sink's backpressure). */
  readonly backPressuredTimeMs: number;
  /** Operator-specific counters, e.g. `numLateRecordsDropped` of window operators. */
  readonly extra: Readonly<Record<string, number>>;
}

export interface JobMetrics {
  readonly status: JobStatus;
  /** Attempts that failed and were restarted from a checkpoint. */
  readonly restarts?: number;
  readonly busyTimeMs: number;
  readonly idleTimeMs: number;
  readonly backPressuredTimeMs: number;
  readonly operators: readonly OperatorMetrics[];
  /**
   * Per task (a worker's share of a job on workers; absent for a job on one thread): where its
   * time goes, the buffers it has sent and not yet had credited back, and its heap.
   */
  readonly tasks?: readonly TaskMetrics[];
}

export interface TaskMetrics {
  readonly worker: number;
  readonly busyTimeMs: number;
  readonly idleTimeMs: number;
  readonly backPressuredTimeMs: number;
  readonly inFlightBuffers: number;
  /** Bytes of records this worker has sent to other workers. */
  readonly bytesSent: number;
  /** The worker's JS heap in use, where the runtime tells (`undefined` elsewhere). */
  readonly heapUsedBytes: number | undefined;
}

export interface JobResult {
  readonly status: 'finished' | 'canceled';
  readonly metrics: JobMetrics;
}

/** A running job (Flink's `JobClient`). */
export interface JobHandle {
  readonly name: string;
  readonly status: JobStatus;
  /** Settles when the job ends: resolves when finished or canceled, rejects when it failed. */
  readonly done: Promise<JobResult>;
  /** Stops the job; resolves once it has stopped. */
  cancel(): Promise<void>;
  metrics(): JobMetrics;
  /**
   * Writes a savepoint — a self-contained, relocatable snapshot in the checkpoint format — and
   * resolves with its id and location. Needs checkpointing configured (for its storage).
   */
  savepoint(target?: string): Promise<{ readonly checkpointId: number; readonly location: string }>;
}
