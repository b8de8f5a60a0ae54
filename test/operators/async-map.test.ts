// Async I/O, pinned to Flink's AsyncWaitOperator (apache/flink, flink-streaming-java/.../api/
// operators/async/AsyncWaitOperator.java, queue/OrderedStreamElementQueue.java and
// UnorderedStreamElementQueue.java) and its documentation:
// https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/operators/asyncio/
import { describe, expect, it } from 'vitest';
import {
  AsyncTimeoutError,
  CollectingTwoPhaseCommitSink,
  ConfigurationError,
  ManualClock,
  MemoryCheckpointStorage,
  StreamEnvironment,
  asyncMap,
  count,
  keyBy,
  map,
  process,
  tap,
  tumbling,
  watermarks,
  window,
} from '../../src/index';
import { Signal } from '../support/signal';

interface Ev {
  readonly id: string;
  readonly ts: number;
}

/** Requests the test answers by hand, in the order it chooses. */
class Requests<T, O> {
  readonly started = new Signal<T>();
  private readonly answers = new Map<T, (o: O) => void>();
  private readonly failures = new Map<T, (e: unknown) => void>();

  readonly fn = (value: T): Promise<O> =>
    new Promise<O>((resolve, reject) => {
      this.answers.set(value, resolve);
      this.failures.set(value, reject);
      this.started.fire(value);
    });

  async waitFor(n: number): Promise<void> {
    for (let i = 0; i < n; i++) await this.started.next();
  }

  answer(value: T, result: O): void {
    this.answers.get(value)!(result);
  }

  fail(value: T, error: unknown): void {
    this.failures.get(value)!(error);
  }
}

describe('asyncMap (Flink: Async I/O)', () => {
  const events: Ev[] = [
    { id: 'A', ts: 1 },
    { id: 'B', ts: 1 },
    { id: 'C', ts: 100 },
  ];

  async function run(ordered: boolean, answerOrder: string[]): Promise<Array<[string, number | undefined]>> {
    const requests = new Requests<string, string>();
    const env = new StreamEnvironment();
    const out: Array<[string, number | undefined]> = [];
    const done = env
      .fromArray(events)
      .pipe(
        watermarks({ timestamp: (e: Ev) => e.ts, outOfOrderness: 0 }),
        asyncMap((e: Ev) => requests.fn(e.id), { ordered }),
      )
      .forEach((v, ts) => out.push([v, ts]));
    await requests.waitFor(3);
    for (const id of answerOrder) requests.answer(id, id.toLowerCase());
    await done;
    return out;
  }

  it('ordered (orderedWait): results in input order, whatever order they come in, with their timestamps', async () => {
    expect(await run(true, ['C', 'B', 'A'])).toEqual([
      ['a', 1],
      ['b', 1],
      ['c', 100],
    ]);
  });

  it('unordered (unorderedWait): a result goes out when ready, but never across a watermark', async () => {
    // Queue: A, watermark 0, B, C, watermark 99. C answered first waits behind A and the watermark;
    // once A is in, A, the watermark and C go out, and B when it comes.
    const requests = new Requests<string, string>();
    const env = new StreamEnvironment({ batchSize: 1024 });
    const out: string[] = [];
    const seen = new Signal<string>();
    const done = env
      .fromArray(events)
      .pipe(
        watermarks({ timestamp: (e: Ev) => e.ts, outOfOrderness: 0 }),
        asyncMap((e: Ev) => requests.fn(e.id), { ordered: false }),
        tap((v) => seen.fire(v)),
      )
      .forEach((v) => out.push(v));
    await requests.waitFor(3);
    requests.answer('C', 'c');
    requests.answer('A', 'a');
    expect([await seen.next(), await seen.next()]).toEqual(['a', 'c']);
    requests.answer('B', 'b');
    await done;
    expect(out).toEqual(['a', 'c', 'b']);
    // The same answers in ordered mode keep the input order.
    expect((await run(true, ['C', 'A', 'B'])).map(([v]) => v)).toEqual(['a', 'b', 'c']);
  });

  it('keeps at most `capacity` requests in flight, and every result arrives', async () => {
    let inFlight = 0;
    let most = 0;
    const env = new StreamEnvironment({ batchSize: 16 });
    const rows = await env
      .fromArray(Array.from({ length: 200 }, (_, i) => i))
      .pipe(
        asyncMap(
          async (i: number) => {
            most = Math.max(most, ++inFlight);
            await new Promise((resolve) => setTimeout(resolve, 0));
            inFlight--;
            return i * 2;
          },
          { capacity: 5 },
        ),
      )
      .collect();
    expect(rows).toEqual(Array.from({ length: 200 }, (_, i) => i * 2));
    expect(most).toBe(5);
  });

  it('the end of input waits for results in flight: a window downstream counts them all', async () => {
    const env = new StreamEnvironment();
    const rows = await env
      .fromArray(Array.from({ length: 50 }, (_, i) => ({ id: `e${i}`, ts: i * 10 })))
      .pipe(
        watermarks({ timestamp: (e: Ev) => e.ts }),
        asyncMap(async (e: Ev) => {
          await new Promise((resolve) => setTimeout(resolve, 0));
          return { ...e, k: 'all' };
        }),
        keyBy((e) => e.k),
        window(tumbling(100)),
        count(),
      )
      .collect();
    expect(rows.map((r) => r.count)).toEqual([10, 10, 10, 10, 10]);
  });

  it('a rejected request fails the job, naming the operator and the element', async () => {
    const requests = new Requests<number, number>();
    const env = new StreamEnvironment();
    const job = await env
      .fromArray([1, 2, 3])
      .pipe(asyncMap((x: number) => requests.fn(x), { name: 'lookup' }))
      .execute();
    await requests.waitFor(3);
    requests.fail(2, new Error('HTTP 503'));
    await expect(job.done).rejects.toThrow(/lookup.*HTTP 503/s);
    await expect(job.done).rejects.toThrow(/2/);
  });

  it('a request that outlives `timeout` fails the job, or gives onTimeout’s result (Flink: AsyncFunction.timeout)', async () => {
    const slow = async (clock: ManualClock, onTimeout?: (x: number) => number): Promise<number[]> => {
      const requests = new Requests<number, number>();
      const env = new StreamEnvironment({ clock });
      const emitted = new Signal<number>();
      const done = env
        .fromArray([1, 2])
        .pipe(
          asyncMap((x: number) => requests.fn(x), { timeout: 1000, onTimeout }),
          tap((x) => emitted.fire(x)),
        )
        .collect();
      await requests.waitFor(2);
      requests.answer(1, 10);
      await emitted.next();
      clock.advance(1000);
      return done;
    };
    const error = await slow(new ManualClock(0)).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/asyncMap.*no result within 1000 ms/s);
    expect(error?.cause).toBeInstanceOf(AsyncTimeoutError);
    expect(await slow(new ManualClock(0), (x) => -x)).toEqual([10, -2]);
  });

  it('checkpoints the elements in flight and asks again after a restore: exactly-once through a failure', async () => {
    const input = Array.from({ length: 300 }, (_, i) => i);
    const runJob = async (failAt?: number): Promise<{ committed: number[]; restarts: number; asked: number }> => {
      const clock = new ManualClock(0);
      const sink = new CollectingTwoPhaseCommitSink<number>();
      const env = new StreamEnvironment({ clock, batchSize: 8, checkpoint: { interval: 10, storage: new MemoryCheckpointStorage() }, restart: { strategy: 'fixed-delay', attempts: 2, delay: 0 } });
      let seen = 0;
      let failed = false;
      let asked = 0;
      env
        .fromArray(input)
        .pipe(
          // A checkpoint every 16 elements read, while requests are in flight.
          tap(() => {
            if (++seen % 16 === 0) clock.advance(10);
          }),
          asyncMap(
            async (i: number) => {
              asked++;
              await new Promise((resolve) => setTimeout(resolve, 0));
              return i * 3;
            },
            { capacity: 12, ordered: false, uid: 'lookup' },
          ),
          map((x: number) => {
            if (x === failAt && !failed) {
              failed = true;
              throw new Error('injected');
            }
            return x;
          }),
        )
        .sinkTo(sink);
      const job = await env.execute('async');
      await job.done;
      return { committed: sink.committed, restarts: job.metrics().restarts ?? 0, asked };
    };
    const expected = await runJob();
    expect([...expected.committed].sort((a, b) => a - b)).toEqual(input.map((i) => i * 3));
    const recovered = await runJob(600);
    expect(recovered.restarts).toBe(1);
    expect([...recovered.committed].sort((a, b) => a - b)).toEqual(input.map((i) => i * 3));
    // Restarted from a checkpoint, not from scratch: fewer than 300 + the 200 asked before the failure.
    expect(recovered.asked).toBeLessThan(500);
  });

  it('refuses a capacity or timeout that cannot work', () => {
    expect(() => asyncMap(async (x: number) => x, { capacity: 0 })).toThrow(ConfigurationError);
    expect(() => asyncMap(async (x: number) => x, { timeout: 0 })).toThrow(ConfigurationError);
    expect(() => asyncMap(null as never)).toThrow(ConfigurationError);
  });

  it('results of requests answered at once (no promise) go out as a map’s would', async () => {
    const env = new StreamEnvironment();
    const rows = await env
      .fromArray([1, 2, 3])
      .pipe(
        asyncMap((x: number) => x + 1),
        process<number, number>({ processElement: (x, _ctx, out) => out.collect(x * 10) }),
      )
      .collect();
    expect(rows).toEqual([20, 30, 40]);
  });
});
