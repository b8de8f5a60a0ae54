// Snapshot an operator mid-stream, restore it into fresh instances, and keep asserting (Flink's
// WindowOperatorTest pattern). Restoring into two instances that split the key groups is a
// rescale from parallelism 1 to 2.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WindowOperator } from '../../src/windowing/window-operator';
import { KeyedProcessOperator } from '../../src/operators/process-operator';
import { KeySelector } from '../../src/runtime/key-selector';
import { AggregatingStateDescriptor, ValueStateDescriptor, keyGroupRangeForOperator, session, sliding, tumbling, type ValueState } from '../../src/index';
import { eventTimeTrigger } from '../../src/windowing/triggers/event-time';
import type { WindowAssigner } from '../../src/windowing/window-assigner';
import type { Operator } from '../../src/types';
import { OperatorHarness } from '../support/operator-harness';

interface Ev {
  readonly k: string;
  readonly v: number;
}

const sumCount = {
  createAccumulator: () => [0, 0],
  add: (e: Ev, acc: number[]) => [acc[0]! + e.v, acc[1]! + 1],
  getResult: (acc: number[]) => acc,
  merge: (a: number[], b: number[]) => [a[0]! + b[0]!, a[1]! + b[1]!],
};

function windowOperator(assigner: WindowAssigner<Ev>, allowedLateness = 0): Operator<Ev, string> {
  return new WindowOperator<Ev, string>({
    assigner,
    trigger: eventTimeTrigger(),
    allowedLateness,
    lateOutput: undefined,
    contents: { kind: 'aggregating', descriptor: new AggregatingStateDescriptor('window-contents', sumCount) as never },
    windowFunction: (key, window, acc, _ctx, emit) => emit(`${String(key)}[${window.start},${window.end})=${(acc as number[]).join('/')}`),
    keySelector: new KeySelector<Ev, unknown>((e) => e.k, 'keyBy', undefined),
  }) as unknown as Operator<Ev, string>;
}

/** Runs `steps` straight through, and again with a snapshot after step `cut` restored into `parallelism` instances. */
async function compare(
  make: () => Operator<Ev, string>,
  steps: Array<{ records: Array<[Ev, number]> } | { watermark: number }>,
  cut: number,
  parallelism: number,
): Promise<void> {
  const run = (h: OperatorHarness<Ev, string>, from: number, to: number, keep?: (e: Ev) => boolean) => {
    for (const step of steps.slice(from, to)) {
      if ('watermark' in step) h.watermark(step.watermark);
      else h.process(keep === undefined ? step.records : step.records.filter(([e]) => keep(e)));
    }
  };
  const straight = new OperatorHarness(make());
  run(straight, 0, steps.length);

  const first = new OperatorHarness(make());
  run(first, 0, cut);
  const snapshot = await first.operator.snapshotState!(1);
  const restored: string[] = first.values();
  const { assignToKeyGroup } = await import('../../src/index');
  for (let i = 0; i < parallelism; i++) {
    const range = keyGroupRangeForOperator(128, parallelism, i);
    const h = new OperatorHarness(make());
    h.operator.restoreState!([snapshot], range);
    const owns = (e: Ev) => {
      const kg = assignToKeyGroup(e.k, 128);
      return kg >= range.start && kg <= range.end;
    };
    run(h, cut, steps.length, owns);
    restored.push(...h.values());
  }
  expect(restored.sort()).toEqual(straight.values().sort());
}

const stepsArb = fc
  .array(
    fc.oneof(
      fc.record({ records: fc.array(fc.tuple(fc.record({ k: fc.constantFrom('a', 'b', 'c', 'd', 'e'), v: fc.integer({ min: -5, max: 5 }) }), fc.integer({ min: 0, max: 200 })), { maxLength: 8 }) }),
      fc.record({ watermark: fc.integer({ min: 0, max: 250 }) }),
    ),
    { minLength: 2, maxLength: 14 },
  )
  .map((steps) => {
    // Watermarks only advance.
    let w = -1;
    return steps.map((s) => ('watermark' in s ? { watermark: (w = Math.max(w, s.watermark)) } : s));
  });

describe('window operator snapshots', () => {
  for (const [name, assigner, lateness] of [
    ['tumbling', () => tumbling<Ev>(20), 0],
    ['sliding with lateness', () => sliding<Ev>(30, 10), 15],
    ['session', () => session<Ev>(12), 0],
    ['session with lateness', () => session<Ev>(12), 20],
  ] as const) {
    it(`${name}: restored at parallelism 1 and 2 continue exactly like an uninterrupted run`, async () => {
      await fc.assert(
        fc.asyncProperty(stepsArb, fc.nat(), fc.integer({ min: 1, max: 2 }), async (steps, cutSeed, parallelism) => {
          await compare(() => windowOperator(assigner(), lateness), steps, cutSeed % (steps.length + 1), parallelism);
        }),
        { seed: 5, numRuns: 60 },
      );
    });
  }
});

describe('keyed process function snapshots', () => {
  it('restore value state and pending event-time timers', async () => {
    const make = () => {
      const desc = new ValueStateDescriptor<number>('total', { defaultValue: 0 });
      let total!: ValueState<number>;
      return new KeyedProcessOperator<Ev, string>(
        {
          open: (rc) => {
            total = rc.getState(desc);
          },
          handlers: [
            (e, ctx) => {
              total.update(total.value()! + e.v);
              ctx.timerService().registerEventTimeTimer(100);
            },
          ],
          onTimer: (ts, ctx, out) => out.collect(`${String(ctx.getCurrentKey())}@${ts}=${total.value()}`),
        },
        [new KeySelector<Ev, unknown>((e) => e.k, 'keyBy', undefined)],
      );
    };
    const first = new OperatorHarness(make()).process([[{ k: 'a', v: 1 }, 0], [{ k: 'b', v: 2 }, 0]]);
    const snapshot = await first.operator.snapshotState!(1);
    const second = new OperatorHarness(make());
    second.operator.restoreState!([snapshot], { start: 0, end: 127 });
    second.process([[{ k: 'a', v: 10 }, 1]]).watermark(100);
    expect(second.values().sort()).toEqual(['a@100=11', 'b@100=2']);
  });

  it('refuses a snapshot of an unknown version, naming the operator', () => {
    const op = new OperatorHarness(windowOperator(tumbling(10)));
    expect(() => op.operator.restoreState!([Uint8Array.of(10, 1, 0, 0, 0, 6, 7, 0, 0, 0, 118, 101, 114, 115, 105, 111, 110, 4, 9, 0, 0, 0)], { start: 0, end: 127 })).toThrow(
      'operator-under-test: state snapshot version 9 is not supported',
    );
    expect(() => op.operator.restoreState!([Uint8Array.of(10, 1)], { start: 0, end: 127 })).toThrow('operator-under-test state (subtask 0)');
  });
});
