import { describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  OperatorError,
  StreamEnvironment,
  aggregate,
  count,
  countTrigger,
  fromArray,
  keyBy,
  map,
  flatMap,
  filter,
  process,
  session,
  sideOutput,
  sliding,
  sum,
  tumbling,
  watermarks,
  window,
} from '../../src/index';

interface Bid {
  auction?: number;
  price: unknown;
  ts: unknown;
}

const bids: Bid[] = [
  { auction: 1, price: 10, ts: 1_000 },
  { auction: 2, price: 20, ts: 2_000 },
];

async function failure(run: () => Promise<unknown>): Promise<OperatorError> {
  const error = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OperatorError);
  return error as OperatorError;
}

describe('bad records fail the job with an error naming the operator and showing the record', () => {
  it('a NaN timestamp', async () => {
    const e = await failure(() =>
      fromArray([...bids, { auction: 3, price: 1, ts: Number.NaN }])
        .pipe(watermarks({ timestamp: (b) => b.ts as number }, { name: 'bid-time', uid: 'wm-1' }))
        .collect(),
    );
    expect(e.operator).toBe('bid-time');
    expect(e.uid).toBe('wm-1');
    expect(e.record).toEqual({ auction: 3, price: 1, ts: Number.NaN });
    expect(e.message).toContain('Operator "bid-time" (uid "wm-1") failed on record {"auction":3,"price":1,"ts":"NaN"}');
    expect(e.message).toContain('finite number');
  });

  it('a missing timestamp and an infinite one', async () => {
    for (const ts of [undefined, Number.POSITIVE_INFINITY, '2024-01-01']) {
      const e = await failure(() => fromArray([{ ts }]).pipe(watermarks({ timestamp: (b) => b.ts as number })).collect());
      expect(e.operator).toBe('watermarks');
      expect(e.message).toMatch(/the timestamp function returned .*(undefined|Infinity|string)/);
    }
  });

  it('records without any timestamp reaching an event-time window', async () => {
    const e = await failure(() => fromArray(bids).pipe(keyBy((b) => b.auction), window(tumbling(1000)), count()).collect());
    expect(e.operator).toContain('window(TumblingEventTimeWindows(1000)');
    expect(e.message).toContain('no timestamp');
    expect(e.message).toContain('watermarks(');
  });

  it('a key function that returns undefined or null', async () => {
    for (const bad of [undefined, null]) {
      const e = await failure(() =>
        fromArray([{ auction: bad, ts: 1 }])
          .pipe(watermarks({ timestamp: (b) => b.ts }), keyBy((b) => b.auction, { name: 'by-auction' }), window(tumbling(10)), count())
          .collect(),
      );
      expect(e.operator).toBe('by-auction');
      expect(e.message).toContain(`the key function returned ${String(bad)}`);
      expect(e.record).toEqual({ auction: bad, ts: 1 });
    }
  });

  it('a user function that throws, in a fused chain: the stage that threw is named', async () => {
    const e = await failure(() =>
      fromArray([1, 2, 3, 4])
        .pipe(
          map((x) => x * 10, { name: 'times-ten' }),
          filter((x) => x > 0),
          map((x) => {
            if (x === 30) throw new RangeError('thirty is not allowed');
            return x;
          }, { name: 'picky', uid: 'picky-1' }),
        )
        .collect(),
    );
    expect(e.operator).toBe('picky');
    expect(e.record).toBe(30);
    expect(e.cause).toBeInstanceOf(RangeError);
    expect(e.message).toContain('thirty is not allowed');
  });

  it('a flatMap that returns a non-iterable', async () => {
    const e = await failure(() => fromArray([1]).pipe(flatMap(() => 5 as unknown as number[])).collect());
    expect(e.operator).toBe('flatMap');
    expect(e.message).toContain('iterable');
  });

  it('an aggregate field that is not a number', async () => {
    const e = await failure(() =>
      fromArray([{ auction: 1, price: 'ten', ts: 1 }])
        .pipe(watermarks({ timestamp: (b) => b.ts }), keyBy((b) => b.auction), window(tumbling(10)), sum((b) => b.price as unknown as number))
        .collect(),
    );
    expect(e.operator).toContain('aggregate(sum)');
    expect(e.message).toContain('sum: the field function returned string ten');
    expect(e.record).toEqual({ auction: 1, price: 'ten', ts: 1 });
  });

  it('a throwing keyed process function, and its onTimer', async () => {
    const e = await failure(() =>
      fromArray([{ k: 'a', ts: 1 }])
        .pipe(
          watermarks({ timestamp: (r) => r.ts }),
          keyBy((r) => r.k),
          process<{ k: string; ts: number }, never>({
            processElement() {
              throw new Error('no thanks');
            },
          }, { name: 'refuser' }),
        )
        .collect(),
    );
    expect(e.operator).toBe('refuser');
    expect(e.record).toEqual({ k: 'a', ts: 1 });

    const t = await failure(() =>
      fromArray([{ k: 'a', ts: 1 }])
        .pipe(
          watermarks({ timestamp: (r) => r.ts }),
          keyBy((r) => r.k),
          process<{ k: string; ts: number }, never>({
            processElement(_r, ctx) {
              ctx.timerService().registerEventTimeTimer(5);
            },
            onTimer() {
              throw new Error('timer trouble');
            },
          }, { name: 'timed' }),
        )
        .collect(),
    );
    expect(t.operator).toBe('timed');
    expect(t.message).toContain('onTimer(5, event-time) of key a: timer trouble');
  });

  it('keyed state or timers on a non-keyed stream', async () => {
    const e = await failure(() =>
      fromArray([1])
        .pipe(
          process<number, never>({
            processElement(_x, ctx) {
              ctx.timerService().registerEventTimeTimer(1);
            },
          }),
        )
        .collect(),
    );
    expect(e.message).toContain('only supported on a keyed stream');
  });

  it('the failed job has status failed and rejects done', async () => {
    const job = await fromArray([1, 2])
      .pipe(
        map((x) => {
          if (x === 2) throw new Error('two');
          return x;
        }),
      )
      .execute();
    await expect(job.done).rejects.toThrow('two');
    expect(job.status).toBe('failed');
  });
});

describe('invalid configuration throws while the graph is built', () => {
  const cases: Array<[string, () => unknown]> = [
    ['tumbling size 0', () => tumbling(0)],
    ['tumbling negative size', () => tumbling(-5)],
    ['tumbling NaN size', () => tumbling(Number.NaN)],
    ['tumbling offset >= size', () => tumbling(10, { offset: 10 })],
    ['sliding slide > size', () => sliding(10, 20)],
    ['sliding slide 0', () => sliding(10, 0)],
    ['sliding offset >= slide', () => sliding(10, 5, { offset: -5 })],
    ['session gap 0', () => session(0)],
    ['countTrigger 0', () => countTrigger(0)],
    ['negative allowed lateness', () => fromArray([1]).pipe(keyBy((x) => x), window(tumbling(10), { allowedLateness: -1 }))],
    ['negative out-of-orderness', () => watermarks({ timestamp: () => 0, outOfOrderness: -1 })],
    ['parallelism 0', () => new StreamEnvironment({ parallelism: 0 })],
    ['unknown runtime mode', () => new StreamEnvironment({ runtimeMode: 'fast' as 'batch' })],
    ['unknown config key', () => new StreamEnvironment({ config: { 'no.such.key': 1 } })],
    ['window on a non-keyed stream', () => window(tumbling(10))(fromArray([1]) as never)],
    ['aggregate named like a result field', () => fromArray([1]).pipe(keyBy((x) => x), window(tumbling(10)), aggregate({ key: count() }))],
    ['empty side output id', () => sideOutput('')],
  ];
  for (const [name, build] of cases) {
    it(name, () => {
      expect(build).toThrow(ConfigurationError);
    });
  }

  it('Flink configuration keys are understood', () => {
    const env = new StreamEnvironment({ config: { 'execution.runtime-mode': 'BATCH', 'pipeline.max-parallelism': 256 } });
    expect(env.runtimeMode).toBe('batch');
    expect(env.maxParallelism).toBe(256);
  });
});
