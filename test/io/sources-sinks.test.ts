import { Observable, Subject, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  ManualClock,
  StreamEnvironment,
  callbackSink,
  fromArray,
  fromAsyncIterable,
  fromIterable,
  fromObservable,
  fromReadableStream,
  map,
  toObservable,
  toWritableStream,
  type Source,
} from '../../src/index';

describe('sources', () => {
  it('fromArray and fromIterable keep order across many batches', async () => {
    const values = Array.from({ length: 5000 }, (_, i) => i);
    expect(await fromArray(values).collect()).toEqual(values);
    expect(await fromIterable(new Set(values)).collect()).toEqual(values);
    function* gen() {
      for (let i = 0; i < 3000; i++) yield i * 2;
    }
    expect(await fromIterable(gen()).collect()).toEqual(Array.from({ length: 3000 }, (_, i) => i * 2));
  });

  it('fromAsyncIterable reads an async generator', async () => {
    async function* gen() {
      for (let i = 0; i < 100; i++) {
        if (i % 10 === 0) await Promise.resolve();
        yield i;
      }
    }
    expect(await fromAsyncIterable(gen()).pipe(map((x) => x + 1)).collect()).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
  });

  it('fromAsyncIterable hands on what it has gathered when the iterable stalls', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    async function* stalls(): AsyncGenerator<number> {
      yield 1;
      yield 2;
      await gate;
      yield 3;
    }
    const env = new StreamEnvironment();
    const seen: number[] = [];
    await env.fromAsyncIterable(stalls()).forEach((x) => {
      seen.push(x);
      if (seen.length === 2) release();
    });
    // 1 and 2 reached the sink while 3 was not yet produced: the stall did not hold them back.
    expect(seen).toEqual([1, 2, 3]);
  });

  it('fromObservable reads any RxJS Observable and fails the job on its error', async () => {
    expect(await fromObservable(new Observable<number>((s) => { s.next(1); s.next(2); s.complete(); })).collect()).toEqual([1, 2]);
    const subject = new Subject<number>();
    const done = fromObservable(subject).collect();
    subject.next(7);
    subject.error(new Error('upstream broke'));
    await expect(done).rejects.toThrow('upstream broke');
  });

  it('fromReadableStream reads a WHATWG stream', async () => {
    const stream = new ReadableStream<string>({
      start(controller) {
        for (const w of ['a', 'b', 'c']) controller.enqueue(w);
        controller.close();
      },
    });
    expect(await fromReadableStream(stream).collect()).toEqual(['a', 'b', 'c']);
  });

  it('fromGenerator with a count is bounded; with a rate it follows the clock', async () => {
    const env = new StreamEnvironment();
    expect(await env.fromGenerator((i) => i * i, { count: 5 }).collect()).toEqual([0, 1, 4, 9, 16]);

    const clock = new ManualClock(0);
    const timed = new StreamEnvironment({ clock });
    const seen: number[] = [];
    timed.fromGenerator((i) => i, { count: 30, eventsPerSecond: 10 }).sinkTo(callbackSink((v) => seen.push(v)));
    const job = await timed.execute();
    // Nothing is due at t = 0; each advance releases what the rate allows, and no more.
    for (let t = 0; t < 3000 && job.status === 'running'; t += 100) {
      const before = seen.length;
      clock.advance(100);
      await new Promise<void>((r) => setTimeout(r, 0));
      expect(seen.length - before).toBeLessThanOrEqual(2);
    }
    await job.done;
    expect(seen).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });

  it('a custom Source exposes its position and is read in batches', async () => {
    let reads = 0;
    const positions: number[] = [];
    const source: Source<number> = {
      name: 'counter',
      bounded: true,
      createReader() {
        let next = 0;
        return {
          read(output, max) {
            reads++;
            positions.push(next);
            for (let i = 0; i < max && next < 2500; i++) output.collect(next++);
            return next >= 2500 ? 'end' : 'more';
          },
          position: () => next,
        };
      },
    };
    const env = new StreamEnvironment({ batchSize: 1000 });
    const out = await env.fromSource(source).collect();
    expect(out).toHaveLength(2500);
    expect(reads).toBe(3);
    expect(positions).toEqual([0, 1000, 2000]);
  });
});

describe('sinks', () => {
  it('toObservable runs the job per subscription and completes with it', async () => {
    const values = await lastValueFrom(toObservable(fromArray([1, 2, 3]).pipe(map((x) => x * 2))).pipe(toArray()));
    expect(values).toEqual([2, 4, 6]);
  });

  it('toObservable errors when the job fails', async () => {
    const failing = fromArray([1]).pipe(map(() => { throw new Error('nope'); }));
    await expect(lastValueFrom(toObservable(failing))).rejects.toThrow('nope');
  });

  it('toWritableStream writes every record, honouring backpressure, and closes the stream', async () => {
    const written: number[] = [];
    let closed = false;
    let maxQueued = 0;
    let queued = 0;
    const writable = new WritableStream<number>(
      {
        async write(chunk) {
          queued--;
          await Promise.resolve();
          written.push(chunk);
        },
        close() {
          closed = true;
        },
      },
      new CountQueuingStrategy({ highWaterMark: 16 }),
    );
    const counting = new StreamEnvironment({ batchSize: 100 }).fromArray(Array.from({ length: 3000 }, (_, i) => i)).pipe(
      map((x) => {
        queued++;
        maxQueued = Math.max(maxQueued, queued);
        return x;
      }),
    );
    const result = await toWritableStream(counting, writable);
    expect(result.status).toBe('finished');
    expect(written).toEqual(Array.from({ length: 3000 }, (_, i) => i));
    expect(closed).toBe(true);
    // The job stops reading when the stream's queue is full: at most one batch beyond it, where
    // without backpressure all 3000 records would be queued.
    expect(maxQueued).toBeLessThanOrEqual(16 + 100);
  });

  it('callbackSink and forEach see records with their timestamps', async () => {
    const seen: Array<[number, number | undefined]> = [];
    await fromArray([1, 2]).forEach((v, ts) => seen.push([v, ts]));
    expect(seen).toEqual([
      [1, undefined],
      [2, undefined],
    ]);
  });
});
