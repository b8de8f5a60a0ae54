// The session kernel operator snapshots mid-stream and restores into fresh instances — on the same
// kernel or the other one (WebAssembly ⇄ JS twin), at parallelism 1 or split over two key-group
// ranges, or two snapshots merged into one — and every restored run continues exactly like the
// uninterrupted one (Flink's WindowOperatorTest pattern; session windows:
// https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/operators/windows/#session-windows).
// Runs in Node and Chromium.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assignToKeyGroup, keyGroupRangeForOperator } from '../../src/index';
import { KeySelector } from '../../src/runtime/key-selector';
import { KernelSnapshotError } from '../../src/windowing/kernel-window-snapshot';
import { SessionKernelOperator, type SessionAggregateSpec } from '../../src/windowing/session-kernel-operator';
import { OperatorHarness } from '../support/operator-harness';

interface Ev {
  readonly k: unknown;
  readonly v: number;
}

type Step = { readonly records: ReadonlyArray<readonly [Ev, number]> } | { readonly watermark: number };
type Harness = OperatorHarness<Ev, Record<string, unknown>>;

const AGGREGATES: ReadonlyArray<SessionAggregateSpec<Ev>> = [
  { name: 'n', kind: 'count', field: undefined },
  { name: 's', kind: 'sum', field: (e) => e.v },
  { name: 'lo', kind: 'min', field: (e) => e.v },
  { name: 'mean', kind: 'avg', field: (e) => e.v },
];

function make(gap: number, lateness: number): SessionKernelOperator<Ev> {
  return new SessionKernelOperator<Ev>({
    gap,
    allowedLateness: lateness,
    lateOutput: undefined,
    keySelector: new KeySelector<Ev, unknown>((e) => e.k, 'keyBy', undefined),
    aggregates: AGGREGATES,
  });
}

/** JSON that tells −0 and NaN apart. */
function exact(_key: string, v: unknown): unknown {
  if (typeof v === 'number' && (Object.is(v, -0) || Number.isNaN(v))) return String(Object.is(v, -0) ? '-0' : v);
  return v;
}

const rendered = (h: Harness): string[] => h.values().map((v) => JSON.stringify(v, exact));

function run(h: Harness, steps: readonly Step[], keep: (e: Ev) => boolean = () => true): void {
  for (const step of steps) {
    if ('watermark' in step) h.watermark(step.watermark);
    else h.process(step.records.filter(([e]) => keep(e)));
  }
}

const owns =
  (parallelism: number, i: number) =>
  (e: Ev): boolean => {
    const range = keyGroupRangeForOperator(128, parallelism, i);
    const kg = assignToKeyGroup(e.k, 128);
    return kg >= range.start && kg <= range.end;
  };

/**
 * Runs `steps` straight through; and again at parallelism `before` up to step `cut`, snapshots
 * every subtask and restores all the snapshots into `after` fresh subtasks (of the other kernel
 * when `cross`). Every restored subtask must give the straight run's rows of its keys, in the same
 * order when it restores a single snapshot (merged snapshots interleave timers of one time
 * snapshot by snapshot, as the keyed-state path restores them).
 */
async function compare(steps: readonly Step[], cut: number, before: number, after: number, wasm: boolean, cross: boolean, gap: number, lateness: number): Promise<void> {
  const straight = await new OperatorHarness(make(gap, lateness), { wasm }).prepare();
  run(straight, [...steps, { watermark: Number.POSITIVE_INFINITY }]);
  const expected = rendered(straight);

  const snapshots: Uint8Array[] = [];
  const outputs: string[] = [];
  for (let i = 0; i < before; i++) {
    const h = await new OperatorHarness(make(gap, lateness), { wasm }).prepare();
    run(h, steps.slice(0, cut), owns(before, i));
    snapshots.push(await h.operator.snapshotState!(1));
    outputs.push(...rendered(h));
  }
  for (let i = 0; i < after; i++) {
    const h = new OperatorHarness(make(gap, lateness), { wasm: cross ? !wasm : wasm });
    h.operator.restoreState!(snapshots, keyGroupRangeForOperator(128, after, i)); // before prepare, as the executor does
    await h.prepare();
    const mine = owns(after, i);
    run(h, [...steps.slice(cut), { watermark: Number.POSITIVE_INFINITY }], mine);
    if (before === 1) {
      const ofMine = (row: string): boolean => mine({ k: revive((JSON.parse(row) as { key: unknown }).key), v: 0 });
      expect([...outputs.filter(ofMine), ...rendered(h)]).toEqual(expected.filter(ofMine));
    }
    outputs.push(...rendered(h));
  }
  expect([...outputs].sort()).toEqual([...expected].sort());
}

/** A key back from `exact` JSON. */
function revive(key: unknown): unknown {
  return key === '-0' ? -0 : key === 'NaN' ? Number.NaN : key;
}

const evArb = fc.record({
  k: fc.constantFrom<unknown>('a', 'b', 'c', 'd', 0, -0, 1, 2, 1.5, 2 ** 60, { id: 3 }),
  v: fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constantFrom(-0, 0.1, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53)),
});

const stepsArb: fc.Arbitrary<Step[]> = fc
  .array(
    fc.oneof(
      fc.record({ records: fc.array(fc.tuple(evArb, fc.integer({ min: 0, max: 200 })), { maxLength: 10 }) }),
      fc.record({ watermark: fc.integer({ min: 0, max: 220 }) }),
    ),
    { minLength: 4, maxLength: 24, size: 'max' },
  )
  .map((steps) => {
    // Watermarks only advance.
    let w = -1;
    return steps.map((s) => ('watermark' in s ? { watermark: (w = Math.max(w, s.watermark)) } : s));
  });

describe('session kernel operator snapshots', () => {
  it('restored on either kernel, at parallelism 1 or 2, from one or two snapshots, continues exactly like an uninterrupted run', async () => {
    await fc.assert(
      fc.asyncProperty(
        stepsArb,
        fc.nat(),
        fc.constantFrom([1, 1], [1, 2], [2, 1], [2, 2]),
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom(3, 15),
        fc.constantFrom(0, 20),
        async (steps, cutSeed, [before, after], wasm, cross, gap, lateness) => {
          await compare(steps, cutSeed % (steps.length + 1), before!, after!, wasm, cross, gap, lateness);
        },
      ),
      { seed: 7, numRuns: 80 },
    );
  });

  it('refuses a corrupted or truncated snapshot, and one of another configuration, with an error naming the operator', async () => {
    const h = await new OperatorHarness(make(10, 0), { wasm: true }).prepare();
    h.process([[{ k: 'a', v: 1 }, 5]]);
    const snapshot = await h.operator.snapshotState!(1);
    const flipped = snapshot.slice();
    flipped[flipped.length - 9]! ^= 0x10;
    const fresh = () => new OperatorHarness(make(10, 0)).operator;
    const all = { start: 0, end: 127 };
    expect(() => fresh().restoreState!([flipped], all)).toThrow(KernelSnapshotError);
    expect(() => fresh().restoreState!([flipped], all)).toThrow('operator-under-test state (subtask 0): checksum mismatch');
    expect(() => fresh().restoreState!([snapshot, snapshot.subarray(0, 40)], all)).toThrow('operator-under-test state (subtask 1): 40 bytes, but the header says');
    expect(() => fresh().restoreState!([Uint8Array.of(1, 2, 3)], all)).toThrow('operator-under-test state (subtask 0): not a session window snapshot');
    expect(() => new OperatorHarness(make(20, 0)).operator.restoreState!([snapshot], all)).toThrow(
      'operator-under-test: the snapshot is of session(10) allowedLateness(0) aggregate(count(0), sum(0), min(1), avg(2)), this operator is session(20)',
    );
  });
});
