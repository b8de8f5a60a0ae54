import { SluiceError } from '../errors';

/**
 * Counts periodic checkpoints that failed in a row — expired, or a snapshot or write that failed —
 * and says when the job must fail over (Flink's `CheckpointFailureManager`): after more than
 * `tolerable` in a row (`execution.checkpointing.tolerable-failed-checkpoints`, 0 by default: the
 * first failure fails the job, and the restart strategy takes over). A completed checkpoint resets
 * the count. Savepoints are not counted: a failed one fails only its request.
 */
/**
 * A checkpoint not started because another one is in progress (Flink's "too many concurrent
 * checkpoint requests"): a failure of the request, not of a checkpoint, so it is not counted.
 */
export class CheckpointInProgressError extends SluiceError {
  override readonly name = 'CheckpointInProgressError';

  constructor(kind: 'checkpoint' | 'savepoint') {
    super(`A checkpoint is already in progress; try the ${kind} again later`);
  }
}

export class CheckpointFailureManager {
  private consecutive = 0;

  constructor(private readonly tolerable: number) {}

  /**
   * Follows a periodic checkpoint: a completion resets the count; a failure while the job still
   * `running()` counts, and past the tolerated number calls `failOver` with the error to fail with.
   */
  watch(checkpoint: Promise<unknown>, running: () => boolean, failOver: (error: SluiceError) => void): void {
    checkpoint.then(
      () => this.succeeded(),
      (cause: unknown) => {
        if (!running()) return;
        const error = this.failed(cause);
        if (error !== undefined) failOver(error);
      },
    );
  }

  private succeeded(): void {
    this.consecutive = 0;
  }

  /** The error to fail the job with, or `undefined` while failures are tolerated. */
  private failed(cause: unknown): SluiceError | undefined {
    if (cause instanceof CheckpointInProgressError) return undefined;
    if (++this.consecutive <= this.tolerable) return undefined;
    const reason = cause instanceof Error ? cause.message : String(cause);
    return new SluiceError(`Exceeded checkpoint tolerable failure threshold (${this.tolerable} in a row): ${reason}`, { cause });
  }
}
