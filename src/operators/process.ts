import { KeyedStream } from '../api/keyed-stream';
import type { OperatorOptions, Stream } from '../api/stream';
import { WindowedStream, type ProcessWindowFunction } from '../api/windowed-stream';
import { functionInstance } from './function-instance';
import { ConfigurationError } from '../errors';
import type { KeyedProcessFunction } from './process-function';
import { KeyedProcessOperator, ProcessOperator, type ElementHandler, type ProcessSpec } from './process-operator';

/**
 * Runs a process function. After `keyBy` it is Flink's `KeyedProcessFunction`, with keyed state
 * (`open(runtimeContext)`) and event-time / processing-time timers (`onTimer`); on a plain stream a
 * `ProcessFunction`; after `window(...)` a `ProcessWindowFunction` that sees every element of a
 * fired window.
 *
 * @example
 * // Emits when a key has seen no event for 10 s of event time.
 * keyBy(e => e.user), process<Event, string, string>({
 *   processElement(e, ctx) { ctx.timerService().registerEventTimeTimer(e.ts + 10_000); },
 *   onTimer(ts, ctx, out) { out.collect(`${ctx.getCurrentKey()} idle at ${ts}`); },
 * })
 */
export function process<T, O, K = unknown>(
  fn: KeyedProcessFunction<K, T, O>,
  options?: OperatorOptions,
): (source: Stream<T>) => Stream<O>;
export function process<T, O, K = unknown>(
  fn: ProcessWindowFunction<T, K, O>,
  options?: OperatorOptions,
): (source: WindowedStream<T, K>) => Stream<O>;
export function process<T, O, K>(
  fn: ProcessWindowFunction<T, K, O> | KeyedProcessFunction<K, T, O>,
  options: OperatorOptions = {},
): (source: Stream<T> | WindowedStream<T, K>) => Stream<O> {
  if (fn === null || typeof fn !== 'object') throw new ConfigurationError('process needs a process function object');
  return (source) => {
    if (source instanceof WindowedStream) {
      if (typeof (fn as ProcessWindowFunction<T, K, O>).process !== 'function') {
        throw new ConfigurationError('process(...) after window(...) needs a ProcessWindowFunction: { process(key, context, elements, out) }');
      }
      return source.process(fn as ProcessWindowFunction<T, K, O>, options);
    }
    const f = fn as KeyedProcessFunction<K, T, O>;
    if (typeof f.processElement !== 'function') {
      throw new ConfigurationError('process(...) needs a function with processElement(value, ctx, out)');
    }
    // A fresh instance of the user's function per subtask (and per restart), as Flink deserializes one.
    const specOf = (): ProcessSpec<T, O> => {
      const g = functionInstance(f);
      return {
        handlers: [g.processElement.bind(g) as ElementHandler<T, O>],
        onTimer: g.onTimer?.bind(g) as ProcessSpec<T, O>['onTimer'],
        open: g.open?.bind(g),
        close: g.close?.bind(g),
      };
    };
    if (source instanceof KeyedStream) {
      const selector = source.keySelector;
      return source.transform<O>('process', () => new KeyedProcessOperator<T, O>(specOf(), [selector]), options, { sideOutputs: 'any' });
    }
    if (f.onTimer !== undefined) {
      throw new ConfigurationError('Timers (onTimer) are only supported on a keyed stream: add keyBy(...) before process(...)');
    }
    return source.transform<O>('process', () => new ProcessOperator<T, O>(specOf()), options, { sideOutputs: 'any' });
  };
}
