import { describe, expect, it } from 'vitest';
import { SinkTransformation } from '../../src/graph/transformation';
import { buildJobGraph } from '../../src/graph/job-graph';
import {
  StreamEnvironment,
  count,
  countTrigger,
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

  it('two windows in a row: the second sees results behind the watermark, so no', () => {
    const perTen = timed().pipe(keyBy((e) => e.k), window(tumbling(10)), count());
    expect(coalesces(perTen.pipe(keyBy((r) => String(r.key)), window(tumbling(100)), count()))).toBe(false);
  });

  it('a process function, a process window function or a custom trigger: no', () => {
    expect(coalesces(timed().pipe(keyBy((e) => e.k), process<Ev, Ev>({ processElement: (e, _c, out) => out.collect(e) })))).toBe(false);
    expect(
      coalesces(timed().pipe(keyBy((e) => e.k), window(tumbling(10)), process<Ev, number, string>({ process: (_k, _c, els, out) => out.collect(els.length) }))),
    ).toBe(false);
    expect(coalesces(timed().pipe(keyBy((e) => e.k), window(tumbling(10), { trigger: countTrigger(2) }), count()))).toBe(false);
  });
});
