/** A window of event or processing time, `[start, end)` in epoch ms (Flink's `TimeWindow`). */
export class TimeWindow {
  private cachedKey: string | undefined;

  constructor(
    readonly start: number,
    readonly end: number,
  ) {}

  /** The largest timestamp that still belongs to the window: `end - 1`. */
  maxTimestamp(): number {
    return this.end - 1;
  }

  /** True when the windows overlap or touch (Flink merges touching session windows). */
  intersects(other: TimeWindow): boolean {
    return this.start <= other.end && this.end >= other.start;
  }

  /** The smallest window that covers both. */
  cover(other: TimeWindow): TimeWindow {
    return new TimeWindow(Math.min(this.start, other.start), Math.max(this.end, other.end));
  }

  equals(other: TimeWindow): boolean {
    return this.start === other.start && this.end === other.end;
  }

  /** A value that identifies the window among all windows (used as a state namespace). */
  get key(): string {
    return (this.cachedKey ??= `${this.start}:${this.end}`);
  }

  toString(): string {
    return `TimeWindow{start=${this.start}, end=${this.end}}`;
  }

  /**
   * The start of the window of `size` that contains `timestamp`, aligned to the epoch plus `offset`
   * (Flink's `TimeWindow.getWindowStartWithOffset`).
   */
  static startWithOffset(timestamp: number, offset: number, size: number): number {
    const remainder = (timestamp - offset) % size;
    return remainder < 0 ? timestamp - (remainder + size) : timestamp - remainder;
  }
}

/** The one window of `globalWindow()`: everything, forever (Flink's `GlobalWindow`). */
export const GLOBAL_WINDOW: TimeWindow = new TimeWindow(Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY);
