// BATCH runtime mode, checked against Apache Flink's documentation and sources:
// - https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/execution_mode/
//   (#event-time--watermarks, #processing-time, #order-of-processing, #important-considerations)
// - BatchExecutionInternalTimeService.java: when the key changes (and at the end of input) the
//   watermark is set to Long.MAX_VALUE, every event-time timer of the key fires, then every
//   processing-time timer, then the watermark goes back to Long.MIN_VALUE. Timers registered while
//   it is at Long.MAX_VALUE (from onTimer) are ignored: "Timer service is quiesced".
// - BatchGroupedReduceOperator.java: a rolling reduce emits only each key's final result, stamped
//   Long.MAX_VALUE.
// Keys' records in timestamp order with event-time timers at the end of each key, and rolling reduce
// emitting only final values, are also in test/operators/multi-input.test.ts.
// This file runs in Node and in headless Chromium.
import { describe, expect, it } from 'vitest';
import {
  ManualClock,
  StreamEnvironment,
  connect,
  keyBy,
  process,
  reduce,
  watermarks,
} from '../../src/index';

interface Ev {
  readonly k: string;
  readonly ts: number;
}

const ev = (k: string, ts: number): Ev => ({ k, ts });

describe('timers in BATCH mode (BatchExecutionInternalTimeService)', () => {
  it("processing-time timers fire at the end of the key, after the key's event-time timers, though the clock never moves (#processing-time)", async () => {
    const clock = new ManualClock(0);
    const log = await new StreamEnvironment({ runtimeMode: 'batch', clock })
      .fromArray([ev('a', 20), ev('b', 5), ev('a', 10)])
      .pipe(
        watermarks({ timestamp: (e) => e.ts }),
        keyBy((e) => e.k),
        process<Ev, string, string>({
          processElement(e, ctx, out) {
            ctx.timerService().registerProcessingTimeTimer(1_000_000 - e.ts);
            ctx.timerService().registerEventTimeTimer(e.ts + 1);
            out.collect(`${e.k}${e.ts}`);
          },
          onTimer(ts, ctx, out) {
            out.collect(`${String(ctx.getCurrentKey())} ${ctx.timeDomain()} ${ts} wm=${ctx.timerService().currentWatermark()}`);
          },
        }),
      )
      .collect();
    const perKey = (k: string) => log.filter((l) => l.startsWith(k));
    expect(perKey('a')).toEqual([
      'a10',
      'a20',
      'a event-time 11 wm=Infinity',
      'a event-time 21 wm=Infinity',
      'a processing-time 999980 wm=Infinity',
      'a processing-time 999990 wm=Infinity',
    ]);
    expect(perKey('b')).toEqual(['b5', 'b event-time 6 wm=Infinity', 'b processing-time 999995 wm=Infinity']);
    // All of one key, timers included, before any of the next (#order-of-processing).
    const firstB = log.findIndex((l) => l.startsWith('b'));
    const lastB = log.length - 1 - [...log].reverse().findIndex((l) => l.startsWith('b'));
    expect(log.slice(firstB, lastB + 1).every((l) => l.startsWith('b'))).toBe(true);
  });

  it('a timer registered from onTimer at the end of a key is ignored: the timer service is quiesced', async () => {
    const log = await new StreamEnvironment({ runtimeMode: 'batch', clock: new ManualClock(0) })
      .fromArray([ev('a', 1), ev('b', 2)])
      .pipe(
        watermarks({ timestamp: (e) => e.ts }),
        keyBy((e) => e.k),
        process<Ev, string, string>({
          processElement(e, ctx) {
            ctx.timerService().registerEventTimeTimer(e.ts + 10);
          },
          onTimer(ts, ctx, out) {
            out.collect(`${String(ctx.getCurrentKey())} ${ctx.timeDomain()} ${ts}`);
            // In STREAMING these would fire (the watermark +∞ covers the event-time one); in BATCH
            // BatchExecutionInternalTimeService drops both with "Timer service is quiesced".
            ctx.timerService().registerEventTimeTimer(ts + 1);
            ctx.timerService().registerProcessingTimeTimer(ts + 1);
          },
        }),
      )
      .collect();
    expect(log.sort()).toEqual(['a event-time 11', 'b event-time 12']);
  });
});

describe('keyed inputs in BATCH mode (#order-of-processing)', () => {
  it('a keyed co-process function sees all records of a key from both inputs before the next key', async () => {
    const env = new StreamEnvironment({ runtimeMode: 'batch' });
    const left = env.fromArray([ev('x', 1), ev('y', 2), ev('x', 3)]).pipe(watermarks({ timestamp: (e) => e.ts }), keyBy((e) => e.k));
    const right = env.fromArray([ev('y', 4), ev('x', 5), ev('y', 6)]).pipe(watermarks({ timestamp: (e) => e.ts }), keyBy((e) => e.k));
    const log = await left
      .pipe(
        connect<Ev, Ev, string, string>(right, {
          processElement1(e, ctx, out) {
            ctx.timerService().registerEventTimeTimer(100);
            out.collect(`${e.k} L${e.ts}`);
          },
          processElement2(e, _ctx, out) {
            out.collect(`${e.k} R${e.ts}`);
          },
          onTimer(ts, ctx, out) {
            out.collect(`${String(ctx.getCurrentKey())} timer ${ts}`);
          },
        }),
      )
      .collect();
    // "Flink processes all records for a single key from all keyed inputs before moving on to the
    // next": each key's lines, its timer last, form one contiguous run.
    const keys = log.map((l) => l[0]);
    expect(keys.join('')).toMatch(/^(x{4}y{4}|y{4}x{4})$/);
    for (const k of ['x', 'y']) {
      const lines = log.filter((l) => l.startsWith(k));
      expect(lines.at(-1)).toBe(`${k} timer 100`);
      expect([...lines].sort()).toEqual(
        k === 'x' ? ['x L1', 'x L3', 'x R5', 'x timer 100'] : ['y L2', 'y R4', 'y R6', 'y timer 100'],
      );
    }
  });
});

describe('rolling reduce in BATCH mode (BatchGroupedReduceOperator, #important-considerations)', () => {
  it('emits only the final result of each key, stamped Long.MAX_VALUE (+Infinity)', async () => {
    const got: Array<[number, number | undefined]> = [];
    await new StreamEnvironment({ runtimeMode: 'batch' })
      .fromArray([
        { k: 'a', v: 1, ts: 10 },
        { k: 'b', v: 10, ts: 11 },
        { k: 'a', v: 2, ts: 12 },
      ])
      .pipe(
        watermarks({ timestamp: (e) => e.ts }),
        keyBy((e) => e.k),
        reduce((x, y) => ({ k: x.k, v: x.v + y.v, ts: y.ts })),
      )
      .forEach((r, ts) => got.push([r.v, ts]));
    expect(got.sort((p, q) => p[0] - q[0])).toEqual([
      [3, Number.POSITIVE_INFINITY],
      [10, Number.POSITIVE_INFINITY],
    ]);
  });
});
