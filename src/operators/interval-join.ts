import { KeyedStream } from '../api/keyed-stream';
import type { OperatorOptions, Stream } from '../api/stream';
import { ConfigurationError } from '../errors';
import { MapStateDescriptor } from '../state/descriptors';
import type { MapState } from '../state/state';
import type { Collector, OutputTag } from '../types';
import { functionInstance } from './function-instance';
import type { OnTimerContext, RuntimeContext } from './process-function';
import { KeyedProcessOperator, type ProcessSpec, type TimestampedCollector } from './process-operator';

/** What a join function sees of a joined pair (Flink's `ProcessJoinFunction.Context`). */
export interface ProcessJoinContext {
  readonly leftTimestamp: number;
  readonly rightTimestamp: number;
  /** The pair's timestamp, and that of what is emitted for it: the larger of the two. */
  readonly timestamp: number;
  /** Emits to a side output. */
  output<X>(tag: OutputTag<X>, value: X): void;
}

/** Flink's `ProcessJoinFunction`: called once per joined pair, emits any number of results. */
export interface ProcessJoinFunction<A, B, O> {
  open?(context: RuntimeContext): void;
  processElement(left: A, right: B, ctx: ProcessJoinContext, out: Collector<O>): void;
  close?(): void;
}

export interface IntervalJoinOptions<A, B> extends OperatorOptions {
  /** A right element joins a left one at `t` when its timestamp is in `[t + lower, t + upper]`. */
  readonly lower: number;
  readonly upper: number;
  /** Flink's `lowerBoundExclusive()` / `upperBoundExclusive()`. */
  readonly lowerExclusive?: boolean;
  readonly upperExclusive?: boolean;
  /** Where left / right elements that arrive behind the watermark go (Flink's `sideOutputLeftLateData`); else dropped. */
  readonly leftLateOutput?: OutputTag<A>;
  readonly rightLateOutput?: OutputTag<B>;
}

const LEFT = new MapStateDescriptor<number, unknown[]>('interval-join-left');
const RIGHT = new MapStateDescriptor<number, unknown[]>('interval-join-right');

/**
 * Joins two keyed streams on event time (Flink's `intervalJoin`): each left element `a` with
 * every right element `b` of the same key where `a.ts + lower <= b.ts <= a.ts + upper`, the
 * result stamped with the larger timestamp. Both sides are buffered in keyed state until the
 * watermark passes the last time a partner could arrive, as Flink's `IntervalJoinOperator` does;
 * an element behind the watermark is late, dropped or sent to `leftLateOutput` /
 * `rightLateOutput`. `join` is a function of the pair, or a `ProcessJoinFunction`.
 *
 * @example
 * clicks.pipe(keyBy(c => c.user), intervalJoin(views.pipe(keyBy(v => v.user)), { lower: -2000, upper: 1000 },
 *   (click, view) => ({ user: click.user, page: view.page })))
 *
 * https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/operators/joining/#interval-join
 */
export function intervalJoin<A, B, O, K = unknown>(
  other: Stream<B>,
  options: IntervalJoinOptions<A, B>,
  join: ((left: A, right: B, ctx: ProcessJoinContext) => O) | ProcessJoinFunction<A, B, O>,
): (source: Stream<A>) => Stream<O> {
  const lower = options.lower + (options.lowerExclusive === true ? 1 : 0);
  const upper = options.upper - (options.upperExclusive === true ? 1 : 0);
  if (!Number.isFinite(options.lower) || !Number.isFinite(options.upper)) {
    throw new ConfigurationError(`intervalJoin: lower and upper must be finite numbers of ms, got ${options.lower} and ${options.upper}`);
  }
  if (lower > upper) throw new ConfigurationError(`intervalJoin: lower (${lower}) must be ≤ upper (${upper}), exclusive bounds applied`);
  if (typeof join !== 'function' && (join === null || typeof join !== 'object' || typeof join.processElement !== 'function')) {
    throw new ConfigurationError('intervalJoin needs a function (left, right, ctx) => result or a ProcessJoinFunction { processElement }');
  }
  return (source) => {
    if (!(source instanceof KeyedStream) || !(other instanceof KeyedStream)) {
      throw new ConfigurationError('intervalJoin joins two keyed streams: keyBy(...) on each first');
    }
    const selectors = [source.keySelector, (other as KeyedStream<B, K>).keySelector];
    const bounds = { lower, upper, leftLateOutput: options.leftLateOutput, rightLateOutput: options.rightLateOutput };
    // A fresh instance of the user's function per subtask (and per restart), as Flink deserializes one.
    const spec = (): ProcessSpec<unknown, O> => joinSpec<A, B, O>(bounds, typeof join === 'function' ? join : functionInstance(join));
    return source.transform<O>('intervalJoin', () => new KeyedProcessOperator<unknown, O>(spec(), selectors as never), options, {
      inputs: [source.transformation, other.transformation],
      sideOutputs: 'any',
    });
  };
}

/** The context and collector of the pair being joined: one per operator, re-pointed at each pair. */
class PairContext<O> implements ProcessJoinContext, Collector<O> {
  leftTimestamp = 0;
  rightTimestamp = 0;
  timestamp = 0;
  out!: TimestampedCollector<O>;

  /** As IntervalJoinOperator's context: stamped with the pair's timestamp. */
  output<X>(tag: OutputTag<X>, value: X): void {
    this.out.outputAt(tag, value, this.timestamp);
  }

  collect(value: O): void {
    this.out.collectAt(value, this.timestamp);
  }
}

interface Bounds<A, B> {
  readonly lower: number;
  readonly upper: number;
  readonly leftLateOutput: OutputTag<A> | undefined;
  readonly rightLateOutput: OutputTag<B> | undefined;
}

function joinSpec<A, B, O>(bounds: Bounds<A, B>, join: ((left: A, right: B, ctx: ProcessJoinContext) => O) | ProcessJoinFunction<A, B, O>): ProcessSpec<unknown, O> {
  const { lower, upper } = bounds;
  let left!: MapState<number, unknown[]>;
  let right!: MapState<number, unknown[]>;
  const pair = new PairContext<O>();
  const emit = (a: A, b: B, ta: number, tb: number, out: Collector<O>): void => {
    pair.leftTimestamp = ta;
    pair.rightTimestamp = tb;
    pair.timestamp = Math.max(ta, tb);
    pair.out = out as TimestampedCollector<O>;
    if (typeof join === 'function') pair.collect(join(a, b, pair));
    else join.processElement(a, b, pair, pair);
  };

  /**
   * One element of either side, as IntervalJoinOperator.processElement: `lo`/`hi` are the bounds
   * relative to it (the right side sees `-upper`/`-lower`).
   */
  const onElement = (isLeft: boolean) => (value: unknown, ctx: OnTimerContext<unknown>, out: Collector<O>): void => {
    const ts = ctx.timestamp();
    if (ts === undefined) {
      throw new Error('intervalJoin needs event timestamps on both inputs: assign them with watermarks({ timestamp }) before keyBy');
    }
    if (ts < ctx.timerService().currentWatermark()) {
      const late = isLeft ? bounds.leftLateOutput : bounds.rightLateOutput;
      if (late !== undefined) ctx.output(late as OutputTag<unknown>, value);
      return;
    }
    const [ours, theirs] = isLeft ? [left, right] : [right, left];
    const [lo, hi] = isLeft ? [lower, upper] : [-upper, -lower];
    ours.put(ts, [...(ours.get(ts) ?? []), value]);
    for (const [t, partners] of theirs.entries()) {
      if (t < ts + lo || t > ts + hi) continue;
      for (const partner of partners) {
        if (isLeft) emit(value as A, partner as B, ts, t, out);
        else emit(partner as A, value as B, t, ts, out);
      }
    }
    // Kept until no partner can come any more: the watermark has passed ts + hi.
    ctx.timerService().registerEventTimeTimer(hi > 0 ? ts + hi : ts);
  };

  return {
    handlers: [onElement(true), onElement(false)],
    // One timer time serves both sides (their cleanup times map one to one onto elements' times).
    onTimer: (time) => {
      left.remove(upper <= 0 ? time : time - upper);
      right.remove(lower <= 0 ? time + lower : time);
    },
    open: (context) => {
      left = context.getMapState(LEFT);
      right = context.getMapState(RIGHT);
      if (typeof join !== 'function') join.open?.(context);
    },
    close: () => {
      if (typeof join !== 'function') join.close?.();
    },
  };
}
