// Built-in aggregates over tumbling and sliding event-time windows run on the columnar kernel —
// WebAssembly, or its JavaScript twin with `wasm: false` — and must give exactly what the
// keyed-state WindowOperator gives (the path of user-defined aggregate functions: the same
// aggregates under another `kind`). Runs in Node and Chromium.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  StreamEnvironment,
  aggregate,
  avg,
  count,
  countDistinct,
  first,
  keyBy,
  last,
  max,
  min,
  sideOutput,
  sliding,
  sum,
  tumbling,
  watermarks,
  window,
  type StreamEnvironmentOptions,
  type WindowAssigner,
} from '../../src/index';

interface Ev {
  readonly k: string | number;
  readonly ts: number;
  readonly v: number;
  /** Any value: first, last and countDistinct take them all. */
  readonly x: string | number | null | undefined;
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

/** The aggregates as they are (kernel paths), or as user-defined ones (the keyed-state path). */
function builtIn(path: Path): <A extends object>(aggregate: A) => A {
  return path === 'heap' ? userDefined : (aggregate) => aggregate;
}

async function runPath(path: Path, events: readonly Ev[], assigner: () => WindowAssigner<Ev>, lateness: number, batchSize: number) {
  const env = new StreamEnvironment({ ...options[path], batchSize });
  const late = sideOutput<Ev>('late');
  const as = builtIn(path);
  const rows = env
    .fromArray(events)
    .pipe(
      watermarks({ timestamp: (e) => e.ts, outOfOrderness: 5 }),
      keyBy((e) => e.k),
      window(assigner(), { allowedLateness: lateness, lateOutput: late }),
      aggregate({
        n: as(count()),
        s: as(sum((e) => e.v)),
        lo: as(min((e) => e.v)),
        hi: as(max((e) => e.v)),
        mean: as(avg((e) => e.v)),
        f: as(first((e) => e.x)),
        l: as(last((e) => e.x)),
        d: as(countDistinct((e) => e.x)),
        dv: as(countDistinct((e) => e.v)),
      }),
    );
  const job = env.collect(rows, rows.getSideOutput(late));
  return job;
}

const eventsArb = fc.array(
  fc.record({
    k: fc.oneof(fc.constantFrom('a', 'b', 'c'), fc.integer({ min: -2, max: 2 }), fc.constantFrom(-0, 1.5, 2 ** 60, -(2 ** 60), Number.NaN)),
    ts: fc.integer({ min: -50, max: 400 }),
    v: fc.oneof(fc.integer({ min: -100, max: 100 }), fc.constantFrom(0, -0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2 ** 53 - 1, 2 ** 53, -(2 ** 53))),
    x: fc.oneof(
      fc.integer({ min: -2, max: 2 }),
      fc.constantFrom('p', 'q', null, undefined, Number.NaN, -0, 0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 5e-324, 2 ** -1030, 2 ** 53, 2 ** 53 + 2),
    ),
  }),
  { maxLength: 150 },
);

/** JSON that tells −0, NaN, undefined and null apart. */
function exact(_key: string, v: unknown): unknown {
  if (typeof v === 'number' && (Object.is(v, -0) || Number.isNaN(v))) return String(Object.is(v, -0) ? '-0' : v);
  return v === undefined ? '<undefined>' : v;
}

describe('window aggregation on the columnar kernels', () => {
  it('runs on WebAssembly by default (checkpointed or not) and on the JavaScript twin with wasm: false', async () => {
    for (const [opts, expected] of [[{}, 1], [options.wasm, 1], [options.js, 0]] as const) {
      const env = new StreamEnvironment(opts);
      const result = await env
        .fromArray([{ k: 'a', ts: 1, v: 2, x: null }])
        .pipe(watermarks({ timestamp: (e) => e.ts }), keyBy((e) => e.k), window(tumbling(10)), aggregate({ s: sum((e) => e.v), f: first((e) => e.k) }))
        .forEach(() => {});
      const op = result.metrics.operators.find((o) => o.name.startsWith('window'))!;
      expect(op.extra.wasm).toBe(expected);
    }
    // A user-defined aggregate function keeps its windows in keyed state.
    const env = new StreamEnvironment();
    const result = await env
      .fromArray([{ k: 'a', ts: 1, v: 2, x: null }])
      .pipe(watermarks({ timestamp: (e) => e.ts }), keyBy((e) => e.k), window(tumbling(10)), aggregate({ s: userDefined(sum((e) => e.v)) }))
      .forEach(() => {});
    expect(result.metrics.operators.find((o) => o.name.startsWith('window'))!.extra.wasm).toBeUndefined();
  });

  for (const [name, assigner] of [
    ['tumbling', () => tumbling<Ev>(50)],
    ['tumbling with offset', () => tumbling<Ev>(40, { offset: 7 })],
    ['sliding', () => sliding<Ev>(60, 20)],
  ] as const) {
    it(`${name}: WebAssembly, the JS twin and the keyed-state operator agree exactly (results and late data)`, async () => {
      await fc.assert(
        fc.asyncProperty(eventsArb, fc.constantFrom(0, 30), fc.constantFrom(1, 3, 64), async (events, lateness, batchSize) => {
          const [wasm, js, heap] = await Promise.all((['wasm', 'js', 'heap'] as const).map((p) => runPath(p, events, assigner, lateness, batchSize)));
          const canon = (r: { key: unknown; start: number }[]) =>
            [...r].sort((a, b) => String(a.key).localeCompare(String(b.key)) || a.start - b.start).map((x) => JSON.stringify(x, exact));
          expect(canon(wasm![0])).toEqual(canon(heap![0]));
          expect(canon(js![0])).toEqual(canon(heap![0]));
          expect(wasm![1]).toEqual(heap![1]);
          expect(js![1]).toEqual(heap![1]);
        }),
        { seed: 23, numRuns: 60 },
      );
    });
  }

  it('takes 0 and −0 as one key, as keyed state does', async () => {
    const events: Ev[] = [
      { k: -0, ts: 1, v: 1, x: 1 },
      { k: 0, ts: 2, v: 2, x: 2 },
      { k: -0, ts: 13, v: 3, x: 3 },
    ];
    const run = async (path: Path) =>
      (
        await new StreamEnvironment(options[path])
          .fromArray(events)
          .pipe(watermarks({ timestamp: (e) => e.ts }), keyBy((e) => e.k), window(tumbling(10)), aggregate({ n: builtIn(path)(count()) }))
          .collect()
      ).map((r) => JSON.stringify(r, exact));
    const heap = await run('heap');
    expect(heap).toEqual(['{"key":"-0","start":0,"end":10,"n":2}', '{"key":"-0","start":10,"end":20,"n":1}']);
    expect(await run('wasm')).toEqual(heap);
    expect(await run('js')).toEqual(heap);
  });

  it('fires a late element\'s windows latest start first, like the keyed-state operator', async () => {
    const events: Ev[] = [
      { k: 'a', ts: 5, v: 1, x: 1 },
      { k: 'a', ts: 70, v: 1, x: 1 }, // watermark 64: [-20,10), [-10,20), [0,30), ... fire
      { k: 'a', ts: 8, v: 1, x: 1 }, // late but within the lateness: its three windows fire again
    ];
    const run = async (path: Path) => {
      const rows = await new StreamEnvironment(options[path])
        .fromArray(events)
        .pipe(
          watermarks({ timestamp: (e) => e.ts, outOfOrderness: 5 }),
          keyBy((e) => e.k),
          window(sliding(30, 10), { allowedLateness: 100 }),
          aggregate({ n: builtIn(path)(count()) }),
        )
        .collect();
      return rows.map((r) => `[${r.start},${r.end})=${r.n}`);
    };
    const heap = await run('heap');
    expect(heap.slice(3, 6)).toEqual(['[0,30)=2', '[-10,20)=2', '[-20,10)=2']);
    expect(await run('wasm')).toEqual(heap);
    expect(await run('js')).toEqual(heap);
  });
});

