import type { Clock, Timestamp } from '../types';

/** Wall-clock processing time (`Date.now`), with callbacks on `setTimeout`. */
export class SystemClock implements Clock {
  now(): Timestamp {
    return Date.now();
  }

  schedule(at: Timestamp, callback: () => void): () => void {
    const handle = setTimeout(callback, Math.max(0, at - Date.now()));
    return () => clearTimeout(handle);
  }
}

interface Scheduled {
  readonly at: Timestamp;
  readonly seq: number;
  readonly callback: () => void;
  canceled: boolean;
}

/**
 * Processing time that moves only when a test says so. `advance` runs every callback that comes due,
 * in time order (then in the order they were scheduled), before it returns.
 *
 * @example
 * const clock = new ManualClock(0);
 * const env = new StreamEnvironment({ clock });
 * clock.advance(1000); // fires processing-time timers up to t = 1000
 */
export class ManualClock implements Clock {
  private time: Timestamp;
  private seq = 0;
  private pending: Scheduled[] = [];

  constructor(start: Timestamp = 0) {
    this.time = start;
  }

  now(): Timestamp {
    return this.time;
  }

  schedule(at: Timestamp, callback: () => void): () => void {
    const entry: Scheduled = { at, seq: this.seq++, callback, canceled: false };
    this.pending.push(entry);
    return () => {
      entry.canceled = true;
    };
  }

  /** Moves time forward by `ms`, firing due callbacks at their own times. */
  advance(ms: number): void {
    this.advanceTo(this.time + ms);
  }

  /** Moves time to `target` (never backwards), firing due callbacks at their own times. */
  advanceTo(target: Timestamp): void {
    for (;;) {
      const next = this.nextDue(target);
      if (next === undefined) break;
      this.pending.splice(this.pending.indexOf(next), 1);
      if (next.at > this.time) this.time = next.at;
      next.callback();
    }
    if (target > this.time) this.time = target;
  }

  private nextDue(target: Timestamp): Scheduled | undefined {
    this.pending = this.pending.filter((p) => !p.canceled);
    let best: Scheduled | undefined;
    for (const p of this.pending) {
      if (p.at <= target && (best === undefined || p.at < best.at || (p.at === best.at && p.seq < best.seq))) best = p;
    }
    return best;
  }
}
