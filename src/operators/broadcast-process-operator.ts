import { NO_RECORD } from '../errors';
import { AbstractOperator } from '../runtime/abstract-operator';
import { KeyedOperator } from '../runtime/keyed-operator';
import type { KeySelector } from '../runtime/key-selector';
import { encodeBroadcastStates, frameBroadcastSnapshot, readBroadcastSnapshot, type BroadcastOperatorSnapshot } from '../state/broadcast-snapshot-format';
import { BroadcastStates, type BroadcastState } from '../state/broadcast-state';
import type { AnyStateDescriptor, MapStateDescriptor } from '../state/descriptors';
import { VOID_NAMESPACE } from '../state/heap-state';
import type { HeapKeyedStateBackend, KeyGroupRange } from '../state/keyed-state-backend';
import { keyOfMapKey } from '../state/key-groups';
import type { StateFor } from '../state/state';
import type { InternalTimerService } from '../time/internal-timer-service';
import type { Batch, OperatorContext, Output } from '../types';
import type { KeyedBroadcastContext, KeyedBroadcastOnTimerContext, KeyedBroadcastProcessFunction } from './broadcast-process-function';
import type { TimerService } from './process-function';
import { ProcessFunctionContext, runtimeContext } from './process-operator';

/** The broadcast side's input; input 0 is the keyed or plain side. */
export const BROADCAST_INPUT = 1;

/** The user's function as the operators call it: the plain variant is the keyed one without its keyed parts. */
export type AnyBroadcastFunction = KeyedBroadcastProcessFunction<unknown, unknown, unknown, unknown>;

type VisitKeys = (descriptor: AnyStateDescriptor, fn: (key: unknown, state: unknown) => void) => void;

const NO_KEY =
  'processBroadcastElement has no current key: a broadcast element belongs to no key. ' +
  'Reach the state of every key with ctx.applyToKeyedState(descriptor, (key, state) => ...)';
const NO_TIMERS_HERE =
  'processBroadcastElement has no timer service: a broadcast element belongs to no key. Set timers in processElement or onTimer';

/**
 * The context of a broadcast process function: one mutable object per operator, switched between
 * the non-broadcast side and timers (broadcast state read-only) and the broadcast side (writable).
 */
class BroadcastFunctionContext<O> extends ProcessFunctionContext<O> implements KeyedBroadcastContext<unknown>, KeyedBroadcastOnTimerContext<unknown> {
  /** Whether the broadcast side is running: broadcast state is writable only then. */
  broadcastSide = false;

  constructor(
    out: Output<O>,
    keys: HeapKeyedStateBackend | undefined,
    timers: InternalTimerService<null> | undefined,
    clock: () => number,
    private readonly states: BroadcastStates,
    private readonly visitKeys: VisitKeys | undefined,
  ) {
    super(out, keys, timers, clock);
  }

  getBroadcastState<UK, UV>(descriptor: MapStateDescriptor<UK, UV>): BroadcastState<UK, UV> {
    // Read-only elsewhere at run time too, for code that ignores the types: every subtask must
    // keep the same copy, and only the broadcast side sees the same elements on every subtask.
    return this.states.get(descriptor, this.broadcastSide) as BroadcastState<UK, UV>;
  }

  applyToKeyedState<D extends AnyStateDescriptor>(descriptor: D, fn: (key: unknown, state: StateFor<D>) => void): void {
    if (!this.broadcastSide) {
      throw new Error('applyToKeyedState is only available in processBroadcastElement (Flink: KeyedBroadcastProcessFunction.Context)');
    }
    if (this.visitKeys === undefined) {
      throw new Error('applyToKeyedState needs keyed state: keyBy(...) the stream before connect(broadcastStream, ...)');
    }
    this.visitKeys(descriptor, fn as (key: unknown, state: unknown) => void);
  }

  override getCurrentKey(): unknown {
    if (this.broadcastSide) throw new Error(NO_KEY);
    return super.getCurrentKey();
  }

  override timerService(): TimerService {
    if (this.broadcastSide) throw new Error(NO_TIMERS_HERE);
    return super.timerService();
  }
}

/** Every subtask's copy of broadcast state is the same; the new subtask i reads copy i mod (old parallelism), as Flink does. */
function restoredSnapshots(name: string, subtaskIndex: number, snapshots: readonly Uint8Array[]): { chosen: BroadcastOperatorSnapshot; all: BroadcastOperatorSnapshot[] } {
  const all = snapshots.map((bytes, subtask) => readBroadcastSnapshot(bytes, `${name} state (subtask ${subtask})`));
  return { chosen: all[subtaskIndex % all.length]!, all };
}

/**
 * Runs a `KeyedBroadcastProcessFunction`: input 0 is keyed (keyed state, timers, broadcast state
 * read-only), input 1 the broadcast side (broadcast state writable, every key's state through
 * `applyToKeyedState`). Its snapshot holds the broadcast states beside the keyed state.
 *
 * In batch mode the keyed side is buffered and processed key by key at the end (`KeyedOperator`),
 * while broadcast elements are processed as they come: the broadcast side is processed first, as in
 * Flink's BATCH execution.
 */
export class KeyedBroadcastProcessOperator<I, O> extends KeyedOperator<I, O, null> {
  private ctx!: BroadcastFunctionContext<O>;
  private states!: BroadcastStates;

  constructor(
    private readonly fn: AnyBroadcastFunction,
    keySelector: KeySelector<I, unknown>,
    private readonly descriptors: ReadonlyArray<MapStateDescriptor<unknown, unknown>>,
  ) {
    super([keySelector]);
  }

  override open(context: OperatorContext<O>): void {
    super.open(context);
    const clock = context.services.clock;
    this.states = new BroadcastStates(this.descriptors);
    this.ctx = new BroadcastFunctionContext(this.output, this.backend, this.timers, () => clock.now(), this.states, (d, f) => this.visitKeys(d, f));
    try {
      this.fn.open?.(runtimeContext(context as OperatorContext<unknown>, this.backend));
    } catch (cause) {
      throw this.failure(NO_RECORD, cause);
    }
  }

  override processBatch(batch: Batch<I>, input: number): void {
    if (input === BROADCAST_INPUT) this.processBroadcast(batch);
    else super.processBatch(batch, input);
  }

  protected processKeyed(batch: Batch<I>, _input: number): void {
    const { values, timestamps } = batch;
    const selector = this.keySelectors[0]!;
    const ctx = this.ctx;
    ctx.broadcastSide = false;
    ctx.domain = 'event-time';
    let i = 0;
    try {
      for (; i < batch.length; i++) {
        const value = values[i]!;
        this.backend.setCurrentKey(selector.keyOf(value));
        ctx.ts = ctx.ctxTs = timestamps[i]!;
        this.fn.processElement(value, ctx, ctx);
      }
    } catch (cause) {
      throw this.failure(values[i], cause);
    }
  }

  private processBroadcast(batch: Batch<I>): void {
    const { values, timestamps } = batch;
    const ctx = this.ctx;
    ctx.broadcastSide = true;
    let i = 0;
    try {
      for (; i < batch.length; i++) {
        ctx.ts = ctx.ctxTs = timestamps[i]!;
        this.fn.processBroadcastElement(values[i]!, ctx, ctx);
      }
    } catch (cause) {
      throw this.failure(values[i], cause);
    } finally {
      ctx.broadcastSide = false;
    }
  }

  /** `applyToKeyedState`: `fn` for every key with a value of `descriptor`, the state scoped to it. */
  private visitKeys(descriptor: AnyStateDescriptor, fn: (key: unknown, state: unknown) => void): void {
    const state = this.backend.getState(descriptor);
    state.setCurrentNamespace(VOID_NAMESPACE);
    const table = this.backend.table(descriptor.name);
    const { currentKey, currentMapKey } = this.backend;
    try {
      // A copy of the keys: `fn` may clear a key's state, which removes its entry.
      for (const mapKey of [...table.entries.keys()]) {
        if (table.entries.get(mapKey)?.get(VOID_NAMESPACE) === undefined) continue;
        this.backend.setCurrentKeyAndMapKey(keyOfMapKey(mapKey), mapKey);
        fn(this.backend.currentKey, state);
      }
    } finally {
      this.backend.setCurrentKeyAndMapKey(currentKey, currentMapKey);
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
    const onTimer = this.fn.onTimer;
    if (onTimer === undefined) return;
    const ctx = this.ctx;
    ctx.broadcastSide = false;
    ctx.ts = outTimestamp;
    ctx.ctxTs = time;
    ctx.domain = domain;
    try {
      onTimer.call(this.fn, time, ctx, ctx);
    } catch (cause) {
      const message = (cause as Error)?.message ?? String(cause);
      throw this.failure(NO_RECORD, new Error(`onTimer(${time}, ${domain}) of key ${String(this.backend.currentKey)}: ${message}`, { cause }));
    }
  }

  /** The broadcast states as of the barrier, with the keyed state (encoded while processing goes on). */
  override snapshotState(checkpointId: number): Promise<Uint8Array> {
    const broadcast = encodeBroadcastStates(this.states.capture());
    return super.snapshotState(checkpointId).then((keyed) => frameBroadcastSnapshot(broadcast, keyed));
  }

  override restoreState(snapshots: readonly Uint8Array[], keyGroups: KeyGroupRange): void {
    const { chosen, all } = restoredSnapshots(this.context.name, this.context.subtaskIndex, snapshots);
    this.states.restore(chosen.broadcast);
    const keyed = all.flatMap((s) => (s.keyed === undefined ? [] : [s.keyed]));
    if (keyed.length > 0) super.restoreState(keyed, keyGroups);
  }

  override close(): void {
    super.close();
    this.fn.close?.();
  }
}

/**
 * Runs a `BroadcastProcessFunction` on a plain stream: input 0 with broadcast state read-only,
 * input 1 the broadcast side. Its snapshot is the broadcast states.
 */
export class BroadcastProcessOperator<I, O> extends AbstractOperator<I, O> {
  private ctx!: BroadcastFunctionContext<O>;
  private states!: BroadcastStates;

  constructor(
    private readonly fn: AnyBroadcastFunction,
    private readonly descriptors: ReadonlyArray<MapStateDescriptor<unknown, unknown>>,
  ) {
    super();
  }

  override open(context: OperatorContext<O>): void {
    super.open(context);
    const clock = context.services.clock;
    this.states = new BroadcastStates(this.descriptors);
    this.ctx = new BroadcastFunctionContext(this.output, undefined, undefined, () => clock.now(), this.states, undefined);
    try {
      this.fn.open?.(runtimeContext(context as OperatorContext<unknown>, undefined));
    } catch (cause) {
      throw this.failure(NO_RECORD, cause);
    }
  }

  processBatch(batch: Batch<I>, input: number): void {
    const { values, timestamps } = batch;
    const ctx = this.ctx;
    const broadcastSide = input === BROADCAST_INPUT;
    ctx.broadcastSide = broadcastSide;
    let i = 0;
    try {
      for (; i < batch.length; i++) {
        ctx.ts = ctx.ctxTs = timestamps[i]!;
        if (broadcastSide) this.fn.processBroadcastElement(values[i]!, ctx, ctx);
        else this.fn.processElement(values[i]!, ctx, ctx);
      }
    } catch (cause) {
      throw this.failure(values[i], cause);
    } finally {
      ctx.broadcastSide = false;
    }
  }

  override processWatermark(watermark: number): void {
    this.ctx.watermark = watermark;
    this.output.emitWatermark(watermark);
  }

  snapshotState(): Uint8Array {
    return frameBroadcastSnapshot(encodeBroadcastStates(this.states.capture()), undefined);
  }

  restoreState(snapshots: readonly Uint8Array[]): void {
    this.states.restore(restoredSnapshots(this.context.name, this.context.subtaskIndex, snapshots).chosen.broadcast);
  }

  override close(): void {
    this.fn.close?.();
  }
}
