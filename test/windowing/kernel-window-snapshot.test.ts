// The kernel window operator snapshots mid-stream and restores into fresh instances — on the same
// kernel or the other one (WebAssembly ⇄ JS twin), at parallelism 1 or split over two key-group
// ranges — and every restored run continues exactly like the uninterrupted one (Flink's
// WindowOperatorTest pattern). Runs in Node and Chromium.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assignToKeyGroup, keyGroupRangeForOperator } from '../../src/index';
import { KeySelector } from '../../src/runtime/key-selector';
import { KernelWindowOperator, type KernelAggregateSpec } from '../../src/windowing/kernel-window-operator';
import { KernelSnapshotError } from '../../src/windowing/kernel-window-snapshot';
import { OperatorHarness } from '../support/operator-harness';

interface Ev {
  readonly k: string | number;
  readonly v: number;
  readonly x: string | number | null;
}

type Step = { readonly records: ReadonlyArray<readonly [Ev, number]> } | { readonly watermark: number };

const AGGREGATES: ReadonlyArray<KernelAggregateSpec<Ev>> = [
  { name: 'n', kind: 'count', field: undefined },
  { name: 's', kind: 'sum', field: (e) => e.v },
  { name: 'lo', kind: 'min', field: (e) => e.v },
  { name: 'f', kind: 'first', field: (e) => e.x },
  { name: 'l', kind: 'last', field: (e) => e.x },
  { name: 'd', kind: 'countDistinct', field: (e) => e.x },
];

interface Shape {
  readonly size: number;
  readonly slide: number;
  readonly lateness: number;
}

function make(shape: Shape): KernelWindowOperator<Ev> {
  return new KernelWindowOperator<Ev>({
    size: shape.size,
    slide: shape.slide,
    offset: 0,
    allowedLateness: shape.lateness,
    lateOutput: undefined,
    keySelector: new KeySelector<Ev, unknown>((e) => e.k, 'keyBy', undefined),
    aggregates: AGGREGATES,
  });
}

/** JSON that tells −0, NaN and null apart. */
function exact(_key: string, v: unknown): unknown {
  if (typeof v === 'number' && (Object.is(v, -0) || Number.isNaN(v))) return String(Object.is(v, -0) ? '-0' : v);
  return v;
}

async function harness(shape: Shape, wasm: boolean): Promise<OperatorHarness<Ev, Record<string, unknown>>> {
  return new OperatorHarness(make(shape), { wasm });
}

function run(h: OperatorHarness<Ev, Record<string, unknown>>, steps: readonly Step[], keep?: (e: Ev) => boolean): void {
  for (const step of steps) {
    if ('watermark' in step) h.watermark(step.watermark);
    else h.process(keep === undefined ? step.records : step.records.filter(([e]) => keep(e)));
  }
}

const rendered = (h: OperatorHarness<Ev, Record<string, unknown>>): string[] => h.values().map((v) => JSON.stringify(v, exact));

/**
 * Runs `steps` straight through, and again with a snapshot after step `cut` restored into
 * `parallelism` fresh operators (of the other kernel when `cross`); the outputs must be the same.
 */
async function compare(shape: Shape, steps: readonly Step[], cut: number, parallelism: number, wasm: boolean, cross: boolean): Promise<void> {
  const straight = await (await harness(shape, wasm)).prepare();
  run(straight, steps);

  const first = await (await harness(shape, wasm)).prepare();
  run(first, steps.slice(0, cut));
  const snapshot = await first.operator.snapshotState!(1);
  const outputs = rendered(first);
  for (let i = 0; i < parallelism; i++) {
    const range = keyGroupRangeForOperator(128, parallelism, i);
    const h = await harness(shape, cross ? !wasm : wasm);
    h.operator.restoreState!([snapshot], range); // before prepare, as the executor does
    await h.prepare();
    const owns = (e: Ev): boolean => {
      const kg = assignToKeyGroup(e.k, 128);
      return kg >= range.start && kg <= range.end;
    };
    run(h, steps.slice(cut), owns);
    outputs.push(...rendered(h));
  }
  expect(outputs.sort()).toEqual(rendered(straight).sort());
}

const evArb = fc.record({
  k: fc.oneof(fc.constantFrom('a', 'b', 'c', 'd', 'e'), fc.integer({ min: -2, max: 3 }), fc.constantFrom(1.5, -0, 2 ** 60)),
  v: fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constantFrom(-0, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53)),
  x: fc.oneof(fc.integer({ min: -2, max: 2 }), fc.constantFrom('p', 'q', null, Number.NaN, -0, 5e-324, 2 ** 53 + 2)),
});

const stepsArb: fc.Arbitrary<Step[]> = fc
  .array(
    fc.oneof(
      fc.record({ records: fc.array(fc.tuple(evArb, fc.integer({ min: 0, max: 200 })), { maxLength: 8 }) }),
      fc.record({ watermark: fc.integer({ min: 0, max: 250 }) }),
    ),
    { minLength: 2, maxLength: 14 },
  )
  .map((steps) => {
    // Watermarks only advance.
    let w = -1;
    return steps.map((s) => ('watermark' in s ? { watermark: (w = Math.max(w, s.watermark)) } : s));
  });

describe('kernel window operator snapshots', () => {
  for (const [name, shape] of [
    ['tumbling', { size: 20, slide: 20, lateness: 0 }],
    ['sliding with lateness', { size: 30, slide: 10, lateness: 15 }],
  ] as const) {
    it(`${name}: restored on either kernel, at parallelism 1 and 2, continues exactly like an uninterrupted run`, async () => {
      await fc.assert(
        fc.asyncProperty(stepsArb, fc.nat(), fc.integer({ min: 1, max: 2 }), fc.boolean(), fc.boolean(), async (steps, cutSeed, parallelism, wasm, cross) => {
          await compare(shape, steps, cutSeed % (steps.length + 1), parallelism, wasm, cross);
        }),
        { seed: 6, numRuns: 60 },
      );
    });
  }

  it('merges the snapshots of two subtasks that reached different watermarks, firing nothing twice', async () => {
    const shape = { size: 10, slide: 10, lateness: 0 };
    const range = (i: number) => keyGroupRangeForOperator(128, 2, i);
    const owner = (k: string) => (assignToKeyGroup(k, 128) <= range(0).end ? 0 : 1);
    const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
    const [k0, k1] = [keys.find((k) => owner(k) === 0)!, keys.find((k) => owner(k) === 1)!];
    const ev = (k: string, x: number): Ev => ({ k, v: x, x });
    // Subtask 0 fired [0,10) at watermark 12; subtask 1 is still at 3.
    const s0 = await (await harness(shape, true)).prepare();
    s0.process([[ev(k0, 1), 1]]).watermark(12);
    const s1 = await (await harness(shape, false)).prepare();
    s1.process([[ev(k1, 2), 2]]).watermark(3);
    expect(s0.values().map((r) => r.key)).toEqual([k0]);
    const merged = await harness(shape, true);
    merged.operator.restoreState!([await s0.operator.snapshotState!(1), await s1.operator.snapshotState!(1)], { start: 0, end: 127 });
    await merged.prepare();
    merged.watermark(12);
    expect(merged.values().map((r) => r.key)).toEqual([k1]);
  });

  it('refuses a corrupted snapshot, and one of another operator, with a clear error', async () => {
    const shape = { size: 20, slide: 20, lateness: 0 };
    const h = await (await harness(shape, true)).prepare();
    h.process([[{ k: 'a', v: 1, x: 'p' }, 5]]);
    const snapshot = await h.operator.snapshotState!(1);
    const flipped = snapshot.slice();
    flipped[flipped.length - 9]! ^= 0x10;
    const fresh = () => new OperatorHarness(make(shape)).operator;
    expect(() => fresh().restoreState!([flipped], { start: 0, end: 127 })).toThrow(KernelSnapshotError);
    expect(() => fresh().restoreState!([flipped], { start: 0, end: 127 })).toThrow('operator-under-test state (subtask 0): checksum mismatch');
    expect(() => fresh().restoreState!([snapshot.subarray(0, 40)], { start: 0, end: 127 })).toThrow('truncated');
    expect(() => fresh().restoreState!([Uint8Array.of(1, 2, 3)], { start: 0, end: 127 })).toThrow('not a kernel window snapshot');
    const other = new OperatorHarness(make({ size: 10, slide: 10, lateness: 0 })).operator;
    expect(() => other.restoreState!([snapshot], { start: 0, end: 127 })).toThrow('the snapshot is of window(20, 20, 0)');
  });
});
