// Keyed operators snapshot asynchronously: `snapshotState` captures state and timers at the barrier
// and resolves with the bytes later. Records processed meanwhile must not leak into the snapshot,
// a restore from it must continue exactly like the run that had only seen the records before the
// barrier, and the live operator must continue exactly like a run without any snapshot.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyedProcessOperator } from '../../src/operators/process-operator';
import { KeySelector } from '../../src/runtime/key-selector';
import { MemoryCheckpointStorage, StreamEnvironment, ValueStateDescriptor, keyBy, process, type JobHandle, type ValueState } from '../../src/index';
import { OperatorHarness } from '../support/operator-harness';

interface Ev {
  readonly k: string;
  readonly v: number;
}

/**
 * Per key a `{ sum }` object mutated in place (never `update`d after the first record), and an
 * event-time timer at 100 + |v|; `v = 0` clears the key's state and deletes its timer at 100.
 */
function makeOperator(): KeyedProcessOperator<Ev, string> {
  const desc = new ValueStateDescriptor<{ sum: number }>('total');
  let total!: ValueState<{ sum: number }>;
  return new KeyedProcessOperator<Ev, string>(
    {
      open: (rc) => {
        total = rc.getState(desc);
      },
      handlers: [
        (e, ctx) => {
          if (e.v === 0) {
            total.clear();
            ctx.timerService().deleteEventTimeTimer(100);
            return;
          }
          const t = total.value();
          if (t === undefined) total.update({ sum: e.v });
          else t.sum += e.v;
          ctx.timerService().registerEventTimeTimer(100 + Math.abs(e.v));
        },
      ],
      onTimer: (ts, ctx, out) => out.collect(`${String(ctx.getCurrentKey())}@${ts}=${total.value()?.sum ?? '-'}`),
    },
    [new KeySelector<Ev, unknown>((e) => e.k, 'keyBy', undefined)],
  );
}

const records = fc.array(
  fc.tuple(fc.record({ k: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g'), v: fc.integer({ min: -3, max: 3 }) }), fc.constant(0)),
  { maxLength: 30 },
);

/** The output of a fresh operator fed `batches`, then a watermark at +∞. */
function reference(...batches: Array<ReadonlyArray<readonly [Ev, number]>>): string[] {
  const h = new OperatorHarness(makeOperator());
  for (const b of batches) h.process(b);
  return h.watermark(Number.POSITIVE_INFINITY).values().sort();
}

async function restoredOutput(bytes: Uint8Array, after: ReadonlyArray<readonly [Ev, number]> = []): Promise<string[]> {
  const h = new OperatorHarness(makeOperator());
  h.operator.restoreState!([bytes], { start: 0, end: 127 });
  return h.process(after).watermark(Number.POSITIVE_INFINITY).values().sort();
}

describe('asynchronous keyed snapshots', () => {
  it('hold the state and timers at the barrier; records after it neither leak in nor get lost', async () => {
    await fc.assert(
      fc.asyncProperty(records, records, records, async (before, during, later) => {
        const h = new OperatorHarness(makeOperator()).process(before);
        const pending = h.operator.snapshotState!(1);
        h.process(during);
        const bytes = await pending;
        h.process(later);
        // The snapshot is the state after `before`: restored, it continues like that run.
        expect(await restoredOutput(bytes, later)).toEqual(reference(before, later));
        // The live operator was not disturbed by copy-on-write.
        expect(h.watermark(Number.POSITIVE_INFINITY).values().sort()).toEqual(reference(before, during, later));
      }),
      { seed: 17, numRuns: 150 },
    );
  });

  it('a second barrier completes the first snapshot, and each holds its own barrier state', async () => {
    const a: Array<[Ev, number]> = [[{ k: 'a', v: 1 }, 0], [{ k: 'b', v: 2 }, 0]];
    const b: Array<[Ev, number]> = [[{ k: 'a', v: 10 }, 0], [{ k: 'b', v: 0 }, 0], [{ k: 'c', v: 3 }, 0]];
    const c: Array<[Ev, number]> = [[{ k: 'a', v: 100 }, 0], [{ k: 'd', v: 1 }, 0]];
    const h = new OperatorHarness(makeOperator()).process(a);
    const first = h.operator.snapshotState!(1);
    h.process(b);
    const second = h.operator.snapshotState!(2);
    h.process(c);
    const [one, two] = await Promise.all([first, second]);
    expect(await restoredOutput(one)).toEqual(reference(a));
    expect(await restoredOutput(two)).toEqual(reference(a, b));
    expect(await restoredOutput(two)).toEqual(['a@101=11', 'a@110=11', 'b@102=-', 'c@103=3']);
  });

  it('closing the operator mid-snapshot cancels it', async () => {
    const h = new OperatorHarness(makeOperator()).process([[{ k: 'a', v: 1 }, 0]]);
    const pending = h.operator.snapshotState!(7);
    h.operator.close();
    await expect(pending).rejects.toThrow('operator-under-test: closed while the snapshot of checkpoint 7 was being encoded');
  });

  it('reads a version-1 snapshot (sluice 0.1) and refuses unknown versions by number', async () => {
    // Written by the synchronous encoder of sluice 0.1: key 'a' with total 3 and a timer at 100.
    const v1 = Uint8Array.from(atob(V1_SNAPSHOT), (c) => c.charCodeAt(0));
    expect(await restoredOutput(v1)).toEqual(['a@100=3']);
    const v3 = new Uint8Array(24);
    new DataView(v3.buffer).setUint32(0, 0x534b4c53, true);
    new DataView(v3.buffer).setUint32(4, 3, true);
    const h = new OperatorHarness(makeOperator());
    expect(() => h.operator.restoreState!([v3], { start: 0, end: 127 })).toThrow(
      'operator-under-test state (subtask 0): keyed state snapshot version 3 is not supported (this sluice reads versions 1 and 2)',
    );
  });
});

describe('asynchronous snapshots in a running job', () => {
  /** A keyed counter job over `keys` keys that runs until canceled; `onRecord` sees each record index. */
  async function counterJob(keys: number, onRecord: (i: number) => void, value: (i: number) => unknown = (i) => i): Promise<JobHandle> {
    const env = new StreamEnvironment({ checkpoint: { interval: 3_600_000, storage: new MemoryCheckpointStorage() }, restart: { strategy: 'none' } });
    const desc = new ValueStateDescriptor<unknown>('v');
    let state!: ValueState<unknown>;
    env
      .fromGenerator((i) => i)
      .pipe(
        keyBy((i: number) => i % keys),
        process<number, never, number>(
          {
            open: (rc) => {
              state = rc.getState(desc);
            },
            processElement: (i) => {
              state.update(value(i));
              onRecord(i);
            },
          },
          { uid: 'counter' },
        ),
      )
      .sinkTo({ name: 'discard', write() {} });
    return env.execute('async snapshot');
  }

  it('a state value that cannot be encoded fails the job with the codec error', async () => {
    class Point {}
    const handle: { job?: JobHandle } = {};
    let requested = false;
    const job = (handle.job = await counterJob(
      100,
      (i) => {
        if (i === 500 && !requested) {
          requested = true;
          handle.job!.savepoint().catch(() => {});
        }
      },
      (i) => (i % 100 === 7 ? new Point() : i),
    ));
    await expect(job.done).rejects.toThrow('instance of Point');
  });

  it('canceling the job while a snapshot is encoding ends it canceled; the savepoint fails', async () => {
    const handle: { job?: JobHandle } = {};
    let savepoint: Promise<unknown> | undefined;
    let encodings = 0;
    // Key 0's value cancels the job when the snapshot encodes it, then holds the encoder past its
    // 4 ms slice: the scheduler runs next, sees the cancel and closes the operator mid-snapshot.
    const trap = {
      get x(): number {
        if (encodings++ === 0) void handle.job!.cancel();
        const t0 = performance.now();
        while (performance.now() - t0 < 6) {
          // busy: the slice overruns its deadline
        }
        return 1;
      },
    };
    const job = (handle.job = await counterJob(
      20_000,
      (i) => {
        if (i === 30_000) savepoint = handle.job!.savepoint();
      },
      (i) => (i % 20_000 === 0 ? trap : i),
    ));
    const result = await job.done;
    expect(result.status).toBe('canceled');
    expect(encodings).toBe(1);
    await expect(savepoint).rejects.toThrow('The job attempt ended (canceled)');
  });
});

/**
 * Written by sluice 0.1's synchronous encoder for this test's operator after a=1, a=2: the value
 * codec's `{ version: 1, watermark: -Infinity, state: { tables: [['total', [[81, 'a', [[null, { sum: 3 }]]]]]] },
 * timers: { event: [[100, 'a', 'a', null, null]], processing: [] } }`.
 */
const V1_SNAPSHOT =
  'CgQAAAAGBwAAAHZlcnNpb24EAQAAAAYJAAAAd2F0ZXJtYXJrBQAAAAAAAPD/BgUAAABzdGF0ZQoBAAAABgYAAAB0YWJsZXMJAQAAAAkCAAAABgUAAAB0b3RhbAkBAAAACQMAAAAEUQAAAAYBAAAAYQkBAAAACQIAAAABCgEAAAAGAwAAAHN1bQQDAAAABgYAAAB0aW1lcnMKAgAAAAYFAAAAZXZlbnQJAQAAAAkFAAAABGQAAAAGAQAAAGEGAQAAAGEBAQYKAAAAcHJvY2Vzc2luZwkAAAAA';
