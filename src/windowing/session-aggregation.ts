/**
 * The contract of the keyed session-window kernels: the WebAssembly kernel
 * (`assembly/session-aggregate.ts` via `src/wasm/session-aggregate-kernel.ts`) and its JavaScript
 * twin (`src/windowing/session-table.ts`) implement it with identical results, bit for bit.
 *
 * A kernel runs Flink's `WindowOperator` with event-time session windows and the
 * `EventTimeTrigger` for built-in aggregates, step for step as `WindowOperator` +
 * `MergingWindowSet` do on keyed state
 * (https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/operators/windows/#session-windows):
 * - an element at `ts` opens `[ts, ts + gap)`; the key's windows that overlap or touch it merge into
 *   their cover, whose accumulators are the leftmost merged window's, merged with the fold of the
 *   others in start order (so float sums come out as the keyed-state path adds them);
 * - a new window whose cleanup time `end - 1 + allowedLateness` is at or below the watermark is
 *   dropped, and its element is late when `ts + allowedLateness <= watermark`;
 * - a window fires when the watermark reaches `end - 1`, and again at once for every element that
 *   lands in it later within the allowed lateness; it is dropped at its cleanup time.
 *
 * Firing order is the keyed-state timer service's: by time, then by when the (key, time) timer
 * entry was created (Flink's heap timer queue drains a time's keys in insertion order). The kernel
 * models those entries — with the key as the element that created one gave it, so 0 and −0 come out
 * as in keyed state — but not the timers themselves.
 *
 * Keys are f64s (the operator maps other keys to ids); −0 and 0 are one key, as in keyed state.
 */

/** The built-in aggregates a session kernel computes (`count` reads no column). */
export type SessionAggregate = 'count' | 'sum' | 'min' | 'max' | 'avg';

export interface SessionAggregationConfig {
  /** The session gap, ms: finite, > 0. */
  readonly gap: number;
  /** Flink's allowed lateness, ms: finite, ≥ 0. */
  readonly allowedLateness: number;
  /** One entry per output; `column` indexes the value columns of the input. */
  readonly aggregates: ReadonlyArray<{ readonly kind: SessionAggregate; readonly column: number }>;
  /** Number of value columns the input has. */
  readonly columns: number;
}

/** Arrays to fill with up to their length of elements, from index 0, before `add`. */
export interface SessionInput {
  /** The element's key as given (a 0 keeps its sign: it shows in the output). */
  readonly keys: Float64Array;
  readonly timestamps: Float64Array;
  readonly columns: readonly Float64Array[];
}

/** Windows that fired, valid until the next call into the kernel; the arrays may be longer than `count`. */
export interface FiredSessions {
  readonly count: number;
  readonly keys: Float64Array;
  readonly starts: Float64Array;
  readonly ends: Float64Array;
  /** `results[a][i]`: aggregate `a` of fired window `i`. */
  readonly results: readonly Float64Array[];
}

/** What `add` did with a batch: windows fired again by elements within the lateness, and late elements. */
export interface SessionBatchResult {
  readonly fired: FiredSessions;
  /** Indices (into the batch) of late elements, ascending; valid until the next call. */
  readonly late: Int32Array;
  readonly lateCount: number;
}

/**
 * A kernel's state as columns, the same from both kernels so that either restores the other's
 * (timer `bits`: 1 = the trigger timer at `end - 1` is pending, 2 = the cleanup timer at
 * `end - 1 + allowedLateness` is; when the two times are equal they are one timer).
 */
export interface SessionAggregationState {
  readonly windows: {
    /** Canonical keys (0 for −0). */
    readonly keys: Float64Array;
    readonly starts: Float64Array;
    readonly ends: Float64Array;
    readonly bits: Float64Array;
    readonly counts: Float64Array;
    /** One column per aggregate (unused, 0, for `count`). */
    readonly accumulators: readonly Float64Array[];
  };
  /** Timer entries: (key, time) → creation order `seq`, the key as given `raw`, and how many timers it holds. */
  readonly entries: {
    readonly keys: Float64Array;
    readonly times: Float64Array;
    readonly seqs: Float64Array;
    readonly raws: Float64Array;
    readonly counts: Float64Array;
  };
}

export interface SessionAggregation {
  /** Input arrays for up to `n` elements (fewer when the kernel takes smaller pieces: see their length). */
  input(n: number): SessionInput;
  /** Processes the first `n` elements of the input in order, at `watermark`. */
  add(n: number, watermark: number): SessionBatchResult;
  /** Fires and cleans up every timer at or below `watermark`, in the timer service's order. */
  fire(watermark: number): FiredSessions;
  /** Number of windows held. */
  readonly size: number;
  exportState(): SessionAggregationState;
  /**
   * Adds a snapshot's windows and timer entries (the keys must be new to this kernel; several
   * snapshots merge, their `seq`s renumbered by the caller into one order). Throws for an
   * inconsistent state.
   */
  importState(state: SessionAggregationState): void;
}

/** Aggregate kinds as the WebAssembly kernel's spec encodes them. */
export const SESSION_AGGREGATE_CODES: Readonly<Record<SessionAggregate, number>> = { count: 0, sum: 1, min: 2, max: 3, avg: 4 };

/** Checks a configuration; a `ConfigurationError`-worthy message, or undefined when it is fine. */
export function sessionConfigProblem(config: SessionAggregationConfig): string | undefined {
  if (!Number.isFinite(config.gap) || config.gap <= 0) return `gap must be a finite number > 0, got ${config.gap}`;
  if (!Number.isFinite(config.allowedLateness) || config.allowedLateness < 0) return `allowedLateness must be a finite number ≥ 0, got ${config.allowedLateness}`;
  if (config.aggregates.length === 0 || config.aggregates.length > 64) return `1 to 64 aggregates, got ${config.aggregates.length}`;
  for (const a of config.aggregates) {
    if (!(a.kind in SESSION_AGGREGATE_CODES)) return `unsupported aggregate ${a.kind}`;
    if (a.kind !== 'count' && !(a.column >= 0 && a.column < config.columns)) return `aggregate ${a.kind} reads column ${a.column} of ${config.columns}`;
  }
  return undefined;
}
