/**
 * Randomized property tests of event-time windows (tumbling, sliding, session) against the naive
 * model of Flink's documented semantics in ../support/window-reference.ts:
 *
 * - https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/operators/windows/
 * - https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/event-time/generating_watermarks/
 * - https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/execution_mode/
 *
 * Every property runs with a fixed seed, so failures reproduce.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  StreamEnvironment,
  aggregate,
  avg,
  count,
  keyBy,
  max,
  min,
  process,
  reduce,
  session,
  sideOutput,
  sliding,
  sum,
  tumbling,
  watermarks,
  window,
  type WindowAssigner,
} from '../../src/index';
import {
  assign,
  batchReference,
  byId,
  lastPerWindow,
  sortRows,
  streamingReference,
  toRow,
  type AssignerSpec,
  type Firing,
  type RefConfig,
  type RefEvent,
  type Row,
} from '../support/window-reference';

// ---------------------------------------------------------------------------------------------
// Running sluice
// ---------------------------------------------------------------------------------------------

type Mode = 'streaming' | 'batch';

interface RunOptions {
  readonly mode?: Mode;
  readonly batchSize?: number;
}

function assignerOf(spec: AssignerSpec): WindowAssigner<RefEvent> {
  switch (spec.kind) {
    case 'tumbling':
      return tumbling<RefEvent>(spec.size, { offset: spec.offset });
    case 'sliding':
      return sliding<RefEvent>(spec.size, spec.slide, { offset: spec.offset });
    case 'session':
      return session<RefEvent>(spec.gap);
  }
}

function windowed(env: StreamEnvironment, events: readonly RefEvent[], config: RefConfig) {
  const late = sideOutput<RefEvent>('late');
  const keyed = env.fromArray([...events]).pipe(
    watermarks<RefEvent>({ timestamp: (e) => e.ts, outOfOrderness: config.outOfOrderness }),
    keyBy((e: RefEvent) => e.key),
  );
  const w = window<RefEvent, string>(assignerOf(config.assigner), { allowedLateness: config.allowedLateness, lateOutput: late });
  return { keyed, w, late };
}

/** `aggregate({ n, s, lo, hi, mean })`: the rows and the late side output. */
async function runAggregate(events: readonly RefEvent[], config: RefConfig, options: RunOptions = {}): Promise<{ rows: Row[]; late: RefEvent[] }> {
  const env = new StreamEnvironment({ runtimeMode: options.mode ?? 'streaming', batchSize: options.batchSize ?? 1024 });
  const { keyed, w, late } = windowed(env, events, config);
  const rows = keyed.pipe(
    w,
    aggregate({ n: count(), s: sum((e: RefEvent) => e.v), lo: min((e: RefEvent) => e.v), hi: max((e: RefEvent) => e.v), mean: avg((e: RefEvent) => e.v) }),
  );
  const [results, lateRecords] = await env.collect(rows, rows.getSideOutput(late));
  return { rows: results as Row[], late: lateRecords };
}

interface IdRow {
  readonly key: string;
  readonly start: number;
  readonly end: number;
  readonly ids: number[];
}

/** `process(...)`: every firing with the ids of its elements (sorted), and the late side output. */
async function runProcess(events: readonly RefEvent[], config: RefConfig, options: RunOptions = {}): Promise<{ rows: IdRow[]; late: RefEvent[] }> {
  const env = new StreamEnvironment({ runtimeMode: options.mode ?? 'streaming', batchSize: options.batchSize ?? 1024 });
  const { keyed, w, late } = windowed(env, events, config);
  const rows = keyed.pipe(
    w,
    process<RefEvent, IdRow, string>({
      process(key, ctx, elements, out) {
        out.collect({ key, start: ctx.window.start, end: ctx.window.end, ids: elements.map((e) => e.id).sort((a, b) => a - b) });
      },
    }),
  );
  const [results, lateRecords] = await env.collect(rows, rows.getSideOutput(late));
  return { rows: results, late: lateRecords };
}

/** `reduce(...)` summing `v`: the [key, sum] of every firing, and the late side output. */
async function runReduce(events: readonly RefEvent[], config: RefConfig, options: RunOptions = {}): Promise<{ sums: string[]; late: RefEvent[] }> {
  const env = new StreamEnvironment({ runtimeMode: options.mode ?? 'streaming', batchSize: options.batchSize ?? 1024 });
  const { keyed, w, late } = windowed(env, events, config);
  const rows = keyed.pipe(
    w,
    reduce<RefEvent, string>((a, b) => ({ id: -1, key: a.key, ts: Math.max(a.ts, b.ts), v: a.v + b.v })),
  );
  const [results, lateRecords] = await env.collect(rows, rows.getSideOutput(late));
  return { sums: results.map((r) => `${r.key}:${r.v}`).sort(), late: lateRecords };
}

const refRows = (firings: readonly Firing[]): Row[] => sortRows(firings.map(toRow));
/** In emission order (for `lastPerWindow`). */
const idRowsOf = (firings: readonly Firing[]): IdRow[] =>
  firings.map((f) => ({ key: f.key, start: f.start, end: f.end, ids: f.elements.map((e) => e.id).sort((a, b) => a - b) }));
const refIdRows = (firings: readonly Firing[]): IdRow[] => sortRows(idRowsOf(firings));
const refSums = (firings: readonly Firing[]): string[] => firings.map((f) => `${f.key}:${toRow(f).s}`).sort();

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

const KEYS = ['a', 'b', 'c'] as const;

const tumblingArb: fc.Arbitrary<AssignerSpec> = fc
  .integer({ min: 1, max: 25 })
  .chain((size) => fc.record({ kind: fc.constant('tumbling' as const), size: fc.constant(size), offset: fc.integer({ min: -(size - 1), max: size - 1 }) }));

const slidingArb: fc.Arbitrary<AssignerSpec> = fc
  .record({ slide: fc.integer({ min: 1, max: 12 }), multiple: fc.boolean(), k: fc.integer({ min: 1, max: 4 }), extra: fc.integer({ min: 0, max: 11 }) })
  .chain(({ slide, multiple, k, extra }) => {
    // Sizes that are a multiple of the slide and sizes that are not (Flink allows both).
    const size = multiple ? slide * k : slide * k + (extra % slide);
    return fc.record({
      kind: fc.constant('sliding' as const),
      size: fc.constant(size),
      slide: fc.constant(slide),
      offset: fc.integer({ min: -(slide - 1), max: slide - 1 }),
    });
  });

const sessionArb: fc.Arbitrary<AssignerSpec> = fc.record({ kind: fc.constant('session' as const), gap: fc.integer({ min: 1, max: 15 }) });

const ASSIGNERS = { tumbling: tumblingArb, sliding: slidingArb, session: sessionArb } as const;

interface Step {
  readonly key: string;
  /** 0–3: ahead of the largest timestamp so far; 4–7: behind it; 8–9: at a boundary (see toEvents). */
  readonly dir: number;
  readonly amount: number;
  readonly v: number;
}

const stepArb: fc.Arbitrary<Step> = fc.record({
  key: fc.constantFrom(...KEYS),
  dir: fc.integer({ min: 0, max: 9 }),
  amount: fc.integer({ min: 0, max: 40 }),
  v: fc.integer({ min: -50, max: 50 }),
});

type Disorder = 'within' | 'strictlyWithin' | 'beyond';

/**
 * Turns steps into events. Each event's timestamp is relative to the largest timestamp before it
 * (max), and so to the watermark before it, wm = max - D - 1:
 * - 'within': at most D behind max, i.e. > wm: never late. Boundary steps land exactly on
 *   ts = max - D = wm + 1.
 * - 'strictlyWithin': at most D - 1 behind max (ts > max - D). Boundary steps land on max - D + 1.
 * - 'beyond': up to 40 behind max, whatever D is. Boundary steps land on ts = wm - L + {-1, 0, 1},
 *   where the element-lateness test `ts + L <= wm` flips.
 */
function toEvents(base: number, steps: readonly Step[], D: number, L: number, disorder: Disorder): RefEvent[] {
  let maxTs = Number.NEGATIVE_INFINITY;
  return steps.map((s, id) => {
    let ts: number;
    const ahead = s.dir < 4;
    const edge = s.dir >= 8;
    if (maxTs === Number.NEGATIVE_INFINITY) ts = base;
    else if (disorder === 'within') ts = ahead ? maxTs + s.amount : maxTs - (edge ? D : s.amount % (D + 1));
    else if (disorder === 'strictlyWithin') {
      if (D === 0) ts = maxTs + 1 + (ahead ? s.amount : 0);
      else ts = ahead ? maxTs + s.amount : maxTs - (edge ? D - 1 : s.amount % D);
    } else ts = ahead ? maxTs + s.amount : edge ? maxTs - D - 1 - L + (s.amount % 3) - 1 : maxTs - s.amount;
    maxTs = Math.max(maxTs, ts);
    return { id, key: s.key, ts, v: s.v };
  });
}

interface Case {
  readonly events: RefEvent[];
  readonly config: RefConfig;
  readonly batchSize: number;
}

function caseArb(assigner: fc.Arbitrary<AssignerSpec>, disorder: Disorder, lateness: { min: number; max: number }): fc.Arbitrary<Case> {
  return fc
    .record({
      assigner,
      D: fc.integer({ min: 0, max: 12 }),
      L: fc.integer(lateness),
      base: fc.integer({ min: -150, max: 150 }), // negative timestamps too
      steps: fc.array(stepArb, { minLength: 1, maxLength: 40 }),
      batchSize: fc.constantFrom(1, 2, 5, 1024),
    })
    .map(({ assigner, D, L, base, steps, batchSize }) => ({
      events: toEvents(base, steps, D, L, disorder),
      config: { assigner, outOfOrderness: D, allowedLateness: L },
      batchSize,
    }));
}

const NUM_RUNS = 60;

// ---------------------------------------------------------------------------------------------
// The reference itself: the simulation agrees with the declarative model where they must agree
// ---------------------------------------------------------------------------------------------

describe('window reference model (self-check)', () => {
  it('streaming simulation = declarative batch model for in-bound tumbling/sliding input', () => {
    fc.assert(
      fc.property(caseArb(fc.oneof(tumblingArb, slidingArb), 'within', { min: 0, max: 20 }), ({ events, config }) => {
        const s = streamingReference(events, config);
        expect(s.late).toEqual([]);
        expect(s.lost).toEqual([]);
        expect(refIdRows(s.firings)).toEqual(refIdRows(batchReference(events, config.assigner)));
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  it('streaming simulation = declarative batch model for sessions strictly within the bound', () => {
    fc.assert(
      fc.property(caseArb(sessionArb, 'strictlyWithin', { min: 0, max: 0 }), ({ events, config }) => {
        const s = streamingReference(events, config);
        expect(s.late).toEqual([]);
        expect(refIdRows(s.firings)).toEqual(refIdRows(batchReference(events, config.assigner)));
      }),
      { seed: 42, numRuns: 300 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Property 1: disorder within the bound
// ---------------------------------------------------------------------------------------------

describe('property 1: disorder within the watermark bound', () => {
  for (const kind of ['tumbling', 'sliding', 'session'] as const) {
    it(`${kind}: results equal the reference, nothing is late`, async () => {
      await fc.assert(
        fc.asyncProperty(caseArb(ASSIGNERS[kind], 'within', { min: 0, max: 20 }), async ({ events, config, batchSize }) => {
          const ref = streamingReference(events, config);
          expect(ref.late).toEqual([]);
          const { rows, late } = await runAggregate(events, config, { batchSize });
          expect(late).toEqual([]);
          expect(sortRows(rows)).toEqual(refRows(ref.firings));
        }),
        { seed: 42, numRuns: NUM_RUNS },
      );
    });

    it(`${kind}: every element is counted exactly once per window it belongs to`, async () => {
      await fc.assert(
        fc.asyncProperty(caseArb(ASSIGNERS[kind], 'within', { min: 0, max: 0 }), async ({ events, config, batchSize }) => {
          const { rows, late } = await runProcess(events, config, { batchSize });
          expect(late).toEqual([]);
          // Where each element was counted.
          const seen = new Map<number, string[]>();
          for (const r of rows) for (const id of r.ids) seen.set(id, [...(seen.get(id) ?? []), `${r.key}:${r.start}:${r.end}`]);
          for (const e of events) {
            const got = (seen.get(e.id) ?? []).sort();
            if (config.assigner.kind === 'session') {
              // Exactly one session, which covers [ts, ts + gap).
              expect(got).toHaveLength(1);
              const [key, start, end] = got[0]!.split(':');
              expect(key).toBe(e.key);
              expect(Number(start)).toBeLessThanOrEqual(e.ts);
              expect(Number(end)).toBeGreaterThanOrEqual(e.ts + config.assigner.gap);
            } else {
              const expected = assign(config.assigner, e.ts)
                .map(([s, t]) => `${e.key}:${s}:${t}`)
                .sort();
              expect(got).toEqual(expected);
            }
          }
          // Each (key, window) fired once.
          const ids = rows.map((r) => `${r.key}:${r.start}:${r.end}`);
          expect(new Set(ids).size).toBe(ids.length);
          expect(sortRows(rows)).toEqual(refIdRows(streamingReference(events, config).firings));
        }),
        { seed: 42, numRuns: NUM_RUNS },
      );
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Property 2: disorder beyond the bound, with allowed lateness
// ---------------------------------------------------------------------------------------------

describe('property 2: disorder beyond the bound, with allowed lateness', () => {
  for (const kind of ['tumbling', 'sliding', 'session'] as const) {
    it(`${kind}: every firing (early and late) and the late side output equal the reference`, async () => {
      const reached = { late: 0, lateFirings: 0, firedMerges: 0, partiallyDropped: 0 };
      await fc.assert(
        fc.asyncProperty(caseArb(ASSIGNERS[kind], 'beyond', { min: 0, max: 25 }), async ({ events, config, batchSize }) => {
          const ref = streamingReference(events, config);
          expect(ref.lost).toEqual([]);
          reached.late += ref.late.length;
          reached.lateFirings += ref.stats.lateFirings;
          reached.firedMerges += ref.stats.firedMerges;
          reached.partiallyDropped += ref.stats.partiallyDropped;
          const { rows, late } = await runAggregate(events, config, { batchSize });
          // (a) the final result per (key, window) …
          expect(lastPerWindow(rows)).toEqual(lastPerWindow(ref.firings.map(toRow)));
          // … and, stronger, every firing including the late firings.
          expect(sortRows(rows)).toEqual(refRows(ref.firings));
          // (b) the late side output, exactly.
          expect(byId(late)).toEqual(byId(ref.late));
        }),
        { seed: 42, numRuns: NUM_RUNS },
      );
      // The generator reaches the cases this property is about.
      expect(reached.late).toBeGreaterThan(0);
      expect(reached.lateFirings).toBeGreaterThan(0);
      if (kind === 'session') expect(reached.firedMerges).toBeGreaterThan(0);
      if (kind === 'sliding') expect(reached.partiallyDropped).toBeGreaterThan(0);
    });

    it(`${kind}: conservation — every element is in a fired window or in the late output, never both`, async () => {
      await fc.assert(
        fc.asyncProperty(caseArb(ASSIGNERS[kind], 'beyond', { min: 0, max: 25 }), async ({ events, config, batchSize }) => {
          const { rows, late } = await runProcess(events, config, { batchSize });
          const counted = new Set(rows.flatMap((r) => r.ids));
          const lateIds = late.map((e) => e.id);
          expect(new Set(lateIds).size).toBe(lateIds.length); // each late element once
          for (const id of lateIds) expect(counted.has(id)).toBe(false);
          expect(counted.size + lateIds.length).toBe(events.length);
          // The last firing of each window holds every element ever added to it.
          const ref = streamingReference(events, config);
          expect(lastPerWindow(rows)).toEqual(lastPerWindow(idRowsOf(ref.firings)));
          expect(byId(late)).toEqual(byId(ref.late));
        }),
        { seed: 42, numRuns: NUM_RUNS },
      );
    });
  }

  it('reduce(...) fires the same windows with the same sums as the reference', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb(fc.oneof(tumblingArb, slidingArb, sessionArb), 'beyond', { min: 0, max: 25 }), async ({ events, config, batchSize }) => {
        const ref = streamingReference(events, config);
        const { sums, late } = await runReduce(events, config, { batchSize });
        expect(sums).toEqual(refSums(ref.firings));
        expect(byId(late)).toEqual(byId(ref.late));
      }),
      { seed: 42, numRuns: NUM_RUNS },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Property 3: streaming = batch on in-bound input
// ---------------------------------------------------------------------------------------------

describe("property 3: runtimeMode 'streaming' and 'batch' agree on in-bound input", () => {
  for (const kind of ['tumbling', 'sliding'] as const) {
    it(`${kind}: identical results`, async () => {
      await fc.assert(
        fc.asyncProperty(caseArb(ASSIGNERS[kind], 'within', { min: 0, max: 0 }), async ({ events, config, batchSize }) => {
          const streaming = await runAggregate(events, config, { batchSize });
          const batch = await runAggregate(events, config, { mode: 'batch', batchSize });
          expect(sortRows(batch.rows)).toEqual(sortRows(streaming.rows));
          expect(sortRows(batch.rows)).toEqual(refRows(batchReference(events, config.assigner)));
          expect(batch.late).toEqual([]);
        }),
        { seed: 42, numRuns: NUM_RUNS },
      );
    });
  }

  it('session: identical results when no element lands exactly on the bound', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb(sessionArb, 'strictlyWithin', { min: 0, max: 0 }), async ({ events, config, batchSize }) => {
        const streaming = await runAggregate(events, config, { batchSize });
        const batch = await runAggregate(events, config, { mode: 'batch', batchSize });
        expect(sortRows(batch.rows)).toEqual(sortRows(streaming.rows));
        expect(sortRows(batch.rows)).toEqual(refRows(batchReference(events, config.assigner)));
      }),
      { seed: 42, numRuns: NUM_RUNS },
    );
  });

  // With disorder up to the bound inclusive, Flink's streaming and batch executions can legitimately
  // differ for sessions (see the example test "a session that fired and was cleaned up does not
  // merge with a touching on-time element" below). Each mode must still match its own model, and
  // they must agree whenever the two models do.
  it('session: each mode matches its model on input up to the bound; they agree where the models do', async () => {
    let diverging = 0;
    await fc.assert(
      fc.asyncProperty(caseArb(sessionArb, 'within', { min: 0, max: 0 }), async ({ events, config, batchSize }) => {
        const streamingModel = refRows(streamingReference(events, config).firings);
        const batchModel = refRows(batchReference(events, config.assigner));
        const streaming = await runAggregate(events, config, { batchSize });
        const batch = await runAggregate(events, config, { mode: 'batch', batchSize });
        expect(sortRows(streaming.rows)).toEqual(streamingModel);
        expect(sortRows(batch.rows)).toEqual(batchModel);
        if (JSON.stringify(streamingModel) === JSON.stringify(batchModel)) expect(sortRows(batch.rows)).toEqual(sortRows(streaming.rows));
        else diverging++;
      }),
      { seed: 42, numRuns: NUM_RUNS },
    );
    // The generator does reach the boundary case (else this test would prove less than it says).
    expect(diverging).toBeGreaterThan(0);
  });
});

// ---------------------------------------------------------------------------------------------
// Property 4: examples from Flink's documentation
// ---------------------------------------------------------------------------------------------

const ev = (id: number, ts: number, v = 1, key = 'a'): RefEvent => ({ id, key, ts, v });
const row = (start: number, end: number, vs: number[], key = 'a'): Row => toRow({ key, start, end, elements: vs.map((v, i) => ev(i, 0, v, key)) });

describe('property 4: examples (Flink documentation)', () => {
  // "Tumbling windows … [start, end)": an element at end - 1 is in the window, one at end in the next.
  // https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/operators/windows/#tumbling-windows
  it('tumbling: an element at window.end - 1 belongs to the window, one at window.end to the next', async () => {
    const config: RefConfig = { assigner: { kind: 'tumbling', size: 10, offset: 0 }, outOfOrderness: 0, allowedLateness: 0 };
    const { rows, late } = await runAggregate([ev(0, 0, 1), ev(1, 9, 2), ev(2, 10, 4)], config);
    expect(sortRows(rows)).toEqual([row(0, 10, [1, 2]), row(10, 20, [4])]);
    expect(late).toEqual([]);
  });

  // The default EventTimeTrigger fires "once the watermark passes the end of the window", i.e. when
  // watermark >= maxTimestamp = end - 1; with allowed lateness 0 the window is purged then, and an
  // element for it is late. Watermark = max timestamp - outOfOrderness - 1:
  // https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/event-time/generating_watermarks/
  it('the window fires when the watermark equals its maxTimestamp; an element then is late', async () => {
    const config: RefConfig = { assigner: { kind: 'tumbling', size: 10, offset: 0 }, outOfOrderness: 0, allowedLateness: 0 };
    const late = sideOutput<RefEvent>('late');
    const env = new StreamEnvironment();
    const out = env.fromArray([ev(0, 0), ev(1, 9), ev(2, 9), ev(3, 10), ev(4, 9), ev(5, 3)]).pipe(
      watermarks<RefEvent>({ timestamp: (e) => e.ts, outOfOrderness: 0 }),
      keyBy((e: RefEvent) => e.key),
      window<RefEvent, string>(tumbling(10), { lateOutput: late }),
      process<RefEvent, string, string>({
        process(key, ctx, elements, o) {
          o.collect(`[${ctx.window.start},${ctx.window.end}) n=${elements.length} wm=${ctx.currentWatermark()}`);
        },
      }),
    );
    const [fired, lateRecords] = await env.collect(out, out.getSideOutput(late));
    // ev 2 (ts 9) arrives at watermark 8 = maxTimestamp - 1: on time. ev 3 (ts 10) moves the
    // watermark to 9 = maxTimestamp: the window fires with 3 elements. ev 4 (ts 9) and ev 5 are late.
    expect(fired).toEqual(['[0,10) n=3 wm=9', '[10,20) n=1 wm=Infinity']);
    expect(byId(lateRecords).map((e) => e.id)).toEqual([4, 5]);
    expect(byId(lateRecords)).toEqual(byId(streamingReference([ev(0, 0), ev(1, 9), ev(2, 9), ev(3, 10), ev(4, 9), ev(5, 3)], config).late));
  });

  // "Allowed Lateness": late elements that arrive before watermark passes end + lateness are added and
  // "cause the window to fire again"; after that they are dropped (or go to the side output).
  // https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/operators/windows/#allowed-lateness
  it('allowed lateness: late firings until maxTimestamp + lateness, then the late side output', async () => {
    const config: RefConfig = { assigner: { kind: 'tumbling', size: 10, offset: 0 }, outOfOrderness: 0, allowedLateness: 5 };
    // ev1 (ts 10): watermark 9 = maxTimestamp fires [0,10). ev2 (ts 3) and ev3 (ts 4) arrive at
    // watermark 9: each fires the window again at once (n=2, n=3). ev4 (ts 13) → watermark 12. ev5
    // (ts 5) at 12: late firing, n=4. ev6 (ts 15) → watermark 14 = maxTimestamp 9 + lateness 5: the
    // window is cleaned up. ev7 (ts 1) at 14: late → side output.
    const events = [ev(0, 0, 1), ev(1, 10, 10), ev(2, 3, 2), ev(3, 4, 5), ev(4, 13, 20), ev(5, 5, 3), ev(6, 15, 30), ev(7, 1, 4)];
    const { rows, late } = await runAggregate(events, config);
    expect(rows.filter((r) => r.start === 0)).toEqual([row(0, 10, [1]), row(0, 10, [1, 2]), row(0, 10, [1, 2, 5]), row(0, 10, [1, 2, 5, 3])]);
    expect(late.map((e) => e.id)).toEqual([7]);
    expect(sortRows(rows)).toEqual(refRows(streamingReference(events, config).firings));
  });

  // Session windows "merge" windows whose gap is not exceeded; Flink's TimeWindow.intersects treats
  // touching windows ([0,5) and [5,10)) as mergeable.
  // https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/operators/windows/#session-windows
  it('session: windows that exactly touch merge; a 1 ms gap separates them', async () => {
    const config: RefConfig = { assigner: { kind: 'session', gap: 5 }, outOfOrderness: 20, allowedLateness: 0 };
    // a: [0,5) and [5,10) touch → [0,10); [11,16) is 1 ms away → its own session. b: [3,8) and [9,14) apart.
    const events = [ev(0, 0, 1), ev(1, 5, 2), ev(2, 11, 4), ev(3, 3, 8, 'b'), ev(4, 9, 16, 'b')];
    const { rows } = await runAggregate(events, config);
    expect(sortRows(rows)).toEqual(sortRows([row(0, 10, [1, 2]), row(11, 16, [4]), row(3, 8, [8], 'b'), row(9, 14, [16], 'b')]));
    const batch = await runAggregate(events, config, { mode: 'batch' });
    expect(sortRows(batch.rows)).toEqual(sortRows(rows));
  });

  // Session with allowed lateness: an element within the lateness merges with a session that has
  // fired already; the merged session carries every element.
  it('session: a late element bridges two fired sessions into one that fires again', async () => {
    const config: RefConfig = { assigner: { kind: 'session', gap: 3 }, outOfOrderness: 0, allowedLateness: 20 };
    // Sessions [0,3) and [6,9) fire (watermark 19 after ts 20); ev3 (ts 3) opens [3,6), which
    // touches both: merged [0,9) with 3 elements fires at once.
    const events = [ev(0, 0, 1), ev(1, 6, 2), ev(2, 20, 4), ev(3, 3, 8)];
    const { rows, late } = await runAggregate(events, config);
    expect(sortRows(rows)).toEqual(sortRows([row(0, 3, [1]), row(6, 9, [2]), row(0, 9, [1, 2, 8]), row(20, 23, [4])]));
    expect(late).toEqual([]);
    expect(sortRows(rows)).toEqual(refRows(streamingReference(events, config).firings));
  });

  // Sliding windows with an offset: windows start at offset + k * slide.
  // https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/operators/windows/#sliding-windows
  it('sliding with offset: an element is in size / slide windows aligned to the offset', async () => {
    const config: RefConfig = { assigner: { kind: 'sliding', size: 10, slide: 5, offset: 2 }, outOfOrderness: 100, allowedLateness: 0 };
    const events = [ev(0, 3, 1), ev(1, 1, 2), ev(2, 12, 4)];
    const { rows } = await runAggregate(events, config);
    // ts 3 → [2,12), [-3,7); ts 1 → [-3,7), [-8,2); ts 12 → [12,22), [7,17).
    expect(sortRows(rows)).toEqual(
      sortRows([row(-8, 2, [2]), row(-3, 7, [1, 2]), row(2, 12, [1]), row(7, 17, [4]), row(12, 22, [4])]),
    );
  });

  // Negative timestamps (before the epoch): Flink's getWindowStartWithOffset uses a non-negative
  // remainder, so -1 is in [-10, 0), and with offset 3 in [-7, 3).
  it('negative timestamps: windows align below the epoch', async () => {
    const events = [ev(0, -11, 1), ev(1, -10, 2), ev(2, -1, 4), ev(3, 0, 8)];
    const plain = await runAggregate(events, { assigner: { kind: 'tumbling', size: 10, offset: 0 }, outOfOrderness: 0, allowedLateness: 0 });
    expect(sortRows(plain.rows)).toEqual(sortRows([row(-20, -10, [1]), row(-10, 0, [2, 4]), row(0, 10, [8])]));
    const shifted = await runAggregate(events, { assigner: { kind: 'tumbling', size: 10, offset: 3 }, outOfOrderness: 0, allowedLateness: 0 });
    expect(sortRows(shifted.rows)).toEqual(sortRows([row(-17, -7, [1, 2]), row(-7, 3, [4, 8])]));
  });

  // Flink's BATCH mode evaluates each key's windows once, after all of its input
  // (https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/execution_mode/#event-time--watermarks);
  // in STREAMING a session that fired and was purged (lateness 0) at watermark end - 1 is gone, and
  // an element at exactly `end` — on time, ts = watermark + 1 — opens a new session instead of
  // merging. So sessions legitimately differ between the modes at this boundary.
  it('a session that fired and was cleaned up does not merge with a touching on-time element', async () => {
    const config: RefConfig = { assigner: { kind: 'session', gap: 5 }, outOfOrderness: 2, allowedLateness: 0 };
    // a@0 → session [0,5). b@7 → watermark 4 = maxTimestamp: [0,5) fires and is purged.
    // a@5 is on time (5 > 4) and opens [5,10) in streaming; in batch [0,5) and [5,10) merge.
    const events = [ev(0, 0, 1), ev(1, 7, 2, 'b'), ev(2, 5, 4)];
    const streaming = await runAggregate(events, config);
    expect(streaming.late).toEqual([]);
    expect(sortRows(streaming.rows)).toEqual(sortRows([row(0, 5, [1]), row(5, 10, [4]), row(7, 12, [2], 'b')]));
    const batch = await runAggregate(events, config, { mode: 'batch' });
    expect(sortRows(batch.rows)).toEqual(sortRows([row(0, 10, [1, 4]), row(7, 12, [2], 'b')]));
  });
});
