// The WebAssembly session kernel and its JavaScript twin must give identical results bit for bit
// (Object.is per number: −0 ≠ +0, NaN = NaN) for any sequence of batches and watermarks, and each
// must continue exactly from the other's exported state. That both match Flink's session windows
// as the keyed-state WindowOperator computes them is test/windowing/session-kernel.test.ts
// (https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/operators/windows/#session-windows).
// Runs in Node and in headless Chromium.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/errors';
import { loadSessionAggregation, WasmSessionAggregation } from '../../src/wasm/session-aggregate-kernel';
import type { FiredSessions, SessionAggregation, SessionAggregationConfig } from '../../src/windowing/session-aggregation';
import { SessionTable } from '../../src/windowing/session-table';

const CONFIG = (gap: number, allowedLateness: number): SessionAggregationConfig => ({
  gap,
  allowedLateness,
  columns: 2,
  aggregates: [
    { kind: 'count', column: 0 },
    { kind: 'sum', column: 0 },
    { kind: 'min', column: 1 },
    { kind: 'max', column: 0 },
    { kind: 'avg', column: 1 },
    { kind: 'sum', column: 1 },
  ],
});

type Step = { readonly elements: ReadonlyArray<readonly [number, number, number, number]> } | { readonly watermark: number };

/** Every number of the fired windows, then the late indices, as text that keeps −0 and NaN. */
function render(f: FiredSessions, late?: { lateCount: number; late: Int32Array }): string[] {
  const show = (x: number): string => (Object.is(x, -0) ? '-0' : String(x));
  const rows: string[] = [];
  for (let i = 0; i < f.count; i++) rows.push([f.keys[i]!, f.starts[i]!, f.ends[i]!, ...f.results.map((r) => r[i]!)].map(show).join(' '));
  if (late !== undefined) rows.push(`late ${Array.from(late.late.subarray(0, late.lateCount)).join(',')}`);
  return rows;
}

/** Runs `steps` on `kernel`, returning everything it output (watermarks only advance). */
function drive(kernel: SessionAggregation, steps: readonly Step[], state: { watermark: number }): string[] {
  const out: string[] = [];
  for (const step of steps) {
    if ('watermark' in step) {
      if (step.watermark <= state.watermark) continue;
      state.watermark = step.watermark;
      out.push(...render(kernel.fire(step.watermark)));
    } else {
      const n = step.elements.length;
      const input = kernel.input(n);
      step.elements.forEach(([key, ts, a, b], i) => {
        input.keys[i] = key;
        input.timestamps[i] = ts;
        input.columns[0]![i] = a;
        input.columns[1]![i] = b;
      });
      const result = kernel.add(n, state.watermark);
      out.push(...render(result.fired, result));
    }
  }
  return out;
}

const valueArb = fc.oneof(fc.integer({ min: -9, max: 9 }), fc.constantFrom(0, -0, 0.1, 0.2, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2 ** 53, -(2 ** 53), 2 ** 53 - 1));
const stepsArb: fc.Arbitrary<Step[]> = fc.array(
  fc.oneof(
    fc.record({
      elements: fc.array(fc.tuple(fc.constantFrom(0, -0, 1, 2, 3, -5, 2 ** 53 - 1, -(2 ** 53) - 2, -(2 ** 53) - 4), fc.integer({ min: 0, max: 300 }), valueArb, valueArb), {
        maxLength: 40,
      }),
    }),
    fc.record({ watermark: fc.integer({ min: 0, max: 320 }) }),
  ),
  { minLength: 5, maxLength: 40, size: 'max' },
);

describe('session aggregation kernels', () => {
  it('WebAssembly and the JS twin agree bit for bit, and continue bit for bit from each other’s state', async () => {
    await fc.assert(
      fc.asyncProperty(stepsArb, fc.constantFrom(1, 7, 30), fc.constantFrom(0, 5, 40), fc.nat(), async (steps, gap, lateness, cutAt) => {
        const config = CONFIG(gap, lateness);
        const wasm = await WasmSessionAggregation.load(config);
        const js = new SessionTable(config);
        const expected = drive(js, [...steps, { watermark: Number.POSITIVE_INFINITY }], { watermark: Number.NEGATIVE_INFINITY });
        expect(drive(wasm, [...steps, { watermark: Number.POSITIVE_INFINITY }], { watermark: Number.NEGATIVE_INFINITY })).toEqual(expected);

        // Cut anywhere, move the state across (and back), and go on.
        const cut = cutAt % (steps.length + 1);
        for (const [from, to] of [
          [new SessionTable(config), await WasmSessionAggregation.load(config)],
          [await WasmSessionAggregation.load(config), new SessionTable(config)],
        ] as const) {
          const state = { watermark: Number.NEGATIVE_INFINITY };
          const before = drive(from, steps.slice(0, cut), state);
          to.importState(from.exportState());
          expect(to.size).toBe(from.size);
          const after = drive(to, [...steps.slice(cut), { watermark: Number.POSITIVE_INFINITY }], state);
          expect([...before, ...after]).toEqual(expected);
        }
      }),
      { seed: 5, numRuns: 80 },
    );
  });

  it('gives a window per key and merges sessions that touch; −0 and 0 are one key, shown as each timer\'s first', async () => {
    for (const kernel of [new SessionTable(CONFIG(10, 0)), await WasmSessionAggregation.load(CONFIG(10, 0))]) {
      const state = { watermark: Number.NEGATIVE_INFINITY };
      const out = drive(
        kernel,
        [
          { elements: [[-0, 0, 1, 1], [0, 10, 2, 2], [7, 3, 4, 4]] }, // −0@0 → [0,10); 0@10 touches it → [0,20)
          { watermark: 12 }, // 7's [3,13) fires
          { elements: [[7, 2, 1, 1], [-0, 30, 5, 5]] }, // late: [2,12) has its cleanup 11 <= 12
          { watermark: 100 },
        ],
        state,
      );
      // [0,20)'s timer was set by the element with key 0 (the merge), [30,40)'s by one with −0.
      expect(out).toEqual(['late ', '7 3 13 1 4 4 4 4 4', 'late 0', '0 0 20 2 3 1 2 1.5 3', '-0 30 40 1 5 5 5 5 5']);
    }
  });

  it('refuses a bad configuration and an inconsistent state', async () => {
    await expect(WasmSessionAggregation.load({ ...CONFIG(10, 0), gap: 0 })).rejects.toThrow(ConfigurationError);
    expect(() => new SessionTable({ ...CONFIG(10, -1) })).toThrow(/allowedLateness/);
    await expect(loadSessionAggregation({ ...CONFIG(10, 0), aggregates: [{ kind: 'sum', column: 5 }] })).rejects.toThrow(/column 5/);
    expect(await loadSessionAggregation(CONFIG(10, 0), { wasm: false })).toBeInstanceOf(SessionTable);
    const good = new SessionTable(CONFIG(10, 0));
    drive(good, [{ elements: [[1, 1, 1, 1]] }], { watermark: 0 });
    const state = good.exportState();
    for (const kernel of [new SessionTable(CONFIG(10, 0)), await WasmSessionAggregation.load(CONFIG(10, 0))]) {
      expect(() => kernel.importState({ ...state, windows: { ...state.windows, bits: Float64Array.of(9) } })).toThrow(/timer bits 9/);
      expect(() => kernel.importState({ ...state, windows: { ...state.windows, accumulators: [] } })).toThrow(/accumulator columns/);
    }
  });
});
