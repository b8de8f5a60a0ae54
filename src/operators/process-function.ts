import type {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  ValueStateDescriptor,
} from '../state/descriptors';
import type { AggregatingState, ListState, MapState, ReducingState, ValueState } from '../state/state';
import type { Collector, OutputTag } from '../types';

/** Access to keyed state, given to a function's `open` (Flink's `RuntimeContext`). */
export interface RuntimeContext {
  readonly taskName: string;
  readonly maxParallelism: number;
  /** Which parallel subtask runs this function (Flink's `getIndexOfThisSubtask`), from 0. */
  readonly indexOfThisSubtask: number;
  /** How many parallel subtasks the operator has (Flink's `getNumberOfParallelSubtasks`). */
  readonly numberOfParallelSubtasks: number;
  getState<T>(descriptor: ValueStateDescriptor<T>): ValueState<T>;
  getListState<T>(descriptor: ListStateDescriptor<T>): ListState<T>;
  getMapState<UK, UV>(descriptor: MapStateDescriptor<UK, UV>): MapState<UK, UV>;
  getReducingState<T>(descriptor: ReducingStateDescriptor<T>): ReducingState<T>;
  getAggregatingState<IN, ACC, OUT>(descriptor: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT>;
}

/** Timers and time, scoped to the current key (Flink's `TimerService`). */
export interface TimerService {
  currentProcessingTime(): number;
  currentWatermark(): number;
  registerEventTimeTimer(time: number): void;
  registerProcessingTimeTimer(time: number): void;
  deleteEventTimeTimer(time: number): void;
  deleteProcessingTimeTimer(time: number): void;
}

export interface ProcessContext {
  /** The timestamp of the element being processed, or of the firing timer; `undefined` if none. */
  timestamp(): number | undefined;
  timerService(): TimerService;
  /** Emits to a side output. */
  output<X>(tag: OutputTag<X>, value: X): void;
}

export interface KeyedProcessContext<K> extends ProcessContext {
  getCurrentKey(): K;
}

export interface OnTimerContext<K> extends KeyedProcessContext<K> {
  timeDomain(): 'event-time' | 'processing-time';
}

/**
 * Flink's `KeyedProcessFunction`: sees every element of a key with keyed state and timers.
 *
 * @example
 * const last = new ValueStateDescriptor<number>('last');
 * process<Click, string, string>({
 *   open(rc) { this.last = rc.getState(last); },
 *   processElement(click, ctx, out) { ctx.timerService().registerEventTimeTimer(click.ts + 60_000); },
 *   onTimer(ts, ctx, out) { out.collect(`${ctx.getCurrentKey()} idle since ${ts - 60_000}`); },
 * })
 */
export interface KeyedProcessFunction<K, I, O> {
  open?(context: RuntimeContext): void;
  processElement(value: I, ctx: KeyedProcessContext<K>, out: Collector<O>): void;
  onTimer?(timestamp: number, ctx: OnTimerContext<K>, out: Collector<O>): void;
  close?(): void;
}

/** Flink's `ProcessFunction` on a non-keyed stream: no keyed state, no timers. */
export interface ProcessFunction<I, O> {
  open?(context: RuntimeContext): void;
  processElement(value: I, ctx: ProcessContext, out: Collector<O>): void;
  close?(): void;
}

/** Flink's `CoProcessFunction` / `KeyedCoProcessFunction` for `connect`ed streams. */
export interface CoProcessFunction<I1, I2, O, K = never> {
  open?(context: RuntimeContext): void;
  processElement1(value: I1, ctx: KeyedProcessContext<K>, out: Collector<O>): void;
  processElement2(value: I2, ctx: KeyedProcessContext<K>, out: Collector<O>): void;
  onTimer?(timestamp: number, ctx: OnTimerContext<K>, out: Collector<O>): void;
  close?(): void;
}

/** Flink's `CoMapFunction`. */
export interface CoMapFunction<I1, I2, O> {
  map1(value: I1): O;
  map2(value: I2): O;
}

/** Flink's `CoFlatMapFunction`. */
export interface CoFlatMapFunction<I1, I2, O> {
  flatMap1(value: I1, out: Collector<O>): void;
  flatMap2(value: I2, out: Collector<O>): void;
}
