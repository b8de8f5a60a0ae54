import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  ManualClock,
  StreamEnvironment,
  callbackSink,
  keyBy,
  process,
  tap,
  watermarks,
  ValueStateDescriptor,
  type ValueState,
} from '../../src/index';
import { Signal } from '../support/signal';

interface Event {
  readonly user: string;
  readonly ts: number;
}

// A keyed process function that reports a key once no event has arrived for it within `gap` ms of
// event time — the session-timeout pattern from Flink's "Process Function" documentation:
// https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/operators/process_function/
function inactivityDetector(gap: number) {
  const lastSeen = new ValueStateDescriptor<number>('last-seen');
  return {
    last: undefined as ValueState<number> | undefined,
    open(rc: { getState<T>(d: ValueStateDescriptor<T>): ValueState<T> }) {
      this.last = rc.getState(lastSeen);
    },
    processElement(e: Event, ctx: { timerService(): { registerEventTimeTimer(t: number): void; deleteEventTimeTimer(t: number): void } }) {
      const previous = this.last!.value();
      if (previous !== undefined) ctx.timerService().deleteEventTimeTimer(previous + gap);
      const latest = Math.max(previous ?? Number.NEGATIVE_INFINITY, e.ts);
      this.last!.update(latest);
      ctx.timerService().registerEventTimeTimer(latest + gap);
    },
    onTimer(ts: number, ctx: { getCurrentKey(): unknown; timeDomain(): string }, out: { collect(v: string): void }) {
      out.collect(`${String(ctx.getCurrentKey())} idle since ${ts - gap} (${ctx.timeDomain()})`);
      this.last!.clear();
    },
  };
}

describe('event-time timers', () => {
  it('emit when a key sees no event within N ms of event time', async () => {
    const events: Event[] = [
      { user: 'ann', ts: 0 },
      { user: 'bob', ts: 10 },
      { user: 'ann', ts: 50 }, // moves ann's deadline from 100 to 150
      // Processed before the watermark it raises (199): bob's deadline moves from 110 to 300 first,
      // then watermark 199 fires ann's 150.
      { user: 'bob', ts: 200 },
      { user: 'ann', ts: 400 }, // watermark 399 fires bob's 300
    ];
    const out = await new StreamEnvironment()
      .fromArray(events)
      .pipe(watermarks({ timestamp: (e) => e.ts }), keyBy((e) => e.user), process<Event, string, string>(inactivityDetector(100)))
      .collect();
    expect(out).toEqual([
      'ann idle since 50 (event-time)',
      'bob idle since 200 (event-time)',
      'ann idle since 400 (event-time)', // the final +∞ watermark of the bounded input fires the rest
    ]);
  });

  it('fire a timer registered for a time the watermark already passed at the next watermark', async () => {
    const out = await new StreamEnvironment()
      .fromArray([{ user: 'a', ts: 100 }, { user: 'a', ts: 200 }])
      .pipe(
        watermarks({ timestamp: (e) => e.ts }),
        keyBy((e) => e.user),
        process<Event, string, string>({
          processElement(e, ctx, out) {
            ctx.timerService().registerEventTimeTimer(0);
            out.collect(`el ${e.ts} wm ${ctx.timerService().currentWatermark()}`);
          },
          onTimer(ts, ctx, out) {
            out.collect(`timer ${ts} wm ${ctx.timerService().currentWatermark()}`);
          },
        }),
      )
      .collect();
    // Flink's InternalTimerService fires timers with timestamp <= watermark when the watermark advances.
    expect(out).toEqual(['el 100 wm -Infinity', 'timer 0 wm 99', 'el 200 wm 99', 'timer 0 wm 199']);
  });

  it('stamp records emitted from an event-time timer with the timer time', async () => {
    const stamps: Array<number | undefined> = [];
    await new StreamEnvironment()
      .fromArray([{ user: 'a', ts: 5 }])
      .pipe(
        watermarks({ timestamp: (e) => e.ts }),
        keyBy((e) => e.user),
        process<Event, string, string>({
          processElement(e, ctx) {
            ctx.timerService().registerEventTimeTimer(e.ts + 10);
          },
          onTimer(ts, _ctx, out) {
            out.collect(`t${ts}`);
          },
        }),
      )
      .forEach((_v, ts) => stamps.push(ts));
    expect(stamps).toEqual([15]);
  });
});

describe('processing-time timers on an injected clock', () => {
  it('fire when the ManualClock reaches them, per key, in time order', async () => {
    const clock = new ManualClock(1_000);
    const env = new StreamEnvironment({ clock });
    const input = new Subject<Event>();
    const passed = new Signal<Event>();
    const out: string[] = [];
    env
      .fromObservable(input)
      .pipe(
        tap((e) => passed.fire(e)),
        keyBy((e) => e.user),
        process<Event, string, string>({
          processElement(e, ctx) {
            const now = ctx.timerService().currentProcessingTime();
            ctx.timerService().registerProcessingTimeTimer(now + (e.user === 'ann' ? 100 : 50));
          },
          onTimer(ts, ctx, collector) {
            collector.collect(`${String(ctx.getCurrentKey())}@${ts} ${ctx.timeDomain()} ts=${String(ctx.timestamp())}`);
          },
        }),
      )
      .sinkTo(callbackSink((v) => out.push(v)));
    const job = await env.execute();

    input.next({ user: 'ann', ts: 0 });
    await passed.next();
    input.next({ user: 'bob', ts: 0 });
    await passed.next();
    expect(out).toEqual([]);

    clock.advance(49);
    expect(out).toEqual([]);
    clock.advance(1); // t = 1050: bob's timer
    // ctx.timestamp() in a processing-time onTimer is the timer's time, as Flink's
    // KeyedProcessOperator.OnTimerContextImpl.timestamp() (only the main output's timestamp is erased).
    expect(out).toEqual(['bob@1050 processing-time ts=1050']);
    clock.advance(50); // t = 1100: ann's timer
    expect(out).toEqual(['bob@1050 processing-time ts=1050', 'ann@1100 processing-time ts=1100']);

    input.complete();
    const result = await job.done;
    expect(result.status).toBe('finished');
  });

  it('drop a deleted processing-time timer', async () => {
    const clock = new ManualClock(0);
    const env = new StreamEnvironment({ clock });
    const input = new Subject<Event>();
    const passed = new Signal<Event>();
    const out: string[] = [];
    env
      .fromObservable(input)
      .pipe(
        tap((e) => passed.fire(e)),
        keyBy((e) => e.user),
        process<Event, string, string>({
          processElement(e, ctx) {
            if (e.ts === 0) ctx.timerService().registerProcessingTimeTimer(100);
            else ctx.timerService().deleteProcessingTimeTimer(100);
          },
          onTimer(ts, _ctx, collector) {
            collector.collect(`fired ${ts}`);
          },
        }),
      )
      .sinkTo(callbackSink((v) => out.push(v)));
    const job = await env.execute();
    input.next({ user: 'a', ts: 0 });
    await passed.next();
    input.next({ user: 'a', ts: 1 });
    await passed.next();
    clock.advance(500);
    expect(out).toEqual([]);
    input.complete();
    await job.done;
  });
});
