// Watermark generation and combination pinned against Apache Flink's source and documentation:
//   api/common/eventtime/BoundedOutOfOrdernessWatermarks.java  watermark = maxTimestamp - outOfOrderness - 1
//   api/common/eventtime/WatermarksWithIdleness.java           an input without records for the
//                                                              timeout is marked idle
//   streaming/runtime/watermarkstatus/StatusWatermarkValve.java  minimum over active, aligned inputs
//   streaming/api/operators/InternalTimerServiceImpl.java       timers with timestamp <= watermark fire
//   streaming/api/watermark/Watermark.java                      MAX_WATERMARK (Long.MAX_VALUE) at end of input
// Documentation:
//   https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/event-time/built_in/#fixed-amount-of-lateness
//   https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/event-time/generating_watermarks/#dealing-with-idle-sources
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  ManualClock,
  StreamEnvironment,
  callbackSink,
  count,
  keyBy,
  process,
  sideOutput,
  tap,
  tumbling,
  union,
  watermarks,
  window,
} from '../../src/index';
import { Signal } from '../support/signal';

interface Ev {
  readonly k: string;
  readonly ts: number;
}

describe('BoundedOutOfOrdernessWatermarks', () => {
  // onPeriodicEmit: new Watermark(maxTimestamp - outOfOrdernessMillis - 1); maxTimestamp only grows.
  it('the watermark is max timestamp - outOfOrderness - 1 and never goes back (built_in/#fixed-amount-of-lateness)', async () => {
    for (const batchSize of [1, 1024]) {
      const out = await new StreamEnvironment({ batchSize })
        .fromArray<Ev>([{ k: 'a', ts: 100 }, { k: 'a', ts: 95 }, { k: 'a', ts: 120 }, { k: 'a', ts: 121 }, { k: 'a', ts: 50 }])
        .pipe(
          watermarks({ timestamp: (e) => e.ts, outOfOrderness: 10 }),
          keyBy((e) => e.k),
          process<Ev, string, string>({
            processElement(e, ctx, o) {
              if (e.ts === 100) {
                ctx.timerService().registerEventTimeTimer(109);
                ctx.timerService().registerEventTimeTimer(110);
              }
              o.collect(`el ${e.ts} wm ${ctx.timerService().currentWatermark()}`);
            },
            // InternalTimerServiceImpl.advanceWatermark fires every timer with timestamp <= watermark.
            onTimer(ts, ctx, o) {
              o.collect(`timer ${ts} wm ${ctx.timerService().currentWatermark()}`);
            },
          }),
        )
        .collect();
      // Each element is judged against the watermark of the elements before it (per-record emission).
      expect({ batchSize, out }).toEqual({
        batchSize,
        out: [
          'el 100 wm -Infinity', // Flink: Long.MIN_VALUE before any element
          'el 95 wm 89', // 100 - 10 - 1; the older element does not lower it
          'el 120 wm 89',
          'timer 109 wm 109', // 120 - 10 - 1 = 109: the timer at 109 fires, the one at 110 not yet
          'el 121 wm 109',
          'timer 110 wm 110',
          'el 50 wm 110',
        ],
      });
    }
  });

  // The end of a bounded input is Watermark.MAX_WATERMARK: every pending event-time timer fires,
  // however far in the future.
  it('the end-of-input watermark fires every pending timer, however far ahead', async () => {
    const out = await new StreamEnvironment()
      .fromArray<Ev>([{ k: 'a', ts: 1 }, { k: 'b', ts: 2 }])
      .pipe(
        watermarks({ timestamp: (e) => e.ts }),
        keyBy((e) => e.k),
        process<Ev, string, string>({
          processElement(e, ctx) {
            ctx.timerService().registerEventTimeTimer(e.k === 'a' ? 8.64e15 : Number.MAX_SAFE_INTEGER);
          },
          onTimer(ts, ctx, o) {
            o.collect(`${String(ctx.getCurrentKey())} ${ts} wm ${ctx.timerService().currentWatermark()}`);
          },
        }),
      )
      .collect();
    expect(out).toEqual([`a 8640000000000000 wm Infinity`, `b ${Number.MAX_SAFE_INTEGER} wm Infinity`]);
  });
});

describe('idleness (WatermarksWithIdleness, StatusWatermarkValve)', () => {
  // StatusWatermarkValve: an idle input is left out of the minimum. When it becomes active again
  // with a watermark behind the operator's, it is not "aligned" — it does not hold the watermark
  // back — until its watermark catches up; records it sends meanwhile are judged against the
  // operator's watermark (late for windows already fired).
  it('an input that returns from idleness behind the watermark does not hold it back until it catches up', async () => {
    const clock = new ManualClock(0);
    const env = new StreamEnvironment({ clock, autoWatermarkInterval: 100 });
    const active = new Subject<Ev>();
    const quiet = new Subject<Ev>();
    const passed = new Signal<Ev>();
    const late = sideOutput<Ev>('late');
    const fired: string[] = [];
    const lateTs: number[] = [];
    const rows = env
      .fromObservable(active)
      .pipe(
        watermarks({ timestamp: (e) => e.ts, idleness: 1000 }),
        union(env.fromObservable(quiet).pipe(watermarks({ timestamp: (e: Ev) => e.ts, idleness: 1000 }))),
        tap((e) => passed.fire(e)),
        keyBy((e) => e.k),
        window(tumbling(100), { lateOutput: late }),
        count(),
      );
    rows.sinkTo(callbackSink((r) => fired.push(`${String(r.key)}[${r.start},${r.end})=${r.count}`)));
    rows.getSideOutput(late).sinkTo(callbackSink((e) => lateTs.push(e.ts)));
    const job = await env.execute();
    const send = async (input: Subject<Ev>, e: Ev): Promise<void> => {
      input.next(e);
      await passed.next();
    };

    await send(quiet, { k: 'q', ts: 0 });
    await send(active, { k: 'a', ts: 50 });
    await send(active, { k: 'a', ts: 500 });
    expect(fired).toEqual([]); // the quiet input holds the watermark at -1
    clock.advance(900);
    await send(active, { k: 'a', ts: 600 });
    clock.advance(200); // the quiet input has been silent for 1100 ms: idle. Watermark 599.
    expect(fired.sort()).toEqual(['a[0,100)=1', 'a[500,600)=1', 'q[0,100)=1']);

    // The quiet input returns with ts 10 (its watermark 9 < 599): late, and it does not hold back.
    await send(quiet, { k: 'q', ts: 10 });
    await send(active, { k: 'a', ts: 700 });
    await send(active, { k: 'a', ts: 701 }); // processed after watermark 699 of ts 700
    expect(lateTs).toEqual([10]);
    expect(fired.filter((f) => f.startsWith('a[600'))).toEqual(['a[600,700)=1']);

    // Once its watermark passes the operator's it is aligned again and holds the watermark back:
    // quiet at 799, active at 999 → 799. [700,800) fires; [800,900) (maxTimestamp 899) must not.
    await send(quiet, { k: 'q', ts: 800 });
    await send(active, { k: 'a', ts: 850 });
    await send(active, { k: 'a', ts: 1000 });
    await send(active, { k: 'a', ts: 1001 });
    expect(fired.filter((f) => f.startsWith('a[700'))).toEqual(['a[700,800)=2']);
    expect(fired.filter((f) => f.startsWith('a[800'))).toEqual([]);

    active.complete();
    quiet.complete();
    await job.done;
    expect(fired.slice(-3).sort()).toEqual(['a[1000,1100)=2', 'a[800,900)=1', 'q[800,900)=1']);
    expect(lateTs).toEqual([10]);
  });
});
