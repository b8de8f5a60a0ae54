import { describe, expect, it } from 'vitest';
import {
  StreamEnvironment,
  aggregate,
  callbackSink,
  count,
  filter,
  keyBy,
  map,
  sideOutput,
  tumbling,
  watermarks,
  window,
} from '../../src/index';
import { Signal } from '../support/signal';

describe('the job handle', () => {
  it('reports created → running → finished, and metrics per operator', async () => {
    const env = new StreamEnvironment();
    const events = Array.from({ length: 100 }, (_, i) => ({ k: i % 4, ts: i * 100 }));
    const job = await env
      .fromArray(events)
      .pipe(
        watermarks({ timestamp: (e) => e.ts }, { name: 'time' }),
        filter((e) => e.k !== 3, { name: 'no-threes' }),
        keyBy((e) => e.k),
        window(tumbling(1000)),
        aggregate({ n: count() }, { name: 'per-second', uid: 'counts' }),
      )
      .execute('metrics job');
    expect(job.name).toBe('metrics job');
    expect(job.status).toBe('running');
    const result = await job.done;
    expect(result.status).toBe('finished');
    expect(job.status).toBe('finished');

    const ops = Object.fromEntries(result.metrics.operators.map((o) => [o.name, o]));
    expect(ops.fromArray!.recordsOut).toBe(100);
    expect(ops.time!.recordsIn).toBe(100);
    expect(ops['no-threes']!.recordsOut).toBe(75);
    expect(ops['per-second']!.uid).toBe('counts');
    expect(ops['per-second']!.recordsIn).toBe(75);
    expect(ops['per-second']!.recordsOut).toBe(30); // 10 seconds × 3 keys
    expect(ops['per-second']!.watermark).toBe(Number.POSITIVE_INFINITY);
    expect(ops['per-second']!.extra.numLateRecordsDropped).toBe(0);
    for (const o of result.metrics.operators) {
      expect(o.busyTimeMs).toBeGreaterThanOrEqual(0);
      expect(o.idleTimeMs).toBeGreaterThanOrEqual(0);
      expect(o.backPressuredTimeMs).toBeGreaterThanOrEqual(0);
    }
    expect(result.metrics.busyTimeMs).toBeGreaterThan(0);
  });

  it('counts late records dropped without a late side output', async () => {
    const result = await new StreamEnvironment()
      .fromArray([{ ts: 5_000 }, { ts: 100 }])
      .pipe(watermarks({ timestamp: (e) => e.ts }), keyBy(() => 'k'), window(tumbling(1000)), count())
      .forEach(() => {});
    const windowOp = result.metrics.operators.find((o) => o.name.startsWith('window'))!;
    expect(windowOp.extra.numLateRecordsDropped).toBe(1);
  });

  it('counts side-output records nobody reads', async () => {
    const late = sideOutput<{ ts: number }>('late');
    const result = await new StreamEnvironment()
      .fromArray([{ ts: 5_000 }, { ts: 100 }])
      .pipe(watermarks({ timestamp: (e) => e.ts }), keyBy(() => 'k'), window(tumbling(1000), { lateOutput: late }), count())
      .forEach(() => {});
    const windowOp = result.metrics.operators.find((o) => o.name.startsWith('window'))!;
    expect(windowOp.extra.droppedSideOutputRecords).toBe(1);
  });

  it('cancels an unbounded job and reports idle time while it waits', async () => {
    const env = new StreamEnvironment();
    const passed = new Signal<number>();
    env
      .fromGenerator((i) => i, { eventsPerSecond: 1_000 })
      .pipe(map((i) => i))
      .sinkTo(callbackSink((i) => passed.fire(i)));
    const job = await env.execute();
    await passed.next();
    await passed.next();
    expect(job.status).toBe('running');
    await job.cancel();
    expect(job.status).toBe('canceled');
    const result = await job.done;
    expect(result.status).toBe('canceled');
    expect(result.metrics.idleTimeMs).toBeGreaterThan(0);
  });

  it('a job canceled right after it starts processes nothing', async () => {
    const seen: number[] = [];
    const env = new StreamEnvironment();
    env.fromGenerator((i) => i).sinkTo(callbackSink((i) => seen.push(i)));
    const job = await env.execute();
    await job.cancel();
    expect(job.status).toBe('canceled');
    expect(seen).toEqual([]);
  });
});
