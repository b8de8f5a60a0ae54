import type { Partitioning } from '../graph/partitioning';
import { BatchBuilder } from '../runtime/batch-builder';
import type { Edge, InputTarget } from '../runtime/operator-output';
import { assignToKeyGroup, operatorIndexForKeyGroup } from '../state/key-groups';
import type { Batch, CheckpointBarrier, Timestamp } from '../types';

/**
 * One producer subtask's end of an exchange: splits each batch over the consumer subtasks it is
 * connected to (Flink's StreamPartitioner + RecordWriter). Watermarks, idleness, barriers and the
 * end of input go to every consumer — each consumer combines them over its channels.
 */
export class PartitionerTarget implements InputTarget {
  private readonly parts: BatchBuilder<unknown>[];
  private next: number;

  /**
   * @param consumers the connected consumer subtasks' inputs, in subtask order (for `hash`: every
   *   subtask, so that the owner of a key group is found by index)
   */
  constructor(
    private readonly partitioning: Partitioning,
    private readonly consumers: readonly Edge[],
    private readonly maxParallelism: number,
    capacity: number,
    producerSubtask: number,
  ) {
    this.parts = consumers.map(() => new BatchBuilder<unknown>(capacity));
    // Each producer starts its round-robin elsewhere, so that small batches still spread.
    this.next = producerSubtask % consumers.length;
  }

  processBatch(batch: Batch<unknown>): void {
    const { partitioning, consumers, parts } = this;
    if (partitioning.kind === 'broadcast' || consumers.length === 1) {
      for (const c of consumers) c.target.processBatch(batch, c.input);
      return;
    }
    const { values, timestamps } = batch;
    if (partitioning.kind === 'hash') {
      const { selector } = partitioning;
      const n = consumers.length;
      const maxParallelism = this.maxParallelism;
      for (let i = 0; i < batch.length; i++) {
        const value = values[i];
        const c = operatorIndexForKeyGroup(maxParallelism, n, assignToKeyGroup(selector.keyOf(value), maxParallelism));
        const part = parts[c]!;
        const j = part.length++;
        part.values[j] = value;
        part.timestamps[j] = timestamps[i]!;
        if (j + 1 === part.capacity) this.send(c);
      }
    } else {
      let next = this.next;
      for (let i = 0; i < batch.length; i++) {
        const part = parts[next]!;
        const j = part.length++;
        part.values[j] = values[i];
        part.timestamps[j] = timestamps[i]!;
        if (j + 1 === part.capacity) this.send(next);
        if (++next === parts.length) next = 0;
      }
      this.next = next;
    }
    for (let c = 0; c < parts.length; c++) if (parts[c]!.length > 0) this.send(c);
  }

  private send(c: number): void {
    const part = this.parts[c]!;
    this.consumers[c]!.target.processBatch(part, this.consumers[c]!.input);
    part.clear();
  }

  processWatermark(watermark: Timestamp): void {
    for (const c of this.consumers) c.target.processWatermark(watermark, c.input);
  }

  processIdle(idle: boolean): void {
    for (const c of this.consumers) c.target.processIdle(idle, c.input);
  }

  processBarrier(barrier: CheckpointBarrier): void {
    for (const c of this.consumers) c.target.processBarrier(barrier, c.input);
  }

  blocked(): boolean {
    for (const c of this.consumers) if (c.target.blocked?.() === true) return true;
    return false;
  }

  endInput(): void {
    for (const c of this.consumers) c.target.endInput(c.input);
  }
}
