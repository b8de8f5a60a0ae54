import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  ManualClock,
  StreamEnvironment,
  ValueStateDescriptor,
  callbackSink,
  connect,
  count,
  keyBy,
  map,
  process,
  tap,
  tumbling,
  union,
  watermarks,
  window,
  type ValueState,
} from '../../src/index';
import { Signal } from '../support/signal';

interface Ev {
  readonly k: string;
  readonly ts: number;
}

describe('union', () => {
  it('merges streams; the watermark is the minimum of the inputs (Flink: "Watermarks in Parallel Streams")', async () => {
    // https://nightlies.apache.org/flink/flink-docs-stable/docs/concepts/time/#watermarks-in-parallel-streams
    const env = new StreamEnvironment({ batchSize: 1 });
    const fast = env.fromArray([{ k: 'a', ts: 0 }, { k: 'a', ts: 5000 }]).pipe(watermarks({ timestamp: (e: Ev) => e.ts }));
    const slow = env.fromArray([{ k: 'a', ts: 10 }, { k: 'a', ts: 20 }]).pipe(watermarks({ timestamp: (e: Ev) => e.ts }));
    const rows = await fast
      .pipe(union(slow), keyBy((e) => e.k), window(tumbling(1000)), count())
      .collect();
    // Were the watermark the maximum, ts 20 would be late after fast's 5000.
    expect(rows.map((r) => [r.start, r.count])).toEqual([
      [0, 3],
      [5000, 1],
    ]);
  });

  it('leaves an idle input out of the minimum (Flink: withIdleness)', async () => {
    const clock = new ManualClock(0);
    const env = new StreamEnvironment({ clock, autoWatermarkInterval: 100 });
    const active = new Subject<Ev>();
    const quiet = new Subject<Ev>();
    const passed = new Signal<Ev>();
    const fired: number[] = [];
    env
      .fromObservable(active)
      .pipe(
        watermarks({ timestamp: (e) => e.ts, idleness: 1000 }),
        union(env.fromObservable(quiet).pipe(watermarks({ timestamp: (e: Ev) => e.ts, idleness: 1000 }))),
        tap((e) => passed.fire(e)),
        keyBy((e) => e.k),
        window(tumbling(100)),
        count(),
      )
      .sinkTo(callbackSink((r) => fired.push(r.start)));
    const job = await env.execute();

    quiet.next({ k: 'q', ts: 0 });
    await passed.next();
    active.next({ k: 'a', ts: 50 });
    await passed.next();
    active.next({ k: 'a', ts: 500 });
    await passed.next();
    // The quiet input holds the watermark at -1: nothing fires.
    expect(fired).toEqual([]);
    // After 1 s of processing time without records the quiet input is idle; the active one is
    // not, because it keeps sending.
    clock.advance(900);
    active.next({ k: 'a', ts: 600 });
    await passed.next();
    clock.advance(200);
    expect(fired.sort((a, b) => a - b)).toEqual([0, 0, 500]);
    active.complete();
    quiet.complete();
    await job.done;
  });
});

describe('connect', () => {
  it('co-map over two differently typed streams', async () => {
    const env = new StreamEnvironment();
    const words = env.fromArray(['a', 'bb']);
    const numbers = env.fromArray([1, 2, 3]);
    const out = await words.pipe(connect(numbers, { map1: (w: string) => w.length, map2: (n: number) => n * 100 })).collect();
    expect(out.sort((a, b) => a - b)).toEqual([1, 2, 100, 200, 300]);
  });

  it('keyed co-process: state shared by both inputs of a key (an order/payment match)', async () => {
    interface Order {
      id: string;
      amount: number;
    }
    interface Payment {
      orderId: string;
      paid: number;
    }
    const env = new StreamEnvironment();
    const orders = env.fromArray<Order>([{ id: 'o1', amount: 10 }, { id: 'o2', amount: 5 }]).pipe(keyBy((o) => o.id));
    const payments = env.fromArray<Payment>([{ orderId: 'o2', paid: 5 }, { orderId: 'o1', paid: 10 }, { orderId: 'o3', paid: 1 }]).pipe(keyBy((p) => p.orderId));
    const pendingOrder = new ValueStateDescriptor<Order>('order');
    const earlyPayment = new ValueStateDescriptor<Payment>('payment');
    let order!: ValueState<Order>;
    let payment!: ValueState<Payment>;
    const out = await orders
      .pipe(
        connect<Order, Payment, string, string>(payments, {
          open(rc) {
            order = rc.getState(pendingOrder);
            payment = rc.getState(earlyPayment);
          },
          processElement1(o, ctx, collector) {
            const p = payment.value();
            if (p !== undefined) collector.collect(`${ctx.getCurrentKey()} paid ${p.paid}/${o.amount}`);
            else order.update(o);
          },
          processElement2(p, ctx, collector) {
            const o = order.value();
            if (o !== undefined) collector.collect(`${ctx.getCurrentKey()} paid ${p.paid}/${o.amount}`);
            else payment.update(p);
          },
        }),
      )
      .collect();
    expect(out.sort()).toEqual(['o1 paid 10/10', 'o2 paid 5/5']);
  });

  it('refuses connecting a keyed stream with a non-keyed one', () => {
    const env = new StreamEnvironment();
    const a = env.fromArray([1]).pipe(keyBy((x) => x));
    const b = env.fromArray([2]);
    expect(() => a.pipe(connect(b, { map1: (x: number) => x, map2: (x: number) => x }))).toThrow('key both streams');
  });
});

describe('a stream consumed twice', () => {
  it('feeds both consumers the same records', async () => {
    const env = new StreamEnvironment();
    const base = env.fromArray([1, 2, 3]).pipe(map((x) => x * 2));
    const [a, b] = await env.collect(base.pipe(map((x) => x + 1)), base.pipe(map((x) => -x)));
    expect(a).toEqual([3, 5, 7]);
    expect(b).toEqual([-2, -4, -6]);
  });
});

describe('keyed process functions in batch mode', () => {
  it("see each key's records in timestamp order and fire all timers at the end of the key (Flink BATCH)", async () => {
    // https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/execution_mode/#event-time--watermarks
    const env = new StreamEnvironment({ runtimeMode: 'batch' });
    const log = await env
      .fromArray<Ev>([{ k: 'b', ts: 30 }, { k: 'a', ts: 20 }, { k: 'b', ts: 10 }, { k: 'a', ts: 5 }])
      .pipe(
        watermarks({ timestamp: (e) => e.ts }),
        keyBy((e) => e.k),
        process<Ev, string, string>({
          processElement(e, ctx, out) {
            ctx.timerService().registerEventTimeTimer(e.ts + 1);
            out.collect(`${e.k}${e.ts} wm=${ctx.timerService().currentWatermark()}`);
          },
          onTimer(ts, ctx, out) {
            out.collect(`${String(ctx.getCurrentKey())} timer ${ts}`);
          },
        }),
      )
      .collect();
    expect(log).toEqual([
      'b10 wm=-Infinity',
      'b30 wm=-Infinity',
      'b timer 11',
      'b timer 31',
      'a5 wm=-Infinity',
      'a20 wm=-Infinity',
      'a timer 6',
      'a timer 21',
    ]);
  });

  it('make rolling reduce emit only the final result per key', async () => {
    const { reduce } = await import('../../src/index');
    const rolling = (mode: 'streaming' | 'batch') =>
      new StreamEnvironment({ runtimeMode: mode })
        .fromArray([1, 2, 3, 4, 5])
        .pipe(keyBy((x) => x % 2), reduce((a, b) => a + b))
        .collect();
    expect(await rolling('streaming')).toEqual([1, 2, 4, 6, 9]);
    expect((await rolling('batch')).sort((a, b) => a - b)).toEqual([6, 9]);
  });
});
