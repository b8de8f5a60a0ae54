import { WatermarkValve } from '../time/watermark-valve';
import type { Batch, CheckpointBarrier, Operator, Timestamp } from '../types';
import { BatchBuilder } from './batch-builder';
import type { InputTarget } from './operator-output';
import { OperatorOutput } from './operator-output';

/** What a node reports when it has taken its snapshot for a checkpoint (a promise: encoded asynchronously). */
export type AcknowledgeCheckpoint = (node: OperatorNode, checkpointId: number, snapshot: Uint8Array | Promise<Uint8Array> | undefined) => void;

/**
 * Hosts one operator in a running job: combines the watermarks of its inputs, counts records,
 * aligns checkpoint barriers, and flushes the operator's output after every call, so batches never
 * linger between calls.
 *
 * Barrier alignment (exactly-once): once a barrier arrives on one input, that input's records wait
 * until the barrier has arrived on every input still open; then the operator snapshots, the barrier
 * goes on, and the waiting records are processed. At-least-once processes them at once.
 */
export class OperatorNode implements InputTarget {
  recordsIn = 0;
  finished = false;
  private readonly valve: WatermarkValve;
  private readonly ended: boolean[];
  // Barrier alignment.
  private alignedCheckpoint = -1;
  private readonly barrierSeen: boolean[];
  private readonly blocked: Array<Array<{ batch: BatchBuilder<unknown> } | { watermark: Timestamp } | { end: true }>>;

  constructor(
    readonly name: string,
    readonly uid: string | undefined,
    readonly operator: Operator<unknown, unknown>,
    readonly output: OperatorOutput,
    inputs: number,
    private readonly acknowledge: AcknowledgeCheckpoint = () => {},
    private readonly exactlyOnce = true,
  ) {
    this.ended = new Array<boolean>(inputs).fill(false);
    this.barrierSeen = new Array<boolean>(inputs).fill(false);
    this.blocked = Array.from({ length: inputs }, () => []);
    this.valve = new WatermarkValve(
      inputs,
      (wm) => {
        this.operator.processWatermark(wm);
        this.output.flush();
      },
      (idle) => {
        this.operator.processIdle(idle);
        this.output.flush();
      },
    );
  }

  /** The operator's current input watermark. */
  get watermark(): Timestamp {
    return this.valve.watermark;
  }

  processBatch(batch: Batch<unknown>, input: number): void {
    if (this.barrierSeen[input] && this.exactlyOnce) {
      // Records after the barrier on an aligned input wait for the other inputs' barriers.
      const copy = new BatchBuilder<unknown>(batch.length);
      for (let i = 0; i < batch.length; i++) {
        copy.values[i] = batch.values[i];
        copy.timestamps[i] = batch.timestamps[i]!;
      }
      copy.length = batch.length;
      this.blocked[input]!.push({ batch: copy });
      return;
    }
    this.recordsIn += batch.length;
    this.operator.processBatch(batch, input);
    this.output.flush();
  }

  processWatermark(watermark: Timestamp, input: number): void {
    if (this.barrierSeen[input] && this.exactlyOnce) {
      this.blocked[input]!.push({ watermark });
      return;
    }
    this.valve.inputWatermark(watermark, input);
  }

  processBarrier(barrier: CheckpointBarrier, input: number): void {
    if (barrier.checkpointId !== this.alignedCheckpoint) {
      this.alignedCheckpoint = barrier.checkpointId;
      this.barrierSeen.fill(false);
    }
    this.barrierSeen[input] = true;
    this.completeAlignment(barrier);
  }

  /** Snapshots once the barrier has come through every open input, then lets blocked input go. */
  private completeAlignment(barrier: CheckpointBarrier): void {
    for (let i = 0; i < this.barrierSeen.length; i++) if (!this.barrierSeen[i] && !this.ended[i]) return;
    this.output.flush();
    this.acknowledge(this, barrier.checkpointId, this.operator.snapshotState?.(barrier.checkpointId));
    this.output.emitBarrier(barrier);
    this.barrierSeen.fill(false);
    this.blocked.forEach((queue, input) => {
      for (const item of queue.splice(0)) {
        if ('batch' in item) this.processBatch(item.batch, input);
        else if ('watermark' in item) this.processWatermark(item.watermark, input);
        else this.endInput(input);
      }
    });
  }

  processIdle(idle: boolean, input: number): void {
    this.valve.inputIdle(idle, input);
  }

  endInput(input: number): void {
    if (this.ended[input]) return;
    if (this.barrierSeen[input] && this.exactlyOnce) {
      this.blocked[input]!.push({ end: true });
      return;
    }
    this.ended[input] = true;
    // An ended input no longer holds back a barrier that the others have delivered.
    if (this.barrierSeen.some(Boolean)) this.completeAlignment({ checkpointId: this.alignedCheckpoint, timestamp: 0 });
    this.operator.endInput(input);
    this.output.flush();
    if (this.ended.every(Boolean)) {
      this.operator.finish();
      this.finished = true;
      this.output.endInput();
    }
  }
}
