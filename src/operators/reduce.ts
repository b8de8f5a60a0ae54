import { KeyedStream } from '../api/keyed-stream';
import type { OperatorOptions, Stream } from '../api/stream';
import { WindowedStream } from '../api/windowed-stream';
import { ConfigurationError } from '../errors';
import { KeyedOperator } from '../runtime/keyed-operator';
import type { KeySelector } from '../runtime/key-selector';
import { ValueStateDescriptor, type ReduceFunction } from '../state/descriptors';
import type { HeapValueState } from '../state/heap-state';
import { VOID_NAMESPACE } from '../state/heap-state';
import type { Batch, OperatorContext } from '../types';

const REDUCED = new ValueStateDescriptor<unknown>('reduced');

/**
 * Flink's rolling `KeyedStream.reduce`: emits the running result after every element in streaming
 * mode, and only each key's final result in batch mode.
 */
class RollingReduceOperator<T> extends KeyedOperator<T, T, null> {
  private state!: HeapValueState<T>;
  private batchMode = false;

  constructor(
    private readonly fn: ReduceFunction<T>,
    selector: KeySelector<T, unknown>,
  ) {
    super([selector]);
  }

  override open(context: OperatorContext<T>): void {
    super.open(context);
    this.state = this.backend.getState(REDUCED) as HeapValueState<T>;
    this.batchMode = context.services.runtimeMode === 'batch';
  }

  protected processKeyed(batch: Batch<T>): void {
    const { values, timestamps } = batch;
    const selector = this.keySelectors[0]!;
    let i = 0;
    try {
      for (; i < batch.length; i++) {
        const value = values[i]!;
        this.backend.setCurrentKey(selector.keyOf(value));
        const current = this.state.value();
        const next = current === undefined ? value : this.fn(current, value);
        this.state.update(next);
        if (this.batchMode) this.timers.registerEventTimeTimer(null, VOID_NAMESPACE, Number.POSITIVE_INFINITY);
        else this.output.collect(next, timestamps[i]!);
      }
    } catch (cause) {
      throw this.failure(values[i], cause);
    }
  }

  /** Batch mode, at the end of a key: its final result, stamped +∞ (Flink's `BatchGroupedReduceOperator`: Long.MAX_VALUE). */
  onEventTime(): void {
    const v = this.state.value();
    if (v !== undefined) this.output.collect(v, Number.POSITIVE_INFINITY);
  }

  onProcessingTime(): void {}
}

/**
 * Folds elements pairwise. After `window(...)` it reduces each window to one element (Flink's
 * `WindowedStream.reduce`); right after `keyBy(...)` it is Flink's rolling reduce, emitting the
 * running result per key.
 *
 * @example
 * keyBy(b => b.auction), window(tumbling(10_000)), reduce((a, b) => (a.price >= b.price ? a : b))
 */
export function reduce<T, K>(
  fn: ReduceFunction<T>,
  options: OperatorOptions = {},
): (source: WindowedStream<T, K> | KeyedStream<T, K>) => Stream<T> {
  if (typeof fn !== 'function') throw new ConfigurationError('reduce needs a function (a, b) => c');
  return (source) => {
    if (source instanceof WindowedStream) return source.reduce(fn, options);
    if (source instanceof KeyedStream) {
      const selector = source.keySelector;
      return source.transform<T>('reduce', () => new RollingReduceOperator<T>(fn, selector), options);
    }
    throw new ConfigurationError('reduce(...) needs a keyed or windowed stream: add keyBy(...) (and window(...)) before it');
  };
}
