import { KeyedStream } from '../api/keyed-stream';
import type { OperatorOptions, Stream } from '../api/stream';
import type { ProcessWindowFunction } from '../api/windowed-stream';
import type { WindowFunctionContext } from '../windowing/window-operator';
import type { WindowAssigner } from '../windowing/window-assigner';
import type { Trigger } from '../windowing/trigger';
import { ConfigurationError } from '../errors';
import type { Collector } from '../types';
import { functionInstance } from './function-instance';
import { keyBy } from './key-by';
import { map } from './map';
import { process } from './process';
import { union } from './union';
import { window } from './window';

/** Flink's `CoGroupFunction`: both sides' elements of one key and window, either side maybe empty. */
export interface CoGroupFunction<A, B, O> {
  coGroup(left: A[], right: B[], out: Collector<O>, context: WindowFunctionContext): void;
}

/** Options of `windowJoin` / `coGroup` (Flink's `JoinedStreams.WithWindow` / `CoGroupedStreams.WithWindow`). */
export interface WindowJoinOptions extends OperatorOptions {
  readonly allowedLateness?: number;
  readonly trigger?: Trigger<unknown>;
}

/** An element of either input on its way through the shared window: which side, and the element. */
interface Tagged {
  readonly left: boolean;
  readonly value: unknown;
}

/**
 * Joins two keyed streams in windows (Flink's `join(...).where(...).equalTo(...).window(...)`):
 * when a window fires, every left element of a key meets every right element of the same key and
 * window, left by left in arrival order; a key with no element on one side gives nothing (an inner
 * join). Results carry the window's last millisecond as their timestamp.
 *
 * @example
 * orders.pipe(keyBy(o => o.id), windowJoin(payments.pipe(keyBy(p => p.orderId)), tumbling(60_000),
 *   (order, payment) => ({ id: order.id, paid: payment.amount })))
 *
 * https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/operators/joining/#window-join
 */
export function windowJoin<A, B, O>(
  other: Stream<B>,
  assigner: WindowAssigner<unknown>,
  join: (left: A, right: B) => O,
  options: WindowJoinOptions = {},
): (source: Stream<A>) => Stream<O> {
  if (typeof join !== 'function') throw new ConfigurationError('windowJoin needs a join function (left, right) => result');
  return coGroup<A, B, O>(
    other,
    assigner,
    (lefts, rights, out) => {
      for (const l of lefts) for (const r of rights) out.collect(join(l, r));
    },
    { name: 'windowJoin', ...options },
  );
}

/**
 * Groups two keyed streams by key and window (Flink's `coGroup(...).where(...).equalTo(...)
 * .window(...)`): when a window fires, `fn` gets the key's left and right elements of that window,
 * in arrival order — either list may be empty, so outer joins can be written with it.
 *
 * https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/operators/overview/#window-cogroup
 */
export function coGroup<A, B, O>(
  other: Stream<B>,
  assigner: WindowAssigner<unknown>,
  fn: CoGroupFunction<A, B, O>['coGroup'] | CoGroupFunction<A, B, O>,
  options: WindowJoinOptions = {},
): (source: Stream<A>) => Stream<O> {
  if (typeof fn !== 'function' && (fn === null || typeof fn !== 'object' || typeof fn.coGroup !== 'function')) {
    throw new ConfigurationError('coGroup needs a function (left[], right[], out) or a CoGroupFunction { coGroup }');
  }
  const { allowedLateness, trigger, name = 'coGroup', ...operatorOptions } = options;
  return (source) => {
    if (!(source instanceof KeyedStream) || !(other instanceof KeyedStream)) {
      throw new ConfigurationError(`${name} joins two keyed streams: keyBy(...) on each first`);
    }
    const leftKey = source.keySelector.fn;
    const rightKey = (other as KeyedStream<B, unknown>).keySelector.fn;
    // As Flink builds it: both inputs tagged, united, keyed by their own key, one window operator.
    const tagged = (source as Stream<A>).pipe(map((value: A): Tagged => ({ left: true, value })));
    const otherTagged = (other as Stream<B>).pipe(map((value: B): Tagged => ({ left: false, value })));
    const windowFunction: ProcessWindowFunction<Tagged, unknown, O> & { instance?: CoGroupFunction<A, B, O> } = {
      process(_key, context, elements, out) {
        const lefts: A[] = [];
        const rights: B[] = [];
        for (const t of elements) {
          if (t.left) lefts.push(t.value as A);
          else rights.push(t.value as B);
        }
        if (typeof fn === 'function') fn(lefts, rights, out, context);
        // Each subtask's copy of this object (see functionInstance) makes its own copy of the user's function.
        else (this.instance ??= functionInstance(fn)).coGroup(lefts, rights, out, context);
      },
    };
    return tagged
      .pipe(
        union(otherTagged),
        keyBy((t: Tagged) => (t.left ? leftKey(t.value as A) : rightKey(t.value as B))),
      )
      .pipe(window(assigner as WindowAssigner<Tagged>, { allowedLateness, trigger: trigger as Trigger<Tagged> | undefined }), process(windowFunction, { name, ...operatorOptions }));
  };
}
