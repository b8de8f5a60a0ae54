/**
 * One processing-time callback standing for many due times (timers, window ends): only the
 * earliest is scheduled with the clock. A request for an earlier time replaces the pending one; a
 * request for a later time waits for it — the owner then asks again for its next due time when
 * `fire` runs.
 */
export class Wakeup {
  private cancelPending: (() => void) | undefined = undefined;
  private pendingAt = Number.POSITIVE_INFINITY;

  constructor(
    private readonly schedule: (at: number, callback: () => void) => () => void,
    private readonly fire: () => void,
  ) {}

  /** The time of the pending wake-up; +∞ when there is none. */
  get at(): number {
    return this.pendingAt;
  }

  /** Wakes at `time`, unless a wake-up at or before it is pending. */
  request(time: number): void {
    if (!(time < this.pendingAt)) return;
    this.cancelPending?.();
    this.pendingAt = time;
    this.cancelPending = this.schedule(time, this.onTime);
  }

  cancel(): void {
    this.cancelPending?.();
    this.cancelPending = undefined;
    this.pendingAt = Number.POSITIVE_INFINITY;
  }

  private readonly onTime = (): void => {
    this.cancelPending = undefined;
    this.pendingAt = Number.POSITIVE_INFINITY;
    this.fire();
  };
}
