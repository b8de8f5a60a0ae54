import { WatermarkValve } from '../time/watermark-valve';
import type { Batch, CheckpointBarrier, Operator, Timestamp } from '../types';
import { BatchBuilder } from './batch-builder';
import type { InputTarget } from './operator-output';
import { OperatorOutput } from './operator-output';

/** What a node reports when it has taken its snapshot for a checkpoint (a promise: encoded asynchronously). */
export type AcknowledgeCheckpoint = (node: OperatorNode, checkpointId: number, snapshot: Uint8Array | Promise<Uint8Array> | undefined) => void;

/**
 * Hosts one operator subtask in a running job: combines the watermarks of its input channels,
 * counts records, aligns checkpoint barriers, and flushes the operator's output after every call,
 * so batches never linger between calls.
 *
 * A channel is one upstream subtask feeding one logical input of the operator (an operator with
 * one input fed by a keyBy from 4 subtasks has 4 channels). Watermarks are the minimum over active
 * channels (Flink's StatusWatermarkValve); an input ends when all its channels have ended.
 *
 * Barrier alignment (exactly-once): once a barrier arrives on one channel, that channel's records
 * wait until the barrier has arrived on every channel still open; then the operator snapshots, the
 * barrier goes on, and the waiting records are processed. At-least-once processes them at once.
 */
export class OperatorNode implements InputTarget {
  recordsIn = 0;
  finished = false;
  /** The newest checkpoint this node has acknowledged (the executor keeps it). */
  lastAcknowledged = 0;
  /** Called once every input has ended and the operator has finished. */
  onFinished: (() => void) | undefined = undefined;
  /**
   * Where an operator's asynchronous finish is held and completed (the executor: the job waits for
   * it, and an error fails the job).
   */
  host: { hold(promise: Promise<unknown>): void; guard(fn: () => void): void } = { hold: () => {}, guard: (fn) => fn() };
  private readonly valve: WatermarkValve;
  private readonly ended: boolean[];
  /** Per logical input, how many of its channels are still open. */
  private readonly openChannels: number[];
  private readonly inputOf: readonly number[];
  // Barrier alignment.
  private alignedCheckpoint = -1;
  private readonly barrierSeen: boolean[];
  private readonly held: Array<Array<{ batch: BatchBuilder<unknown> } | { watermark: Timestamp } | { end: true }>>;

  constructor(
    readonly name: string,
    readonly uid: string | undefined,
    readonly operator: Operator<unknown, unknown>,
    readonly output: OperatorOutput,
    /** The number of inputs (one channel each), or per channel the logical input it feeds. */
    channels: number | readonly number[],
    private readonly acknowledge: AcknowledgeCheckpoint = () => {},
    private readonly exactlyOnce = true,
  ) {
    this.inputOf = typeof channels === 'number' ? Array.from({ length: channels }, (_, i) => i) : channels;
    const inputs = this.inputOf.length;
    this.openChannels = [];
    for (const input of this.inputOf) this.openChannels[input] = (this.openChannels[input] ?? 0) + 1;
    this.ended = new Array<boolean>(inputs).fill(false);
    this.barrierSeen = new Array<boolean>(inputs).fill(false);
    this.held = Array.from({ length: inputs }, () => []);
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
      this.held[input]!.push({ batch: copy });
      return;
    }
    this.recordsIn += batch.length;
    this.operator.processBatch(batch, this.inputOf[input]!);
    this.output.flush();
  }

  processWatermark(watermark: Timestamp, input: number): void {
    if (this.barrierSeen[input] && this.exactlyOnce) {
      this.held[input]!.push({ watermark });
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
    this.held.forEach((queue, input) => {
      for (const item of queue.splice(0)) {
        if ('batch' in item) this.processBatch(item.batch, input);
        else if ('watermark' in item) this.processWatermark(item.watermark, input);
        else this.endInput(input);
      }
    });
  }

  blocked(): boolean {
    return ((this.operator as { writing?: number }).writing ?? 0) > 0 || this.output.blocked();
  }

  processIdle(idle: boolean, input: number): void {
    this.valve.inputIdle(idle, input);
  }

  endInput(input: number): void {
    if (this.ended[input]) return;
    if (this.barrierSeen[input] && this.exactlyOnce) {
      this.held[input]!.push({ end: true });
      return;
    }
    this.ended[input] = true;
    // An ended input no longer holds back a barrier that the others have delivered.
    if (this.barrierSeen.some(Boolean)) this.completeAlignment({ checkpointId: this.alignedCheckpoint, timestamp: 0 });
    const logical = this.inputOf[input]!;
    if (--this.openChannels[logical]! === 0) {
      this.operator.endInput(logical);
      this.output.flush();
    }
    if (this.ended.every(Boolean)) {
      const done = this.operator.finish();
      if (done === undefined) this.complete();
      else this.host.hold(done.then(() => this.host.guard(() => this.complete())));
    }
  }

  private complete(): void {
    this.finished = true;
    this.onFinished?.();
    this.output.endInput();
  }
}
