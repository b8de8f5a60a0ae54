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

/** Whether the job graph lets the (first) watermarks operator hold per-record watermarks within a batch. */
function coalesces(stream: Stream<unknown>): boolean {
  const graph = buildJobGraph([new SinkTransformation(stream.transformation, { write() {} })]);
  return graph.vertices.find((v) => v.watermarkRole === 'generator')!.coalesceWatermarks === true;
}

describe('per-record watermarks are coalesced only where no operator can tell', () => {
  const env = new StreamEnvironment();
  const timed = () => env.fromArray<Ev>([]).pipe(watermarks({ timestamp: (e) => e.ts }));

  it('a built-in event-time window with transparent operators around it: coalesced', () => {
    expect(coalesces(timed().pipe(map((e) => e), keyBy((e) => e.k), window(tumbling(10)), count(), map((r) => r.count)))).toBe(true);
    expect(coalesces(timed().pipe(union(timed()), keyBy((e) => e.k), window(tumbling(10)), count()))).toBe(true);
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
