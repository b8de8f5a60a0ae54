import { ValueStateDescriptor, type AnyStateDescriptor } from '../state/descriptors';
import type { StateFor } from '../state/state';
import type { HeapAggregatingState, HeapListState, HeapReducingState, HeapValueState } from '../state/heap-state';
import { KeyedOperator } from '../runtime/keyed-operator';
import type { KeySelector } from '../runtime/key-selector';
import type { Batch, OperatorContext, OutputTag } from '../types';
import { MergingWindowSet, type MergingEntry } from './merging-window-set';
import { TimeWindow } from './time-window';
import { isFire, isPurge, type OnMergeContext, type Trigger } from './trigger';
import { eventTimeTrigger } from './triggers/event-time';
import type { Evictor, TimestampedValue } from './evictor';
import type { WindowAssigner } from './window-assigner';

/** What a window function may use besides the window's contents. */
export interface WindowFunctionContext {
  readonly window: TimeWindow;
  currentWatermark(): number;
  currentProcessingTime(): number;
  /** State scoped to the key and this window. */
  windowState<D extends AnyStateDescriptor>(descriptor: D): StateFor<D>;
  /** State scoped to the key, across windows. */
  globalState<D extends AnyStateDescriptor>(descriptor: D): StateFor<D>;
  output<X>(tag: OutputTag<X>, value: X): void;
}

/** Turns a fired window's contents into results, handed to `emit`. */
export type InternalWindowFunction<C, O> = (
  key: unknown,
  window: TimeWindow,
  contents: C,
  context: WindowFunctionContext,
  emit: (value: O) => void,
) => void;

/** How a window's contents are kept: incrementally aggregated, reduced, or every element listed. */
export type WindowContents =
  | { readonly kind: 'aggregating'; readonly descriptor: AnyStateDescriptor }
  | { readonly kind: 'reducing'; readonly descriptor: AnyStateDescriptor }
  | { readonly kind: 'list'; readonly descriptor: AnyStateDescriptor };

export interface WindowOperatorSpec<T, O> {
  readonly assigner: WindowAssigner<T>;
  readonly trigger: Trigger<T>;
  readonly allowedLateness: number;
  readonly lateOutput: OutputTag<T> | undefined;
  readonly contents: WindowContents;
  readonly windowFunction: InternalWindowFunction<unknown, O>;
  readonly keySelector: KeySelector<T, unknown>;
  /**
   * Flink's `EvictingWindowOperator`: contents are a list of `{ value, timestamp }`, the evictor
   * trims them around each firing, and the window function gets the remaining values.
   */
  readonly evictor?: Evictor<T>;
}

type ContentsState = HeapAggregatingState<unknown, unknown, unknown> | HeapReducingState<unknown> | HeapListState<unknown>;

const MERGING_SETS = new ValueStateDescriptor<Map<string, MergingEntry>>('merging-window-set');

/**
 * Flink's `WindowOperator`: assigns each element to windows, keeps each window's contents in keyed
 * state namespaced by the window, asks the trigger when to fire, and cleans a window up once the
 * watermark passes `window.maxTimestamp + allowedLateness`. Elements for windows already cleaned up
 * are late: they go to the late-data side output when one is set, else they are counted in
 * `numLateRecordsDropped`.
 * See https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/operators/windows/
 */
export class WindowOperator<T, O> extends KeyedOperator<T, O, TimeWindow> {
  // Configuration.
  private readonly assigner: WindowAssigner<T>;
  private readonly trigger: Trigger<T>;
  private readonly allowedLateness: number;
  private readonly lateOutput: OutputTag<T> | undefined;
  private readonly merging: boolean;
  private readonly eventTimeTrigger: boolean;

  // Runtime objects, created in open() and reused for every element (Flink's one mutable context).
  private contents!: ContentsState;
  private mergingSets: HeapValueState<Map<string, MergingEntry>> | undefined;
  private readonly ctx = new WindowContext(this);
  private emitTimestamp = 0;

  // Metrics.
  numLateRecordsDropped = 0;

  constructor(private readonly spec: WindowOperatorSpec<T, O>) {
    super([spec.keySelector]);
    this.assigner = spec.assigner;
    this.trigger = spec.trigger;
    this.allowedLateness = spec.allowedLateness;
    this.lateOutput = spec.lateOutput;
    this.merging = spec.assigner.mergeWindows !== undefined;
    this.eventTimeTrigger = spec.trigger === eventTimeTrigger() && spec.assigner.isEventTime;
  }

  override open(context: OperatorContext<O>): void {
    super.open(context);
    this.contents = this.backend.getState(this.spec.contents.descriptor) as ContentsState;
    if (this.merging) this.mergingSets = this.backend.getState(MERGING_SETS) as HeapValueState<Map<string, MergingEntry>>;
  }

  /** The namespace under which a window's state and timers live. */
  nsId(window: TimeWindow): unknown {
    return this.assigner.uniqueStarts ? window.start : window.key;
  }

  metrics(): Record<string, number> {
    return { numLateRecordsDropped: this.numLateRecordsDropped };
  }

  protected processKeyed(batch: Batch<T>): void {
    const { values, timestamps } = batch;
    const selector = this.spec.keySelector;
    let i = 0;
    try {
      for (; i < batch.length; i++) {
        const value = values[i]!;
        this.backend.setCurrentKey(selector.keyOf(value));
        this.processElement(value, timestamps[i]!);
      }
    } catch (cause) {
      throw this.failure(values[i], cause);
    }
  }

  private processElement(value: T, timestamp: number): void {
    if (this.assigner.isEventTime && Number.isNaN(timestamp)) {
      throw missingTimestamp();
    }
    const windows = this.assigner.assignWindows(value, timestamp, this.assigner.isEventTime ? timestamp : this.context.services.clock.now());
    const ctx = this.ctx;
    const key = this.backend.currentKey;
    let isSkippedElement = true;

    if (this.merging) {
      const set = this.mergingWindowSet();
      for (const window of windows) {
        const actual = set.addWindow(window, (mergeResult, mergedWindows, stateWindowResult, mergedStateWindows) => {
          if (this.assigner.isEventTime && this.cleanupTime(mergeResult) <= this.timers.currentWatermark) {
            throw new Error(
              `The end timestamp of an event-time window cannot become earlier than the current watermark by merging. Current watermark: ${this.timers.currentWatermark} window: ${mergeResult}`,
            );
          }
          ctx.key = key;
          ctx.window = mergeResult;
          ctx.mergedWindows = mergedWindows;
          this.trigger.onMerge?.(mergeResult, ctx);
          for (const m of mergedWindows) {
            ctx.window = m;
            this.trigger.clear(m, ctx);
            this.deleteCleanupTimer(m);
          }
          ctx.mergedWindows = EMPTY;
          this.contents.mergeNamespaces(this.nsId(stateWindowResult), mergedStateWindows.map((w) => this.nsId(w)));
        });
        if (this.isWindowLate(actual)) {
          set.retireWindow(actual);
          continue;
        }
        isSkippedElement = false;
        const stateWindow = set.getStateWindow(actual);
        if (stateWindow === undefined) throw new Error(`Window ${window} is not in in-flight window set.`);
        this.contents.setCurrentNamespace(this.nsId(stateWindow));
        this.contents.add(this.spec.evictor === undefined ? value : { value, timestamp });
        ctx.key = key;
        ctx.window = actual;
        const result = this.trigger.onElement(value, timestamp, actual, ctx);
        if (isFire(result)) this.fireWindow(key, actual);
        if (isPurge(result)) this.contents.clear();
        this.registerCleanupTimer(actual);
      }
      if (set.mapping.size === 0) this.mergingSets!.clear();
    } else {
      for (const window of windows) {
        if (this.isWindowLate(window)) continue;
        isSkippedElement = false;
        this.contents.setCurrentNamespace(this.nsId(window));
        const existed = this.contents.append(this.spec.evictor === undefined ? value : { value, timestamp });
        // Flink's EventTimeTrigger would re-register the timers this window already has and
        // return CONTINUE: skip the call while the window holds state and has not fired.
        if (existed && this.eventTimeTrigger && window.maxTimestamp() > this.timers.currentWatermark) continue;
        ctx.key = key;
        ctx.window = window;
        const result = this.trigger.onElement(value, timestamp, window, ctx);
        if (isFire(result)) this.fireWindow(key, window);
        if (isPurge(result)) this.contents.clear();
        this.registerCleanupTimer(window);
      }
    }

    if (isSkippedElement && this.isElementLate(timestamp)) {
      if (this.lateOutput !== undefined) this.output.sideOutput(this.lateOutput, value, timestamp);
      else this.numLateRecordsDropped++;
    }
  }

  onEventTime(key: unknown, window: TimeWindow, time: number): void {
    this.onTimer(key, window, time, true);
  }

  onProcessingTime(key: unknown, window: TimeWindow, time: number): void {
    this.onTimer(key, window, time, false);
  }

  private onTimer(key: unknown, window: TimeWindow, time: number, eventTime: boolean): void {
    const ctx = this.ctx;
    ctx.key = key;
    ctx.window = window;
    let set: MergingWindowSet | undefined;
    if (this.merging) {
      const mapping = this.mergingSets!.value();
      if (mapping === undefined) return;
      set = new MergingWindowSet(this.assigner as WindowAssigner<unknown>, mapping);
      const stateWindow = set.getStateWindow(window);
      // A timer of a window that merged away: its trigger state is gone already.
      if (stateWindow === undefined) return;
      this.contents.setCurrentNamespace(this.nsId(stateWindow));
    } else {
      this.contents.setCurrentNamespace(this.nsId(window));
    }
    const result = eventTime ? this.trigger.onEventTime(time, window, ctx) : this.trigger.onProcessingTime(time, window, ctx);
    if (isFire(result)) this.fireWindow(key, window);
    if (isPurge(result)) this.contents.clear();
    if (this.assigner.isEventTime === eventTime && time === this.cleanupTime(window)) {
      this.contents.clear();
      ctx.window = window;
      this.trigger.clear(window, ctx);
      if (set !== undefined) {
        set.retireWindow(window);
        if (set.mapping.size === 0) this.mergingSets!.clear();
      }
    }
  }

  private mergingWindowSet(): MergingWindowSet {
    let mapping = this.mergingSets!.value();
    if (mapping === undefined) {
      mapping = new Map();
      this.mergingSets!.update(mapping);
    }
    return new MergingWindowSet(this.assigner as WindowAssigner<unknown>, mapping);
  }

  private readContents(): unknown {
    switch (this.spec.contents.kind) {
      case 'aggregating':
        return (this.contents as HeapAggregatingState<unknown, unknown, unknown>).getAccumulator();
      case 'reducing':
        return (this.contents as HeapReducingState<unknown>).get();
      case 'list': {
        const list = (this.contents as HeapListState<unknown>).get();
        return list.length === 0 ? undefined : list;
      }
    }
  }

  /** Emits a fired window's results, if it has contents; with an evictor, trims them around it. */
  private fireWindow(key: unknown, window: TimeWindow): void {
    const contents = this.readContents();
    if (contents === undefined) return;
    const evictor = this.spec.evictor;
    if (evictor === undefined) {
      this.emitWindowContents(key, window, contents);
      return;
    }
    const elements = [...(contents as Array<TimestampedValue<T>>)];
    evictor.evictBefore(elements, elements.length, window);
    this.emitWindowContents(key, window, elements.map((e) => e.value));
    evictor.evictAfter(elements, elements.length, window);
    const list = this.contents as HeapListState<unknown>;
    list.clear();
    for (const e of elements) list.add(e);
  }

  private readonly emit = (value: O): void => {
    this.output.collect(value, this.emitTimestamp);
  };

  private emitWindowContents(key: unknown, window: TimeWindow, contents: unknown): void {
    this.emitTimestamp = window.maxTimestamp();
    this.ctx.window = window;
    this.spec.windowFunction(key, window, contents, this.ctx, this.emit);
  }

  /** When a window's state is dropped: `maxTimestamp + allowedLateness` in event time. */
  private cleanupTime(window: TimeWindow): number {
    return this.assigner.isEventTime ? window.maxTimestamp() + this.allowedLateness : window.maxTimestamp();
  }

  private isWindowLate(window: TimeWindow): boolean {
    return this.assigner.isEventTime && this.cleanupTime(window) <= this.timers.currentWatermark;
  }

  private isElementLate(timestamp: number): boolean {
    return this.assigner.isEventTime && timestamp + this.allowedLateness <= this.timers.currentWatermark;
  }

  private registerCleanupTimer(window: TimeWindow): void {
    const time = this.cleanupTime(window);
    if (time === Number.POSITIVE_INFINITY) return;
    if (this.assigner.isEventTime) this.timers.registerEventTimeTimer(window, this.nsId(window), time);
    else this.timers.registerProcessingTimeTimer(window, this.nsId(window), time);
  }

  private deleteCleanupTimer(window: TimeWindow): void {
    const time = this.cleanupTime(window);
    if (time === Number.POSITIVE_INFINITY) return;
    if (this.assigner.isEventTime) this.timers.deleteEventTimeTimer(this.nsId(window), time);
    else this.timers.deleteProcessingTimeTimer(this.nsId(window), time);
  }

  protected override encodeNamespace(window: TimeWindow): unknown {
    return [window.start, window.end];
  }

  protected override decodeNamespace(encoded: unknown): TimeWindow {
    const [start, end] = encoded as [number, number];
    return new TimeWindow(start, end);
  }

  /** @internal */
  get timerService() {
    return this.timers;
  }

  /** @internal */
  get stateBackend() {
    return this.backend;
  }

  /** @internal */
  sideOutput<X>(tag: OutputTag<X>, value: X): void {
    this.output.sideOutput(tag, value, this.emitTimestamp);
  }
}

const EMPTY: readonly TimeWindow[] = [];

/** The error for a record without a timestamp reaching an event-time window (cf. Flink's message). */
export function missingTimestamp(): Error {
  return new Error(
    'the record has no timestamp. Event-time windows need timestamps: add watermarks({ timestamp: ... }) before keyBy, or use processing-time windows',
  );
}

/** The trigger context and the window-function context, one mutable object per operator. */
class WindowContext implements OnMergeContext, WindowFunctionContext {
  key: unknown = undefined;
  window!: TimeWindow;
  mergedWindows: readonly TimeWindow[] = EMPTY;

  constructor(private readonly op: WindowOperator<never, unknown>) {}

  currentWatermark(): number {
    return this.op.timerService.currentWatermark;
  }

  currentProcessingTime(): number {
    return this.op.timerService.currentProcessingTime();
  }

  registerEventTimeTimer(time: number): void {
    this.op.timerService.registerEventTimeTimer(this.window, this.op.nsId(this.window), time);
  }

  registerProcessingTimeTimer(time: number): void {
    this.op.timerService.registerProcessingTimeTimer(this.window, this.op.nsId(this.window), time);
  }

  deleteEventTimeTimer(time: number): void {
    this.op.timerService.deleteEventTimeTimer(this.op.nsId(this.window), time);
  }

  deleteProcessingTimeTimer(time: number): void {
    this.op.timerService.deleteProcessingTimeTimer(this.op.nsId(this.window), time);
  }

  getPartitionedState<D extends AnyStateDescriptor>(descriptor: D): StateFor<D> {
    const state = this.op.stateBackend.getState(descriptor);
    state.setCurrentNamespace(this.op.nsId(this.window));
    return state as unknown as StateFor<D>;
  }

  mergePartitionedState(descriptor: AnyStateDescriptor): void {
    if (this.mergedWindows.length === 0) return;
    const state = this.op.stateBackend.getState(descriptor);
    state.mergeNamespaces(
      this.op.nsId(this.window),
      this.mergedWindows.map((w) => this.op.nsId(w)),
    );
  }

  windowState<D extends AnyStateDescriptor>(descriptor: D): StateFor<D> {
    return this.getPartitionedState(descriptor);
  }

  globalState<D extends AnyStateDescriptor>(descriptor: D): StateFor<D> {
    const state = this.op.stateBackend.getState(descriptor);
    state.setCurrentNamespace(null);
    return state as unknown as StateFor<D>;
  }

  output<X>(tag: OutputTag<X>, value: X): void {
    this.op.sideOutput(tag, value);
  }
}
