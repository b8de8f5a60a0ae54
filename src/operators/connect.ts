import { BroadcastStream } from '../api/broadcast-stream';
import { KeyedStream } from '../api/keyed-stream';
import type { OperatorOptions, Stream } from '../api/stream';
import { functionInstance } from './function-instance';
import { ConfigurationError } from '../errors';
import type { Collector } from '../types';
import { connectBroadcast } from './broadcast-connect';
import type { KeyedBroadcastProcessFunction } from './broadcast-process-function';
import type { CoFlatMapFunction, CoMapFunction, CoProcessFunction } from './process-function';
import { KeyedProcessOperator, ProcessOperator, type ElementHandler, type ProcessSpec } from './process-operator';

/** Anything `connect` can run over its two inputs. */
export type CoFunction<A, B, O, K> = CoMapFunction<A, B, O> | CoFlatMapFunction<A, B, O> | CoProcessFunction<A, B, O, K>;

/**
 * Connects two streams of possibly different types into one operator with two inputs (Flink's
 * `connect`): a co-map (`{ map1, map2 }`), co-flat-map (`{ flatMap1, flatMap2 }`) or co-process
 * function (`{ processElement1, processElement2, onTimer }`). When both streams are keyed, the
 * function has keyed state shared by both inputs and timers (`KeyedCoProcessFunction`). The
 * watermark is the minimum of both inputs'.
 *
 * Connected with a `BroadcastStream` (`broadcast(descriptor)`), it runs a `KeyedBroadcastProcessFunction`
 * (after `keyBy`) or a `BroadcastProcessFunction` instead: Flink's broadcast state pattern. After
 * `keyBy` the key type comes from the keyed stream (through its phantom `__key`), so
 * `ctx.getCurrentKey()` and `applyToKeyedState`'s keys are typed without annotations.
 *
 * @example
 * orders.pipe(keyBy(o => o.id), connect(payments.pipe(keyBy(p => p.orderId)), {
 *   processElement1(order, ctx, out) { ... }, processElement2(payment, ctx, out) { ... },
 * }))
 *
 * const rules = ruleStream.pipe(broadcast(ruleState));
 * items.pipe(keyBy(i => i.color), connect<Item, Rule, string, string>(rules, {
 *   processElement(item, ctx, out) { ... ctx.getBroadcastState(ruleState).get(item.shape) ... },
 *   processBroadcastElement(rule, ctx, out) { ctx.getBroadcastState(ruleState).put(rule.shape, rule); },
 * }))
 */
export function connect<A, B, O, K = unknown>(
  other: BroadcastStream<B>,
  fn: KeyedBroadcastProcessFunction<K, A, B, O>,
  options?: OperatorOptions,
): (source: Stream<A> & { readonly __key?: K }) => Stream<O>;
export function connect<A, B, O, K = unknown>(other: Stream<B>, fn: CoFunction<A, B, O, K>, options?: OperatorOptions): (source: Stream<A>) => Stream<O>;
export function connect<A, B, O, K = unknown>(
  other: Stream<B> | BroadcastStream<B>,
  fn: CoFunction<A, B, O, K> | KeyedBroadcastProcessFunction<K, A, B, O>,
  options: OperatorOptions = {},
): (source: Stream<A>) => Stream<O> {
  if (other instanceof BroadcastStream) return connectBroadcast(other, fn as KeyedBroadcastProcessFunction<K, A, B, O>, options);
  if (fn === null || typeof fn !== 'object') throw new ConfigurationError('connect needs a co-function object');
  if ('processBroadcastElement' in fn) {
    throw new ConfigurationError(
      'connect: a broadcast process function needs a BroadcastStream with its state descriptors: other.pipe(broadcast(descriptor, ...))',
    );
  }
  const spec = toSpec<A, B, O, K>(fn);
  // A fresh instance of the user's function per subtask (and per restart), as Flink deserializes one.
  const specOf = (): ProcessSpec<unknown, O> => toSpec<A, B, O, K>(functionInstance(fn)) as ProcessSpec<unknown, O>;
  return (source) => {
    const inputs = [source.transformation, other.transformation];
    const keyedA = source instanceof KeyedStream;
    const keyedB = other instanceof KeyedStream;
    if (keyedA !== keyedB) {
      throw new ConfigurationError('connect: key both streams (keyBy on each) or neither');
    }
    if (keyedA && keyedB) {
      const selectors = [source.keySelector, (other as KeyedStream<B, unknown>).keySelector];
      return source.transform<O>('connect', () => new KeyedProcessOperator<unknown, O>(specOf(), selectors as never), options, {
        inputs,
        sideOutputs: 'any',
      });
    }
    if (spec.onTimer !== undefined) throw new ConfigurationError('connect: timers (onTimer) need both streams keyed');
    return source.transform<O>('connect', () => new ProcessOperator<unknown, O>(specOf()), options, {
      inputs,
      sideOutputs: 'any',
    });
  };
}

function toSpec<A, B, O, K>(fn: CoFunction<A, B, O, K>): ProcessSpec<A | B, O> {
  if ('map1' in fn && 'map2' in fn) {
    return {
      handlers: [
        ((v: A, _ctx: unknown, out: Collector<O>) => out.collect(fn.map1(v))) as ElementHandler<A | B, O>,
        ((v: B, _ctx: unknown, out: Collector<O>) => out.collect(fn.map2(v))) as ElementHandler<A | B, O>,
      ],
    };
  }
  if ('flatMap1' in fn && 'flatMap2' in fn) {
    return {
      handlers: [
        ((v: A, _ctx: unknown, out: Collector<O>) => fn.flatMap1(v, out)) as ElementHandler<A | B, O>,
        ((v: B, _ctx: unknown, out: Collector<O>) => fn.flatMap2(v, out)) as ElementHandler<A | B, O>,
      ],
    };
  }
  if ('processElement1' in fn && 'processElement2' in fn) {
    return {
      handlers: [fn.processElement1.bind(fn) as ElementHandler<A | B, O>, fn.processElement2.bind(fn) as ElementHandler<A | B, O>],
      onTimer: fn.onTimer?.bind(fn) as ProcessSpec<A | B, O>['onTimer'],
      open: fn.open?.bind(fn),
      close: fn.close?.bind(fn),
    };
  }
  throw new ConfigurationError('connect needs { map1, map2 }, { flatMap1, flatMap2 } or { processElement1, processElement2 }');
}
