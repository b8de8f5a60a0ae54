// Evictors, as Flink's EvictingWindowOperator with CountEvictor, TimeEvictor and DeltaEvictor
// (apache/flink, flink-streaming-java/.../api/windowing/evictors/): a fired window's elements are
// trimmed before (or, with doEvictAfter, after) the window function, and the window keeps only what
// remains. https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/operators/windows/#evictors
import { describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  StreamEnvironment,
  aggregate,
  count,
  countEvictor,
  countTrigger,
  deltaEvictor,
  globalWindow,
  keyBy,
  process,
  reduce,
  sum,
  timeEvictor,
  tumbling,
  watermarks,
  window,
  type Evictor,
  type Trigger,
  type WindowAssigner,
} from '../../src/index';

interface Ev {
  readonly k: string;
  readonly ts: number;
  readonly v: number;
}

const evs = (...vs: number[]): Ev[] => vs.map((v, i) => ({ k: 'a', ts: i * 10, v }));

async function seen(events: Ev[], assigner: WindowAssigner<Ev>, options: { trigger?: Trigger<Ev>; evictor: Evictor<Ev> }): Promise<string[]> {
  const out: string[] = [];
  await new StreamEnvironment({ batchSize: 1 })
    .fromArray(events)
    .pipe(
      watermarks({ timestamp: (e: Ev) => e.ts, outOfOrderness: 0 }),
      keyBy((e: Ev) => e.k),
      window(assigner, options),
      process<Ev, string, string>({
        process(_key, _ctx, elements, o) {
          o.collect(elements.map((e) => e.v).join(','));
        },
      }),
    )
    .forEach((line) => out.push(line));
  return out;
}

describe('evictors (Flink: Evictors)', () => {
  it("countWindow(3, 1) as Flink builds it — globalWindow, countTrigger(1), countEvictor(3) — slides over the last three", async () => {
    const out = await seen(evs(1, 2, 3, 4, 5), globalWindow(), { trigger: countTrigger(1), evictor: countEvictor(3) });
    expect(out).toEqual(['1', '1,2', '1,2,3', '2,3,4', '3,4,5']);
  });

  it('countEvictor evicts from the front, in arrival order, before the function', async () => {
    // One 100 ms window; the function sees the last two of four.
    expect(await seen(evs(4, 3, 2, 1), tumbling(100), { evictor: countEvictor(2) })).toEqual(['2,1']);
  });

  it('evictAfter: the function sees everything, then the window keeps only what the evictor leaves', async () => {
    // countTrigger(2): the first firing sees 1,2 and keeps 2; the second sees 2,3,4.
    const out = await seen(evs(1, 2, 3, 4), globalWindow(), { trigger: countTrigger(2), evictor: countEvictor(1, { evictAfter: true }) });
    expect(out).toEqual(['1,2', '2,3,4']);
  });

  it('timeEvictor keeps the elements within windowSize of the newest timestamp (evicts timestamp <= max - size)', async () => {
    // Timestamps 0, 10, 20, 30, 40: with size 20 the cutoff is 20, so 30 and 40 remain.
    expect(await seen(evs(1, 2, 3, 4, 5), tumbling(100), { evictor: timeEvictor(20) })).toEqual(['4,5']);
  });

  it('deltaEvictor evicts the elements whose delta to the last element reaches the threshold', async () => {
    const out = await seen(evs(1, 8, 5, 9, 10), tumbling(100), { evictor: deltaEvictor(3, (a: Ev, last: Ev) => Math.abs(a.v - last.v)) });
    expect(out).toEqual(['8,9,10']);
  });

  it('aggregates and reduce are computed from the elements left after eviction', async () => {
    const env = new StreamEnvironment();
    const events = evs(1, 2, 3, 4, 5);
    const base = (): ReturnType<typeof env.fromArray<Ev>> => env.fromArray(events).pipe(watermarks({ timestamp: (e: Ev) => e.ts }));
    const agg = await base()
      .pipe(keyBy((e: Ev) => e.k), window(tumbling(100), { evictor: countEvictor(2) }), aggregate({ n: count(), total: sum((e: Ev) => e.v) }))
      .collect();
    expect(agg).toEqual([{ key: 'a', start: 0, end: 100, n: 2, total: 9 }]);
    const reduced = await base()
      .pipe(keyBy((e: Ev) => e.k), window(tumbling(100), { evictor: countEvictor(3) }), reduce((a: Ev, b: Ev) => ({ ...b, v: a.v + b.v })))
      .collect();
    expect(reduced.map((e) => e.v)).toEqual([12]);
  });

  it('refuses counts and sizes that cannot work', () => {
    expect(() => countEvictor(-1)).toThrow(ConfigurationError);
    expect(() => timeEvictor(Number.NaN)).toThrow(ConfigurationError);
    expect(() => deltaEvictor(1, null as never)).toThrow(ConfigurationError);
  });
});
