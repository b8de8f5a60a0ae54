import { describe, expect, it } from 'vitest';
import { SinkTransformation } from '../../src/graph/transformation';
import { buildJobGraph } from '../../src/graph/job-graph';
import { mulberry32 } from '../../bench/random';
import {
  StreamEnvironment,
  aggregate,
  count,
  countTrigger,
  max,
  sideOutput,
  sum,
  keyBy,
  map,
  process,
  session,
  sliding,
  tumbling,
  union,
  watermarks,
  window,
  type Stream,
  type WindowAssigner,
} from '../../src/index';

interface Ev {
  readonly k: string;
  readonly ts: number;
}

/** How the job graph lets the (first) watermarks operator hold per-record watermarks within a batch. */
function coalescing(stream: Stream<unknown>): false | 'strict' | 'relaxed' {
  const graph = buildJobGraph([new SinkTransformation(stream.transformation, { write() {} })]);
  return graph.vertices.find((v) => v.watermarkRole === 'generator')!.coalesceWatermarks ?? false;
}

const coalesces = (stream: Stream<unknown>): boolean => coalescing(stream) !== false;

describe('per-record watermarks are coalesced only where no operator can tell', () => {
  const env = new StreamEnvironment();
  const timed = () => env.fromArray<Ev>([]).pipe(watermarks({ timestamp: (e) => e.ts }));

  it('a built-in event-time window with transparent operators around it: coalesced', () => {
    expect(coalesces(timed().pipe(map((e) => e), keyBy((e) => e.k), window(tumbling(10)), count(), map((r) => r.count)))).toBe(true);
    expect(coalesces(timed().pipe(union(timed()), keyBy((e) => e.k), window(tumbling(10)), count()))).toBe(true);
  });

  it('strictly (ts > watermark + 1) before a session window, relaxed (ts > watermark) before tumbling and sliding ones', () => {
    expect(coalescing(timed().pipe(keyBy((e) => e.k), window(tumbling(10)), count()))).toBe('relaxed');
    expect(coalescing(timed().pipe(keyBy((e) => e.k), window(sliding(20, 10)), count()))).toBe('relaxed');
    expect(coalescing(timed().pipe(keyBy((e) => e.k), window(session(10)), count()))).toBe('strict');
    const both = timed();
    const a = both.pipe(keyBy((e) => e.k), window(tumbling(10)), count());
    const b = both.pipe(keyBy((e) => e.k), window(session(10)), count());
    expect(coalescing(a.pipe(union(b)))).toBe('strict');
  });

  it('two windows in a row: relaxed when the second is tumbling or sliding, not when it is a session window', () => {
    const perTen = () => timed().pipe(keyBy((e) => e.k), window(tumbling(10)), count());
    expect(coalescing(perTen().pipe(keyBy((r) => String(r.key)), window(tumbling(100)), count()))).toBe('relaxed');
    expect(coalescing(perTen().pipe(keyBy((r) => String(r.key)), window(sliding(100, 20)), count()))).toBe('relaxed');
    expect(coalesces(perTen().pipe(keyBy((r) => String(r.key)), window(session(10)), count()))).toBe(false);
    // A session window first, then a tumbling one: strict, for the session window.
    const sessions = timed().pipe(keyBy((e) => e.k), window(session(10)), count());
    expect(coalescing(sessions.pipe(keyBy((r) => String(r.key)), window(tumbling(100)), count()))).toBe('strict');
  });

  it('a process function, a process window function or a custom trigger: no', () => {
    expect(coalesces(timed().pipe(keyBy((e) => e.k), process<Ev, Ev>({ processElement: (e, _c, out) => out.collect(e) })))).toBe(false);
    expect(
      coalesces(timed().pipe(keyBy((e) => e.k), window(tumbling(10)), process<Ev, number, string>({ process: (_k, _c, els, out) => out.collect(els.length) }))),
    ).toBe(false);
    expect(coalesces(timed().pipe(keyBy((e) => e.k), window(tumbling(10), { trigger: countTrigger(2) }), count()))).toBe(false);
  });
});

describe('end to end: coalesced watermarks through two windows in a row change nothing', () => {
  interface Row {
    readonly key: unknown;
    readonly start: number;
    readonly end: number;
    readonly n: number;
    readonly total: number;
  }
  const late = sideOutput<{ k: number; ts: number; v: number }>('late');
  const seconds: Array<[string, () => WindowAssigner<Row>]> = [
    ['tumbling', () => tumbling(100)],
    ['sliding', () => sliding(200, 50)],
  ];

  // Batches of one record are the per-record reference: a watermark can be held only within a batch.
  it.each(seconds)('a keyed window, then a %s window over its results: the same rows and late data at any batch size', async (_name, second) => {
    const random = mulberry32(77);
    let lateSeen = 0;
    for (let trial = 0; trial < 8; trial++) {
      let t = 0;
      const events = Array.from({ length: 400 }, () => {
        t += Math.floor(random() * 4);
        // Some disorder within the bound (5), some beyond it, some beyond the allowed lateness too.
        const back = random() < 0.1 ? Math.floor(random() * 40) : Math.floor(random() * 5);
        return { k: Math.floor(random() * 4), ts: Math.max(0, t - back), v: Math.floor(random() * 100) };
      });
      const wasm = trial % 2 === 0;
      const run = async (batchSize: number) => {
        const env = new StreamEnvironment({ batchSize, wasm });
        const perKey = env.fromArray(events).pipe(
          watermarks({ timestamp: (e) => e.ts, outOfOrderness: 5 }),
          keyBy((e) => e.k),
          window(trial % 4 < 2 ? tumbling(50) : sliding(60, 20), { allowedLateness: 10, lateOutput: late }),
          aggregate({ n: count(), total: sum((e: { v: number }) => e.v) }),
        );
        const overall = perKey.pipe(
          keyBy((r: Row) => r.key === 0),
          window(second(), { allowedLateness: 20 }),
          aggregate({ n: sum((r: Row) => r.n), total: sum((r: Row) => r.total), top: max((r: Row) => r.total) }),
        );
        const [rows, lateRows, firstRows] = await env.collect(overall, perKey.getSideOutput(late), perKey);
        return { rows, lateRows, firstRows };
      };
      const reference = await run(1);
      lateSeen += reference.lateRows.length;
      expect(reference.rows.length).toBeGreaterThan(5);
      for (const batchSize of [7, 64, 1024]) expect(await run(batchSize)).toEqual(reference);
    }
    expect(lateSeen).toBeGreaterThan(10);
  });
});
