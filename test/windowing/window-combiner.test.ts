// Local pre-aggregation before the keyBy exchange of a built-in window aggregation (Flink SQL's
// local-global aggregation: https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/table/tuning/#local-global-aggregation)
// must be invisible: the same windows, the same late elements and late firings as when every
// element crosses the exchange (Flink's lateness rules:
// https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/operators/windows/#allowed-lateness).
import { describe, expect, it } from 'vitest';
import {
  StreamEnvironment,
  aggregate,
  avg,
  count,
  keyBy,
  max,
  min,
  sliding,
  sum,
  tumbling,
  watermarks,
  window,
  type AggregateFunction,
  type JobMetrics,
  type Stream,
  type WindowAssigner,
} from '../../src/index';
import { mulberry32 } from '../../bench/random';
import { KeySelector } from '../../src/runtime/key-selector';
import { PaneAggregation } from '../../src/windowing/pane-aggregation';
import { WindowCombiner } from '../../src/windowing/window-combiner';
import { WasmWindowAggregation } from '../../src/wasm/window-aggregate-kernel';
import type { WindowAggregation, WindowAggregationConfig } from '../../src/windowing/window-aggregation';

interface Ev {
  readonly k: string | number;
  readonly ts: number;
  readonly v: number;
}

/** Events with disorder beyond the watermark's bound (some late), mixed key types, odd values. */
function events(seed: number, n: number): Ev[] {
  const next = mulberry32(seed);
  // Sums stay exact (integers well below 2^53): a float sum grouped otherwise may differ in the
  // last bits, with or without pre-aggregation, whenever elements arrive over several channels.
  const odd = [Number.NaN, -0, 0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2 ** 40 + 1];
  const out: Ev[] = [];
  let time = 10_000;
  for (let i = 0; i < n; i++) {
    time += Math.floor(next() * 5);
    const r = next();
    const key = r < 0.1 ? Math.floor(next() * 3) : `k${Math.floor(next() ** 2 * 8)}`;
    const late = next() < 0.05 ? Math.floor(next() * 400) : Math.floor(next() * 30);
    const v = next() < 0.02 ? odd[Math.floor(next() * odd.length)]! : Math.floor(next() * 2000) - 500;
    out.push({ k: key, ts: time - late, v });
  }
  return out;
}

/** A user-defined aggregate keeps a window aggregation on keyed state: never pre-aggregated. */
const none: AggregateFunction<Ev, number, number> = { createAccumulator: () => 0, add: (_v, a) => a, getResult: () => 0, merge: (a) => a };

type Assigner = WindowAssigner<Ev>;

function job(env: StreamEnvironment, input: Ev[], assigner: Assigner, allowedLateness: number, reference: boolean): Stream<Record<string, unknown>> {
  const aggregates = { n: count(), s: sum((e: Ev) => e.v), lo: min((e: Ev) => e.v), hi: max((e: Ev) => e.v), mean: avg((e: Ev) => e.v) };
  // `none` has no built-in kind: it keeps the reference on keyed state.
  const chosen = (reference ? { ...aggregates, none } : aggregates) as unknown as typeof aggregates;
  return env.fromArray(input).pipe(
    watermarks<Ev>({ timestamp: (e) => e.ts, outOfOrderness: 20 }),
    keyBy((e) => e.k),
    window(assigner, { allowedLateness }),
    aggregate(chosen),
  ) as Stream<Record<string, unknown>>;
}

async function run(
  parallelism: number,
  input: Ev[],
  assigner: Assigner,
  allowedLateness: number,
  reference: boolean,
  wasm = true,
): Promise<{ rows: Array<Record<string, unknown>>; metrics: JobMetrics }> {
  const env = new StreamEnvironment({ parallelism, batchSize: 64, wasm });
  const rows: Array<Record<string, unknown>> = [];
  const result = await job(env, input, assigner, allowedLateness, reference).forEach((r) => {
    const { none: _, ...row } = r;
    rows.push(row);
  });
  return { rows, metrics: result.metrics };
}

/** A row as text that tells NaN, −0 and the key's type apart. */
const show = (row: Record<string, unknown>): string =>
  Object.entries(row)
    .map(([name, v]) => `${name}=${typeof v === 'number' && Object.is(v, -0) ? '-0' : typeof v === 'string' ? JSON.stringify(v) : String(v)}`)
    .join(' ');
const multiset = (rows: Array<Record<string, unknown>>): string[] => rows.map(show).sort();
const perKey = (rows: Array<Record<string, unknown>>): Map<string, string[]> => {
  const m = new Map<string, string[]>();
  for (const r of rows) m.set(show({ key: r.key }), [...(m.get(show({ key: r.key })) ?? []), show(r)]);
  return m;
};

const windowIn = (m: JobMetrics): number => m.operators.find((o) => o.name.startsWith('window('))!.recordsIn;
const late = (m: JobMetrics): number => m.operators.find((o) => o.name.startsWith('window('))!.extra.numLateRecordsDropped ?? 0;

describe('pre-aggregation before the keyBy exchange', () => {
  const cases: Array<[string, Assigner, number]> = [
    ['tumbling', tumbling(100), 0],
    ['tumbling, allowed lateness', tumbling(100), 150],
    ['sliding', sliding(200, 50), 0],
    ['sliding, allowed lateness', sliding(200, 50), 120],
  ];
  for (const [name, assigner, lateness] of cases) {
    it(`${name}: the same rows, per key in order, as every element crossing (parallelism 2 and 4)`, async () => {
      for (const seed of [1, 2, 3]) {
        const input = events(seed, 3_000);
        for (const p of [2, 4]) {
          const combined = await run(p, input, assigner, lateness, false);
          const reference = await run(p, input, assigner, lateness, true);
          expect(multiset(combined.rows)).toEqual(multiset(reference.rows));
          expect(perKey(combined.rows)).toEqual(perKey(reference.rows));
          // The window operator took fewer records than the elements: partial aggregates.
          expect(windowIn(combined.metrics)).toBeLessThan(windowIn(reference.metrics));
          expect(late(combined.metrics)).toBe(late(reference.metrics));
          if (lateness === 0) expect(late(reference.metrics)).toBeGreaterThan(0);
        }
      }
    });
  }

  it('the JavaScript kernel merges partial aggregates as the WebAssembly one does', async () => {
    const input = events(9, 3_000);
    const js = await run(2, input, sliding(200, 50), 50, false, false);
    const wasm = await run(2, input, sliding(200, 50), 50, false, true);
    expect(multiset(js.rows)).toEqual(multiset(wasm.rows));
  });

  it('ships about one partial per key and pane from each producer', async () => {
    const input = events(6, 3_000);
    const { rows, metrics } = await run(2, input, tumbling(1_000), 1_000, false);
    // ~500 elements per window over 11 keys: a partial stands for ~20 of them.
    expect(windowIn(metrics)).toBeLessThan(input.length / 10);
    expect(rows.reduce((n, r) => n + (r.n as number), 0)).toBeGreaterThanOrEqual(input.length - late(metrics));
  });

  it('runs only where records would cross subtasks: not at parallelism 1', async () => {
    const input = events(4, 1_000);
    const one = await run(1, input, tumbling(100), 0, false);
    expect(windowIn(one.metrics)).toBe(input.length);
  });

  it('a field function that returns no number fails naming the window operator', async () => {
    const env = new StreamEnvironment({ parallelism: 2 });
    const bad = env.fromArray([{ k: 'a', ts: 1, v: 1 }, { k: 'b', ts: 2, v: 'x' as unknown as number }]).pipe(
      watermarks<Ev>({ timestamp: (e) => e.ts }),
      keyBy((e) => e.k),
      window(tumbling(100)),
      aggregate({ s: sum((e: Ev) => e.v) }, { name: 'totals' }),
    );
    await expect(bad.collect()).rejects.toThrow(/Operator "totals" failed on record .*sum: the field function returned string x/);
  });

  // The combiner reads keys and fields in one pass; a failure is reported as one loop per
  // function finds it: the first failing key, else the first failing field value.
  it('a null key fails naming the record, and a failing key wins over an earlier failing field', async () => {
    const input = [
      { k: 'a', ts: 1, v: 1 },
      { k: 'b', ts: 2, v: 'x' as unknown as number },
      { k: null as unknown as string, ts: 3, v: 3 },
    ];
    const env = new StreamEnvironment({ parallelism: 2 });
    const bad = env.fromArray(input).pipe(
      watermarks<Ev>({ timestamp: (e) => e.ts }),
      keyBy((e) => e.k),
      window(tumbling(100)),
      aggregate({ s: sum((e: Ev) => e.v) }, { name: 'totals' }),
    );
    await expect(bad.collect()).rejects.toThrow(/failed on record \{"k":null,"ts":3,"v":3\}.*the key function returned null/);
  });
});

describe('WindowCombiner', () => {
  it('flushes early to bound its key dictionary, and every element still counts once', async () => {
    const combiner = new WindowCombiner<{ k: string; v: number }>({
      slide: 1_000,
      offset: 0,
      keySelector: new KeySelector((e: { k: string; v: number }) => e.k, 'k', undefined),
      aggregates: [{ kind: 'count', field: undefined }, { kind: 'sum', field: (e) => e.v }],
      operator: 'w',
      uid: undefined,
    });
    await combiner.prepare({ enabled: true });
    const totals = new Map<unknown, { n: number; s: number }>();
    const emit = (p: Record<string, unknown>): void => {
      const t = totals.get(p.key) ?? { n: 0, s: 0 };
      t.n += p.n as number;
      t.s += p.c0 as number;
      totals.set(p.key, t);
    };
    const n = 150_000;
    const batch = 1_000;
    let partials = 0;
    const counting = (p: Record<string, unknown>): void => {
      partials++;
      emit(p);
    };
    for (let from = 0; from < n; from += batch) {
      const values = Array.from({ length: batch }, (_, i) => ({ k: `key ${(from + i) % 90_000}`, v: 1 }));
      combiner.add(values, new Float64Array(batch).fill(500), batch, counting);
    }
    // 90 000 keys in one pane exceed the dictionary: it flushed once mid-stream.
    expect(partials).toBeGreaterThan(0);
    combiner.flushAll(counting);
    expect(totals.size).toBe(90_000);
    expect([...totals.values()].reduce((a, t) => a + t.n, 0)).toBe(n);
    expect(totals.get('key 0')).toEqual({ n: 2, s: 2 });
  });
});

describe('weighted rows in the window kernels', () => {
  const config: WindowAggregationConfig = {
    size: 40,
    slide: 10,
    offset: 0,
    columns: 4,
    weightColumn: 3,
    aggregates: [
      { kind: 'count', column: 0 },
      { kind: 'sum', column: 0 },
      { kind: 'min', column: 1 },
      { kind: 'max', column: 2 },
      { kind: 'avg', column: 0 },
    ],
  };
  const unweighted: WindowAggregationConfig = { ...config, weightColumn: undefined, columns: 3 };

  /** Fires everything after adding `rows` (key, ts, sum, min, max, weight). */
  function fired(kernel: WindowAggregation, rows: number[][]): number[][] {
    const col = (i: number): Float64Array => Float64Array.from(rows, (r) => r[i]!);
    kernel.add(col(0), col(1), [col(2), col(3), col(4), col(5)], 0, rows.length);
    const f = kernel.fire(Number.POSITIVE_INFINITY);
    const out = Array.from({ length: f.count }, (_, i) => [f.keys[i]!, f.starts[i]!, ...f.results.map((r) => r[i]!)]);
    // Within a window end, rows come in the order their keys first arrived, which folding changes.
    return out.sort((a, b) => a[1]! - b[1]! || a[0]! - b[0]!);
  }

  it('a partial of n elements counts n, and merges sums, minima and maxima: WebAssembly and JavaScript alike', async () => {
    const next = mulberry32(5);
    const elements: number[][] = [];
    for (let i = 0; i < 2_000; i++) {
      const v = Math.floor(next() * 100) - 30;
      elements.push([Math.floor(next() * 7), Math.floor(next() * 200), v, v, v, 1]);
    }
    // The same elements folded per (key, pane) of 10 ms.
    const partials = new Map<string, number[]>();
    for (const [k, ts, v] of elements) {
      const pane = ts! - (ts! % 10);
      const p = partials.get(`${k} ${pane}`);
      if (p === undefined) partials.set(`${k} ${pane}`, [k!, pane + 9, v!, v!, v!, 1]);
      else {
        p[2]! += v!;
        p[3] = Math.min(p[3]!, v!);
        p[4] = Math.max(p[4]!, v!);
        p[5]!++;
      }
    }
    const expected = fired(new PaneAggregation(unweighted), elements.map((e) => e.slice(0, 5)));
    for (const kernel of [new PaneAggregation(config), await WasmWindowAggregation.load(config)]) {
      expect(fired(kernel, [...partials.values()])).toEqual(expected);
    }
  });

  it('reset leaves a kernel as new: WebAssembly and JavaScript alike', async () => {
    const rows = [
      [1, 5, 2, 2, 2, 1],
      [2, 15, 3, 3, 3, 1],
      [1, 7, 4, 4, 4, 1],
    ];
    for (const kernel of [new PaneAggregation(config), await WasmWindowAggregation.load(config)]) {
      const first = fired(kernel, rows);
      kernel.reset();
      expect(kernel.size).toBe(0);
      expect(fired(kernel, rows)).toEqual(first);
    }
  });

  it('refuses weights with an aggregate whose partials do not merge', () => {
    expect(() => new PaneAggregation({ ...config, aggregates: [{ kind: 'first', column: 0 }] })).toThrow(/weighted rows take only/);
  });
});
