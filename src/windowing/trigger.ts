import type { AnyStateDescriptor } from '../state/descriptors';
import type { StateFor } from '../state/state';
import type { TimeWindow } from './time-window';

/** What a trigger decides (Flink's `TriggerResult`). */
export type TriggerResult = 'CONTINUE' | 'FIRE' | 'PURGE' | 'FIRE_AND_PURGE';

export const TriggerResult = {
  CONTINUE: 'CONTINUE',
  FIRE: 'FIRE',
  PURGE: 'PURGE',
  FIRE_AND_PURGE: 'FIRE_AND_PURGE',
} as const satisfies Record<TriggerResult, TriggerResult>;

export const isFire = (r: TriggerResult): boolean => r === 'FIRE' || r === 'FIRE_AND_PURGE';
export const isPurge = (r: TriggerResult): boolean => r === 'PURGE' || r === 'FIRE_AND_PURGE';

/** What a trigger may do: read time, set timers, keep state per key and window. */
export interface TriggerContext {
  currentWatermark(): number;
  currentProcessingTime(): number;
  registerEventTimeTimer(time: number): void;
  registerProcessingTimeTimer(time: number): void;
  deleteEventTimeTimer(time: number): void;
  deleteProcessingTimeTimer(time: number): void;
  /** State scoped to the current key and window. */
  getPartitionedState<D extends AnyStateDescriptor>(descriptor: D): StateFor<D>;
}

export interface OnMergeContext extends TriggerContext {
  /** Merges the state of the windows being merged into the merged window's. */
  mergePartitionedState(descriptor: AnyStateDescriptor): void;
}

/**
 * Decides when a window fires (Flink's `Trigger`). A trigger keeps no fields of its own per window:
 * what it must remember lives in partitioned state.
 */
export interface Trigger<T, W extends TimeWindow = TimeWindow> {
  readonly name: string;
  onElement(element: T, timestamp: number, window: W, ctx: TriggerContext): TriggerResult;
  onEventTime(time: number, window: W, ctx: TriggerContext): TriggerResult;
  onProcessingTime(time: number, window: W, ctx: TriggerContext): TriggerResult;
  clear(window: W, ctx: TriggerContext): void;
  canMerge?(): boolean;
  onMerge?(window: W, ctx: OnMergeContext): void;
}
