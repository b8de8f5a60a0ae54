// Example-based window tests, each citing the Flink rule it checks. The semantics are Flink's
// "Windows" page: https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/operators/windows/
// This file runs in Node and in headless Chromium.
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  ManualClock,
  ReducingStateDescriptor,
  StreamEnvironment,
  TriggerResult,
  aggregate,
  avg,
  count,
  countDistinct,
  countTrigger,
  first,
  fromArray,
  globalWindow,
  keyBy,
  last,
  max,
  min,
  process,
  purgingTrigger,
  reduce,
  session,
  sideOutput,
  sliding,
  sum,
  tumbling,
  tap,
  callbackSink,
  watermarks,
  window,
  type Trigger,
} from '../../src/index';
import { Signal } from '../support/signal';

interface Ev {
  readonly k: string;
  readonly ts: number;
  readonly v: number;
}

const ev = (k: string, ts: number, v = 1): Ev => ({ k, ts, v });
const byWindow = <R extends { key: unknown; start: number; end: number }>(rows: R[]): R[] =>
  [...rows].sort((a, b) => String(a.key).localeCompare(String(b.key)) || a.start - b.start || a.end - b.end);

describe('tumbling windows', () => {
  it('are aligned to the epoch, [start, end) with end exclusive', async () => {
    const rows = await fromArray([ev('a', 0), ev('a', 999), ev('a', 1000), ev('a', -1)])
      .pipe(watermarks({ timestamp: (e) => e.ts, outOfOrderness: 5000 }), keyBy((e) => e.k), window(tumbling(1000)), count())
      .collect();
    expect(byWindow(rows)).toEqual([
      { key: 'a', start: -1000, end: 0, count: 1 },
      { key: 'a', start: 0, end: 1000, count: 2 },
      { key: 'a', start: 1000, end: 2000, count: 1 },
    ]);
  });

  it('shift by an offset (Flink: "tumbling windows with offset", e.g. time zones)', async () => {
    const rows = await fromArray([ev('a', 14), ev('a', 15), ev('a', 24), ev('a', 25)])
      .pipe(watermarks({ timestamp: (e) => e.ts }), keyBy((e) => e.k), window(tumbling(10, { offset: 5 })), count())
      .collect();
    expect(rows).toEqual([
      { key: 'a', start: 5, end: 15, count: 1 },
      { key: 'a', start: 15, end: 25, count: 2 },
      { key: 'a', start: 25, end: 35, count: 1 },
    ]);
  });

  it('fire when the watermark reaches end - 1, not before', async () => {
    // Out-of-orderness 0: the watermark after ts = t is t - 1. ts = 1000 raises it to 999 = end - 1
    // of [0, 1000): the window fires before the element at 1000 is counted anywhere else.
    const seen: string[] = [];
    await fromArray([ev('a', 10), ev('a', 999), ev('a', 1000), ev('a', 1001)])
      .pipe(
        watermarks({ timestamp: (e) => e.ts }),
        keyBy((e) => e.k),
        window(tumbling(1000)),
        process<Ev, string, string>({
          process(key, ctx, elements, out) {
            out.collect(`${key} [${ctx.window.start},${ctx.window.end}) n=${elements.length} wm=${ctx.currentWatermark()}`);
          },
        }),
      )
      .forEach((v) => seen.push(v));
    expect(seen).toEqual(['a [0,1000) n=2 wm=999', 'a [1000,2000) n=2 wm=Infinity']);
  });

  it('compute several named aggregates in one pass', async () => {
    const rows = await fromArray([ev('a', 1, 4), ev('a', 2, -2), ev('a', 3, 10), ev('b', 4, 7), ev('a', 5, 10)])
      .pipe(
        watermarks({ timestamp: (e) => e.ts }),
        keyBy((e) => e.k),
        window(tumbling(100)),
        aggregate({
          n: count(),
          total: sum((e) => e.v),
          lo: min((e) => e.v),
          hi: max((e) => e.v),
          mean: avg((e) => e.v),
          head: first((e) => e.v),
          tail: last((e) => e.v),
          distinct: countDistinct((e) => e.v),
        }),
      )
      .collect();
    expect(byWindow(rows)).toEqual([
      { key: 'a', start: 0, end: 100, n: 4, total: 22, lo: -2, hi: 10, mean: 5.5, head: 4, tail: 10, distinct: 3 },
      { key: 'b', start: 0, end: 100, n: 1, total: 7, lo: 7, hi: 7, mean: 7, head: 7, tail: 7, distinct: 1 },
    ]);
  });

  it('reduce keeps the element type, stamped with window.maxTimestamp', async () => {
    const stamps: Array<number | undefined> = [];
    const values: Ev[] = [];
    await fromArray([ev('a', 1, 3), ev('a', 2, 9), ev('a', 3, 5)])
      .pipe(watermarks({ timestamp: (e) => e.ts }), keyBy((e) => e.k), window(tumbling(10)), reduce((x, y) => (x.v >= y.v ? x : y)))
      .forEach((v, ts) => {
        values.push(v);
        stamps.push(ts);
      });
    expect(values).toEqual([ev('a', 2, 9)]);
    expect(stamps).toEqual([9]); // Flink emits window results with timestamp window.maxTimestamp()
  });
});

describe('sliding windows', () => {
  it('assign each element to size/slide windows', async () => {
    const rows = await fromArray([ev('a', 12)])
      .pipe(watermarks({ timestamp: (e) => e.ts }), keyBy((e) => e.k), window(sliding(30, 10)), count())
      .collect();
    expect(byWindow(rows).map((r) => [r.start, r.end])).toEqual([
      [-10, 20],
      [0, 30],
      [10, 40],
    ]);
  });

  it('handle a size that is not a multiple of the slide', async () => {
    // size 10, slide 3: t = 9 lies in windows starting at 9, 6, 3, 0 (start > t - size = -1).
    const rows = await fromArray([ev('a', 9), ev('a', 10)])
      .pipe(watermarks({ timestamp: (e) => e.ts }), keyBy((e) => e.k), window(sliding(10, 3)), count())
      .collect();
    expect(byWindow(rows).map((r) => `${r.start}:${r.count}`)).toEqual(['0:1', '3:2', '6:2', '9:2']);
  });
});

describe('session windows', () => {
  it('merge when an element bridges two sessions', async () => {
    const rows = await fromArray([ev('a', 0), ev('a', 30), ev('a', 15)])
      .pipe(watermarks({ timestamp: (e) => e.ts, outOfOrderness: 100 }), keyBy((e) => e.k), window(session(10)), aggregate({ n: count() }))
      .collect();
    // [0,10) and [30,40) stay apart until 15 opens [15,25), which touches neither... so three sessions.
    expect(rows.map((r) => [r.start, r.end, r.n])).toEqual([
      [0, 10, 1],
      [15, 25, 1],
      [30, 40, 1],
    ]);
    const bridged = await fromArray([ev('a', 0), ev('a', 20), ev('a', 10)])
      .pipe(watermarks({ timestamp: (e) => e.ts, outOfOrderness: 100 }), keyBy((e) => e.k), window(session(10)), aggregate({ n: count() }))
      .collect();
    // [0,10) and [20,30) both touch [10,20): Flink's TimeWindow.intersects is inclusive, all merge.
    expect(bridged.map((r) => [r.start, r.end, r.n])).toEqual([[0, 30, 3]]);
  });

  it('close once the gap passes without elements, per key', async () => {
    const rows = await fromArray([ev('a', 0), ev('b', 5), ev('a', 9), ev('a', 30), ev('b', 14)])
      .pipe(watermarks({ timestamp: (e) => e.ts, outOfOrderness: 100 }), keyBy((e) => e.k), window(session(10)), sum((e) => e.v))
      .collect();
    expect(byWindow(rows).map((r) => `${String(r.key)}[${r.start},${r.end})=${r.sum}`)).toEqual(['a[0,19)=2', 'a[30,40)=1', 'b[5,24)=2']);
  });

  it('accept a per-element (dynamic) gap', async () => {
    const rows = await fromArray([ev('a', 0, 50), ev('a', 40, 5)])
      .pipe(watermarks({ timestamp: (e) => e.ts }), keyBy((e) => e.k), window(session<Ev>((e) => e.v)), count())
      .collect();
    expect(rows.map((r) => [r.start, r.end, r.count])).toEqual([[0, 50, 2]]);
  });
});

describe('allowed lateness and late data', () => {
  it('fires again for each late element within the lateness, then sends later ones to the side output', async () => {
    const late = sideOutput<Ev>('late');
    const env = new StreamEnvironment();
    const rows = env
      .fromArray([ev('a', 1), ev('a', 20), ev('a', 2), ev('a', 40), ev('a', 3)])
      .pipe(watermarks({ timestamp: (e) => e.ts }), keyBy((e) => e.k), window(tumbling(10), { allowedLateness: 15, lateOutput: late }), count());
    const [results, lates] = await env.collect(rows, rows.getSideOutput(late));
    // ts 20 → watermark 19: [0,10) fires (1). ts 2 is late but 9 + 15 > 19: added, fires again (2).
    // ts 40 → watermark 39 ≥ 9 + 15: [0,10) is cleaned up; ts 3 is late beyond the lateness.
    expect(results.filter((r) => r.start === 0).map((r) => r.count)).toEqual([1, 2]);
    expect(lates).toEqual([ev('a', 3)]);
  });

  it('counts a late element once even when it belongs to several sliding windows', async () => {
    const late = sideOutput<Ev>('late');
    const env = new StreamEnvironment();
    const rows = env
      .fromArray([ev('a', 100), ev('a', 5)])
      .pipe(watermarks({ timestamp: (e) => e.ts }), keyBy((e) => e.k), window(sliding(20, 10), { lateOutput: late }), count());
    const [, lates] = await env.collect(rows, rows.getSideOutput(late));
    expect(lates).toEqual([ev('a', 5)]);
  });

  it('finds the late side output through operators piped after the window', async () => {
    const late = sideOutput<Ev>('late');
    const env = new StreamEnvironment();
    const rows = env
      .fromArray([ev('a', 100), ev('a', 5)])
      .pipe(
        watermarks({ timestamp: (e) => e.ts }),
        keyBy((e) => e.k),
        window(tumbling(10), { lateOutput: late }),
        count(),
      );
    const [, lates] = await env.collect(rows, rows.getSideOutput(late));
    expect(lates).toHaveLength(1);
  });
});

describe('global windows and triggers', () => {
  it('count windows: globalWindow + purging count trigger fire every n elements per key', async () => {
    const rows = await fromArray([1, 2, 3, 4, 5, 6, 7].map((v) => ({ k: v % 2, v })))
      .pipe(keyBy((e) => e.k), window(globalWindow(), { trigger: purgingTrigger(countTrigger(2)) }), sum((e) => e.v))
      .collect();
    // Odd: 1+3, 5+7 fire; even: 2+4 fires, 6 waits forever (GlobalWindows never ends, as in Flink).
    expect(rows.map((r) => `${String(r.key)}:${r.sum}`)).toEqual(['1:4', '0:6', '1:12']);
  });

  it('a non-purging count trigger fires with everything so far', async () => {
    const rows = await fromArray([1, 2, 3, 4])
      .pipe(keyBy(() => 'k'), window(globalWindow(), { trigger: countTrigger(2) }), sum((e) => e))
      .collect();
    expect(rows.map((r) => r.sum)).toEqual([3, 10]);
  });

  it('a custom trigger with partitioned state (fire when the running sum reaches 10)', async () => {
    const total = new ReducingStateDescriptor<number>('total', (a, b) => a + b);
    const threshold: Trigger<number> = {
      name: 'Threshold(10)',
      onElement(v, _ts, _w, ctx) {
        const s = ctx.getPartitionedState(total);
        s.add(v);
        if (s.get()! >= 10) {
          s.clear();
          return TriggerResult.FIRE_AND_PURGE;
        }
        return TriggerResult.CONTINUE;
      },
      onEventTime: () => TriggerResult.CONTINUE,
      onProcessingTime: () => TriggerResult.CONTINUE,
      clear(_w, ctx) {
        ctx.getPartitionedState(total).clear();
      },
    };
    const rows = await fromArray([4, 5, 6, 1, 9, 3])
      .pipe(keyBy(() => 'k'), window(globalWindow(), { trigger: threshold }), count())
      .collect();
    expect(rows.map((r) => r.count)).toEqual([3, 2]);
  });
});

describe('processing-time windows', () => {
  it('assign records by the clock when they arrive and fire when the clock passes the end', async () => {
    const clock = new ManualClock(0);
    const env = new StreamEnvironment({ clock });
    const input = new Subject<Ev>();
    const passed = new Signal<Ev>();
    const fired: string[] = [];
    env
      .fromObservable(input)
      .pipe(tap((e) => passed.fire(e)), keyBy((e) => e.k), window(tumbling(1000, { time: 'processing' })), count())
      .sinkTo(callbackSink((r) => fired.push(`[${r.start},${r.end})=${r.count}`)));
    const job = await env.execute();
    const send = async (at: number) => {
      clock.advanceTo(at);
      input.next(ev('a', 0));
      await passed.next();
    };
    await send(100);
    await send(600);
    expect(fired).toEqual([]);
    clock.advanceTo(999); // the window [0, 1000) fires when processing time reaches end - 1
    expect(fired).toEqual(['[0,1000)=2']);
    await send(1200);
    clock.advanceTo(2000);
    expect(fired).toEqual(['[0,1000)=2', '[1000,2000)=1']);
    input.complete();
    await job.done;
  });
});
