/**
 * The contract of the keyed window-aggregation kernels: the WebAssembly kernel
 * (`assembly/window-aggregate.ts` via `src/wasm/window-aggregate-kernel.ts`) and its JavaScript
 * twin (`src/windowing/pane-aggregation.ts`) implement it with identical results. The window
 * operator decides lateness and side outputs; a kernel only accumulates and fires.
 *
 * Windows are tumbling (`slide === size`) or sliding, aligned like Flink's
 * (`start = ts - ((ts - offset) mod slide)`), and kept as panes of `slide` ms: each element is added
 * to exactly one pane, and a window [s, s + size) is the merge of its `size / slide` panes
 * (`size` must be a multiple of `slide`; at most 64 aggregates). Sums start at 0 (a sum of −0s is
 * +0); a sliding window adds its pane sums in pane-start order, so a float sum may differ in the
 * last bits from adding the elements one by one. `countDistinct` is exact: SameValueZero over the
 * f64 values (−0 is 0, every NaN one value), a sliding window counting the union of its panes.
 * Non-finite timestamps are ignored (the operator rejects them before).
 */

/** Built-in aggregates a kernel computes over one f64 input column each (`count` reads none). */
export type KernelAggregate = 'count' | 'sum' | 'min' | 'max' | 'avg' | 'first' | 'last' | 'countDistinct';

export interface WindowAggregationConfig {
  readonly size: number;
  readonly slide: number;
  readonly offset: number;
  /** One entry per output; `column` indexes the value columns given to `add`. */
  readonly aggregates: ReadonlyArray<{ readonly kind: KernelAggregate; readonly column: number }>;
  /** Number of value columns `add` receives. */
  readonly columns: number;
  /**
   * A value column holding each input row's weight: the row stands for that many elements whose
   * accumulators it already holds (a combiner's partial aggregate: its count, sum, min, max), so a
   * slot's count grows by the weight instead of 1. Only with count, sum, min, max and avg.
   */
  readonly weightColumn?: number;
}

/**
 * Windows a `fire` or `current` call produced, valid until the next call into the kernel. The
 * arrays may be longer than `count`. Keys come back canonical: −0 as 0, every NaN as one NaN.
 */
export interface FiredWindows {
  readonly count: number;
  readonly keys: Float64Array;
  readonly starts: Float64Array;
  /** `results[a][i]`: aggregate `a` of fired window `i` (f64; `first`/`last` of a window are values). */
  readonly results: readonly Float64Array[];
}

/** What one accumulator of a slot holds; `lastSeq` is the arrival number of the slot's last element. */
export type AccumulatorKind = 'sum' | 'min' | 'max' | 'first' | 'last' | 'lastSeq' | 'countDistinct';

/**
 * A kernel's state as columns, for snapshots: what `exportState` gives and `importState` takes —
 * the same from the WebAssembly kernel and its JavaScript twin, so either restores the other's.
 */
export interface WindowAggregationState {
  /** F: the largest watermark given to `fire`. */
  readonly fireWatermark: number;
  /** D: windows with `end - 1 <= D` are retired. */
  readonly retiredWatermark: number;
  /** Elements added so far (arrival numbers go on from here). */
  readonly arrivals: number;
  /** The slot layout: what each column of `slots.accumulators` holds (`column`: value column read, or -1). */
  readonly accumulators: ReadonlyArray<{ readonly kind: AccumulatorKind; readonly column: number }>;
  /** One row per (key, pane): panes in start order, a pane's keys in order of first arrival. */
  readonly slots: {
    readonly paneStarts: Float64Array;
    /** Canonical keys (−0 as 0, one NaN). */
    readonly keys: Float64Array;
    /** Arrival number of the slot's first element. */
    readonly firstSeqs: Float64Array;
    readonly counts: Float64Array;
    /** One column per accumulator; a `countDistinct` column holds the size of the slot's set. */
    readonly accumulators: readonly Float64Array[];
  };
  /** The values of every distinct set, slot by slot, accumulator by accumulator (any order within a set). */
  readonly distinctValues: Float64Array;
  /** Windows flagged 1 (fired, then changed) or 2 (fired early by `current`). */
  readonly flags: { readonly keys: Float64Array; readonly starts: Float64Array; readonly states: Float64Array };
}

/** Arrays to fill with a batch and hand to `add` (see `WindowAggregation.input`). */
export interface KernelInput {
  /** Capacity (≥ 1; at most the `n` asked for may not fit: add in pieces); write elements from index 0. */
  readonly keys: Float64Array;
  readonly timestamps: Float64Array;
  /** One array per value column of the configuration (empty for columns no aggregate reads). */
  readonly columns: readonly Float64Array[];
}

export interface WindowAggregation {
  /**
   * Arrays for up to `n` elements (fewer when the kernel takes smaller pieces: see their length),
   * to fill from index 0 and pass to `add(keys, timestamps, columns, 0, count)`. The WebAssembly
   * kernel hands out views of its input area, so that `add` copies nothing; they are valid until
   * the next call into the kernel.
   */
  input(n: number): KernelInput;
  /**
   * Adds records `[from, to)`: `keys[i]` (an f64 key or key id), `timestamps[i]`, and
   * `columns[c][i]` for each value column. Elements are added to their panes unconditionally — the
   * caller has already dropped late ones.
   */
  add(keys: Float64Array, timestamps: Float64Array, columns: readonly Float64Array[], from: number, to: number): void;
  /**
   * Fires every window with `end - 1 <= watermark` that holds an element and has not fired since
   * its last change, ordered by window end, then by the order its key first entered that window.
   * A retired window (`end - 1 <= ` the largest `evict` argument so far) never fires, even when a
   * pane it shares with a newer window changes.
   */
  fire(watermark: number): FiredWindows;
  /**
   * Late firings (Flink fires a window again, at once, for each element that arrives within the
   * allowed lateness): the current results of the non-retired windows of `key` that contain
   * `timestamp` and have `end - 1 <= watermark`, in ascending start order (Flink fires them latest
   * start first: iterate backwards). They count as fired: a later `fire` does not emit them again
   * unless they change again.
   */
  current(key: number, timestamp: number, watermark: number): FiredWindows;
  /**
   * Retires every window with `end - 1 <= min(cleanupWatermark, highest fire watermark)`
   * (cleanupWatermark = watermark − allowed lateness) and drops the panes no unretired window
   * needs. A retired window never fires again, through `fire` or `current`.
   */
  evict(cleanupWatermark: number): void;
  /** Number of (key, pane) entries held. */
  readonly size: number;
  /** A copy of the state (see `WindowAggregationState`). */
  exportState(): WindowAggregationState;
  /**
   * Adds a snapshot's state to a kernel that has taken no element yet; call once per snapshot (a
   * restore at another parallelism merges several, whose keys must be disjoint). Every call gets
   * the same `fireWatermark` and `retiredWatermark`, the smallest among the snapshots: windows a
   * snapshot had fired beyond that count as fired early, so none fires twice. Throws for a state
   * of another slot layout or an inconsistent one.
   */
  importState(state: WindowAggregationState, fireWatermark: number, retiredWatermark: number): void;
  /** Drops every slot and flag and forgets the watermarks: as new (its memory kept for reuse). */
  reset(): void;
}
