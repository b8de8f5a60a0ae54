import { describe, expect, it } from 'vitest';
import { StreamEnvironment, aggregate, keyBy, max, sum, tumbling, watermarks, window } from '../../src/index';
import { mulberry32 } from '../../bench/random';

/**
 * The window kernel's operator reads a batch's keys and field values in one pass over the records.
 * When something fails, it reports what one loop per function reported: the first failing key,
 * else the first failing value of the first field that has one.
 */

interface Ev {
  readonly i: number;
  readonly ts: number;
}

async function failure(events: Ev[], badKey: number, badA: number, badB: number): Promise<string> {
  const env = new StreamEnvironment({ wasm: false });
  const rows = env.fromArray(events).pipe(
    watermarks({ timestamp: (e: Ev) => e.ts }),
    keyBy((e: Ev) => {
      if (e.i === badKey) throw new Error(`key ${e.i}`);
      return e.i % 3;
    }),
    window(tumbling(1_000)),
    aggregate({
      a: sum((e: Ev) => (e.i === badA ? (`a ${e.i}` as unknown as number) : e.i)),
      b: max((e: Ev) => (e.i === badB ? (`b ${e.i}` as unknown as number) : e.i)),
    }),
  );
  const error = await rows.collect().then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  if (error === undefined) throw new Error('the job did not fail');
  return error.message;
}

describe('the window kernel operator reads keys and fields in one pass, and reports failures as before', () => {
  const events = Array.from({ length: 40 }, (_, i) => ({ i, ts: 5_000 + i }));

  it('a failing key later in the batch wins over a failing field value earlier in it', async () => {
    const message = await failure(events, 30, 5, 2);
    expect(message).toMatch(/key 30/);
    expect(message).toMatch(/"i":30/);
  });

  it('without a failing key: the first field that fails, at its first failing record', async () => {
    const message = await failure(events, -1, 25, 3);
    expect(message).toMatch(/a 25|sum/);
    expect(message).toMatch(/"i":25/);
    expect(await failure(events, -1, -1, 3)).toMatch(/"i":3/);
  });

  it('seeded random failures: always the record a key-then-fields order names', async () => {
    const random = mulberry32(99);
    for (let trial = 0; trial < 20; trial++) {
      const pick = (): number => (random() < 0.3 ? -1 : Math.floor(random() * events.length));
      const [k, a, b] = [pick(), pick(), pick()];
      if (k < 0 && a < 0 && b < 0) continue;
      const expected = k >= 0 ? k : a >= 0 ? a : b;
      expect(await failure(events, k, a, b)).toMatch(new RegExp(`"i":${expected}[,}]`));
    }
  });

  // One numeric field is read on its own fast path, and keys are read without a try/catch per
  // call: a missing key and a non-number still fail as Flink's keyBy and sum do, naming the record.
  async function oneField(key: (e: Ev) => unknown, price: (e: Ev) => unknown, wasm: boolean): Promise<string> {
    const rows = new StreamEnvironment({ wasm })
      .fromArray(events)
      .pipe(
        watermarks({ timestamp: (e: Ev) => e.ts }),
        keyBy(key),
        window(tumbling(1_000)),
        aggregate({ total: sum(price as (e: Ev) => number) }),
      )
      .collect();
    const error = await rows.then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    if (error === undefined) throw new Error('the job did not fail');
    return error.message;
  }

  for (const wasm of [true, false]) {
    it(`a key function that returns null or undefined fails the job naming the record (${wasm ? 'WASM' : 'JS'} kernel)`, async () => {
      const nullAt7 = await oneField((e) => (e.i === 7 ? null : e.i % 3), (e) => e.i, wasm);
      expect(nullAt7).toMatch(/the key function returned null; every record needs a key/);
      expect(nullAt7).toMatch(/"i":7/);
      const undefinedAt9 = await oneField((e) => (e.i === 9 ? undefined : `k${e.i % 3}`), (e) => e.i, wasm);
      expect(undefinedAt9).toMatch(/returned undefined/);
      expect(undefinedAt9).toMatch(/"i":9/);
    });

    it(`the one numeric field's first non-number fails the job naming the record (${wasm ? 'WASM' : 'JS'} kernel)`, async () => {
      const message = await oneField((e) => e.i % 3, (e) => (e.i === 12 ? 'twelve' : e.i), wasm);
      expect(message).toMatch(/sum/);
      expect(message).toMatch(/"i":12/);
    });
  }
});
