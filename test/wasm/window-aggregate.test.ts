import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/errors';
import { loadWindowAggregation, WasmWindowAggregation } from '../../src/wasm/window-aggregate-kernel';
import { PaneAggregation } from '../../src/windowing/pane-aggregation';
import type { FiredWindows, KernelAggregate, WindowAggregation, WindowAggregationConfig } from '../../src/windowing/window-aggregation';

// Runs in Node and in headless Chromium. The WebAssembly kernel and its JavaScript twin must give
// identical FiredWindows sequences bit for bit (Object.is per number: −0 ≠ +0, NaN = NaN), and both
// must match a naive reference that recomputes every window from its raw elements.

type Aggregates = WindowAggregationConfig['aggregates'];

/** Timeout of the heavier tests: ~1 s each on an idle machine, more when it is shared. */
const SLOW = 60_000;

const EVERY_AGGREGATE: Aggregates = (['count', 'sum', 'min', 'max', 'avg', 'first', 'last', 'countDistinct'] as const).flatMap((kind): Aggregates[number][] =>
  kind === 'count' ? [{ kind, column: 0 }] : [0, 1].map((column) => ({ kind, column })),
);

interface Snapshot {
  readonly keys: number[];
  readonly starts: number[];
  readonly results: number[][];
}

/** A copy of the first `count` rows (the arrays are only valid until the next call). */
function snapshot(f: FiredWindows): Snapshot {
  const n = f.count;
  return { keys: Array.from(f.keys.subarray(0, n)), starts: Array.from(f.starts.subarray(0, n)), results: f.results.map((r) => Array.from(r.subarray(0, n))) };
}

/** Object.is on every number; a readable message at the first difference. */
function expectSame(actual: Snapshot, expected: Snapshot, what: string): void {
  const rows = (s: Snapshot) => s.keys.map((k, i) => [k, s.starts[i]!, ...s.results.map((r) => r[i]!)]);
  const a = rows(actual);
  const b = rows(expected);
  if (a.length !== b.length) expect.fail(`${what}: ${a.length} rows, expected ${b.length}\n${show(a)}\nexpected\n${show(b)}`);
  for (let i = 0; i < a.length; i++) {
    for (let c = 0; c < a[i]!.length; c++) {
      if (!Object.is(a[i]![c], b[i]![c])) expect.fail(`${what}: row ${i} column ${c}: ${show([a[i]!])} expected ${show([b[i]!])}\n${show(a)}\nexpected\n${show(b)}`);
    }
  }
}

function show(rows: number[][]): string {
  return rows.map((r) => r.map((x) => (Object.is(x, -0) ? '-0' : String(x))).join(' ')).join('\n');
}

// ── The naive reference: every window's raw elements, straight from the contract ─────────────────

interface RefElement {
  readonly seq: number;
  readonly values: readonly number[];
}

interface RefWindow {
  readonly key: number;
  readonly start: number;
  readonly elements: RefElement[];
  changed: boolean;
}

class ReferenceAggregation {
  private readonly windows = new Map<string, RefWindow>();
  private seq = 0;
  private fireWm = Number.NEGATIVE_INFINITY;
  private closedWm = Number.NEGATIVE_INFINITY;

  constructor(private readonly config: WindowAggregationConfig) {}

  add(key: number, ts: number, values: readonly number[]): void {
    const { size, slide, offset } = this.config;
    const k = Object.is(key, -0) ? 0 : key;
    const element = { seq: this.seq++, values };
    // Flink's SlidingEventTimeWindows.assignWindows, with getWindowStartWithOffset.
    const remainder = (ts - offset) % slide;
    const lastStart = remainder < 0 ? ts - (remainder + slide) : ts - remainder;
    for (let start = lastStart; start > ts - size; start -= slide) {
      if (start + size - 1 <= this.closedWm) continue;
      const id = `${k}|${start}`;
      let w = this.windows.get(id);
      if (w === undefined) this.windows.set(id, (w = { key: k, start, elements: [], changed: false }));
      w.elements.push(element);
      w.changed = true;
    }
  }

  fire(wm: number): Snapshot {
    this.fireWm = Math.max(this.fireWm, wm);
    const due = [...this.windows.values()].filter((w) => w.changed && w.start + this.config.size - 1 <= wm && w.start + this.config.size - 1 > this.closedWm);
    due.sort((a, b) => a.start - b.start || a.elements[0]!.seq - b.elements[0]!.seq);
    return this.emit(due);
  }

  current(key: number, ts: number, wm: number): Snapshot {
    const { size, slide, offset } = this.config;
    const k = Object.is(key, -0) ? 0 : key;
    const remainder = (ts - offset) % slide;
    const lastStart = remainder < 0 ? ts - (remainder + slide) : ts - remainder;
    const found: RefWindow[] = [];
    for (let start = lastStart; start > ts - size; start -= slide) {
      const w = this.windows.get(`${k}|${start}`);
      if (w !== undefined && start + size - 1 <= wm && start + size - 1 > this.closedWm) found.unshift(w);
    }
    return this.emit(found);
  }

  evict(cleanupWm: number): void {
    this.closedWm = Math.max(this.closedWm, Math.min(cleanupWm, this.fireWm));
    // A closed window never fires again and takes no element.
    for (const [id, w] of this.windows) if (w.start + this.config.size - 1 <= this.closedWm) this.windows.delete(id);
  }

  private emit(windows: RefWindow[]): Snapshot {
    const out: Snapshot = { keys: [], starts: [], results: this.config.aggregates.map(() => []) };
    for (const w of windows) {
      w.changed = false;
      out.keys.push(w.key);
      out.starts.push(w.start);
      this.config.aggregates.forEach(({ kind, column }, a) => out.results[a]!.push(aggregate(kind, w.elements.map((e) => e.values[column]!))));
    }
    return out;
  }
}

function aggregate(kind: KernelAggregate, values: number[]): number {
  const sum = values.reduce((acc, v) => acc + v, 0);
  switch (kind) {
    case 'count':
      return values.length;
    case 'sum':
      return sum;
    case 'avg':
      return sum / values.length;
    case 'min':
      return values.reduce((acc, v) => Math.min(acc, v), Number.POSITIVE_INFINITY);
    case 'max':
      return values.reduce((acc, v) => Math.max(acc, v), Number.NEGATIVE_INFINITY);
    case 'first':
      return values[0]!;
    case 'last':
      return values[values.length - 1]!;
    case 'countDistinct':
      return new Set(values).size; // SameValueZero, as the JS aggregator
  }
}

// ── Scenarios: interleaved add / fire / current / evict with an advancing watermark ──────────────

interface Rec {
  readonly key: number;
  /** Timestamp relative to the watermark when the batch is added (negative: late). */
  readonly dt: number;
  readonly v0: number;
  readonly v1: number;
}

type Step =
  | { readonly op: 'add'; readonly records: readonly Rec[]; readonly cuts: readonly number[]; readonly pad: number }
  | { readonly op: 'fire'; readonly advance: number }
  | { readonly op: 'current'; readonly key: number; readonly back: number }
  | { readonly op: 'evict'; readonly lateness: number }
  | { readonly op: 'snapshot' };

interface Scenario {
  readonly config: WindowAggregationConfig;
  readonly t0: number;
  readonly steps: readonly Step[];
}

const nanWithPayload = new Float64Array(new Uint32Array([1, 0x7ff00000]).buffer)[0]!;
const negativeNan = new Float64Array(new Uint32Array([0, 0xfff80000]).buffer)[0]!;

const KEY_POOL = [0, -0, Number.NaN, nanWithPayload, negativeNan, 1, -1, 2, 3, 0.5, 2 ** 53, -(2 ** 53), 2 ** 53 - 1, 2 ** 52 + 1, 1e300];
const keyArb = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...KEY_POOL) }, { weight: 1, arbitrary: fc.integer({ min: -3, max: 12 }) });

/** Any double, the awkward ones often. */
const anyValue = fc.oneof(
  fc.double(),
  fc.constantFrom(Number.NaN, nanWithPayload, negativeNan, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0, 2 ** 53, 2 ** 53 - 1, -(2 ** 53), 2 ** 53 + 2, 0.1, 1e308, 5e-324),
  fc.integer({ min: -1000, max: 1000 }),
  // Repeats, so that countDistinct sees duplicates.
  fc.integer({ min: -3, max: 3 }),
);
/** Values whose sums are exact in any order, so the reference may add element by element. */
const exactValue = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -(2 ** 40), max: 2 ** 40 }) },
  { weight: 1, arbitrary: fc.constantFrom(Number.NaN, nanWithPayload, negativeNan, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0) },
  { weight: 3, arbitrary: fc.integer({ min: -3, max: 3 }) },
);

function scenarioArb(values: fc.Arbitrary<number>, fractionalTimes: boolean): fc.Arbitrary<Scenario> {
  const dt = fractionalTimes
    ? fc.oneof({ weight: 5, arbitrary: fc.integer({ min: -25, max: 20 }) }, { weight: 1, arbitrary: fc.double({ min: -25, max: 20, noNaN: true }) })
    : fc.integer({ min: -25, max: 20 });
  const rec = fc.record({ key: keyArb, dt, v0: values, v1: values });
  const step: fc.Arbitrary<Step> = fc.oneof(
    { weight: 5, arbitrary: fc.record({ op: fc.constant('add' as const), records: fc.array(rec, { minLength: 1, maxLength: 40 }), cuts: fc.array(fc.nat(40), { maxLength: 3 }), pad: fc.nat(3) }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('fire' as const), advance: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 12 })) }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('current' as const), key: keyArb, back: fc.integer({ min: -3, max: 12 }) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('evict' as const), lateness: fc.integer({ min: 0, max: 12 }) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('snapshot' as const) }) },
  );
  const config = fc
    .record({
      slide: fc.constantFrom(1, 2, 3, 5, 7),
      panes: fc.constantFrom(1, 1, 2, 3, 4, 6),
      offset: fc.integer({ min: -8, max: 8 }),
      aggregates: fc.oneof(
        fc.constant(EVERY_AGGREGATE),
        fc.shuffledSubarray([...EVERY_AGGREGATE], { minLength: 1 }),
        // The shapes the kernels fold into their first pass: count only, count + one sum.
        fc.constantFrom<Aggregates>([{ kind: 'count', column: 0 }], [{ kind: 'count', column: 0 }, { kind: 'sum', column: 1 }], [{ kind: 'avg', column: 0 }, { kind: 'sum', column: 0 }]),
      ),
    })
    .map(({ slide, panes, offset, aggregates }): WindowAggregationConfig => ({ size: slide * panes, slide, offset, aggregates, columns: 2 }));
  return fc.record({
    config,
    t0: fc.oneof(fc.integer({ min: -60, max: 60 }), fc.constantFrom(-1e12, 1_735_689_600_000, 2 ** 51 - 10)),
    steps: fc.array(step, { minLength: 1, maxLength: 40 }),
  });
}

/** Plays a scenario on every kernel and checks each call's output against the first one's. */
async function play(s: Scenario, withReference: boolean): Promise<void> {
  let kernels: WindowAggregation[] = [await WasmWindowAggregation.load(s.config), new PaneAggregation(s.config)];
  const reference = withReference ? new ReferenceAggregation(s.config) : undefined;
  let wm = s.t0 - 20;
  const check = (what: string, call: (k: WindowAggregation) => FiredWindows, expected: Snapshot | undefined): void => {
    const [wasm, js] = kernels.map((k) => snapshot(call(k)));
    expectSame(js!, wasm!, `${what}: JS twin vs WebAssembly`);
    if (expected !== undefined) expectSame(wasm!, expected, `${what}: WebAssembly vs reference`);
    expect(kernels[0]!.size).toBe(kernels[1]!.size);
  };
  for (const step of s.steps) {
    switch (step.op) {
      case 'add': {
        const n = step.records.length;
        const len = n + 2 * step.pad;
        const keys = new Float64Array(len);
        const ts = new Float64Array(len);
        const cols = [new Float64Array(len), new Float64Array(len)];
        step.records.forEach((r, i) => {
          keys[step.pad + i] = r.key;
          ts[step.pad + i] = wm + r.dt;
          cols[0]![step.pad + i] = r.v0;
          cols[1]![step.pad + i] = r.v1;
          reference?.add(r.key, wm + r.dt, [r.v0, r.v1]);
        });
        const cuts = [...new Set(step.cuts.filter((c) => c < n))].sort((a, b) => a - b);
        for (const k of kernels) {
          let from = 0;
          for (const cut of [...cuts, n]) {
            k.add(keys, ts, cols, step.pad + from, step.pad + cut);
            from = cut;
          }
        }
        expect(kernels[0]!.size).toBe(kernels[1]!.size);
        break;
      }
      case 'fire':
        wm += step.advance;
        check(`fire(${wm})`, (k) => k.fire(wm), reference?.fire(wm));
        break;
      case 'current':
        check(`current(${step.key}, ${wm - step.back}, ${wm})`, (k) => k.current(step.key, wm - step.back, wm), reference?.current(step.key, wm - step.back, wm));
        break;
      case 'evict':
        for (const k of kernels) k.evict(wm - step.lateness);
        reference?.evict(wm - step.lateness);
        expect(kernels[0]!.size).toBe(kernels[1]!.size);
        break;
      case 'snapshot': {
        // Each kernel's state goes on in a fresh kernel of the other kind.
        const [fromWasm, fromJs] = kernels.map((k) => k.exportState());
        const wasm = await WasmWindowAggregation.load(s.config);
        const js = new PaneAggregation(s.config);
        wasm.importState(fromJs!, fromJs!.fireWatermark, fromJs!.retiredWatermark);
        js.importState(fromWasm!, fromWasm!.fireWatermark, fromWasm!.retiredWatermark);
        kernels = [wasm, js];
        expect(kernels[0]!.size).toBe(kernels[1]!.size);
        break;
      }
    }
  }
  check('fire(+∞)', (k) => k.fire(Number.POSITIVE_INFINITY), reference?.fire(Number.POSITIVE_INFINITY));
  for (const k of kernels) k.evict(Number.POSITIVE_INFINITY);
  expect(kernels.map((k) => k.size)).toEqual([0, 0]);
}

function fixed(config: Partial<WindowAggregationConfig> & Pick<WindowAggregationConfig, 'size' | 'slide'>): WindowAggregationConfig {
  return { offset: 0, columns: 1, aggregates: [{ kind: 'count', column: 0 }, { kind: 'sum', column: 0 }, { kind: 'first', column: 0 }, { kind: 'last', column: 0 }], ...config };
}

/** Runs `body` on both kernels. */
async function both(config: WindowAggregationConfig, body: (k: WindowAggregation) => void): Promise<void> {
  body(await WasmWindowAggregation.load(config));
  body(new PaneAggregation(config));
}

function add(k: WindowAggregation, rows: ReadonlyArray<readonly [key: number, ts: number, value: number]>): void {
  k.add(
    Float64Array.from(rows, (r) => r[0]),
    Float64Array.from(rows, (r) => r[1]),
    [Float64Array.from(rows, (r) => r[2])],
    0,
    rows.length,
  );
}

/** [key, start, ...results] per row. */
function rows(f: FiredWindows): number[][] {
  const s = snapshot(f);
  return s.keys.map((k, i) => [k, s.starts[i]!, ...s.results.map((r) => r[i]!)]);
}

describe('window-aggregate kernel', () => {
  it('loads the WebAssembly build, and falls back to the JS twin on request', async () => {
    const config = fixed({ size: 10, slide: 10 });
    expect(await loadWindowAggregation(config)).toBeInstanceOf(WasmWindowAggregation);
    expect(await loadWindowAggregation(config, { wasm: false })).toBeInstanceOf(PaneAggregation);
  });

  it('refuses bad configurations', async () => {
    const bad: WindowAggregationConfig[] = [
      fixed({ size: 10, slide: 0 }),
      fixed({ size: 10, slide: 3 }),
      fixed({ size: 5, slide: 10 }),
      fixed({ size: 10, slide: 10, offset: Number.NaN }),
      fixed({ size: 10, slide: 10, aggregates: [{ kind: 'sum', column: 1 }] }),
      fixed({ size: 10, slide: 10, aggregates: [{ kind: 'median' as KernelAggregate, column: 0 }] }),
    ];
    for (const config of bad) {
      expect(() => new PaneAggregation(config)).toThrow(ConfigurationError);
      await expect(WasmWindowAggregation.load(config)).rejects.toThrow(ConfigurationError);
    }
  });

  it('fires tumbling windows by end, keys in order of first arrival, with every aggregate', async () => {
    const config: WindowAggregationConfig = { size: 10, slide: 10, offset: 0, columns: 1, aggregates: EVERY_AGGREGATE.filter((a) => a.column === 0) };
    await both(config, (k) => {
      add(k, [
        [7, 12, 5],
        [3, 1, -0],
        [7, 3, 2],
        [-0, 4, Number.NaN],
        [3, 9, 4],
        [0, -1, 1],
      ]);
      expect(k.size).toBe(5); // (7,[0,10)) (3,[0,10)) (0,[0,10)) (7,[10,20)) (0,[-10,0))
      expect(rows(k.fire(8))).toEqual([[0, -10, 1, 1, 1, 1, 1, 1, 1, 1]]);
      // [0,10): 3 first arrived (seq 1), then 7 (seq 2), then 0 (= −0, seq 3).
      // count sum min max avg first last countDistinct
      expect(rows(k.fire(9))).toEqual([
        [3, 0, 2, 4, -0, 4, 2, -0, 4, 2],
        [7, 0, 1, 2, 2, 2, 2, 2, 2, 1],
        [0, 0, 1, Number.NaN, Number.NaN, Number.NaN, Number.NaN, Number.NaN, Number.NaN, 1],
      ]);
      expect(k.fire(18).count).toBe(0);
      expect(rows(k.fire(Number.POSITIVE_INFINITY))).toEqual([[7, 10, 1, 5, 5, 5, 5, 5, 5, 1]]);
      k.evict(Number.POSITIVE_INFINITY);
      expect(k.size).toBe(0);
    });
  });

  it('merges panes into sliding windows, ordering keys by their first entry into each window', async () => {
    await both(fixed({ size: 4, slide: 2 }), (k) => {
      // Key 2 enters [0,4) first, through pane [2,4); key 1 enters later, through the earlier pane [0,2).
      add(k, [
        [2, 3, 10],
        [1, 1, 20],
        [2, 0, 30],
        [1, 5, 40],
      ]);
      expect(k.size).toBe(4); // (2,[2,4)) (1,[0,2)) (2,[0,2)) (1,[4,6))
      // count sum first last, per [key, start]
      expect(rows(k.fire(Number.POSITIVE_INFINITY))).toEqual([
        [1, -2, 1, 20, 20, 20],
        [2, -2, 1, 30, 30, 30],
        [2, 0, 2, 40, 10, 30], // pane sums 30 + 10, in pane-start order; first = earliest arrival
        [1, 0, 1, 20, 20, 20],
        [2, 2, 1, 10, 10, 10],
        [1, 2, 1, 40, 40, 40],
        [1, 4, 1, 40, 40, 40],
      ]);
    });
  });

  it('serves late firings through current and fires a window again only after it changed', async () => {
    await both(fixed({ size: 10, slide: 10 }), (k) => {
      add(k, [[1, 5, 1]]);
      expect(rows(k.fire(9))).toEqual([[1, 0, 1, 1, 1, 1]]);
      expect(k.fire(15).count).toBe(0);
      // A late element (allowed lateness): the operator adds it and fires the window at once.
      add(k, [[1, 6, 2]]);
      expect(rows(k.current(1, 6, 15))).toEqual([[1, 0, 2, 3, 1, 2]]);
      expect(k.fire(16).count).toBe(0); // current fired it: no duplicate
      // Without current, the next fire picks the change up.
      add(k, [[1, 7, 4]]);
      expect(rows(k.fire(16))).toEqual([[1, 0, 3, 7, 1, 4]]);
      // current of a window that has not ended yet returns nothing.
      add(k, [[1, 17, 8]]);
      expect(k.current(1, 17, 16).count).toBe(0);
      // Once closed (watermark − lateness past its end), a window takes nothing and fires never.
      k.evict(12);
      expect(k.size).toBe(1); // [0,10) is freed; [10,20) stays
      add(k, [[1, 8, 100]]);
      expect(k.size).toBe(1);
      expect(k.current(1, 8, 16).count).toBe(0);
      expect(rows(k.fire(Number.POSITIVE_INFINITY))).toEqual([[1, 10, 1, 8, 8, 8]]);
    });
  });

  it('does not fire again a window that current fired before the watermark reached it', async () => {
    await both(fixed({ size: 10, slide: 5 }), (k) => {
      add(k, [
        [1, 7, 1],
        [2, 8, 2],
      ]);
      // [0,10) and [5,15) of key 1, fired early by current at watermark 20.
      expect(rows(k.current(1, 7, 20))).toEqual([
        [1, 0, 1, 1, 1, 1],
        [1, 5, 1, 1, 1, 1],
      ]);
      expect(rows(k.fire(9))).toEqual([[2, 0, 1, 2, 2, 2]]);
      add(k, [[1, 12, 3]]); // changes [5,15) and [10,20) of key 1
      // [5,15): key 1 entered it first (ts 7), before key 2 (ts 8).
      expect(rows(k.fire(20))).toEqual([
        [1, 5, 2, 4, 1, 3],
        [2, 5, 1, 2, 2, 2],
        [1, 10, 1, 3, 3, 3],
      ]);
    });
  });

  it('treats −0 as 0 and every NaN as one key', async () => {
    await both(fixed({ size: 10, slide: 10 }), (k) => {
      add(k, [
        [-0, 1, 1],
        [0, 2, 2],
        [Number.NaN, 3, 3],
        [nanWithPayload, 4, 4],
        [negativeNan, 5, 5],
      ]);
      expect(k.size).toBe(2);
      const fired = rows(k.fire(9));
      expect(fired).toEqual([
        [0, 0, 2, 3, 1, 2],
        [Number.NaN, 0, 3, 12, 3, 5],
      ]);
      expect(Object.is(fired[0]![0], 0)).toBe(true);
    });
  });

  it('grows its memory for big batches and many keys, and takes batches written in place', async () => {
    const config: WindowAggregationConfig = { size: 1000, slide: 100, offset: 0, columns: 2, aggregates: EVERY_AGGREGATE };
    const wasm = await WasmWindowAggregation.load(config);
    const js = new PaneAggregation(config);
    const n = 12_000;
    const keys = Float64Array.from({ length: n }, (_, i) => (i * 7919) % 2_000);
    const ts = Float64Array.from({ length: n }, (_, i) => Math.floor(i / 10) - (i % 13));
    const cols = [Float64Array.from({ length: n }, (_, i) => (i % 1001) - 500), Float64Array.from({ length: n }, (_, i) => Math.sin(i))];
    const before = wasm.memoryBytes;
    wasm.add(keys, ts, cols, 0, n);
    js.add(keys, ts, cols, 0, n);
    expect(wasm.memoryBytes).toBeGreaterThan(before);
    expect(wasm.size).toBe(js.size);
    expectSame(snapshot(wasm.fire(1200)), snapshot(js.fire(1200)), 'big fire');
    wasm.evict(1200);
    js.evict(1200);
    expect(wasm.size).toBe(js.size);
    // In place: fill the kernel's input views, then add them (no copy).
    const input = wasm.input(1000);
    for (let i = 0; i < 1000; i++) {
      input.keys[i] = i % 17;
      input.timestamps[i] = 2000 + (i % 300);
      input.columns[0]![i] = i;
      input.columns[1]![i] = -i;
    }
    const copy = [input.keys.slice(0, 1000), input.timestamps.slice(0, 1000), input.columns.map((c) => c.slice(0, 1000))] as const;
    wasm.add(input.keys, input.timestamps, input.columns, 0, 1000);
    js.add(copy[0], copy[1], copy[2], 0, 1000);
    expectSame(snapshot(wasm.fire(Number.POSITIVE_INFINITY)), snapshot(js.fire(Number.POSITIVE_INFINITY)), 'final fire');
  }, SLOW);

  it('counts distinct values exactly in big sets and over the union of a sliding window\'s panes', async () => {
    const config: WindowAggregationConfig = { size: 40, slide: 10, offset: 0, columns: 1, aggregates: [{ kind: 'countDistinct', column: 0 }, { kind: 'count', column: 0 }] };
    const n = 20_000;
    // Two keys; values repeat within and across panes, with −0/0 and NaNs among them.
    const keys = Float64Array.from({ length: n }, (_, i) => i % 2);
    const ts = Float64Array.from({ length: n }, (_, i) => Math.floor(i / 250));
    const special = [0, -0, Number.NaN, negativeNan, 2 ** 53, 2 ** 53 + 2, -(2 ** 53)];
    const values = Float64Array.from({ length: n }, (_, i) => (i % 97 === 0 ? special[i % special.length]! : (i * 7919) % 3_001));
    const expected = new Map<string, Set<number>>();
    for (let i = 0; i < n; i++) {
      const p = ts[i]! - (ts[i]! % 10);
      for (let s = p; s > ts[i]! - 40; s -= 10) {
        const id = `${keys[i]}|${s}`;
        if (!expected.has(id)) expected.set(id, new Set());
        expected.get(id)!.add(values[i]!);
      }
    }
    await both(config, (k) => {
      k.add(keys, ts, [values], 0, n);
      const fired = rows(k.fire(Number.POSITIVE_INFINITY));
      expect(fired.length).toBe(expected.size);
      for (const [key, start, distinct] of fired) expect(distinct).toBe(expected.get(`${key}|${start}`)!.size);
      k.evict(Number.POSITIVE_INFINITY);
      expect(k.size).toBe(0);
    });
  }, SLOW);

  it('merges snapshots fired to different watermarks without firing a window twice', async () => {
    const config: WindowAggregationConfig = { size: 10, slide: 5, offset: 0, columns: 1, aggregates: [{ kind: 'count', column: 0 }, { kind: 'countDistinct', column: 0 }] };
    // Two subtasks with disjoint keys: one fired to 20, the other only to 5.
    const a = new PaneAggregation(config);
    add(a, [[1, 5, 1], [1, 7, 2]]);
    expect(rows(a.fire(20))).toEqual([[1, 0, 2, 2], [1, 5, 2, 2]]);
    const b = await WasmWindowAggregation.load(config);
    add(b, [[2, 5, 1], [2, 15, 1]]);
    expect(b.fire(5).count).toBe(0);
    const parts = [a.exportState(), b.exportState()];
    const fireAt = Math.min(...parts.map((p) => p.fireWatermark));
    const retiredAt = Math.min(...parts.map((p) => p.retiredWatermark));
    await both(config, (k) => {
      for (const p of parts) k.importState(p, fireAt, retiredAt);
      expect(k.size).toBe(3);
      // Key 1's windows fired before the snapshot: only key 2's fire now.
      expect(rows(k.fire(20))).toEqual([[2, 0, 1, 1], [2, 5, 1, 1], [2, 10, 1, 1]]);
      // A change fires key 1's window again.
      add(k, [[1, 8, 3]]);
      expect(rows(k.fire(21))).toEqual([[1, 0, 3, 3], [1, 5, 3, 3]]);
      expect(rows(k.fire(Number.POSITIVE_INFINITY))).toEqual([[2, 15, 1, 1]]);
    });
  });

  it('refuses a state of another slot layout', async () => {
    const state = new PaneAggregation(fixed({ size: 10, slide: 10 })).exportState();
    const other = fixed({ size: 10, slide: 10, aggregates: [{ kind: 'count', column: 0 }] });
    expect(() => new PaneAggregation(other).importState(state, -Infinity, -Infinity)).toThrow('its accumulators are [sum(0), first(0), last(0), lastSeq(-1)], this aggregation\'s are []');
    await expect((async () => (await WasmWindowAggregation.load(other)).importState(state, -Infinity, -Infinity))()).rejects.toThrow('its accumulators are');
  });

  it('keeps up with key churn: keys come and go while panes are freed', async () => {
    const config: WindowAggregationConfig = { size: 40, slide: 10, offset: 3, columns: 1, aggregates: EVERY_AGGREGATE.filter((a) => a.column === 0) };
    const kernels: WindowAggregation[] = [await WasmWindowAggregation.load(config), new PaneAggregation(config)];
    let seed = 7;
    const random = (): number => {
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
      return seed / 2 ** 32;
    };
    const n = 20_000;
    const batch = 250;
    const keys = new Float64Array(n);
    const ts = new Float64Array(n);
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      keys[i] = Math.floor(random() * 300) + 40 * Math.floor(i / 400); // the key range drifts: old keys leave
      ts[i] = Math.floor(i / 25) - (random() < 0.2 ? Math.floor(random() * 30) : 0);
      values[i] = Math.floor(random() * 2001) - 1000;
    }
    let referenceAt = 0;
    const refer = new ReferenceAggregation(config);
    for (let i = 0; i < n; i += batch) {
      for (; referenceAt < i + batch; referenceAt++) refer.add(keys[referenceAt]!, ts[referenceAt]!, [values[referenceAt]!]);
      for (const k of kernels) k.add(keys, ts, [values], i, i + batch);
      const wm = Math.floor((i + batch) / 25) - 40;
      const expected = refer.fire(wm);
      for (const k of kernels) expectSame(snapshot(k.fire(wm)), expected, `fire(${wm})`);
      for (const k of kernels) k.evict(wm - 5);
      refer.evict(wm - 5);
      expect(kernels[0]!.size).toBe(kernels[1]!.size);
    }
    const last = refer.fire(Number.POSITIVE_INFINITY);
    for (const k of kernels) expectSame(snapshot(k.fire(Number.POSITIVE_INFINITY)), last, 'fire(+∞)');
    for (const k of kernels) k.evict(Number.POSITIVE_INFINITY);
    expect(kernels.map((k) => k.size)).toEqual([0, 0]);
  }, SLOW);

  it('WebAssembly and the JS twin agree bit for bit on random interleavings of every call', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb(anyValue, true), (s) => play(s, false)),
      { seed: 20_251_121, numRuns: 120 },
    );
  }, SLOW);

  it('both agree with a naive per-window reference on count, sum, min, max, avg, first, last and countDistinct', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb(exactValue, false), (s) => play(s, true)),
      { seed: 424_242, numRuns: 120 },
    );
  }, SLOW);
});
