// Event-time window semantics pinned against Apache Flink's source and documentation. Every
// scenario runs on each execution path sluice has for it, at two batch sizes:
//   - 'kernel':  built-in aggregates (count, sum) — the columnar window kernel for tumbling and
//                sliding windows, the session kernel for fixed-gap sessions;
//   - 'keyed':   a process window function — the general WindowOperator with keyed state
//                (Flink's WindowOperator / MergingWindowSet).
// Each element carries a distinct bit, so `sum(bit)` names exactly which elements a firing saw.
//
// Flink sources cited (apache/flink, flink-streaming-java):
//   windowing/windows/TimeWindow.java             getWindowStartWithOffset, intersects, mergeWindows
//   windowing/assigners/TumblingEventTimeWindows.java, SlidingEventTimeWindows.java,
//     EventTimeSessionWindows.java
//   runtime/operators/windowing/WindowOperator.java   processElement, isWindowLate, isElementLate,
//     cleanupTime, onEventTime (isCleanupTime)
//   windowing/triggers/EventTimeTrigger.java      onElement fires at once when maxTimestamp <= watermark
// Documentation: https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/operators/windows/
import { describe, expect, it } from 'vitest';
import {
  Stream,
  StreamEnvironment,
  callbackSink,
  count,
  aggregate,
  keyBy,
  process,
  session,
  sideOutput,
  sliding,
  sum,
  tumbling,
  watermarks,
  window,
  type WindowAssigner,
} from '../../src/index';

interface Ev {
  readonly k: string;
  readonly ts: number;
  readonly id: number;
  readonly bit: number;
}

const WINDOWS_DOC = 'https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/operators/windows/';

/** Events in arrival order: [key, timestamp]; ids are the positions. */
const events = (spec: ReadonlyArray<readonly [string, number]>): Ev[] => spec.map(([k, ts], id) => ({ k, ts, id, bit: 2 ** id }));

const idsOf = (bits: number): number[] => {
  const ids: number[] = [];
  for (let i = 0; bits > 0; i++, bits = Math.floor(bits / 2)) if (bits % 2 === 1) ids.push(i);
  return ids;
};

type Path = 'kernel' | 'keyed';

interface WindowRow {
  readonly key: unknown;
  readonly start: number;
  readonly end: number;
  readonly bits: number;
}

interface Outcome {
  /** `key[start,end) ids`, per window in firing order, windows sorted by key, start, end. */
  readonly rows: string[];
  /** Ids of the elements on the late side output, in arrival order. */
  readonly late: number[];
  /** Record timestamps of the window results, in the same order as `rows`. */
  readonly stamps: number[];
}

interface Scenario {
  readonly input: Ev[];
  readonly assigner: () => WindowAssigner<Ev>;
  readonly outOfOrderness?: number;
  readonly allowedLateness?: number;
}

async function runPath(s: Scenario, path: Path, batchSize: number): Promise<Outcome> {
  const env = new StreamEnvironment({ batchSize });
  const late = sideOutput<Ev>('late');
  const source = env.fromArray(s.input);
  const wm = watermarks<Ev>({ timestamp: (e) => e.ts, outOfOrderness: s.outOfOrderness ?? 0 });
  const byKey = keyBy((e: Ev) => e.k);
  const windows = window<Ev, string>(s.assigner(), { allowedLateness: s.allowedLateness ?? 0, lateOutput: late });
  const fired: Array<{ key: string; start: number; end: number; bits: number; ts: number }> = [];
  const lateIds: number[] = [];
  const attach = <R extends WindowRow>(rows: Stream<R>): void => {
    rows.sinkTo(callbackSink((r, ts) => fired.push({ key: String(r.key), start: r.start, end: r.end, bits: r.bits, ts: ts ?? Number.NaN })));
    rows.getSideOutput(late).sinkTo(callbackSink((e) => lateIds.push(e.id)));
  };
  if (path === 'kernel') attach(source.pipe(wm, byKey, windows, aggregate({ n: count(), bits: sum((e: Ev) => e.bit) })));
  else {
    attach(
      source.pipe(
        wm,
        byKey,
        windows,
        process<Ev, WindowRow, string>({
          process(key, ctx, elements, out) {
            out.collect({ key, start: ctx.window.start, end: ctx.window.end, bits: elements.reduce((a, e) => a + e.bit, 0) });
          },
        }),
      ),
    );
  }
  const { metrics } = await (await env.execute()).done;
  // The window operator that ran is the one the path names: the kernels report a `wasm` counter.
  const windowOperators = metrics.operators.filter((m) => m.extra.numLateRecordsDropped !== undefined);
  expect(windowOperators.map((m) => 'wasm' in m.extra)).toEqual([path === 'kernel']);
  // Stable sort: the firings of one window stay in the order they happened.
  fired.sort((a, b) => a.key.localeCompare(b.key) || a.start - b.start || a.end - b.end);
  return {
    rows: fired.map((r) => `${r.key}[${r.start},${r.end}) ${idsOf(r.bits).join(',')}`),
    late: lateIds,
    stamps: fired.map((r) => r.ts),
  };
}

/** Runs the scenario on both paths at batch sizes 1 and 1024; they must all agree. */
async function run(s: Scenario): Promise<Outcome> {
  const outcomes: Array<[string, Outcome]> = [];
  for (const path of ['kernel', 'keyed'] as const) {
    for (const batchSize of [1, 1024]) outcomes.push([`${path}/${batchSize}`, await runPath(s, path, batchSize)]);
  }
  const [, first] = outcomes[0]!;
  for (const [label, o] of outcomes) expect({ label, ...o }).toEqual({ label, ...first });
  return first;
}

describe('window assignment (TimeWindow.getWindowStartWithOffset, Tumbling/SlidingEventTimeWindows)', () => {
  // TumblingEventTimeWindows.of(size, offset) allows a negative offset (the Javadoc's example is
  // days(1), hours(-8)); start = t - ((t - offset) mod size) with a non-negative remainder.
  it(`tumbling with a negative offset, on both sides of the epoch (${WINDOWS_DOC}#tumbling-windows)`, async () => {
    const o = await run({
      input: events([['a', -14], ['a', -13], ['a', -4], ['a', -3], ['a', 6], ['a', 7]]),
      assigner: () => tumbling<Ev>(10, { offset: -3 }),
      outOfOrderness: 100,
    });
    // -14 → [-23,-13); -13 and -4 → [-13,-3); -3 and 6 → [-3,7); 7 → [7,17).
    expect(o.rows).toEqual(['a[-23,-13) 0', 'a[-13,-3) 1,2', 'a[-3,7) 3,4', 'a[7,17) 5']);
    expect(o.late).toEqual([]);
  });

  // SlidingEventTimeWindows.assignWindows: lastStart = getWindowStartWithOffset(t, offset, slide),
  // then every start > t - size, stepping back by slide.
  it(`sliding with a negative offset below the epoch: size / slide windows each (${WINDOWS_DOC}#sliding-windows)`, async () => {
    const o = await run({
      input: events([['a', -1], ['a', -7], ['a', -12]]),
      assigner: () => sliding<Ev>(10, 5, { offset: -2 }),
      outOfOrderness: 100,
    });
    // -1 → [-2,8), [-7,3); -7 → [-7,3), [-12,-2); -12 → [-12,-2), [-17,-7).
    expect(o.rows).toEqual(['a[-17,-7) 2', 'a[-12,-2) 1,2', 'a[-7,3) 0,1', 'a[-2,8) 0']);
  });

  it('sliding whose size is not a multiple of the slide: ceil or floor of size / slide windows per element', async () => {
    // Only the keyed path (the kernel needs size % slide === 0): run it directly at both batch sizes.
    const s: Scenario = { input: events([['a', -5], ['a', 0]]), assigner: () => sliding<Ev>(7, 3, { offset: 1 }), outOfOrderness: 100 };
    for (const batchSize of [1, 1024]) {
      const o = await runPath(s, 'keyed', batchSize);
      // -5: lastStart -5 → [-5,2), [-8,-1), [-11,-4) (three windows); 0: lastStart -2 → [-2,5), [-5,2) (two).
      expect(o.rows).toEqual(['a[-11,-4) 0', 'a[-8,-1) 0', 'a[-5,2) 0,1', 'a[-2,5) 1']);
    }
  });

  // TumblingEventTimeWindows: "parameters must satisfy abs(offset) < size";
  // SlidingEventTimeWindows: "abs(offset) < slide and size > 0" — refused, not normalized.
  it('an offset with |offset| >= size (tumbling) or >= slide (sliding) is refused, not normalized', () => {
    expect(() => tumbling(10, { offset: -10 })).toThrow(/offset/);
    expect(() => tumbling(10, { offset: 25 })).toThrow(/offset/);
    expect(() => tumbling(10, { offset: -9 })).not.toThrow();
    expect(() => tumbling(10, { offset: 9 })).not.toThrow();
    // Smaller than the size but not than the slide: Flink checks against the slide.
    expect(() => sliding(10, 5, { offset: 7 })).toThrow(/offset/);
    expect(() => sliding(10, 5, { offset: -4 })).not.toThrow();
  });
});

describe('lateness (WindowOperator.isWindowLate / isElementLate, EventTimeTrigger)', () => {
  // isWindowLate: window.maxTimestamp() + allowedLateness <= currentWatermark. With lateness 5,
  // [0,10) (maxTimestamp 9) accepts elements while the watermark is <= 13 and is cleaned up at 14.
  // EventTimeTrigger.onElement returns FIRE when maxTimestamp <= watermark: each accepted late
  // element fires the window again at once, with everything in it.
  it(`allowed lateness: the exact boundary maxTimestamp + lateness (${WINDOWS_DOC}#allowed-lateness)`, async () => {
    const o = await run({
      // ids:      0          1 (wm 13)     2            3            4 (wm 14)     5
      input: events([['a', 0], ['a', 14], ['a', 1], ['a', 2], ['a', 15], ['a', 3]]),
      assigner: () => tumbling<Ev>(10),
      allowedLateness: 5,
    });
    // ts 14 → watermark 13 ≥ 9: [0,10) fires {0}. ts 1 and 2 arrive at watermark 13 = 9 + 5 - 1:
    // accepted, each fires again. ts 15 → watermark 14 = 9 + 5: cleaned up; ts 3 is late.
    expect(o.rows).toEqual(['a[0,10) 0', 'a[0,10) 0,2', 'a[0,10) 0,2,3', 'a[10,20) 1,4']);
    expect(o.late).toEqual([5]);
    // WindowOperator emits results with timestamp window.maxTimestamp(), late firings too.
    expect(o.stamps).toEqual([9, 9, 9, 19]);
  });

  it('allowed lateness 0: an element is dropped exactly when its window maxTimestamp <= watermark', async () => {
    const o = await run({
      // ts 9 at watermark 8 (on time), ts 10 → watermark 9, ts 9 at watermark 9 (late).
      input: events([['a', 8], ['a', 9], ['a', 9], ['a', 10], ['a', 9]]),
      assigner: () => tumbling<Ev>(10),
    });
    expect(o.rows).toEqual(['a[0,10) 0,1,2', 'a[10,20) 3']);
    expect(o.late).toEqual([4]);
  });

  // WindowOperator.processElement skips only the windows that are late; the element goes to the
  // side output only if it was added to no window at all (isSkippedElement && isElementLate).
  it(`sliding: an element late for its older window still counts in its newer one, and is not side output (${WINDOWS_DOC}#getting-late-data-as-a-side-output)`, async () => {
    const o = await run({
      // ts 12 → [10,30), [0,20). ts 20 → watermark 19: [0,20) fires. ts 15 at watermark 19:
      // [0,20) is late (19 <= 19), [10,30) is not. ts 9 at watermark 19: [0,20) and [-10,10) late.
      input: events([['a', 12], ['a', 20], ['a', 15], ['a', 9]]),
      assigner: () => sliding<Ev>(20, 10),
    });
    expect(o.rows).toEqual(['a[0,20) 0', 'a[10,30) 0,1,2', 'a[20,40) 1']);
    expect(o.late).toEqual([3]);
  });

  it('sliding with allowed lateness: late firings per window, each window judged on its own', async () => {
    const o = await run({
      // ts 12 → [10,30), [0,20). ts 25 → watermark 24: [0,20) fires {0}; its cleanup is 19 + 5 = 24,
      // so it is gone at once. ts 13 at 24: [0,20) late, [10,30) on time. ts 28 → watermark 27.
      // ts 31 → watermark 30: [10,30) fires. ts 14 at 30: [10,30) (cleanup 34) accepts it and fires
      // again at once; [0,20) is late. ts 9 at 30: [0,20) and [-10,10) both late → side output.
      input: events([['a', 12], ['a', 25], ['a', 13], ['a', 28], ['a', 31], ['a', 14], ['a', 9]]),
      assigner: () => sliding<Ev>(20, 10),
      allowedLateness: 5,
    });
    expect(o.rows).toEqual([
      'a[0,20) 0',
      'a[10,30) 0,1,2,3',
      'a[10,30) 0,1,2,3,5',
      'a[20,40) 1,3,4',
      'a[30,50) 4',
    ]);
    expect(o.late).toEqual([6]);
  });

  // WindowOperator.onEventTime: the cleanup timer at maxTimestamp + lateness calls
  // EventTimeTrigger.onEventTime, which fires only for time == maxTimestamp; so the end-of-input
  // watermark (Long.MAX_VALUE) fires nothing twice, whatever the lateness.
  it('with allowed lateness, the end-of-input watermark does not fire an already fired window again', async () => {
    const o = await run({
      input: events([['a', 1], ['a', 2], ['a', 30], ['a', 3], ['b', 5]]),
      assigner: () => tumbling<Ev>(10),
      allowedLateness: 100,
    });
    // ts 30 → watermark 29: [0,10) fires {0,1}; ts 3 is late but within lateness: fires {0,1,3}.
    // b's [0,10) receives ts 5 at watermark 29 — late, within lateness: fires once, at once.
    expect(o.rows).toEqual(['a[0,10) 0,1', 'a[0,10) 0,1,3', 'a[30,40) 2', 'b[0,10) 4']);
    expect(o.late).toEqual([]);
  });

  it('without a late output, dropped elements are counted in numLateRecordsDropped', async () => {
    for (const path of ['kernel', 'keyed'] as const) {
      const env = new StreamEnvironment();
      const source = env.fromArray(events([['a', 1], ['a', 30], ['a', 2], ['b', 3], ['a', 29]]));
      const wm = watermarks<Ev>({ timestamp: (e) => e.ts });
      const byKey = keyBy((e: Ev) => e.k);
      const out =
        path === 'kernel'
          ? source.pipe(wm, byKey, window<Ev, string>(tumbling(10)), count())
          : source.pipe(wm, byKey, window<Ev, string>(tumbling(10)), process<Ev, number, string>({ process: (_k, _c, els, o) => o.collect(els.length) }));
      (out as Stream<unknown>).sinkTo(callbackSink(() => {}));
      const job = await env.execute();
      const result = await job.done;
      const dropped = result.metrics.operators.map((m) => m.extra.numLateRecordsDropped ?? 0).reduce((a, b) => a + b, 0);
      // ts 30 → watermark 29. ts 2 and b's ts 3: [0,10) is past (9 <= 29). ts 29: [20,30) is
      // past too (maxTimestamp 29 <= watermark 29) — the boundary is inclusive.
      const counters = result.metrics.operators.filter((m) => m.extra.numLateRecordsDropped !== undefined);
      expect({ path, dropped, operators: counters.length }).toEqual({ path, dropped: 3, operators: 1 });
    }
  });
});

describe('session windows (EventTimeSessionWindows, TimeWindow.intersects, MergingWindowSet)', () => {
  // TimeWindow.intersects: this.start <= other.end && this.end >= other.start — windows that only
  // touch merge. So with gap 5, an element at exactly last + gap extends the session, at last +
  // gap + 1 it starts a new one. In order, with out-of-orderness 0.
  it(`an element at exactly last + gap joins the session; at last + gap + 1 it starts a new one (${WINDOWS_DOC}#session-windows)`, async () => {
    const o = await run({
      input: events([['a', 0], ['a', 5], ['a', 10], ['a', 16], ['b', 100]]),
      assigner: () => session<Ev>(5),
    });
    // [0,5) ∪ [5,10) ∪ [10,15) = [0,15); [16,21) is 1 ms away.
    expect(o.rows).toEqual(['a[0,15) 0,1,2', 'a[16,21) 3', 'b[100,105) 4']);
    expect(o.stamps).toEqual([14, 20, 104]);
  });

  it('an element that bridges two sessions merges all three windows, with the state of both', async () => {
    const o = await run({
      input: events([['a', 0], ['a', 12], ['a', 6], ['a', 30]]),
      assigner: () => session<Ev>(6),
      outOfOrderness: 10,
    });
    // [0,6) and [12,18) are apart; [6,12) touches both: [0,18).
    expect(o.rows).toEqual(['a[0,18) 0,1,2', 'a[30,36) 3']);
  });

  // WindowOperator.processElement (merging branch): the new window is merged first
  // (MergingWindowSet.addWindow), and only the merged result is checked with isWindowLate. An
  // element whose own window [t, t + gap) is already late is kept if it merges into a live session.
  it('an element late on its own is kept when its window merges into a session that is not late', async () => {
    const o = await run({
      // a@20 → [20,30). b@26 → watermark 25. a@12: [12,22) alone has maxTimestamp 21 <= 25, but it
      // touches [20,30) → [12,30), not late. a@1: [1,11) touches nothing → late. a@2: [2,12)
      // touches [12,30) exactly → [2,30), kept.
      input: events([['a', 20], ['b', 26], ['a', 12], ['a', 1], ['a', 2]]),
      assigner: () => session<Ev>(10),
    });
    expect(o.rows).toEqual(['a[2,30) 0,2,4', 'b[26,36) 1']);
    expect(o.late).toEqual([3]);
  });

  // WindowOperator.processElement: a merged window that is still late is retired from the
  // MergingWindowSet (mergingWindows.retireWindow(actualWindow)), so it cannot widen a later merge.
  it('a late session window is retired: a later element does not merge with it', async () => {
    const o = await run({
      // a@20 → [20,30). b@26 → watermark 25. a@1: [1,11) alone, late → side output and retired.
      // a@10: [10,20) touches [20,30) → [10,30); had [1,11) been kept, it would give [1,30).
      input: events([['a', 20], ['b', 26], ['a', 1], ['a', 10]]),
      assigner: () => session<Ev>(10),
    });
    expect(o.rows).toEqual(['a[10,30) 0,3', 'b[26,36) 1']);
    expect(o.late).toEqual([2]);
  });

  // EventTimeTrigger.onMerge registers a timer for the merged window only if its maxTimestamp is
  // after the watermark, and onElement fires at once only if maxTimestamp <= watermark: a fired
  // session that merges into a longer, not yet due one fires again only when that one is due.
  it('a fired session merged with a live one fires again only when the merged window is due', async () => {
    const o = await run({
      // a@0 → [0,6). b@10 → watermark 9: [0,6) fires. a@12 → [12,18). a@6 → [6,12) touches both:
      // [0,18), maxTimestamp 17 > 9, so no firing yet; a@8 joins it. b@19 → watermark 18: [0,18)
      // fires once, with all four.
      input: events([['a', 0], ['b', 10], ['a', 12], ['a', 6], ['a', 8], ['b', 19]]),
      assigner: () => session<Ev>(6),
      allowedLateness: 20,
    });
    expect(o.rows).toEqual(['a[0,6) 0', 'a[0,18) 0,2,3,4', 'b[10,16) 1', 'b[19,25) 5']);
    expect(o.late).toEqual([]);
  });

  it('sessions with allowed lateness: a late element extends a fired session, which fires again at once', async () => {
    const o = await run({
      // a@0 → [0,5). b@20 → watermark 19: [0,5) fires. a@5 at watermark 19: [5,10) touches [0,5),
      // merged [0,10) has maxTimestamp 9 + lateness 20 > 19: kept, and fires at once (9 <= 19).
      input: events([['a', 0], ['b', 20], ['a', 5], ['b', 40], ['a', 7]]),
      assigner: () => session<Ev>(5),
      allowedLateness: 20,
    });
    // b@40 → watermark 39 ≥ 9 + 20: [0,10) is cleaned up; a@7 is late. b's sessions: [20,25), [40,45).
    expect(o.rows).toEqual(['a[0,5) 0', 'a[0,10) 0,2', 'b[20,25) 1', 'b[40,45) 3']);
    expect(o.late).toEqual([4]);
  });
});
