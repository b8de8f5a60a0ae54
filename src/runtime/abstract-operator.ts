import { operatorFailure } from '../errors';
import type { Batch, Operator, OperatorContext, Output, Timestamp } from '../types';

/**
 * The base of built-in operators: watermarks and idleness pass through, end of input does nothing.
 * An operator overrides only what it needs.
 */
export abstract class AbstractOperator<I, O> implements Operator<I, O> {
  protected context!: OperatorContext<O>;
  protected output!: Output<O>;

  open(context: OperatorContext<O>): void {
    this.context = context;
    this.output = context.output;
  }

  abstract processBatch(batch: Batch<I>, input: number): void;

  processWatermark(watermark: Timestamp): void {
    this.output.emitWatermark(watermark);
  }

  processIdle(idle: boolean): void {
    this.output.emitIdle(idle);
  }

  endInput(_input: number): void {}

  finish(): void | Promise<void> {}

  close(): void {}

  /** An error naming this operator and showing `record`. */
  protected failure(record: unknown, cause: unknown): Error {
    return operatorFailure(this.context.name, this.context.uid, record, cause);
  }
}
