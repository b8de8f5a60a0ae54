import type { Batch, CheckpointBarrier, OutputTag, Output, Timestamp } from '../types';
import { BatchBuilder } from './batch-builder';

/** Where a node delivers: the input of another node. */
export interface InputTarget {
  processBatch(batch: Batch<unknown>, input: number): void;
  processWatermark(watermark: Timestamp, input: number): void;
  processIdle(idle: boolean, input: number): void;
  processBarrier(barrier: CheckpointBarrier, input: number): void;
  endInput(input: number): void;
  /** Whether input sent here cannot move on yet (a sink still writing, a channel without credit). */
  blocked?(): boolean;
}

export interface Edge {
  readonly target: InputTarget;
  readonly input: number;
}

class Channel {
  readonly batch: BatchBuilder<unknown>;
  records = 0;

  constructor(
    capacity: number,
    readonly edges: Edge[],
  ) {
    this.batch = new BatchBuilder(capacity);
  }

  flush(): void {
    const batch = this.batch;
    if (batch.length === 0) return;
    this.records += batch.length;
    for (const e of this.edges) e.target.processBatch(batch, e.input);
    batch.clear();
  }

  /** Hands on a batch someone else owns, as it is; nothing may be pending in this channel's own. */
  forward(batch: Batch<unknown>): void {
    if (batch.length === 0) return;
    this.records += batch.length;
    for (const e of this.edges) e.target.processBatch(batch, e.input);
  }
}

/**
 * An operator's output: records are appended to a reused batch that goes downstream when it is
 * full, before a watermark, and when the runtime flushes after each call into the operator.
 * Side outputs have batches of their own; a side output nobody reads is counted, not kept.
 */
export class OperatorOutput implements Output<unknown> {
  private readonly main: Channel;
  private readonly sides = new Map<string, Channel>();
  /** Records sent to side outputs that have no consumer. */
  droppedSideOutputRecords = 0;
  lastWatermark = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly capacity: number,
    edges: Edge[],
  ) {
    this.main = new Channel(capacity, edges);
  }

  get recordsOut(): number {
    let n = this.main.records + this.main.batch.length;
    for (const s of this.sides.values()) n += s.records + s.batch.length;
    return n;
  }

  addEdge(edge: Edge): void {
    this.main.edges.push(edge);
  }

  addSideEdge(tagId: string, edge: Edge): void {
    let channel = this.sides.get(tagId);
    if (channel === undefined) {
      channel = new Channel(this.capacity, []);
      this.sides.set(tagId, channel);
    }
    channel.edges.push(edge);
  }

  /** Emits a record; without a timestamp (a source's record) it has none (`NaN`). */
  collect(value: unknown, timestamp: Timestamp = Number.NaN): void {
    const batch = this.main.batch;
    const i = batch.length;
    batch.values[i] = value;
    batch.timestamps[i] = timestamp;
    batch.length = i + 1;
    if (i + 1 === batch.capacity) this.main.flush();
  }

  collectBatch(batch: Batch<unknown>): void {
    if (this.main.batch.length === 0) {
      this.main.forward(batch);
      return;
    }
    // Records are pending: they go first, so the batch joins them (a copy).
    for (let i = 0; i < batch.length; i++) this.collect(batch.values[i], batch.timestamps[i]!);
  }

  /**
   * Appends `values[from, to)` without timestamps (`NaN`): a source's records, copied in one loop
   * instead of one `collect` call each (`SourceOutput.collectAll`).
   */
  collectAll(values: readonly unknown[], from: number, to: number): void {
    const batch = this.main.batch;
    const capacity = batch.capacity;
    const out = batch.values;
    const timestamps = batch.timestamps;
    while (from < to) {
      const start = batch.length;
      const n = Math.min(to - from, capacity - start);
      for (let i = 0; i < n; i++) out[start + i] = values[from + i];
      timestamps.fill(Number.NaN, start, start + n);
      batch.length = start + n;
      from += n;
      if (batch.length === capacity) this.main.flush();
    }
  }

  sideOutput<S>(tag: OutputTag<S>, value: S, timestamp: Timestamp): void {
    const channel = this.sides.get(tag.id);
    if (channel === undefined) {
      this.droppedSideOutputRecords++;
      return;
    }
    const batch = channel.batch;
    const i = batch.length;
    batch.values[i] = value;
    batch.timestamps[i] = timestamp;
    batch.length = i + 1;
    if (i + 1 === batch.capacity) channel.flush();
  }

  flush(): void {
    this.main.flush();
    for (const s of this.sides.values()) s.flush();
  }

  emitWatermark(watermark: Timestamp): void {
    this.flush();
    this.lastWatermark = watermark;
    this.forEachEdge((e) => e.target.processWatermark(watermark, e.input));
  }

  emitIdle(idle: boolean): void {
    this.flush();
    this.forEachEdge((e) => e.target.processIdle(idle, e.input));
  }

  emitBarrier(barrier: CheckpointBarrier): void {
    this.flush();
    this.forEachEdge((e) => e.target.processBarrier(barrier, e.input));
  }

  endInput(): void {
    this.flush();
    this.forEachEdge((e) => e.target.endInput(e.input));
  }

  /** Whether anything downstream of this output holds input back (see `InputTarget.blocked`). */
  blocked(): boolean {
    for (const e of this.main.edges) if (e.target.blocked?.() === true) return true;
    for (const side of this.sides.values()) for (const e of side.edges) if (e.target.blocked?.() === true) return true;
    return false;
  }

  private forEachEdge(fn: (e: Edge) => void): void {
    for (const e of this.main.edges) fn(e);
    for (const s of this.sides.values()) for (const e of s.edges) fn(e);
  }
}
