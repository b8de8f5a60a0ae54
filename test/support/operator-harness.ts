import { ManualClock } from '../../src/time/clock';
import type { Batch, Operator, OperatorContext, OutputTag, Output, RuntimeMode } from '../../src/types';

/**
 * Drives one operator by hand, as Flink's `KeyedOneInputStreamOperatorTestHarness` does: records,
 * watermarks, snapshots and restores, with every output recorded.
 */
export class OperatorHarness<I, O> {
  readonly output: Array<{ value: O; timestamp: number }> = [];
  readonly side = new Map<string, unknown[]>();
  readonly watermarks: number[] = [];
  readonly clock: ManualClock;

  constructor(
    readonly operator: Operator<I, O>,
    options: { clock?: ManualClock; maxParallelism?: number; runtimeMode?: RuntimeMode; wasm?: boolean } = {},
  ) {
    this.clock = options.clock ?? new ManualClock(0);
    const output: Output<O> = {
      collect: (value, timestamp) => {
        this.output.push({ value, timestamp });
      },
      collectBatch: (batch) => {
        for (let i = 0; i < batch.length; i++) this.output.push({ value: batch.values[i]!, timestamp: batch.timestamps[i]! });
      },
      sideOutput: <S>(tag: OutputTag<S>, value: S) => {
        const list = this.side.get(tag.id) ?? [];
        list.push(value);
        this.side.set(tag.id, list);
      },
      emitWatermark: (w) => {
        this.watermarks.push(w);
      },
      emitIdle: () => {},
    };
    const context: OperatorContext<O> = {
      name: 'operator-under-test',
      uid: 'op',
      subtaskIndex: 0,
      parallelism: 1,
      output,
      coalesceWatermarks: false,
      services: {
        clock: this.clock,
        maxParallelism: options.maxParallelism ?? 128,
        runtimeMode: options.runtimeMode ?? 'streaming',
        autoWatermarkInterval: 200,
        wasm: { enabled: options.wasm ?? false },
        guard: (fn) => fn(),
      },
      scheduleProcessingTime: (at, callback) => this.clock.schedule(at, callback),
      runTask: (fn) => fn(),
      hold: () => {},
    };
    operator.open(context);
  }

  async prepare(): Promise<this> {
    await this.operator.prepare?.();
    return this;
  }

  process(records: ReadonlyArray<readonly [I, number]>): this {
    const batch: Batch<I> = {
      values: records.map((r) => r[0]),
      timestamps: Float64Array.from(records, (r) => r[1]),
      length: records.length,
    };
    this.operator.processBatch(batch, 0);
    return this;
  }

  watermark(w: number): this {
    this.operator.processWatermark(w);
    return this;
  }

  values(): O[] {
    return this.output.map((o) => o.value);
  }
}
