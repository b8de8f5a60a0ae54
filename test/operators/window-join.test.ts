// Window join and coGroup, pinned to Flink's JoinedStreams / CoGroupedStreams (apache/flink,
// flink-streaming-java/.../api/datastream/JoinedStreams.java: a coGroup whose function loops
// `for (T1 val1 : first) for (T2 val2 : second) join(val1, val2)`) and the documentation:
// https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/operators/joining/#window-join
import { describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  StreamEnvironment,
  coGroup,
  filter,
  fromArray,
  keyBy,
  session,
  sliding,
  tumbling,
  watermarks,
  windowJoin,
  type CoGroupFunction,
  type Stream,
  type WindowAssigner,
} from '../../src/index';
import { mulberry32 } from '../../bench/random';

interface Ev {
  readonly k: string;
  readonly ts: number;
  readonly id: string;
}

const ev = (id: string, ts: number, k = 'a'): Ev => ({ k, ts, id });

function streams(env: StreamEnvironment, left: Ev[], right: Ev[], outOfOrderness: number): [Stream<Ev>, Stream<Ev>] {
  const keyed = (xs: Ev[]): Stream<Ev> => env.fromArray(xs).pipe(watermarks({ timestamp: (e: Ev) => e.ts, outOfOrderness }), keyBy((e: Ev) => e.k));
  return [keyed(left), keyed(right)];
}

async function joined(left: Ev[], right: Ev[], assigner: WindowAssigner<unknown>, options: { outOfOrderness?: number; batchSize?: number; allowedLateness?: number } = {}): Promise<string[]> {
  const env = new StreamEnvironment({ batchSize: options.batchSize ?? 1 });
  const [l, r] = streams(env, left, right, options.outOfOrderness ?? 1000);
  const out: string[] = [];
  await l
    .pipe(windowJoin(r, assigner, (a: Ev, b: Ev) => `${a.id}${b.id}`, { allowedLateness: options.allowedLateness }))
    .forEach((pair, ts) => out.push(`${pair}@${ts}`));
  return out;
}

describe('windowJoin (Flink: Window Join)', () => {
  it('tumbling: every left element meets every right one of its key and window, stamped with the window end − 1', async () => {
    // The documentation's tumbling-window picture, in miniature: windows of 2 ms.
    const left = [ev('a0', 0), ev('a1', 1), ev('a2', 2), ev('a3', 3), ev('a4', 4)];
    const right = [ev('b0', 0), ev('b1', 1), ev('b3', 3), ev('b5', 5)];
    expect((await joined(left, right, tumbling(2))).sort()).toEqual(
      ['a0b0@1', 'a0b1@1', 'a1b0@1', 'a1b1@1', 'a2b3@3', 'a3b3@3', 'a4b5@5'].sort(),
    );
  });

  it('is an inner join: a key or window with one side empty gives nothing', async () => {
    const left = [ev('x', 0, 'a'), ev('y', 0, 'b'), ev('z', 10, 'a')];
    const right = [ev('1', 1, 'a'), ev('2', 1, 'c'), ev('3', 25, 'a')];
    expect(await joined(left, right, tumbling(10))).toEqual(['x1@9']);
  });

  it('sliding: a pair meets in every window the two share (Flink: sliding window join)', async () => {
    const out = await joined([ev('a', 3)], [ev('b', 4)], sliding(4, 2));
    // a (3) is in [0,4) and [2,6); b (4) in [2,6) and [4,8): they share [2,6).
    expect(out).toEqual(['ab@5']);
  });

  it('session: elements of both inputs extend the same session', async () => {
    // Gap 3: a at 0, b at 2, a2 at 4 are one session [0, 7); b2 at 10 is alone.
    const out = await joined([ev('a', 0), ev('a2', 4)], [ev('b', 2), ev('b2', 10)], session(3));
    expect(out.sort()).toEqual(['a2b@6', 'ab@6']);
  });

  it('equals a nested loop over (key, window) on seeded random streams, at batch sizes 1, 7 and 1024', async () => {
    for (let seed = 1; seed <= 5; seed++) {
      const random = mulberry32(seed);
      const make = (prefix: string, n: number): Ev[] => {
        const xs: Ev[] = [];
        let t = 0;
        for (let i = 0; i < n; i++) {
          t += Math.floor(random() * 4);
          xs.push({ k: `k${Math.floor(random() * 3)}`, ts: t - Math.floor(random() * 20), id: `${prefix}${i}.` });
        }
        return xs;
      };
      const left = make('L', 150);
      const right = make('R', 150);
      const size = 10 + Math.floor(random() * 30);
      const expected: string[] = [];
      for (const a of left) {
        for (const b of right) {
          const w = Math.floor(a.ts / size);
          if (a.k === b.k && w === Math.floor(b.ts / size)) expected.push(`${a.id}${b.id}@${(w + 1) * size - 1}`);
        }
      }
      expected.sort();
      expect(expected.length).toBeGreaterThan(100);
      for (const batchSize of [1, 7, 1024]) {
        expect((await joined(left, right, tumbling(size), { outOfOrderness: 20, batchSize })).sort(), `seed ${seed}, size ${size}, batch ${batchSize}`).toEqual(expected);
      }
    }
  });

  it('drops an element whose window has fired; with allowed lateness the window fires again with all its pairs', async () => {
    const env = new StreamEnvironment({ batchSize: 1 });
    // One source, so the order of arrival is exact: the right side's late b2 comes after the
    // watermark (from a at 20) has passed window [0, 10).
    const all = env.fromArray([ev('a', 1), ev('b', 2), ev('c', 20), ev('b2', 3)]).pipe(watermarks({ timestamp: (e: Ev) => e.ts, outOfOrderness: 0 }));
    const left = all.pipe(filter((e: Ev) => !e.id.startsWith('b')), keyBy((e: Ev) => e.k));
    const right = all.pipe(filter((e: Ev) => e.id.startsWith('b')), keyBy((e: Ev) => e.k));
    const run = async (allowedLateness: number): Promise<string[]> => {
      const out: string[] = [];
      await left
        .pipe(windowJoin(right, tumbling(10), (a: Ev, b: Ev) => `${a.id}${b.id}`, { allowedLateness }))
        .forEach((pair) => out.push(pair));
      return out;
    };
    expect(await run(0)).toEqual(['ab']);
    // Late firing (EventTimeTrigger.onElement with the window's end passed): all pairs again.
    expect(await run(100)).toEqual(['ab', 'ab', 'ab2']);
  });
});

describe('coGroup (Flink: Window CoGroup)', () => {
  it('gets both sides of a key and window in arrival order, either side maybe empty', async () => {
    const env = new StreamEnvironment({ batchSize: 1 });
    const [l, r] = streams(env, [ev('x', 1, 'a'), ev('y', 2, 'a'), ev('z', 3, 'b')], [ev('1', 4, 'a'), ev('2', 5, 'c')], 100);
    const fn: CoGroupFunction<Ev, Ev, string> = {
      coGroup(lefts, rights, out, context) {
        out.collect(`${context.window.start}:[${lefts.map((e) => e.id).join(',')}]x[${rights.map((e) => e.id).join(',')}]`);
      },
    };
    const rows = await l.pipe(coGroup(r, tumbling(10), fn)).collect();
    expect(rows.sort()).toEqual(['0:[]x[2]', '0:[x,y]x[1]', '0:[z]x[]']);
  });

  it('writes a left outer join', async () => {
    const env = new StreamEnvironment();
    const [l, r] = streams(env, [ev('x', 1, 'a'), ev('y', 2, 'b')], [ev('1', 4, 'a')], 100);
    const rows = await l
      .pipe(
        coGroup(r, tumbling(10), (lefts: Ev[], rights: Ev[], out) => {
          for (const a of lefts) {
            if (rights.length === 0) out.collect(`${a.id}-null`);
            for (const b of rights) out.collect(`${a.id}-${b.id}`);
          }
        }),
      )
      .collect();
    expect(rows.sort()).toEqual(['x-1', 'y-null']);
  });

  it('needs two keyed streams', () => {
    const keyed = fromArray([ev('x', 1)]).pipe(keyBy((e: Ev) => e.k));
    expect(() => fromArray([ev('y', 1)]).pipe(windowJoin(keyed, tumbling(10), () => 0))).toThrow(ConfigurationError);
    expect(() => keyed.pipe(coGroup(fromArray([1]), tumbling(10), () => {}))).toThrow(/two keyed streams/);
  });
});
