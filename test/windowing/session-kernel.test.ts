// Event-time session windows with built-in aggregates run on the session kernel — WebAssembly, or
// its JavaScript twin with `wasm: false` — and must give exactly what the keyed-state
// WindowOperator gives (the path of user-defined aggregate functions: the same aggregates under
// another `kind`): the same rows, bit for bit, in the same order, and the same late data.
// Flink's session windows: each element opens [ts, ts + gap), and windows of a key that overlap
// (or touch) merge; late elements within the allowed lateness fire a window again
// (https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/operators/windows/#session-windows,
// .../windows/#allowed-lateness, .../windows/#getting-late-data-as-a-side-output).
// Runs in Node and Chromium.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  StreamEnvironment,
  aggregate,
  avg,
  count,
  first,
  keyBy,
  max,
  min,
  session,
  sideOutput,
  sum,
  watermarks,
  window,
  type NamedAggregates,
  type StreamEnvironmentOptions,
} from '../../src/index';

interface Ev {
  readonly k: unknown;
  readonly ts: number;
  readonly v: number;
}

type Path = 'wasm' | 'js' | 'heap';

const options: Record<Path, StreamEnvironmentOptions> = {
  // Checkpointed jobs run on the kernel too; an interval longer than the job means only the final
  // checkpoint runs.
  wasm: { checkpoint: { interval: 1e9 } },
  js: { wasm: false },
  heap: {},
};

/** The same aggregate as a user-defined one: the windowed stream sends it to the keyed-state operator. */
function userDefined<A extends object>(aggregate: A): A {
  return { ...aggregate, kind: 'user-defined' };
}

function builtIn(path: Path): <A extends object>(aggregate: A) => A {
  return path === 'heap' ? userDefined : (aggregate) => aggregate;
}

/** JSON that tells −0, NaN, ±∞ and undefined apart. */
function exact(_key: string, v: unknown): unknown {
  if (typeof v === 'number' && (Object.is(v, -0) || !Number.isFinite(v))) return `#${Object.is(v, -0) ? '-0' : String(v)}`;
  return v === undefined ? '<undefined>' : v;
}

interface Run {
  readonly rows: string[];
  readonly late: string[];
}

async function runPath(path: Path, events: readonly Ev[], gap: number, lateness: number, outOfOrderness: number, batchSize: number): Promise<Run> {
  const env = new StreamEnvironment({ ...options[path], batchSize });
  const late = sideOutput<Ev>('late');
  const as = builtIn(path);
  const rows = env
    .fromArray(events)
    .pipe(
      watermarks({ timestamp: (e) => e.ts, outOfOrderness }),
      keyBy((e) => e.k),
      window(session(gap), { allowedLateness: lateness, lateOutput: late }),
      aggregate({
        n: as(count()),
        s: as(sum((e) => e.v)),
        lo: as(min((e) => e.v)),
        hi: as(max((e) => e.v)),
        mean: as(avg((e) => e.v)),
      }),
    );
  const [r, l] = await env.collect(rows, rows.getSideOutput(late));
  return { rows: r.map((x) => JSON.stringify(x, exact)), late: l.map((x) => JSON.stringify(x, exact)) };
}

const KEYS: unknown[] = ['a', 'b', 'c', 0, -0, 1, -7, 2 ** 53 - 1, 2 ** 60, 1.5, Number.NaN, { id: 1 }];
const VALUES: number[] = [0, -0, 1, -1, 0.1, 0.7, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2 ** 53 - 1, 2 ** 53, -(2 ** 53), 1e308];

/** Mostly ordered timestamps with bursts of disorder (some beyond the watermark's bound: late). */
const eventsArb = fc
  .array(
    fc.record({
      k: fc.constantFrom(...KEYS),
      step: fc.integer({ min: 0, max: 6 }),
      back: fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 60 })),
      v: fc.oneof(fc.integer({ min: -50, max: 50 }), fc.constantFrom(...VALUES)),
    }),
    { minLength: 40, maxLength: 400, size: 'max' },
  )
  .map((raw) => {
    let t = 0;
    return raw.map(({ k, step, back, v }): Ev => {
      t += step;
      return { k, ts: t - back, v };
    });
  });

/** The `wasm` metric of the window operator of a one-record session job: 1, 0, or undefined (keyed state). */
async function kernelOf(opts: StreamEnvironmentOptions, aggregates: NamedAggregates<Ev>): Promise<unknown> {
  const result = await new StreamEnvironment(opts)
    .fromArray<Ev>([{ k: 'a', ts: 1, v: 2 }])
    .pipe(watermarks({ timestamp: (e) => e.ts }), keyBy((e) => e.k), window(session(10)), aggregate(aggregates))
    .forEach(() => {});
  return result.metrics.operators.find((o) => o.name.startsWith('window'))!.extra.wasm;
}

/** Fractional timestamps and gaps: a gap below 1 ms can drop an element that is not late. */
const oddEventsArb = fc
  .array(
    fc.record({
      k: fc.constantFrom<unknown>('a', 'b', 0, -0, 1),
      step: fc.constantFrom(0, 0.25, 0.5, 1, 3),
      back: fc.oneof(fc.constant(0), fc.constantFrom(0.5, 1, 2.75, 10)),
      v: fc.constantFrom(1, 0.1, -0, Number.NaN),
    }),
    { minLength: 20, maxLength: 200, size: 'max' },
  )
  .map((raw) => {
    let t = 0;
    return raw.map(({ k, step, back, v }): Ev => {
      t += step;
      return { k, ts: t - back, v };
    });
  });

describe('session windows on the columnar kernel', () => {
  it('runs on WebAssembly by default (checkpointed or not), on the JS twin with wasm: false; the rest stays on keyed state', async () => {
    const builtIns = { n: count<Ev>(), s: sum((e: Ev) => e.v) };
    expect(await kernelOf({}, builtIns)).toBe(1);
    expect(await kernelOf(options.wasm, builtIns)).toBe(1);
    expect(await kernelOf(options.js, builtIns)).toBe(0);
    expect(await kernelOf({}, { s: userDefined(sum((e: Ev) => e.v)) })).toBeUndefined();
    expect(await kernelOf({}, { f: first((e: Ev) => e.v) })).toBeUndefined();
    expect(await kernelOf({ runtimeMode: 'batch' }, builtIns)).toBeUndefined();
  });

  it('fails with an error naming the operator and the record for a non-numeric field or a missing timestamp', async () => {
    for (const opts of [{}, options.js]) {
      const bad = new StreamEnvironment(opts)
        .fromArray<{ k: string; ts: number; v: unknown }>([{ k: 'a', ts: 1, v: 'x' }])
        .pipe(watermarks({ timestamp: (e) => e.ts }), keyBy((e) => e.k), window(session(10)), aggregate({ s: sum((e) => e.v as number) }));
      await expect(bad.collect()).rejects.toThrow(/Operator "window\(EventTimeSessionWindows\(10\), EventTimeTrigger\) aggregate\(s\)" failed on record \{"k":"a","ts":1,"v":"x"\}: sum: the field function returned string x, not a number/);
      const untimed = new StreamEnvironment(opts)
        .fromArray<Ev>([{ k: 'a', ts: 1, v: 1 }])
        .pipe(keyBy((e) => e.k), window(session(10)), aggregate({ n: count() }));
      await expect(untimed.collect()).rejects.toThrow(/Operator "window\(EventTimeSessionWindows\(10\).*the record has no timestamp/);
    }
  });

  it('WebAssembly, the JS twin and the keyed-state operator agree exactly: rows, their order, late data', async () => {
    await fc.assert(
      fc.asyncProperty(
        eventsArb,
        fc.constantFrom(1, 5, 12),
        fc.constantFrom(0, 4, 25),
        fc.constantFrom(0, 3, 10),
        fc.constantFrom(1, 3, 64),
        async (events, gap, lateness, outOfOrderness, batchSize) => {
          const [wasm, js, heap] = await Promise.all((['wasm', 'js', 'heap'] as const).map((p) => runPath(p, events, gap, lateness, outOfOrderness, batchSize)));
          expect(wasm!.rows).toEqual(heap!.rows);
          expect(js!.rows).toEqual(heap!.rows);
          expect(wasm!.late).toEqual(heap!.late);
          expect(js!.late).toEqual(heap!.late);
        },
      ),
      { seed: 41, numRuns: 60 },
    );
  });

  it('the same with fractional gaps and timestamps', async () => {
    await fc.assert(
      fc.asyncProperty(oddEventsArb, fc.constantFrom(0.5, 1.5), fc.constantFrom(0, 0.75), fc.constantFrom(1, 16), async (events, gap, lateness, batchSize) => {
        const [wasm, js, heap] = await Promise.all((['wasm', 'js', 'heap'] as const).map((p) => runPath(p, events, gap, lateness, 2, batchSize)));
        expect(wasm!.rows).toEqual(heap!.rows);
        expect(js!.rows).toEqual(heap!.rows);
        expect(wasm!.late).toEqual(heap!.late);
        expect(js!.late).toEqual(heap!.late);
      }),
      { seed: 43, numRuns: 30 },
    );
  });
});
