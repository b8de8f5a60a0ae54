// Type-level checks of the public API: pipeable operators infer their results without annotations
// (`npm run typecheck` runs these; at run time they are no-ops).
import { Subject } from 'rxjs';
import { describe, expectTypeOf, it } from 'vitest';
import {
  MapStateDescriptor,
  StreamEnvironment,
  ValueStateDescriptor,
  broadcast,
  connect,
  aggregate,
  count,
  keyBy,
  max,
  process,
  sum,
  tap,
  tumbling,
  union,
  watermarks,
  window,
  type BroadcastProcessFunction,
  type BroadcastStream,
  type ReadOnlyBroadcastState,
  type Stream,
  type ValueState,
  type WindowResult,
} from '../../src/index';

interface Bid {
  readonly auction: number;
  readonly price: number;
  readonly ts: number;
}

const env = new StreamEnvironment();
const bids = env.fromArray<Bid>([]).pipe(watermarks({ timestamp: (b) => b.ts }));

describe('inferred types', () => {
  it('named aggregates give one typed field each', () => {
    const rows = bids.pipe(
      keyBy((b) => b.auction),
      window(tumbling(10_000)),
      aggregate({ bids: count(), total: sum((b) => b.price), top: max((b) => b.price) }),
    );
    expectTypeOf(rows).toEqualTypeOf<Stream<WindowResult<number, { bids: number; total: number; top: number }>>>();
  });

  it('a lone aggregate after window() names its field after itself, with the key type', () => {
    expectTypeOf(bids.pipe(keyBy((b) => String(b.auction)), window(tumbling(1)), count())).toEqualTypeOf<
      Stream<WindowResult<string, { count: number }>>
    >();
    expectTypeOf(bids.pipe(keyBy((b) => b.auction), window(tumbling(1)), sum((b) => b.price))).toEqualTypeOf<
      Stream<WindowResult<number, { sum: number }>>
    >();
  });

  it('process functions are typed from their type arguments', () => {
    const state = new ValueStateDescriptor<number>('n');
    let n!: ValueState<number>;
    const out = bids.pipe(
      keyBy((b) => b.auction),
      process<Bid, string, number>({
        open(rc) {
          n = rc.getState(state);
        },
        processElement(b, ctx, collector) {
          n.update(b.price);
          collector.collect(`${ctx.getCurrentKey() + 1}`);
        },
      }),
    );
    expectTypeOf(out).toEqualTypeOf<Stream<string>>();
    const perWindow = bids.pipe(
      keyBy((b) => b.auction),
      window(tumbling(1)),
      process<Bid, number, number>({
        process(key, ctx, elements, collector) {
          collector.collect(key + elements.length + ctx.window.start);
        },
      }),
    );
    expectTypeOf(perWindow).toEqualTypeOf<Stream<number>>();
  });

  it('RxJS subjects and unions keep the element type', () => {
    expectTypeOf(env.fromObservable(new Subject<Bid>()).pipe(tap((b) => b.price))).toEqualTypeOf<Stream<Bid>>();
    expectTypeOf(bids.pipe(union(bids))).toEqualTypeOf<Stream<Bid>>();
  });

  it('broadcast(descriptor) makes a BroadcastStream; connect types both sides, the key and broadcast state', () => {
    const limits = new MapStateDescriptor<string, number>('limits');
    const rules = env.fromArray([1, 2]).pipe(broadcast(limits));
    expectTypeOf(rules).toEqualTypeOf<BroadcastStream<number>>();
    expectTypeOf(bids.pipe(broadcast())).toEqualTypeOf<Stream<Bid>>();
    // The output type, as for connect and process, comes from the type arguments (the key type
    // too, then) or from the function's type; without them the key type is the stream's.
    const keyed = bids.pipe(
      keyBy((b) => b.auction),
      connect<Bid, number, string, number>(rules, {
        processElement(b, ctx, out) {
          expectTypeOf(b).toEqualTypeOf<Bid>();
          expectTypeOf(ctx.getCurrentKey()).toEqualTypeOf<number>();
          expectTypeOf(ctx.getBroadcastState(limits)).toEqualTypeOf<ReadOnlyBroadcastState<string, number>>();
          out.collect(String(b.price));
        },
        processBroadcastElement(n, ctx) {
          expectTypeOf(n).toEqualTypeOf<number>();
          ctx.getBroadcastState(limits).put('max', n);
          ctx.applyToKeyedState(new ValueStateDescriptor<number>('v'), (key, state) => {
            expectTypeOf(key).toEqualTypeOf<number>();
            expectTypeOf(state).toEqualTypeOf<ValueState<number>>();
          });
        },
      }),
    );
    expectTypeOf(keyed).toEqualTypeOf<Stream<string>>();
    const check: BroadcastProcessFunction<Bid, number, boolean> = { processElement: (b, _ctx, out) => out.collect(b.price > 0), processBroadcastElement() {} };
    expectTypeOf(bids.pipe(connect(rules, check))).toEqualTypeOf<Stream<boolean>>();
    const unannotated = bids.pipe(
      keyBy((b) => String(b.auction)),
      connect(rules, {
        processElement(b, ctx) {
          expectTypeOf(b).toEqualTypeOf<Bid>();
          expectTypeOf(ctx.getCurrentKey()).toEqualTypeOf<string>();
        },
        processBroadcastElement() {},
      }),
    );
    expectTypeOf(unannotated).toEqualTypeOf<Stream<unknown>>();
  });
});
