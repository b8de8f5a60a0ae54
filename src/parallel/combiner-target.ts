import { BatchBuilder } from '../runtime/batch-builder';
import type { InputTarget } from '../runtime/operator-output';
import type { Batch, CheckpointBarrier, Timestamp, WasmOptions } from '../types';
import type { PartialAggregate, WindowCombiner } from '../windowing/window-combiner';
import type { PartitionerTarget } from './partitioner';

/**
 * A producer subtask's end of a keyBy exchange into a combinable window aggregation: records go
 * through the combiner (see `WindowCombiner`) and only its partial aggregates reach the
 * partitioner. The combiner's partials go out before whatever flushed them — a watermark, a
 * barrier, idleness, the end of input — so everything downstream sees them in the right place.
 */
export class CombinerTarget implements InputTarget {
  private readonly out: BatchBuilder<unknown>;
  private readonly emit: (partial: PartialAggregate, timestamp: Timestamp) => void;

  constructor(
    private readonly combiner: WindowCombiner<unknown>,
    private readonly partitioner: PartitionerTarget,
    capacity: number,
  ) {
    const out = (this.out = new BatchBuilder<unknown>(capacity));
    this.emit = (partial, timestamp) => {
      const j = out.length++;
      out.values[j] = partial;
      out.timestamps[j] = timestamp;
      if (j + 1 === out.capacity) this.send();
    };
  }

  /** Loads the combiner's kernel (before any input arrives). */
  prepare(wasm: WasmOptions): Promise<void> {
    return this.combiner.prepare(wasm);
  }

  processBatch(batch: Batch<unknown>): void {
    this.combiner.add(batch.values, batch.timestamps, batch.length, this.emit);
    this.send();
  }

  processWatermark(watermark: Timestamp): void {
    this.combiner.advance(watermark, this.emit);
    this.send();
    this.partitioner.processWatermark(watermark);
  }

  processIdle(idle: boolean): void {
    // An idle channel no longer holds back the consumer's watermark: what it holds must go first.
    if (idle) this.flush();
    this.partitioner.processIdle(idle);
  }

  processBarrier(barrier: CheckpointBarrier): void {
    this.flush();
    this.partitioner.processBarrier(barrier);
  }

  endInput(): void {
    this.flush();
    this.partitioner.endInput();
  }

  blocked(): boolean {
    return this.partitioner.blocked();
  }

  private flush(): void {
    this.combiner.flushAll(this.emit);
    this.send();
  }

  private send(): void {
    if (this.out.length === 0) return;
    this.partitioner.processBatch(this.out);
    this.out.clear();
  }
}
