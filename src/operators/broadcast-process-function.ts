import type { AnyStateDescriptor, MapStateDescriptor } from '../state/descriptors';
import type { BroadcastState, ReadOnlyBroadcastState } from '../state/broadcast-state';
import type { StateFor } from '../state/state';
import type { Collector, OutputTag } from '../types';
import type { RuntimeContext, TimerService } from './process-function';

/**
 * The user functions and contexts of the broadcast state pattern, after Flink's
 * `BroadcastProcessFunction` and `KeyedBroadcastProcessFunction`:
 * https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/fault-tolerance/broadcast_state/
 * The non-broadcast side only reads broadcast state; the broadcast side writes it. Every subtask
 * sees the same broadcast elements in the same order per input channel, so when the broadcast side
 * changes state only as a function of its elements, every subtask keeps the same copy.
 */

/** What `processElement` sees of the operator (Flink's `ReadOnlyContext`). */
export interface ReadOnlyBroadcastContext {
  /** The timestamp of the element being processed, or of the firing timer; `undefined` if none. */
  timestamp(): number | undefined;
  /** Emits to a side output. */
  output<X>(tag: OutputTag<X>, value: X): void;
  currentProcessingTime(): number;
  currentWatermark(): number;
  /** The broadcast state of `descriptor`, read-only: a write throws. */
  getBroadcastState<UK, UV>(descriptor: MapStateDescriptor<UK, UV>): ReadOnlyBroadcastState<UK, UV>;
}

/** What `processBroadcastElement` sees of the operator (Flink's `Context`): broadcast state to write. */
export interface BroadcastContext extends ReadOnlyBroadcastContext {
  getBroadcastState<UK, UV>(descriptor: MapStateDescriptor<UK, UV>): BroadcastState<UK, UV>;
}

/** `processElement`'s context after `keyBy`: the current key and timers too. */
export interface KeyedReadOnlyBroadcastContext<K> extends ReadOnlyBroadcastContext {
  getCurrentKey(): K;
  timerService(): TimerService;
}

/**
 * `processBroadcastElement`'s context after `keyBy`. A broadcast element belongs to no key, so
 * there is no current key and no timer service; `applyToKeyedState` reaches the keyed state of
 * every key this subtask holds.
 */
export interface KeyedBroadcastContext<K> extends BroadcastContext {
  /**
   * Calls `fn` with every key that has state for `descriptor`, and that state scoped to the key
   * (Flink's `applyToKeyedState` with a `KeyedStateFunction`). `fn` may read, update or clear it.
   * Object keys come back in their canonical form (fields sorted, as keyed state compares them).
   */
  applyToKeyedState<D extends AnyStateDescriptor>(descriptor: D, fn: (key: K, state: StateFor<D>) => void): void;
}

/** `onTimer`'s context: as `processElement`'s, with the time domain of the timer. */
export interface KeyedBroadcastOnTimerContext<K> extends KeyedReadOnlyBroadcastContext<K> {
  timeDomain(): 'event-time' | 'processing-time';
}

/**
 * Flink's `BroadcastProcessFunction`: a plain (non-keyed) stream connected with a broadcast
 * stream. No keyed state, no timers.
 *
 * @example
 * const thresholds = new MapStateDescriptor<string, number>('thresholds');
 * const alerts: BroadcastProcessFunction<Reading, Limit, Reading> = {
 *   processElement(r, ctx, out) { if (r.value > (ctx.getBroadcastState(thresholds).get(r.sensor) ?? Infinity)) out.collect(r); },
 *   processBroadcastElement(l, ctx) { ctx.getBroadcastState(thresholds).put(l.sensor, l.max); },
 * };
 * readings.pipe(connect(limits.pipe(broadcast(thresholds)), alerts))
 */
export interface BroadcastProcessFunction<IN1, IN2, OUT> {
  open?(context: RuntimeContext): void;
  processElement(value: IN1, ctx: ReadOnlyBroadcastContext, out: Collector<OUT>): void;
  processBroadcastElement(value: IN2, ctx: BroadcastContext, out: Collector<OUT>): void;
  close?(): void;
}

/**
 * Flink's `KeyedBroadcastProcessFunction`: a keyed stream connected with a broadcast stream, with
 * keyed state (from `open`'s runtime context) and timers on the keyed side.
 *
 * @example
 * const rules = new MapStateDescriptor<string, Rule>('rules');
 * // Type arguments: the item, the broadcast element, the output and the key.
 * items.pipe(keyBy((i) => i.color), connect<Item, Rule, string, string>(ruleStream.pipe(broadcast(rules)), {
 *   processElement(item, ctx, out) {
 *     for (const [name, rule] of ctx.getBroadcastState(rules).entries()) if (rule.shape === item.shape) out.collect(`${name}: ${ctx.getCurrentKey()}`);
 *   },
 *   processBroadcastElement(rule, ctx) { ctx.getBroadcastState(rules).put(rule.name, rule); },
 * }))
 */
export interface KeyedBroadcastProcessFunction<K, IN1, IN2, OUT> {
  open?(context: RuntimeContext): void;
  processElement(value: IN1, ctx: KeyedReadOnlyBroadcastContext<K>, out: Collector<OUT>): void;
  processBroadcastElement(value: IN2, ctx: KeyedBroadcastContext<K>, out: Collector<OUT>): void;
  onTimer?(timestamp: number, ctx: KeyedBroadcastOnTimerContext<K>, out: Collector<OUT>): void;
  close?(): void;
}
