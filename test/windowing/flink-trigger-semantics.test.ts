// Triggers, checked against Apache Flink's sources and documentation (each test names what it follows):
// - https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/operators/windows/#triggers
// - CountTrigger.java (counts per key and window; FIRE and reset at maxCount; onEventTime CONTINUE)
// - PurgingTrigger.java (turns FIRE into FIRE_AND_PURGE)
// - GlobalWindows.java (GlobalWindow.maxTimestamp() is Long.MAX_VALUE; EndOfStreamTrigger)
// - WindowOperator.java (emits on FIRE only when the window has contents; on the cleanup timer
//   maxTimestamp + allowedLateness of an event-time window it clears the state without firing)
// Count windows with purgingTrigger(countTrigger(n)), a non-purging count trigger on a global window,
// and the remainder of a count window at end of input are in windows.test.ts.
// This file runs in Node and in headless Chromium.
import { describe, expect, it } from 'vitest';
import {
  ReducingStateDescriptor,
  StreamEnvironment,
  TriggerResult,
  count,
  countTrigger,
  eventTimeTrigger,
  globalWindow,
  keyBy,
  purgingTrigger,
  sum,
  tumbling,
  watermarks,
  window,
  type Trigger,
} from '../../src/index';

interface Ev {
  readonly k: string;
  readonly ts: number;
  readonly v: number;
}

const ev = (k: string, ts: number, v = 1): Ev => ({ k, ts, v });

describe('CountTrigger on event-time windows (CountTrigger.java, WindowOperator.onEventTime)', () => {
  it('replaces the event-time trigger: fires on counts per window only, and a remainder is dropped at cleanup, not fired', async () => {
    const rows = await new StreamEnvironment()
      .fromArray([ev('a', 1, 1), ev('a', 11, 10), ev('a', 2, 2), ev('a', 3, 4), ev('a', 12, 20), ev('a', 25, 100)])
      .pipe(
        watermarks({ timestamp: (e) => e.ts, outOfOrderness: 20 }),
        keyBy((e) => e.k),
        window(tumbling(10), { trigger: countTrigger(2) }),
        sum((e) => e.v),
      )
      .collect();
    // [0,10) fires at its 2nd element (1 + 2); the 3rd (4) never reaches a count of 2 and the
    // end-of-window timer only cleans the window up: CountTrigger.onEventTime returns CONTINUE.
    // [10,20) fires once with 10 + 20; [20,30) holds one element and never fires.
    expect(rows.map((r) => `${r.start}:${r.sum}`)).toEqual(['0:3', '10:30']);
  });

  it('without purging, each firing of a time window includes everything the window holds so far', async () => {
    const rows = await new StreamEnvironment()
      .fromArray([ev('a', 1, 1), ev('a', 2, 2), ev('a', 3, 4), ev('a', 4, 8), ev('a', 5, 16)])
      .pipe(
        watermarks({ timestamp: (e) => e.ts }),
        keyBy((e) => e.k),
        window(tumbling(10), { trigger: countTrigger(2) }),
        sum((e) => e.v),
      )
      .collect();
    expect(rows.map((r) => r.sum)).toEqual([3, 15]);
  });
});

describe('PurgingTrigger (PurgingTrigger.java)', () => {
  it('purgingTrigger(eventTimeTrigger()) with allowed lateness: a late element fires a window holding only itself', async () => {
    const rows = await new StreamEnvironment()
      .fromArray([ev('a', 1), ev('a', 2), ev('a', 15), ev('a', 3)])
      .pipe(
        watermarks({ timestamp: (e) => e.ts }),
        keyBy((e) => e.k),
        window(tumbling(10), { trigger: purgingTrigger(eventTimeTrigger()), allowedLateness: 100 }),
        count(),
      )
      .collect();
    // Watermark 14 fires [0,10) with 2 elements and purges it. The element at 3 is late but within
    // the lateness: EventTimeTrigger.onElement returns FIRE (maxTimestamp 9 <= watermark 14), purged
    // into FIRE_AND_PURGE, so the window fires with that element alone.
    expect(rows.map((r) => `${r.start}:${r.count}`)).toEqual(['0:2', '0:1', '10:1']);
  });
});

describe('global windows at the end of a bounded input (GlobalWindows.java)', () => {
  it('eventTimeTrigger() on globalWindow() fires once with everything, at the final watermark, stamped +Infinity (Long.MAX_VALUE)', async () => {
    // EventTimeTrigger registers a timer at GlobalWindow.maxTimestamp() = Long.MAX_VALUE, which the
    // MAX_WATERMARK at the end of a bounded input reaches; the result is stamped window.maxTimestamp().
    const got: Array<[string, number, number | undefined]> = [];
    await new StreamEnvironment()
      .fromArray([ev('a', 1, 1), ev('b', 2, 5), ev('a', 3, 2)])
      .pipe(
        watermarks({ timestamp: (e) => e.ts }),
        keyBy((e) => e.k),
        window(globalWindow(), { trigger: eventTimeTrigger() }),
        sum((e) => e.v),
      )
      .forEach((r, ts) => got.push([String(r.key), r.sum, ts]));
    expect(got.sort()).toEqual([
      ['a', 3, Number.POSITIVE_INFINITY],
      ['b', 5, Number.POSITIVE_INFINITY],
    ]);
  });

  it("Flink's EndOfStreamTrigger as a custom trigger; a FIRE on a window purged empty emits nothing", async () => {
    // GlobalWindows.createWithEndOfStreamTrigger(): onElement registers an event-time timer at
    // window.maxTimestamp(), onEventTime FIREs at it. Here it also fires and purges every 2 elements
    // (as purgingTrigger(countTrigger(2)) would), so at the end only a remainder is left to emit:
    // WindowOperator emits on FIRE only `if (contents != null)`.
    const seen = new ReducingStateDescriptor<number>('seen', (a, b) => a + b);
    const endOfStreamOrPairs: Trigger<Ev> = {
      name: 'EndOfStreamOrPairs',
      onElement(_e, _ts, w, ctx) {
        ctx.registerEventTimeTimer(w.maxTimestamp());
        const n = ctx.getPartitionedState(seen);
        n.add(1);
        if (n.get()! < 2) return TriggerResult.CONTINUE;
        n.clear();
        return TriggerResult.FIRE_AND_PURGE;
      },
      onEventTime: (time, w) => (time === w.maxTimestamp() ? TriggerResult.FIRE : TriggerResult.CONTINUE),
      onProcessingTime: () => TriggerResult.CONTINUE,
      clear(_w, ctx) {
        ctx.getPartitionedState(seen).clear();
      },
    };
    const rows = await new StreamEnvironment()
      .fromArray([ev('even', 1), ev('odd', 2), ev('even', 3), ev('odd', 4), ev('odd', 5), ev('even', 6), ev('even', 7)])
      .pipe(
        watermarks({ timestamp: (e) => e.ts }),
        keyBy((e) => e.k),
        window(globalWindow(), { trigger: endOfStreamOrPairs }),
        count(),
      )
      .collect();
    // even: pairs at 3 and 7, nothing left at the end; odd: a pair at 4, then 5 alone at the end.
    expect(rows.map((r) => `${String(r.key)}:${r.count}`)).toEqual(['even:2', 'odd:2', 'even:2', 'odd:1']);
  });
});
