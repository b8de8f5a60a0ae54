/**
 * Timers of one time domain, deduplicated per (key, namespace, time) as in Flink's
 * `InternalTimerServiceImpl`, and fired in time order, then in the order keys first registered.
 *
 * ```
 *   heap of distinct times ──► time ──► bucket: Map<mapKey, { key, namespaces: Map<nsId, ns> }>
 * ```
 * A bucket is drained entry by entry, so a timer deleted by an earlier callback at the same time
 * does not fire. Times whose bucket emptied stay in the heap and are skipped when they surface.
 */
export interface TimerEntry<N> {
  readonly key: unknown;
  readonly mapKey: unknown;
  readonly namespaces: Map<unknown, N>;
}

export class TimerQueue<N> {
  private readonly buckets = new Map<number, Map<unknown, TimerEntry<N>>>();
  private readonly heap: number[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  register(time: number, key: unknown, mapKey: unknown, namespace: N, nsId: unknown): void {
    let bucket = this.buckets.get(time);
    if (bucket === undefined) {
      bucket = new Map();
      this.buckets.set(time, bucket);
      this.push(time);
    }
    let entry = bucket.get(mapKey);
    if (entry === undefined) {
      entry = { key, mapKey, namespaces: new Map() };
      bucket.set(mapKey, entry);
    }
    if (!entry.namespaces.has(nsId)) {
      entry.namespaces.set(nsId, namespace);
      this.count++;
    }
  }

  delete(time: number, mapKey: unknown, nsId: unknown): void {
    const bucket = this.buckets.get(time);
    const entry = bucket?.get(mapKey);
    if (bucket === undefined || entry === undefined || !entry.namespaces.delete(nsId)) return;
    this.count--;
    if (entry.namespaces.size === 0) bucket.delete(mapKey);
    if (bucket.size === 0) this.buckets.delete(time);
  }

  /** The earliest time that has a timer, or `undefined` when there is none. */
  peekTime(): number | undefined {
    while (this.heap.length > 0) {
      const t = this.heap[0]!;
      if (this.buckets.has(t)) return t;
      this.pop();
    }
    return undefined;
  }

  /**
   * Fires every timer with time ≤ `limit`, earliest first, calling `fire(key, mapKey, ns, time)`.
   * Timers registered by a callback fire in the same call when they are due.
   */
  fireUntil(limit: number, fire: (key: unknown, mapKey: unknown, namespace: N, time: number) => void): void {
    for (;;) {
      const time = this.peekTime();
      if (time === undefined || time > limit) return;
      const bucket = this.buckets.get(time)!;
      while (bucket.size > 0) {
        const entry = bucket.values().next().value!;
        const [nsId, ns] = entry.namespaces.entries().next().value!;
        entry.namespaces.delete(nsId);
        this.count--;
        if (entry.namespaces.size === 0) bucket.delete(entry.mapKey);
        fire(entry.key, entry.mapKey, ns, time);
      }
      if (this.buckets.get(time) === bucket) this.buckets.delete(time);
    }
  }

  /**
   * Appends every pending timer to `out`, five slots each (`time, key, mapKey, nsId, namespace`),
   * in firing order: a snapshot copies references at the barrier and encodes them later.
   */
  captureInto(out: unknown[]): void {
    const times = [...this.buckets.keys()].sort((a, b) => a - b);
    for (const time of times) {
      for (const entry of this.buckets.get(time)!.values()) {
        entry.namespaces.forEach((namespace, nsId) => out.push(time, entry.key, entry.mapKey, nsId, namespace));
      }
    }
  }

  clear(): void {
    this.buckets.clear();
    this.heap.length = 0;
    this.count = 0;
  }

  private push(time: number): void {
    const h = this.heap;
    let i = h.length;
    h.push(time);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (h[parent]! <= time) break;
      h[i] = h[parent]!;
      i = parent;
    }
    h[i] = time;
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    let i = 0;
    const n = h.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && h[r]! < h[l]! ? r : l;
      if (h[c]! >= last) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = last;
  }
}
