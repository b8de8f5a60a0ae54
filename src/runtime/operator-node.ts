import { WatermarkValve } from '../time/watermark-valve';
import type { Batch, Operator, Timestamp } from '../types';
import type { InputTarget } from './operator-output';
import { OperatorOutput } from './operator-output';

/**
 * Hosts one operator in a running job: combines the watermarks of its inputs, counts records, and
 * flushes the operator's output after every call, so batches never linger between calls.
 */
export class OperatorNode implements InputTarget {
  recordsIn = 0;
  finished = false;
  private readonly valve: WatermarkValve;
  private readonly ended: boolean[];

  constructor(
    readonly name: string,
    readonly uid: string | undefined,
    readonly operator: Operator<unknown, unknown>,
    readonly output: OperatorOutput,
    inputs: number,
  ) {
    this.ended = new Array<boolean>(inputs).fill(false);
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
    this.recordsIn += batch.length;
    this.operator.processBatch(batch, input);
    this.output.flush();
  }

  processWatermark(watermark: Timestamp, input: number): void {
    this.valve.inputWatermark(watermark, input);
  }

  processIdle(idle: boolean, input: number): void {
    this.valve.inputIdle(idle, input);
  }

  endInput(input: number): void {
    if (this.ended[input]) return;
    this.ended[input] = true;
    this.operator.endInput(input);
    this.output.flush();
    if (this.ended.every(Boolean)) {
      this.operator.finish();
      this.finished = true;
      this.output.endInput();
    }
  }
}
