import { compositeAggregate, type Aggregator } from '../aggregates/aggregator';
import { functionInstance } from '../operators/function-instance';
import { ConfigurationError } from '../errors';
import {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  ReducingStateDescriptor,
  type AggregateFunction,
  type ReduceFunction,
} from '../state/descriptors';
import type { KeySelector } from '../runtime/key-selector';
import type { Collector, OutputTag } from '../types';
import type { OperatorTransformation } from '../graph/transformation';
import { combinableAggregation } from '../windowing/combinable-aggregation';
import { KernelWindowOperator, type KernelWindowSpec } from '../windowing/kernel-window-operator';
import { ProcessingTimeKernelOperator } from '../windowing/processing-time-kernel-operator';
import type { SessionAggregate } from '../windowing/session-aggregation';
import { SessionKernelOperator, type SessionKernelSpec } from '../windowing/session-kernel-operator';
import type { KernelAggregate } from '../windowing/window-aggregation';
import type { Trigger } from '../windowing/trigger';
import type { Evictor } from '../windowing/evictor';
import { eventTimeTrigger } from '../windowing/triggers/event-time';
import { processingTimeTrigger } from '../windowing/triggers/processing-time';
import type { WindowAssigner } from '../windowing/window-assigner';
import {
  WindowOperator,
  type InternalWindowFunction,
  type WindowContents,
  type WindowFunctionContext,
} from '../windowing/window-operator';
import type { KeyedStream } from './keyed-stream';
import type { OperatorOptions, Stream } from './stream';

/** Options of `window(...)`. */
export interface WindowOptions<T> {
  /** Replaces the assigner's default trigger (event-time windows fire when the watermark passes their end). */
  readonly trigger?: Trigger<T>;
  /** How long after a window's end late elements still update it, in ms (Flink's `allowedLateness`). */
  readonly allowedLateness?: number;
  /** Where elements later than that go, instead of being dropped (Flink's `sideOutputLateData`). */
  readonly lateOutput?: OutputTag<T>;
  /**
   * Trims a fired window's elements before or after the window function (Flink's `evictor`):
   * `countEvictor`, `timeEvictor`, `deltaEvictor`. The window then keeps every element, as Flink's
   * `EvictingWindowOperator` does, and aggregates are computed when it fires.
   */
  readonly evictor?: Evictor<T>;
}

/** Flink's `ProcessWindowFunction`: sees the key, the window and every element of a fired window. */
export interface ProcessWindowFunction<T, K, O> {
  process(key: K, context: WindowFunctionContext, elements: T[], out: Collector<O>): void;
}

const RESERVED = new Set(['key', 'start', 'end']);
const KERNEL_KINDS = new Set<string>(['count', 'sum', 'min', 'max', 'avg', 'first', 'last', 'countDistinct']);
const SESSION_KERNEL_KINDS = new Set<string>(['count', 'sum', 'min', 'max', 'avg']);

/** No window result: a reduction over no elements (all evicted). */
const NOTHING = Symbol('nothing');

/** What the incremental contents would hold, computed from a window's elements at once. */
function fromElements(contents: WindowContents): (values: unknown[]) => unknown {
  switch (contents.kind) {
    case 'aggregating': {
      const fn = (contents.descriptor as AggregatingStateDescriptor<unknown, unknown, unknown>).aggregate;
      return (values) => {
        let acc = fn.createAccumulator();
        for (const v of values) acc = fn.add(v, acc);
        return acc;
      };
    }
    case 'reducing': {
      const fn = (contents.descriptor as ReducingStateDescriptor<unknown>).reduce;
      return (values) => (values.length === 0 ? NOTHING : values.reduce((a, b) => fn(a, b)));
    }
    case 'list':
      return (values) => values;
  }
}

/**
 * A keyed stream cut into windows (Flink's `WindowedStream`); `aggregate`, `reduce` or `process`
 * turns each fired window into results. Made by `window(...)`.
 */
export class WindowedStream<T, K> {
  /** @internal */
  constructor(
    readonly keyed: KeyedStream<T, K>,
    readonly assigner: WindowAssigner<T>,
    readonly options: WindowOptions<T>,
  ) {
    const lateness = options.allowedLateness ?? 0;
    if (!Number.isFinite(lateness) || lateness < 0) {
      throw new ConfigurationError(`window: allowedLateness must be a finite number ≥ 0, got ${lateness}`);
    }
  }

  /** One result per window and key: `{ key, start, end, ...named aggregates }`. */
  aggregateNamed(aggregators: Readonly<Record<string, Aggregator<T, unknown, unknown>>>, options: OperatorOptions = {}): Stream<unknown> {
    const names = Object.keys(aggregators);
    if (names.length === 0) throw new ConfigurationError('aggregate({...}) needs at least one aggregate');
    for (const n of names) {
      if (RESERVED.has(n)) throw new ConfigurationError(`aggregate: "${n}" is a field of every window result; name the aggregate differently`);
    }
    const list = names.map((n) => aggregators[n]!);
    const kernel = this.kernelSpec(names, list);
    if (kernel !== undefined && !this.assigner.isEventTime) {
      // No pre-aggregation before the exchange: a combiner would assign elements to windows by
      // the producer's clock, and the windows would fire by the producer's timers, not this
      // operator's.
      return this.keyed.transform(
        `window(${this.assigner.name}, ProcessingTimeTrigger) aggregate(${names.join(', ')})`,
        () => new ProcessingTimeKernelOperator<T>(kernel),
        options,
        { sideOutputs: new Set(this.options.lateOutput === undefined ? [] : [this.options.lateOutput.id]) },
      );
    }
    if (kernel !== undefined) {
      const name = `window(${this.assigner.name}, EventTimeTrigger) aggregate(${names.join(', ')})`;
      const stream = this.keyed.transform(name, () => new KernelWindowOperator<T>(kernel), options, {
        sideOutputs: new Set(kernel.lateOutput === undefined ? [] : [kernel.lateOutput.id]),
        watermarkRole: 'window',
      });
      (stream.transformation as OperatorTransformation).combine = combinableAggregation(kernel, options.name ?? name, options.uid);
      return stream;
    }
    const sessions = this.sessionKernelSpec(names, list);
    if (sessions !== undefined) {
      return this.keyed.transform(
        `window(${this.assigner.name}, EventTimeTrigger) aggregate(${names.join(', ')})`,
        () => new SessionKernelOperator<T>(sessions),
        options,
        { sideOutputs: new Set(sessions.lateOutput === undefined ? [] : [sessions.lateOutput.id]), watermarkRole: 'merging-window' },
      );
    }
    const fn = compositeAggregate(list);
    const windowFunction: InternalWindowFunction<unknown[], unknown> = (key, window, acc, _ctx, emit) => {
      const row: Record<string, unknown> = { key, start: window.start, end: window.end };
      for (let i = 0; i < names.length; i++) row[names[i]!] = list[i]!.getResult(acc[i]);
      emit(row);
    };
    return this.build(
      `aggregate(${names.join(', ')})`,
      { kind: 'aggregating', descriptor: new AggregatingStateDescriptor('window-contents', fn) },
      () => windowFunction as InternalWindowFunction<unknown, unknown>,
      options,
    );
  }

  /** Flink's `aggregate(AggregateFunction)`: one `getResult` per window and key. */
  aggregateWith<ACC, R>(fn: AggregateFunction<T, ACC, R>, options: OperatorOptions = {}): Stream<R> {
    const windowFunction: InternalWindowFunction<ACC, R> = (_key, _window, acc, _ctx, emit) => emit(fn.getResult(acc));
    return this.build(
      'aggregate',
      { kind: 'aggregating', descriptor: new AggregatingStateDescriptor('window-contents', fn) as never },
      () => windowFunction as InternalWindowFunction<unknown, unknown>,
      options,
    ) as Stream<R>;
  }

  /** Flink's `reduce`: the window's elements folded pairwise into one element. */
  reduce(fn: ReduceFunction<T>, options: OperatorOptions = {}): Stream<T> {
    const windowFunction: InternalWindowFunction<T, T> = (_key, _window, value, _ctx, emit) => emit(value);
    return this.build(
      'reduce',
      { kind: 'reducing', descriptor: new ReducingStateDescriptor('window-contents', fn) as never },
      () => windowFunction as InternalWindowFunction<unknown, unknown>,
      options,
    ) as Stream<T>;
  }

  /** Flink's `process(ProcessWindowFunction)`: every element of the window, at once. */
  process<O>(fn: ProcessWindowFunction<T, K, O>, options: OperatorOptions = {}): Stream<O> {
    // A fresh instance of the user's function per subtask (and per restart), as for process functions.
    const perSubtask = (): InternalWindowFunction<T[], O> => {
      const g = functionInstance(fn);
      const out = { emit: (_: O): void => {}, collect(value: O) { this.emit(value); } };
      return (key, _window, elements, ctx, emit) => {
        out.emit = emit;
        g.process(key as K, ctx, elements, out);
      };
    };
    return this.build(
      'process',
      { kind: 'list', descriptor: new ListStateDescriptor('window-contents') as never },
      perSubtask as () => InternalWindowFunction<unknown, unknown>,
      options,
      'any',
    ) as Stream<O>;
  }

  /**
   * Tumbling and sliding windows with the default trigger and only built-in aggregates (count,
   * sum, min, max, avg, first, last, countDistinct) run on the columnar kernel (WebAssembly or its
   * JavaScript twin): event-time windows always, processing-time ones in streaming mode (batch
   * mode processes a key's elements at the end of input, as the keyed path does); user-defined
   * aggregate functions keep window state in keyed state.
   */
  private kernelSpec(
    names: readonly string[],
    aggregators: ReadonlyArray<Aggregator<T, unknown, unknown>>,
  ): KernelWindowSpec<T> | undefined {
    const panes = this.assigner.panes;
    const trigger = this.options.trigger;
    if (panes === undefined || panes.size % panes.slide !== 0 || this.options.evictor !== undefined) return undefined;
    if (this.assigner.isEventTime ? trigger !== undefined && trigger !== eventTimeTrigger() : trigger !== undefined && trigger !== processingTimeTrigger()) return undefined;
    if (!this.assigner.isEventTime && this.keyed.environment.runtimeMode !== 'streaming') return undefined;
    if (!aggregators.every((a) => KERNEL_KINDS.has(a.kind) && (a.kind === 'count' || a.field !== undefined))) return undefined;
    return {
      ...panes,
      // Nothing is late in processing time: the keyed path ignores allowed lateness there.
      allowedLateness: this.assigner.isEventTime ? (this.options.allowedLateness ?? 0) : 0,
      lateOutput: this.assigner.isEventTime ? this.options.lateOutput : undefined,
      keySelector: this.keyed.keySelector as KeySelector<T, unknown>,
      aggregates: aggregators.map((a, i) => ({ name: names[i]!, kind: a.kind as KernelAggregate, field: a.field })),
    };
  }

  /**
   * Event-time session windows with a fixed gap, the default trigger and only count, sum, min, max
   * and avg run on the session kernel (WebAssembly or its JavaScript twin) in streaming mode; batch
   * mode, first/last/countDistinct and user-defined aggregate functions keep windows in keyed state.
   */
  private sessionKernelSpec(
    names: readonly string[],
    aggregators: ReadonlyArray<Aggregator<T, unknown, unknown>>,
  ): SessionKernelSpec<T> | undefined {
    const gap = this.assigner.sessionGap;
    const trigger = this.options.trigger;
    if (this.options.evictor !== undefined) return undefined;
    if (gap === undefined || !this.assigner.isEventTime || (trigger !== undefined && trigger !== eventTimeTrigger())) return undefined;
    if (this.keyed.environment.runtimeMode !== 'streaming') return undefined;
    if (!aggregators.every((a) => SESSION_KERNEL_KINDS.has(a.kind) && (a.kind === 'count' || a.field !== undefined))) return undefined;
    return {
      gap,
      allowedLateness: this.options.allowedLateness ?? 0,
      lateOutput: this.options.lateOutput,
      keySelector: this.keyed.keySelector as KeySelector<T, unknown>,
      aggregates: aggregators.map((a, i) => ({ name: names[i]!, kind: a.kind as SessionAggregate, field: a.field })),
    };
  }

  private build(
    what: string,
    contents: WindowContents,
    /** Makes the window function of each subtask (a user function gets an instance per subtask). */
    windowFunctionOf: () => InternalWindowFunction<unknown, unknown>,
    options: OperatorOptions,
    sideOutputs?: 'any',
  ): Stream<unknown> {
    const { assigner, keyed } = this;
    const evictor = this.options.evictor;
    if (evictor !== undefined) {
      // Every element is kept; what the incremental state would hold is computed from the
      // elements left after eviction.
      const reduceTo = fromElements(contents);
      const inner = windowFunctionOf;
      windowFunctionOf = () => {
        const fn = inner();
        return (key, window, values, ctx, emit) => {
          const folded = reduceTo(values as unknown[]);
          if (folded !== NOTHING) fn(key, window, folded, ctx, emit);
        };
      };
      contents = { kind: 'list', descriptor: new ListStateDescriptor('window-contents') };
    }
    const trigger = this.options.trigger ?? assigner.defaultTrigger();
    const allowedLateness = this.options.allowedLateness ?? 0;
    const lateOutput = this.options.lateOutput;
    const tags = new Set<string>();
    if (lateOutput !== undefined) tags.add(lateOutput.id);
    return keyed.transform(
      `window(${assigner.name}, ${trigger.name}) ${what}`,
      () =>
        new WindowOperator<T, unknown>({
          assigner,
          trigger,
          allowedLateness,
          lateOutput,
          contents,
          windowFunction: windowFunctionOf(),
          keySelector: keyed.keySelector as never,
          evictor,
        }),
      options,
      {
        sideOutputs: sideOutputs ?? tags,
        // A process window function can read the watermark; aggregates and reductions cannot.
        watermarkRole:
          assigner.isEventTime && trigger === eventTimeTrigger() && sideOutputs !== 'any'
            ? assigner.mergeWindows === undefined
              ? 'window'
              : 'merging-window'
            : 'sensitive',
      },
    );
  }
}
