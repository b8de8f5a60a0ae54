import { ConfigurationError, NO_RECORD as NO_RECORD_MARK } from '../errors';
import type { AnyStateDescriptor } from '../state/descriptors';
import type { HeapKeyedStateBackend } from '../state/keyed-state-backend';
import { VOID_NAMESPACE } from '../state/heap-state';
import { AbstractOperator } from '../runtime/abstract-operator';
import { KeyedOperator } from '../runtime/keyed-operator';
import type { KeySelector } from '../runtime/key-selector';
import type { InternalTimerService } from '../time/internal-timer-service';
import type { Batch, Collector, OperatorContext, OutputTag, Output } from '../types';
import type { OnTimerContext, RuntimeContext, TimerService } from './process-function';

/** One element handler per input, in the shape of `processElement`. */
export type ElementHandler<I, O> = (value: I, ctx: OnTimerContext<unknown>, out: Collector<O>) => void;

/** The user function behind a process operator, normalised to handlers per input. */
export interface ProcessSpec<I, O> {
  readonly handlers: ReadonlyArray<ElementHandler<I, O>>;
  readonly onTimer?: (timestamp: number, ctx: OnTimerContext<unknown>, out: Collector<O>) => void;
  readonly open?: (context: RuntimeContext) => void;
  readonly close?: () => void;
}

const KEYED_STATE_ONLY =
  "Keyed state can only be used on a 'keyed stream', i.e., after a 'keyBy()' operation.";
const TIMERS_ONLY = 'Setting timers is only supported on a keyed stream, i.e., after a keyBy() operation.';

/** A collector that can also stamp what it emits with a timestamp of its own (an interval join's pairs). */
export interface TimestampedCollector<O> extends Collector<O> {
  collectAt(value: O, timestamp: number): void;
  outputAt<X>(tag: OutputTag<X>, value: X, timestamp: number): void;
}

/**
 * The context, collector and timer service handed to process functions: one mutable object per
 * operator, re-pointed at each element and timer. @internal Exported for the broadcast process
 * operators, whose contexts add broadcast state to it.
 */
export class ProcessFunctionContext<O> implements OnTimerContext<unknown>, TimerService, TimestampedCollector<O> {
  ts = Number.NaN;
  /** What timestamp() and side outputs report: the element's, or the firing timer's time. */
  ctxTs = Number.NaN;
  domain: 'event-time' | 'processing-time' = 'event-time';

  constructor(
    private readonly out: Output<O>,
    private readonly keys: HeapKeyedStateBackend | undefined,
    private readonly timers: InternalTimerService<null> | undefined,
    private readonly clock: () => number,
  ) {}

  collect(value: O): void {
    this.out.collect(value, this.ts);
  }

  collectAt(value: O, timestamp: number): void {
    this.out.collect(value, timestamp);
  }

  outputAt<X>(tag: OutputTag<X>, value: X, timestamp: number): void {
    this.out.sideOutput(tag, value, timestamp);
  }

  timestamp(): number | undefined {
    return Number.isNaN(this.ctxTs) ? undefined : this.ctxTs;
  }

  getCurrentKey(): unknown {
    if (this.keys === undefined) throw new Error(KEYED_STATE_ONLY);
    return this.keys.currentKey;
  }

  timeDomain(): 'event-time' | 'processing-time' {
    return this.domain;
  }

  timerService(): TimerService {
    return this;
  }

  output<X>(tag: OutputTag<X>, value: X): void {
    this.out.sideOutput(tag, value, this.ctxTs);
  }

  currentProcessingTime(): number {
    return this.clock();
  }

  currentWatermark(): number {
    return this.timers?.currentWatermark ?? this.watermark;
  }

  /** The watermark of a non-keyed operator. */
  watermark = Number.NEGATIVE_INFINITY;

  registerEventTimeTimer(time: number): void {
    this.timerServiceOrThrow().registerEventTimeTimer(null, VOID_NAMESPACE, checkTime(time));
  }

  registerProcessingTimeTimer(time: number): void {
    this.timerServiceOrThrow().registerProcessingTimeTimer(null, VOID_NAMESPACE, checkTime(time));
  }

  deleteEventTimeTimer(time: number): void {
    this.timerServiceOrThrow().deleteEventTimeTimer(VOID_NAMESPACE, time);
  }

  deleteProcessingTimeTimer(time: number): void {
    this.timerServiceOrThrow().deleteProcessingTimeTimer(VOID_NAMESPACE, time);
  }

  private timerServiceOrThrow(): InternalTimerService<null> {
    if (this.timers === undefined) throw new Error(TIMERS_ONLY);
    return this.timers;
  }
}

function checkTime(time: number): number {
  if (typeof time !== 'number' || Number.isNaN(time)) throw new Error(`a timer needs a numeric time, got ${String(time)}`);
  return time;
}

/** @internal The runtime context of a process function: keyed state when `backend` is given. */
export function runtimeContext(context: OperatorContext<unknown>, backend: HeapKeyedStateBackend | undefined): RuntimeContext {
  const state = <S>(descriptor: AnyStateDescriptor): S => {
    if (backend === undefined) throw new ConfigurationError(KEYED_STATE_ONLY);
    const s = backend.getState(descriptor);
    s.setCurrentNamespace(VOID_NAMESPACE);
    return s as S;
  };
  return {
    taskName: context.name,
    maxParallelism: context.services.maxParallelism,
    indexOfThisSubtask: context.subtaskIndex,
    numberOfParallelSubtasks: context.parallelism,
    getState: (d) => state(d as AnyStateDescriptor),
    getListState: (d) => state(d as AnyStateDescriptor),
    getMapState: (d) => state(d as unknown as AnyStateDescriptor),
    getReducingState: (d) => state(d as AnyStateDescriptor),
    getAggregatingState: (d) => state(d as unknown as AnyStateDescriptor),
  };
}

/** Runs a keyed process function (one input) or keyed co-process function (two inputs). */
export class KeyedProcessOperator<I, O> extends KeyedOperator<I, O, null> {
  private ctx!: ProcessFunctionContext<O>;

  constructor(
    private readonly spec: ProcessSpec<I, O>,
    keySelectors: ReadonlyArray<KeySelector<I, unknown>>,
  ) {
    super(keySelectors);
  }

  override open(context: OperatorContext<O>): void {
    super.open(context);
    const clock = context.services.clock;
    this.ctx = new ProcessFunctionContext(this.output, this.backend, this.timers, () => clock.now());
    try {
      this.spec.open?.(runtimeContext(context as OperatorContext<unknown>, this.backend));
    } catch (cause) {
      throw this.failure(NO_RECORD_MARK, cause);
    }
  }

  protected processKeyed(batch: Batch<I>, input: number): void {
    const { values, timestamps } = batch;
    const selector = this.keySelectors[input]!;
    const handler = this.spec.handlers[input]!;
    const ctx = this.ctx;
    ctx.domain = 'event-time';
    let i = 0;
    try {
      for (; i < batch.length; i++) {
        const value = values[i]!;
        this.backend.setCurrentKey(selector.keyOf(value));
        ctx.ts = ctx.ctxTs = timestamps[i]!;
        handler(value, ctx, ctx);
      }
    } catch (cause) {
      throw this.failure(values[i], cause);
    }
  }

  onEventTime(_key: unknown, _ns: null, time: number): void {
    this.fire(time, 'event-time', time);
  }

  onProcessingTime(_key: unknown, _ns: null, time: number): void {
    // Flink erases the timestamp of records emitted from processing-time timers.
    this.fire(time, 'processing-time', Number.NaN);
  }

  private fire(time: number, domain: 'event-time' | 'processing-time', outTimestamp: number): void {
    const onTimer = this.spec.onTimer;
    if (onTimer === undefined) return;
    this.ctx.ts = outTimestamp;
    this.ctx.ctxTs = time;
    this.ctx.domain = domain;
    try {
      onTimer(time, this.ctx, this.ctx);
    } catch (cause) {
      throw this.failure(NO_RECORD_MARK, new Error(`onTimer(${time}, ${domain}) of key ${String(this.backend.currentKey)}: ${(cause as Error)?.message ?? String(cause)}`, { cause }));
    }
  }

  override close(): void {
    super.close();
    this.spec.close?.();
  }
}

/** Runs a process function, co-map or co-flat-map on non-keyed input (one or two inputs). */
export class ProcessOperator<I, O> extends AbstractOperator<I, O> {
  private ctx!: ProcessFunctionContext<O>;

  constructor(private readonly spec: ProcessSpec<I, O>) {
    super();
  }

  override open(context: OperatorContext<O>): void {
    super.open(context);
    const clock = context.services.clock;
    this.ctx = new ProcessFunctionContext(this.output, undefined, undefined, () => clock.now());
    try {
      this.spec.open?.(runtimeContext(context as OperatorContext<unknown>, undefined));
    } catch (cause) {
      throw this.failure(NO_RECORD_MARK, cause);
    }
  }

  processBatch(batch: Batch<I>, input: number): void {
    const { values, timestamps } = batch;
    const handler = this.spec.handlers[input]!;
    const ctx = this.ctx;
    let i = 0;
    try {
      for (; i < batch.length; i++) {
        ctx.ts = ctx.ctxTs = timestamps[i]!;
        handler(values[i]!, ctx, ctx);
      }
    } catch (cause) {
      throw this.failure(values[i], cause);
    }
  }

  override processWatermark(watermark: number): void {
    this.ctx.watermark = watermark;
    this.output.emitWatermark(watermark);
  }

  override close(): void {
    this.spec.close?.();
  }
}

