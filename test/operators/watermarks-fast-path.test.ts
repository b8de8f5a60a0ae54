import { describe, expect, it } from 'vitest';
import { WatermarksOperator } from '../../src/operators/watermarks-operator';
import { BoundedOutOfOrdernessWatermarks, type WatermarkStrategy } from '../../src/time/watermark-strategy';
import { ManualClock } from '../../src/time/clock';
import type { Batch, Operator, OperatorContext, Output, RuntimeMode } from '../../src/types';
import {
  StreamEnvironment,
  aggregate,
  count,
  keyBy,
  max,
  session,
  sideOutput,
  sliding,
  sum,
  tumbling,
  watermarks,
  window,
  type WindowAssigner,
} from '../../src/index';
import { mulberry32 } from '../../bench/random';

/**
 * The watermarks operator processes a batch at a time when the generator is the built-in one
 * (`processFast`); a custom generator takes the per-record loop. A custom generator that is the
 * built-in one under another name therefore gives the reference: both must emit the same records,
 * watermarks and errors, in the same order, and deliver the same records downstream.
 */

interface Ev {
  readonly k: number;
  readonly ts: number;
  readonly v: number;
}

type Event = readonly ['r', Ev, number] | readonly ['w', number];

/**
 * An output that behaves as the runtime's: collected records wait in a pending batch, which goes
 * downstream before a watermark and when the node flushes after a call; `collectBatch` with
 * nothing pending goes downstream at once.
 */
class RecordingOutput implements Output<Ev> {
  readonly delivered: Event[] = [];
  pending: Event[] = [];

  collect(value: Ev, timestamp: number): void {
    this.pending.push(['r', value, timestamp]);
  }

  collectBatch(batch: Batch<Ev>): void {
    const target = this.pending.length === 0 ? this.delivered : this.pending;
    for (let i = 0; i < batch.length; i++) target.push(['r', batch.values[i]!, batch.timestamps[i]!]);
  }

  sideOutput(): void {
    throw new Error('no side outputs here');
  }

  emitWatermark(watermark: number): void {
    this.flush();
    this.delivered.push(['w', watermark]);
  }

  emitIdle(): void {}

  flush(): void {
    this.delivered.push(...this.pending);
    this.pending = [];
  }
}

interface Setup {
  readonly emit: 'record' | 'periodic';
  readonly coalesce: false | 'strict' | 'relaxed';
  readonly mode: RuntimeMode;
  readonly bound: number;
}

function open(strategy: WatermarkStrategy<Ev>, setup: Setup, clock: ManualClock): { operator: Operator<Ev, Ev>; output: RecordingOutput } {
  const output = new RecordingOutput();
  const operator = new WatermarksOperator(strategy);
  const context: OperatorContext<Ev> = {
    name: 'watermarks',
    uid: undefined,
    subtaskIndex: 0,
    parallelism: 1,
    output,
    coalesceWatermarks: setup.coalesce,
    services: {
      clock,
      maxParallelism: 128,
      runtimeMode: setup.mode,
      autoWatermarkInterval: 200,
      wasm: { enabled: false },
      guard: (fn) => fn(),
    },
    scheduleProcessingTime: (at, callback) => clock.schedule(at, callback),
    runTask: (fn) => fn(),
    hold: () => {},
  };
  operator.open(context);
  return { operator, output };
}

/** Batches of events, a tenth out of order by up to 3·bound (so some are late), some with equal timestamps. */
function randomBatches(random: () => number, bound: number): Ev[][] {
  const batches: Ev[][] = [];
  let t = 1_000 + Math.floor(random() * 100);
  const nBatches = 1 + Math.floor(random() * 8);
  for (let b = 0; b < nBatches; b++) {
    const batch: Ev[] = [];
    const n = Math.floor(random() * 40);
    for (let i = 0; i < n; i++) {
      t += Math.floor(random() * 3);
      const behind = random() < 0.1 ? Math.floor(random() * (3 * bound + 3)) : 0;
      batch.push({ k: Math.floor(random() * 5), ts: t - behind, v: i });
    }
    batches.push(batch);
  }
  return batches;
}

type Outcome = { events: Event[]; pending: Event[]; error: string | undefined };

/** Runs the batches through one operator; after a failure the runtime would not flush, so neither do we. */
function run(strategy: WatermarkStrategy<Ev>, setup: Setup, batches: Ev[][], tick: boolean): Outcome {
  const clock = new ManualClock(0);
  const { operator, output } = open(strategy, setup, clock);
  try {
    for (const values of batches) {
      operator.processBatch({ values, timestamps: new Float64Array(values.length).fill(Number.NaN), length: values.length }, 0);
      output.flush();
      // A periodic tick between batches (the generator reports its maximum so far).
      if (tick) clock.advance(200);
      output.flush();
    }
    operator.processWatermark(Number.POSITIVE_INFINITY);
  } catch (e) {
    return { events: output.delivered, pending: output.pending, error: (e as Error).message };
  }
  return { events: output.delivered, pending: output.pending, error: undefined };
}

function strategies(setup: Setup, timestamp: (e: Ev) => number): { fast: WatermarkStrategy<Ev>; slow: WatermarkStrategy<Ev> } {
  const fast: WatermarkStrategy<Ev> = { timestamp, outOfOrderness: setup.bound, emit: setup.emit };
  // The same generator as a custom one: the per-record path.
  const slow: WatermarkStrategy<Ev> = { ...fast, generator: () => new BoundedOutOfOrdernessWatermarks<Ev>(setup.bound) };
  return { fast, slow };
}

const setups: Setup[] = [];
for (const emit of ['record', 'periodic'] as const) {
  for (const coalesce of [false, 'strict', 'relaxed'] as const) {
    for (const bound of [0, 1, 7]) setups.push({ emit, coalesce, mode: 'streaming', bound });
  }
}
setups.push({ emit: 'record', coalesce: false, mode: 'batch', bound: 3 });

describe('the batch-at-a-time watermarks path gives what the per-record path gives', () => {
  it.each(setups)('emit $emit, coalescing $coalesce, $mode, bound $bound: 300 seeded random inputs', (setup) => {
    const random = mulberry32(2025 + setup.bound + (setup.coalesce === false ? 0 : setup.coalesce.length) + (setup.emit === 'record' ? 100 : 200));
    for (let trial = 0; trial < 300; trial++) {
      const batches = randomBatches(random, setup.bound);
      const tick = random() < 0.5;
      const { fast, slow } = strategies(setup, (e) => e.ts);
      const expected = run(slow, setup, batches, tick);
      expect(expected.error).toBeUndefined();
      expect(run(fast, setup, batches, tick)).toEqual(expected);
    }
  });

  it.each(setups)('emit $emit, coalescing $coalesce, $mode, bound $bound: a NaN, a string or a throw mid-batch fails alike', (setup) => {
    const random = mulberry32(77 + setup.bound);
    for (let trial = 0; trial < 200; trial++) {
      const batches = randomBatches(random, setup.bound);
      const all = batches.flat();
      if (all.length === 0) continue;
      const bad = all[Math.floor(random() * all.length)]!;
      const how = Math.floor(random() * 4);
      const timestamp = (e: Ev): number => {
        if (e !== bad) return e.ts;
        if (how === 0) return Number.NaN;
        if (how === 1) return Number.POSITIVE_INFINITY;
        if (how === 2) return String(e.ts) as unknown as number;
        throw new Error(`no time for ${e.v}`);
      };
      const { fast, slow } = strategies(setup, timestamp);
      const expected = run(slow, setup, batches, false);
      expect(expected.error).toMatch(/watermarks/);
      // Same message (operator, record, cause), same records and watermarks delivered before it,
      // and the same records still pending (never delivered) when it failed.
      expect(run(fast, setup, batches, false)).toEqual(expected);
    }
  });
});

describe('end to end: windows over the batch-at-a-time path equal those over the per-record path', () => {
  const late = sideOutput<Ev>('late');
  const assigners: Array<[string, () => WindowAssigner<Ev>]> = [
    ['tumbling', () => tumbling(50)],
    ['sliding', () => sliding(60, 20)],
    ['session', () => session(15)],
  ];

  it.each(assigners)('%s windows, with late data and allowed lateness, either emission', async (_name, assigner) => {
    const random = mulberry32(4242);
    for (let trial = 0; trial < 12; trial++) {
      const events = randomBatches(random, 5).flat();
      for (const emit of ['record', 'periodic'] as const) {
        const results = await Promise.all(
          [false, true].map(async (custom) => {
            // A manual clock: periodic watermarks only at the end, in both runs alike.
            const env = new StreamEnvironment({ batchSize: 1 + Math.floor(random() * 64), wasm: false, clock: new ManualClock(0) });
            const strategy: WatermarkStrategy<Ev> = custom
              ? { timestamp: (e) => e.ts, outOfOrderness: 5, emit, generator: () => new BoundedOutOfOrdernessWatermarks<Ev>(5) }
              : { timestamp: (e) => e.ts, outOfOrderness: 5, emit };
            const windowed = env
              .fromArray(events)
              .pipe(
                watermarks(strategy),
                keyBy((e) => e.k),
                window(assigner(), { allowedLateness: 10, lateOutput: late }),
                aggregate({ n: count(), total: sum((e: Ev) => e.v), top: max((e: Ev) => e.v) }),
              );
            const [rows, lateRows] = await env.collect(windowed, windowed.getSideOutput(late));
            return { rows, lateRows };
          }),
        );
        expect(results[0]).toEqual(results[1]);
      }
    }
  });
});
