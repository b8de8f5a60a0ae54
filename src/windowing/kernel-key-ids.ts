import { mapKeyOf } from '../state/key-groups';

/** The first key id: the even number just below −2^53 + 1, counting down by 2. */
const ID_BASE = -(2 ** 53) - 2;
const MIN_SAFE = Number.MIN_SAFE_INTEGER;
/** Ids below which no sweep runs. */
const MIN_SWEEP = 4096;

/**
 * Keys of any type as the f64s a kernel takes: a safe integer (0 and −0 included: the kernel
 * takes them as one key and keeps the sign for the output) stands for itself; any other key gets
 * an id from the numbers below −2^53, where no safe integer lies (spaced by 2, so each is exact).
 * Keys are compared as keyed state compares them (`mapKeyOf`: SameValueZero, objects by content);
 * an id shows the first key seen with it.
 *
 * @example
 * const ids = new KernelKeyIds();
 * const f = ids.f64Of('auction-7'); // −9007199254740994
 * ids.keyOf(f); // 'auction-7'
 */
export class KernelKeyIds {
  private readonly ids = new Map<unknown, number>();
  private readonly keysById: unknown[] = [];
  private readonly freeIds: number[] = [];
  private sweepAt = MIN_SWEEP;

  /** The kernel's f64 for `key`. */
  f64Of(key: unknown): number {
    if (typeof key === 'number' && Number.isSafeInteger(key)) return key;
    const mk = mapKeyOf(key);
    let id = this.ids.get(mk);
    if (id === undefined) {
      id = this.freeIds.pop() ?? ID_BASE - 2 * this.keysById.length;
      this.ids.set(mk, id);
      this.keysById[(ID_BASE - id) / 2] = key;
    }
    return id;
  }

  /** The key behind a kernel f64. */
  keyOf(f: number): unknown {
    return f >= MIN_SAFE ? f : this.keysById[(ID_BASE - f) / 2];
  }

  /** Whether the dictionary has doubled since the last sweep (the caller then sweeps). */
  get due(): boolean {
    return this.ids.size > this.sweepAt;
  }

  /** Frees every id not in `live` (their keys can never be output again), for reuse. */
  sweep(live: ReadonlySet<number>): void {
    for (const [mk, id] of this.ids) {
      if (live.has(id)) continue;
      this.ids.delete(mk);
      this.keysById[(ID_BASE - id) / 2] = undefined;
      this.freeIds.push(id);
    }
    this.sweepAt = Math.max(MIN_SWEEP, 2 * this.ids.size);
  }

  /**
   * A dense renumbering for a snapshot: `rekey(f)` maps a kernel f64 to the snapshot's (ids in
   * order of first use), and `keys` collects the keys behind the snapshot's ids.
   */
  renumbering(): { rekey: (f: number) => number; keys: unknown[] } {
    const keys: unknown[] = [];
    const seen = new Map<number, number>();
    const rekey = (f: number): number => {
      if (f >= MIN_SAFE) return f;
      let id = seen.get(f);
      if (id === undefined) {
        id = ID_BASE - 2 * keys.length;
        seen.set(f, id);
        keys.push(this.keyOf(f));
      }
      return id;
    };
    return { rekey, keys };
  }

  /** The key behind an f64 of a snapshot whose ids stand for `keys` (see `renumbering`). */
  static keyIn(keys: readonly unknown[], f: number): unknown {
    return f >= MIN_SAFE ? f : keys[(ID_BASE - f) / 2];
  }
}
