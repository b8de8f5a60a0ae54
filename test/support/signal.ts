/**
 * Lets a test wait for something the job does — a record passing a `tap`, a value reaching a sink —
 * instead of sleeping. `next()` resolves at the next `fire()` (or at once if one is pending).
 */
export class Signal<T = void> {
  private waiting: Array<(value: T) => void> = [];
  private pending: T[] = [];

  fire(value: T): void {
    const w = this.waiting.shift();
    if (w !== undefined) w(value);
    else this.pending.push(value);
  }

  next(): Promise<T> {
    if (this.pending.length > 0) return Promise.resolve(this.pending.shift()!);
    return new Promise<T>((resolve) => this.waiting.push(resolve));
  }
}
