// The universal entry: everything here runs in browsers, Node, Deno and workerd.
export { StreamEnvironment, type StreamEnvironmentOptions } from './api/environment';
export { FLINK_CONFIG_KEYS } from './api/flink-config';
export { Stream, type OperatorOptions } from './api/stream';
export { KeyedStream } from './api/keyed-stream';
export { WindowedStream, type WindowOptions, type ProcessWindowFunction } from './api/windowed-stream';
export { sideOutput } from './api/output-tag';
export type { UnaryFunction } from './api/pipe';

export { map } from './operators/map';
export { filter } from './operators/filter';
export { flatMap } from './operators/flat-map';
export { tap } from './operators/tap';
export { keyBy } from './operators/key-by';
export { defineJob, type JobDefinition } from './parallel/define-job';
export { webWorkers, type WebWorkersOptions } from './parallel/web-workers';
export type { WorkerPool, WorkerPoolOptions, SpawnedWorker } from './parallel/worker-pool';
export { rebalance, rescale, broadcast, forward } from './operators/partition';
export { union, unionWith } from './operators/union';
export { connect, type CoFunction } from './operators/connect';
export { BroadcastStream } from './api/broadcast-stream';
export type {
  BroadcastProcessFunction,
  KeyedBroadcastProcessFunction,
  ReadOnlyBroadcastContext,
  BroadcastContext,
  KeyedReadOnlyBroadcastContext,
  KeyedBroadcastContext,
  KeyedBroadcastOnTimerContext,
} from './operators/broadcast-process-function';
export { intervalJoin, type IntervalJoinOptions, type ProcessJoinContext, type ProcessJoinFunction } from './operators/interval-join';
export { windowJoin, coGroup, type CoGroupFunction, type WindowJoinOptions } from './operators/window-join';
export { asyncMap, AsyncTimeoutError, type AsyncMapOptions } from './operators/async-map';
export { process } from './operators/process';
export { watermarks } from './operators/watermarks';
export { window } from './operators/window';
export { aggregate, type NamedAggregates, type AggregateResults } from './operators/aggregate';
export { reduce } from './operators/reduce';
export { count, sum, min, max, avg, first, last, countDistinct, type AggregateStep } from './aggregates/functions';
export type { Aggregator, WindowResult } from './aggregates/aggregator';
export type {
  RuntimeContext,
  TimerService,
  ProcessContext,
  KeyedProcessContext,
  OnTimerContext,
  KeyedProcessFunction,
  ProcessFunction,
  CoProcessFunction,
  CoMapFunction,
  CoFlatMapFunction,
} from './operators/process-function';

export { tumbling, type TimeWindowOptions } from './windowing/tumbling';
export { sliding } from './windowing/sliding';
export { session } from './windowing/session';
export { globalWindow } from './windowing/global';
export { TimeWindow, GLOBAL_WINDOW } from './windowing/time-window';
export { TriggerResult, type Trigger, type TriggerContext, type OnMergeContext } from './windowing/trigger';
export { eventTimeTrigger } from './windowing/triggers/event-time';
export { processingTimeTrigger } from './windowing/triggers/processing-time';
export { countTrigger } from './windowing/triggers/count';
export { purgingTrigger } from './windowing/triggers/purging';
export { continuousEventTimeTrigger } from './windowing/triggers/continuous-event-time';
export { countEvictor, timeEvictor, deltaEvictor, type Evictor, type EvictorOptions, type TimestampedValue } from './windowing/evictor';
export type { WindowAssigner } from './windowing/window-assigner';
export type { WindowFunctionContext } from './windowing/window-operator';

export {
  ValueStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  AggregatingStateDescriptor,
  type StateTtlConfig,
  type AggregateFunction,
  type ReduceFunction,
} from './state/descriptors';
export type { ValueState, ListState, MapState, ReducingState, AggregatingState } from './state/state';
export type { BroadcastState, ReadOnlyBroadcastState } from './state/broadcast-state';
export { assignToKeyGroup, operatorIndexForKeyGroup, keyGroupRangeForOperator, DEFAULT_MAX_PARALLELISM } from './state/key-groups';

export { ManualClock, SystemClock } from './time/clock';
export type { WatermarkStrategy, WatermarkGenerator, WatermarkOutput } from './time/watermark-strategy';

export { fromArray, fromIterable, fromAsyncIterable, fromObservable, fromReadableStream, fromGenerator } from './io/from';
export { callbackSink } from './io/callback-sink';
export { toObservable } from './io/observable-sink';
export { toWritableStream, writableStreamSink } from './io/writable-stream-sink';
export type { Source, SourceReader, SourceOutput, SourceContext, SourcePosition, ReadResult } from './io/source';
export type { Sink } from './io/sink';
export type { Subscribable } from './io/observable-source';
export type { GeneratorOptions, GeneratorSplit } from './io/generator-source';
export type { SplitSource, SplitReader, SplitState } from './io/split-source';

export { Schema, field, SchemaError, type ColumnType, type Field } from './columnar/schema';
export {
  ColumnBatch,
  Utf8Column,
  packBits,
  isValid,
  bitmapLength,
  columnValue,
  type Column,
  type F64Column,
  type I32Column,
  type I64Column,
  type BoolColumn,
  type Bitmap,
  type ColumnValue,
  type Utf8Dictionary,
} from './columnar/column-batch';
export { fromRecords, toRecords, inferSchema, type FromRecordsOptions } from './columnar/records';
export { encodeBatch, decodeBatch, encodeRecords, decodeRecords, BATCH_FORMAT_VERSION, type EncodeOptions, type DecodeOptions } from './codec/batch-codec';
export { CodecError, type CodecErrorKind } from './codec/codec-error';
export { CodecKernel } from './codec/codec-kernel';
export { crc32c } from './codec/crc32c';

export type { JobHandle, JobMetrics, JobResult, OperatorMetrics } from './runtime/job-handle';
export type { RestartStrategy } from './runtime/restart-strategy';
export { TwoPhaseCommitSink, CollectingTwoPhaseCommitSink } from './io/two-phase-commit-sink';
export { IndexedDBSink, type IndexedDBSinkOptions, type IndexedDBSinkTransaction, type IndexedDBSinkSchema } from './io/indexeddb-sink';
export type { CheckpointConfig } from './checkpoint/checkpoint-coordinator';
export {
  CheckpointError,
  CHECKPOINT_FORMAT_VERSION,
  type CheckpointStorage,
  type CheckpointWriter,
  type CompletedCheckpoint,
  type CheckpointMetadata,
  type CheckpointKind,
  type FileInfo,
  type StateFileMetadata,
  type OperatorStateMetadata,
  type SourcePositionMetadata,
  type SkippedCheckpoint,
  type BeginOptions,
  type CheckpointErrorCode,
} from './checkpoint/checkpoint-storage';
export { MemoryCheckpointStorage } from './checkpoint/memory-storage';
export { IndexedDBCheckpointStorage, type IndexedDBCheckpointStorageOptions } from './checkpoint/indexeddb-storage';
export { SluiceError, ConfigurationError, OperatorError, JobCanceledError } from './errors';
export type { Batch, Collector, OutputTag, Timestamp, Clock, JobStatus, RuntimeMode } from './types';

export * from './nexmark/index';
