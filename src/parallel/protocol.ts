/**
 * The messages between workers and between a worker and the main thread — the worker boundary as
 * one typed protocol (discriminated unions, as comlink's `protocol.ts`). Comlink carries the
 * control calls (`TaskManagerApi`); the data plane and the events below travel on plain
 * `MessagePort`s, with batches as transferred `ArrayBuffer`s.
 */
import type { SourceCheckpointState, SourceSubtaskState } from '../io/split-source';
import type { WireFormat } from './wire-codec';
import type { JobMetrics } from '../runtime/job-handle';

/** Identifies one channel: an edge of the plan, a producer subtask and a consumer subtask. */
export interface ChannelId {
  readonly edge: number;
  readonly producer: number;
  readonly consumer: number;
}

/** Producer → consumer, in channel order; only `batch` needs a credit. */
export type DataMessage =
  | (ChannelId & {
      readonly t: 'batch';
      readonly format: WireFormat;
      readonly records: ArrayBuffer;
      readonly timestamps: ArrayBuffer;
      readonly length: number;
      /** Float64 pairs (records before it, watermark): the watermarks among the records. */
      readonly marks: ArrayBuffer;
    })
  | (ChannelId & { readonly t: 'watermark'; readonly watermark: number })
  | (ChannelId & { readonly t: 'idle'; readonly idle: boolean })
  | (ChannelId & { readonly t: 'barrier'; readonly checkpointId: number; readonly timestamp: number })
  | (ChannelId & { readonly t: 'end' })
  /** Consumer → producer: the consumer has room for `credits` more batches on this channel. */
  | (ChannelId & { readonly t: 'credit'; readonly credits: number });

/** Worker → main thread, on the worker's event port. */
export type WorkerEvent =
  | { readonly t: 'ack'; readonly uid: string; readonly subtask: number; readonly checkpointId: number; readonly snapshot: Uint8Array | undefined }
  /** Collected records; `txn` names their transaction when the job checkpoints (exactly-once). */
  | { readonly t: 'rows'; readonly txn: string | undefined; readonly format: WireFormat; readonly records: ArrayBuffer }
  | { readonly t: 'drained' }
  | { readonly t: 'finished' }
  | { readonly t: 'failed'; readonly message: string; readonly stack: string | undefined; readonly name: string };

/** What the main thread tells a worker to run. */
export interface DeploySpec {
  /** The job module every worker imports (Flink's user jar); its default export is a `defineJob`. */
  readonly moduleUrl: string;
  readonly params: unknown;
  readonly workerIndex: number;
  readonly workers: number;
  /** Which attempt of the job this is (restarts count up): transaction ids stay unique. */
  readonly attempt: number;
  readonly options: {
    readonly parallelism: number;
    readonly maxParallelism: number;
    readonly batchSize: number;
    readonly runtimeMode: 'streaming' | 'batch';
    readonly autoWatermarkInterval: number;
    readonly wasm: boolean;
    readonly exactlyOnce: boolean;
    readonly checkpointing: boolean;
    /** Batches a consumer lets a producer have in flight per channel. */
    readonly credits: number;
  };
  readonly restore:
    | {
        readonly operators: ReadonlyArray<readonly [string, readonly Uint8Array[]]>;
        readonly sources: ReadonlyArray<readonly [string, SourceCheckpointState]>;
        readonly allowNonRestoredState: boolean;
        readonly location: string | undefined;
      }
    | undefined;
  /** `peers[i]`: the port to worker i (undefined for this worker itself). */
  readonly peers: ReadonlyArray<MessagePort | undefined>;
  /** Where this worker sends its `WorkerEvent`s. */
  readonly events: MessagePort;
}

/** What a deployed worker reports about the plan, so the main thread needs no user code. */
export interface PlanSummary {
  readonly operators: ReadonlyArray<{ readonly uid: string; readonly name: string; readonly parallelism: number; readonly source: boolean }>;
}

/** The control plane a worker exposes through Comlink (Flink's TaskExecutorGateway). */
export interface TaskManagerApi {
  deploy(spec: DeploySpec): Promise<PlanSummary>;
  start(): void;
  /** Emits the barrier at this worker's sources; returns what each source subtask checkpoints. */
  injectBarrier(checkpointId: number, timestamp: number): Array<{ uid: string; subtask: number; state: SourceSubtaskState }>;
  notifyCheckpointComplete(checkpointId: number): void;
  /** The final checkpoint is complete: the worker's share of the job may end. */
  release(): void;
  cancel(): Promise<void>;
  metrics(): { job: JobMetrics; inFlightBuffers: number; bytesSent: number; heapUsedBytes: number | undefined };
}
