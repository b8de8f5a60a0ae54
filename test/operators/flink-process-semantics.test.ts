// Process functions, timers, rolling reduce and side outputs, checked against Apache Flink's sources
// and documentation (each test names what it follows):
// - https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/operators/process_function/
// - https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/side_output/
// - InternalTimerServiceImpl.java (timers: a set per (time, key, namespace); advanceWatermark fires
//   while the head timer is <= the watermark, so timers registered by a callback fire in the same advance)
// - KeyedProcessOperator.java / ProcessOperator.java (timestamps of output and side output)
// - StreamOperatorWrapper.java (end of a bounded input: pending processing-time timers are quiesced)
// - StreamGroupedReduceOperator.java (rolling reduce: output.collect(element.replace(reduced)))
// This file runs in Node and in headless Chromium.
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  ManualClock,
  StreamEnvironment,
  callbackSink,
  keyBy,
  map,
  process,
  reduce,
  sideOutput,
  tap,
  watermarks,
  type KeyedProcessFunction,
} from '../../src/index';
import { Signal } from '../support/signal';

interface Ev {
  readonly k: string;
  readonly ts: number;
}

const ev = (k: string, ts: number): Ev => ({ k, ts });

/** Runs `fn` keyed by `k` over `events` with per-record watermarks (outOfOrderness 0). */
function runKeyed<O>(events: Ev[], fn: KeyedProcessFunction<string, Ev, O>): Promise<O[]> {
  return new StreamEnvironment()
    .fromArray(events)
    .pipe(watermarks({ timestamp: (e) => e.ts }), keyBy((e) => e.k), process<Ev, O, string>(fn))
    .collect();
}

describe('event-time timers (InternalTimerServiceImpl)', () => {
  it('a timer registered twice for the same key and time fires once; the same time on another key fires for that key too', async () => {
    // Flink's timer queues are sets of TimerHeapInternalTimer, equal by (timestamp, key, namespace).
    const out = await runKeyed<string>([ev('a', 1), ev('a', 2), ev('b', 3), ev('b', 4)], {
      processElement(_e, ctx) {
        ctx.timerService().registerEventTimeTimer(50);
        ctx.timerService().registerEventTimeTimer(50);
      },
      onTimer(ts, ctx, o) {
        o.collect(`${String(ctx.getCurrentKey())}@${ts}`);
      },
    });
    expect(out.sort()).toEqual(['a@50', 'b@50']);
  });

  it('timers due in one watermark advance fire in timestamp order, across keys', async () => {
    const out = await runKeyed<string>([ev('a', 1), ev('b', 2), ev('c', 3), ev('a', 4), ev('z', 100)], {
      processElement(e, ctx) {
        const due: Record<string, number> = { a: e.ts === 1 ? 30 : 5, b: 10, c: 20 };
        if (due[e.k] !== undefined) ctx.timerService().registerEventTimeTimer(due[e.k]!);
      },
      onTimer(ts, ctx, o) {
        o.collect(`${String(ctx.getCurrentKey())}@${ts} wm=${ctx.timerService().currentWatermark()}`);
      },
    });
    // The element at 100 raises the watermark to 99: every timer is due at once, earliest first, and
    // currentWatermark() inside onTimer is the watermark being advanced to.
    expect(out).toEqual(['a@5 wm=99', 'b@10 wm=99', 'c@20 wm=99', 'a@30 wm=99']);
  });

  it('a timer registered in onTimer for a time <= the watermark fires in the same advance, before the next element', async () => {
    const out = await runKeyed<string>([ev('a', 1), ev('a', 100), ev('a', 200)], {
      processElement(e, ctx, o) {
        o.collect(`el ${e.ts}`);
        if (e.ts === 1) ctx.timerService().registerEventTimeTimer(10);
      },
      onTimer(ts, ctx, o) {
        o.collect(`timer ${ts}`);
        if (ts === 10) {
          ctx.timerService().registerEventTimeTimer(15); // <= watermark 99: due now
          ctx.timerService().registerEventTimeTimer(150); // > 99: waits for watermark 199
        }
      },
    });
    expect(out).toEqual(['el 1', 'el 100', 'timer 10', 'timer 15', 'el 200', 'timer 150']);
  });

  it('deleteEventTimeTimer: a timer deleted by an earlier callback of the same advance does not fire; deleting an unknown timer is a no-op', async () => {
    const out = await runKeyed<string>([ev('a', 1), ev('b', 2), ev('a', 100)], {
      processElement(e, ctx) {
        if (e.ts === 1) {
          ctx.timerService().registerEventTimeTimer(10);
          ctx.timerService().registerEventTimeTimer(20);
          ctx.timerService().deleteEventTimeTimer(12345);
        }
        if (e.k === 'b') ctx.timerService().registerEventTimeTimer(20);
      },
      onTimer(ts, ctx, o) {
        o.collect(`${String(ctx.getCurrentKey())}@${ts}`);
        // Timers are scoped to the current key: this deletes a's timer at 20, not b's.
        if (ts === 10) ctx.timerService().deleteEventTimeTimer(20);
      },
    });
    expect(out).toEqual(['a@10', 'b@20']);
  });

  it('inside an event-time onTimer: timestamp() is the timer time, timeDomain() is event-time, and output is stamped with the timer time', async () => {
    // KeyedProcessOperator.onEventTime: collector.setAbsoluteTimestamp(timer.getTimestamp());
    // OnTimerContextImpl.timestamp() returns timer.getTimestamp().
    const seen: string[] = [];
    const stamps: Array<number | undefined> = [];
    await new StreamEnvironment()
      .fromArray([ev('a', 7)])
      .pipe(
        watermarks({ timestamp: (e) => e.ts }),
        keyBy((e) => e.k),
        process<Ev, string, string>({
          processElement(e, ctx, o) {
            seen.push(`element ts=${String(ctx.timestamp())} wm=${ctx.timerService().currentWatermark()}`);
            ctx.timerService().registerEventTimeTimer(e.ts + 3);
            o.collect('from element');
          },
          onTimer(ts, ctx, o) {
            seen.push(`timer ${ts} ts=${String(ctx.timestamp())} ${ctx.timeDomain()}`);
            o.collect('from timer');
          },
        }),
      )
      .forEach((_v, ts) => stamps.push(ts));
    // currentWatermark() in processElement is the last watermark received: none yet (Long.MIN_VALUE).
    expect(seen).toEqual(['element ts=7 wm=-Infinity', 'timer 10 ts=10 event-time']);
    expect(stamps).toEqual([7, 10]);
  });
});

describe('the end of a bounded input in STREAMING mode (StreamOperatorWrapper.quiesceTimeServiceAndFinishOperator)', () => {
  it('pending processing-time timers do not fire, while event-time timers fire at the final watermark', async () => {
    // StreamOperatorWrapper: "we quiesce the processing time service to prevent the pending timers
    // from firing" before finish(); the bounded source's MAX_WATERMARK fires every event-time timer.
    const out = await new StreamEnvironment({ clock: new ManualClock(0) })
      .fromArray([ev('a', 1), ev('b', 2)])
      .pipe(
        watermarks({ timestamp: (e) => e.ts }),
        keyBy((e) => e.k),
        process<Ev, string, string>({
          processElement(e, ctx) {
            ctx.timerService().registerProcessingTimeTimer(1_000);
            ctx.timerService().registerEventTimeTimer(e.ts + 1_000_000);
          },
          onTimer(ts, ctx, o) {
            o.collect(`${String(ctx.getCurrentKey())} ${ctx.timeDomain()} ${ts}`);
          },
        }),
      )
      .collect();
    expect(out).toEqual(['a event-time 1000001', 'b event-time 1000002']);
  });
});

describe('a non-keyed ProcessFunction (ProcessOperator)', () => {
  it('currentWatermark() in processElement is the last watermark received, -Infinity (Long.MIN_VALUE) before any', async () => {
    const out = await new StreamEnvironment()
      .fromArray([10, 20, 30])
      .pipe(
        watermarks({ timestamp: (x) => x }),
        process<number, string>({
          processElement(x, ctx, o) {
            o.collect(`${x} ts=${String(ctx.timestamp())} wm=${ctx.timerService().currentWatermark()}`);
          },
        }),
      )
      .collect();
    expect(out).toEqual(['10 ts=10 wm=-Infinity', '20 ts=20 wm=9', '30 ts=30 wm=19']);
  });
});

describe('rolling reduce right after keyBy (StreamGroupedReduceOperator)', () => {
  it('emits the running result of its key for every element, keeping the element timestamp', async () => {
    const got: Array<[number, number | undefined]> = [];
    await new StreamEnvironment()
      .fromArray([
        { k: 'a', v: 1, ts: 10 },
        { k: 'b', v: 10, ts: 11 },
        { k: 'a', v: 2, ts: 12 },
        { k: 'a', v: 3, ts: 5 }, // out of order: reduce is not windowed, nothing is late
        { k: 'b', v: 20, ts: 13 },
      ])
      .pipe(
        watermarks({ timestamp: (e) => e.ts }),
        keyBy((e) => e.k),
        reduce((x, y) => ({ k: x.k, v: x.v + y.v, ts: y.ts })),
        map((r) => r.v),
      )
      .forEach((v, ts) => got.push([v, ts]));
    expect(got).toEqual([
      [1, 10],
      [10, 11],
      [3, 12],
      [6, 5],
      [30, 13],
    ]);
  });
});

describe('side outputs (Flink "Side Outputs"; ProcessOperator / KeyedProcessOperator ctx.output)', () => {
  it('a ProcessFunction side output carries the element timestamp, next to the main output', async () => {
    const odd = sideOutput<number>('odd');
    const env = new StreamEnvironment();
    const main = env
      .fromArray([1, 2, 3, 4])
      .pipe(
        watermarks({ timestamp: (x) => x * 100 }),
        process<number, number>({
          processElement(x, ctx, o) {
            if (x % 2 === 1) ctx.output(odd, x);
            else o.collect(x);
          },
        }),
      );
    const mainOut: Array<[number, number | undefined]> = [];
    const sideOut: Array<[number, number | undefined]> = [];
    main.sinkTo(callbackSink((v, ts) => mainOut.push([v, ts])));
    await main.getSideOutput(odd).forEach((v, ts) => sideOut.push([v, ts]));
    expect(mainOut).toEqual([
      [2, 200],
      [4, 400],
    ]);
    expect(sideOut).toEqual([
      [1, 100],
      [3, 300],
    ]);
  });

  it('a KeyedProcessFunction side output carries the element timestamp in processElement and the timer time in an event-time onTimer', async () => {
    const info = sideOutput<string>('info');
    const env = new StreamEnvironment();
    const main = env
      .fromArray([ev('a', 5), ev('b', 6)])
      .pipe(
        watermarks({ timestamp: (e) => e.ts }),
        keyBy((e) => e.k),
        process<Ev, string, string>({
          processElement(e, ctx) {
            ctx.output(info, `el ${e.k}`);
            ctx.timerService().registerEventTimeTimer(e.ts + 100);
          },
          onTimer(_ts, ctx) {
            ctx.output(info, `timer ${String(ctx.getCurrentKey())}`);
          },
        }),
      );
    const side: Array<[string, number | undefined]> = [];
    await main.getSideOutput(info).forEach((v, ts) => side.push([v, ts]));
    expect(side).toEqual([
      ['el a', 5],
      ['el b', 6],
      ['timer a', 105],
      ['timer b', 106],
    ]);
  });

  it('a side output nobody reads does not fail the job, and the main output is complete', async () => {
    const unused = sideOutput<number>('unused');
    const env = new StreamEnvironment();
    const out: number[] = [];
    const result = await env
      .fromArray([1, 2, 3])
      .pipe(
        process<number, number>({
          processElement(x, ctx, o) {
            ctx.output(unused, -x);
            o.collect(x * 10);
          },
        }),
      )
      .forEach((v) => out.push(v));
    expect(result.status).toBe('finished');
    expect(out).toEqual([10, 20, 30]);
  });
});

describe('processing-time onTimer (KeyedProcessOperator.onProcessingTime)', () => {
  it('output has no timestamp (collector.eraseTimestamp); timestamp() and side outputs carry the timer time', async () => {
    // KeyedProcessOperator: onProcessingTime erases the collector's timestamp, but
    // OnTimerContextImpl.timestamp() returns timer.getTimestamp() and OnTimerContextImpl.output(tag, v)
    // emits new StreamRecord<>(v, timer.getTimestamp()) in both time domains.
    const clock = new ManualClock(1_000);
    const env = new StreamEnvironment({ clock });
    const input = new Subject<Ev>();
    const passed = new Signal<Ev>();
    const tag = sideOutput<string>('timer-info');
    const seen: string[] = [];
    const mainOut: Array<[string, number | undefined]> = [];
    const sideOut: Array<[string, number | undefined]> = [];
    const main = env
      .fromObservable(input)
      .pipe(
        tap((e) => passed.fire(e)),
        keyBy((e) => e.k),
        process<Ev, string, string>({
          processElement(_e, ctx) {
            ctx.timerService().registerProcessingTimeTimer(ctx.timerService().currentProcessingTime() + 50);
          },
          onTimer(ts, ctx, o) {
            seen.push(`${ts} ${ctx.timeDomain()} ts=${String(ctx.timestamp())}`);
            o.collect('main');
            ctx.output(tag, 'side');
          },
        }),
      );
    main.sinkTo(callbackSink((v, ts) => mainOut.push([v, ts])));
    main.getSideOutput(tag).sinkTo(callbackSink((v, ts) => sideOut.push([v, ts])));
    const job = await env.execute();
    input.next(ev('a', 0));
    await passed.next();
    clock.advance(50);
    input.complete();
    await job.done;
    expect(seen).toEqual(['1050 processing-time ts=1050']);
    expect(mainOut).toEqual([['main', undefined]]);
    expect(sideOut).toEqual([['side', 1050]]);
  });
});
