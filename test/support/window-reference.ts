/**
 * An independent, deliberately naive model of Flink's event-time windowing, used as the oracle of
 * the property tests in test/windowing/window-properties.test.ts. It is written from Flink's
 * documented rules, not from sluice's code:
 *
 * - https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/operators/windows/
 * - https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/event-time/generating_watermarks/
 *
 * Rules modelled (one key's windows are independent of every other key's):
 *
 * 1. Watermarks (BoundedOutOfOrderness, emitted after every record): after a record the watermark is
 *    `max(timestamps so far) - D - 1`, never decreasing; it starts at −∞ and becomes +∞ when the
 *    bounded input ends. A record is judged against the watermark left by the records before it.
 * 2. Assignment: tumbling `start = t - ((t - offset) mod size)` (non-negative mod, Flink's
 *    `TimeWindow.getWindowStartWithOffset`); sliding: `lastStart, lastStart - slide, …` while
 *    `start > t - size`, with `lastStart` aligned to the slide; session: `[t, t + gap)`, and windows
 *    of one key that overlap or touch merge into their cover.
 * 3. A window fires when the watermark reaches `maxTimestamp = end - 1`, and its state is cleaned up
 *    when the watermark reaches `maxTimestamp + L`.
 * 4. An element is not added to a window whose `maxTimestamp + L <= watermark`. An element added to
 *    no window at all whose `ts + L <= watermark` is "late" (side output).
 * 5. An element added to a window that has already fired (`maxTimestamp <= watermark`) but is not
 *    cleaned up makes that window fire again at once with its full contents (late firing).
 * 6. Merged session windows carry the union of the merged windows' elements, whether or not those
 *    windows had fired already; the merged window fires once the watermark reaches its end - 1, or
 *    at once if it already has.
 *
 * BATCH execution (https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/execution_mode/):
 * no watermarks during the input and nothing is late; each key's windows are evaluated once over
 * all of the key's elements — `batchReference`.
 */

export interface RefEvent {
  readonly id: number;
  readonly key: string;
  readonly ts: number;
  readonly v: number;
}

export type AssignerSpec =
  | { readonly kind: 'tumbling'; readonly size: number; readonly offset: number }
  | { readonly kind: 'sliding'; readonly size: number; readonly slide: number; readonly offset: number }
  | { readonly kind: 'session'; readonly gap: number };

export interface RefConfig {
  readonly assigner: AssignerSpec;
  /** Bounded out-of-orderness D of the watermark generator. */
  readonly outOfOrderness: number;
  /** Allowed lateness L of the window operator. */
  readonly allowedLateness: number;
}

/** One emitted window result: the key, the window and the elements it had when it fired. */
export interface Firing {
  readonly key: string;
  readonly start: number;
  readonly end: number;
  readonly elements: readonly RefEvent[];
}

export interface RefOutput {
  /** Every firing, in emission order per window (early firing, then late firings). */
  readonly firings: Firing[];
  /** The late side output. */
  readonly late: RefEvent[];
  /** Elements that were neither added to a window nor late (must stay empty for these assigners). */
  readonly lost: RefEvent[];
  /** How often the interesting cases happened (so tests can check their generators reach them). */
  readonly stats: RefStats;
}

export interface RefStats {
  /** Firings caused by an element for a window that had fired already (rule 5). */
  lateFirings: number;
  /** Session merges that took in a window that had fired already (rule 6). */
  firedMerges: number;
  /** Elements dropped from some of their windows but added to others (sliding). */
  partiallyDropped: number;
}

/** The row `aggregate({ n: count(), s: sum, lo: min, hi: max, mean: avg })` makes of a firing. */
export interface Row {
  readonly key: string;
  readonly start: number;
  readonly end: number;
  readonly n: number;
  readonly s: number;
  readonly lo: number;
  readonly hi: number;
  readonly mean: number;
}

/** Non-negative remainder. */
function mod(a: number, m: number): number {
  const r = a % m;
  return r < 0 ? r + m : r;
}

/** Flink's `TimeWindow.getWindowStartWithOffset`. */
export function windowStart(t: number, offset: number, size: number): number {
  return t - mod(t - offset, size);
}

/** The (non-merged) windows an element with timestamp `t` is assigned to, as [start, end) pairs. */
export function assign(spec: AssignerSpec, t: number): Array<[number, number]> {
  switch (spec.kind) {
    case 'tumbling': {
      const s = windowStart(t, spec.offset, spec.size);
      return [[s, s + spec.size]];
    }
    case 'sliding': {
      const out: Array<[number, number]> = [];
      const lastStart = windowStart(t, spec.offset, spec.slide);
      for (let s = lastStart; s > t - spec.size; s -= spec.slide) out.push([s, s + spec.size]);
      return out;
    }
    case 'session':
      return [[t, t + spec.gap]];
  }
}

/** Flink merges session windows that overlap or touch. */
function touches(a: { start: number; end: number }, b: { start: number; end: number }): boolean {
  return a.start <= b.end && a.end >= b.start;
}

interface LiveWindow {
  start: number;
  end: number;
  elements: RefEvent[];
  /** The event-time trigger's timer at end - 1 is registered and has not fired yet. */
  timerPending: boolean;
}

/**
 * Streaming execution, one record at a time, with per-record watermarks (rules 1–6 above).
 */
export function streamingReference(events: readonly RefEvent[], config: RefConfig): RefOutput {
  const { assigner, outOfOrderness: D, allowedLateness: L } = config;
  const firings: Firing[] = [];
  const late: RefEvent[] = [];
  const lost: RefEvent[] = [];
  const stats: RefStats = { lateFirings: 0, firedMerges: 0, partiallyDropped: 0 };
  // key -> live windows (not cleaned up yet). For sessions they are pairwise non-touching.
  const live = new Map<string, LiveWindow[]>();
  let watermark = Number.NEGATIVE_INFINITY;
  let maxTs = Number.NEGATIVE_INFINITY;

  const fire = (key: string, w: LiveWindow): void => {
    firings.push({ key, start: w.start, end: w.end, elements: [...w.elements] });
  };
  const isCleanedUp = (end: number, wm: number): boolean => end - 1 + L <= wm;

  /** The watermark advances to `wm`: due windows fire, then expired ones are cleaned up. */
  const advance = (wm: number): void => {
    if (wm <= watermark) return;
    watermark = wm;
    for (const [key, windows] of live) {
      for (const w of windows) {
        if (w.timerPending && w.end - 1 <= wm) {
          w.timerPending = false;
          fire(key, w);
        }
      }
      live.set(
        key,
        windows.filter((w) => !isCleanedUp(w.end, wm)),
      );
    }
  };

  /** Adds `e` to live window `w` (already known not to be cleaned up), firing late if it is due. */
  const addTo = (key: string, w: LiveWindow, e: RefEvent): void => {
    w.elements.push(e);
    if (w.end - 1 <= watermark) {
      fire(key, w); // late firing (rule 5)
      stats.lateFirings++;
    } else w.timerPending = true;
  };

  for (const e of events) {
    const windows = live.get(e.key) ?? [];
    live.set(e.key, windows);
    let added = false;
    if (assigner.kind === 'session') {
      const own = { start: e.ts, end: e.ts + assigner.gap };
      const merging = windows.filter((w) => touches(w, own));
      if (merging.length === 0) {
        if (!isCleanedUp(own.end, watermark)) {
          const w: LiveWindow = { ...own, elements: [], timerPending: false };
          windows.push(w);
          addTo(e.key, w, e);
          added = true;
        }
      } else {
        // The live windows are pairwise non-touching, so the ones that touch the new window are
        // exactly the ones that merge with it; the result is their cover (rule 6).
        if (merging.some((w) => w.end - 1 <= watermark)) stats.firedMerges++;
        const start = Math.min(own.start, ...merging.map((w) => w.start));
        const end = Math.max(own.end, ...merging.map((w) => w.end));
        const merged: LiveWindow = {
          start,
          end,
          elements: merging.flatMap((w) => w.elements),
          timerPending: end - 1 > watermark, // the merged windows' timers are replaced by one for the cover
        };
        live.set(
          e.key,
          windows.filter((w) => !merging.includes(w)).concat([merged]),
        );
        addTo(e.key, merged, e);
        added = true;
      }
    } else {
      let skipped = false;
      for (const [start, end] of assign(assigner, e.ts)) {
        if (isCleanedUp(end, watermark)) {
          skipped = true; // rule 4: this window is gone
          continue;
        }
        let w = windows.find((x) => x.start === start && x.end === end);
        if (w === undefined) {
          w = { start, end, elements: [], timerPending: false };
          windows.push(w);
        }
        addTo(e.key, w, e);
        added = true;
      }
      if (added && skipped) stats.partiallyDropped++;
    }
    if (!added) {
      if (e.ts + L <= watermark) late.push(e);
      else lost.push(e);
    }
    if (e.ts > maxTs) maxTs = e.ts;
    advance(maxTs - D - 1);
  }
  advance(Number.POSITIVE_INFINITY);
  return { firings, late, lost, stats };
}

/**
 * BATCH execution, written declaratively: per key, tumbling/sliding windows hold every element
 * assigned to them; sessions are the connected runs of `[t, t + gap)` intervals that overlap or
 * touch. Every window fires exactly once; nothing is late.
 */
export function batchReference(events: readonly RefEvent[], spec: AssignerSpec): Firing[] {
  const byKey = new Map<string, RefEvent[]>();
  for (const e of events) {
    const list = byKey.get(e.key) ?? [];
    list.push(e);
    byKey.set(e.key, list);
  }
  const firings: Firing[] = [];
  for (const [key, list] of byKey) {
    if (spec.kind === 'session') {
      const sorted = [...list].sort((a, b) => a.ts - b.ts);
      let cur: { start: number; end: number; elements: RefEvent[] } | undefined;
      for (const e of sorted) {
        if (cur !== undefined && e.ts <= cur.end) {
          cur.end = Math.max(cur.end, e.ts + spec.gap);
          cur.elements.push(e);
        } else {
          if (cur !== undefined) firings.push({ key, ...cur });
          cur = { start: e.ts, end: e.ts + spec.gap, elements: [e] };
        }
      }
      if (cur !== undefined) firings.push({ key, ...cur });
    } else {
      const windows = new Map<string, { start: number; end: number; elements: RefEvent[] }>();
      for (const e of list) {
        for (const [start, end] of assign(spec, e.ts)) {
          const id = `${start}:${end}`;
          const w = windows.get(id) ?? { start, end, elements: [] };
          w.elements.push(e);
          windows.set(id, w);
        }
      }
      for (const w of windows.values()) firings.push({ key, ...w });
    }
  }
  return firings;
}

/** count/sum/min/max/avg of a firing. */
export function toRow(f: Firing): Row {
  let s = 0;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const e of f.elements) {
    s += e.v;
    lo = Math.min(lo, e.v);
    hi = Math.max(hi, e.v);
  }
  const n = f.elements.length;
  return { key: f.key, start: f.start, end: f.end, n, s, lo, hi, mean: s / n };
}

/** A canonical order for multiset comparison: key, start, end, then the rest of the row. */
export function sortRows<R extends { key: string; start: number; end: number }>(rows: readonly R[]): R[] {
  const text = (r: R): string => JSON.stringify(r);
  return [...rows].sort(
    (a, b) =>
      (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) || a.start - b.start || a.end - b.end || (text(a) < text(b) ? -1 : text(a) > text(b) ? 1 : 0),
  );
}

/** The last row per (key, window), in emission order. */
export function lastPerWindow<R extends { key: string; start: number; end: number }>(rows: readonly R[]): R[] {
  const last = new Map<string, R>();
  for (const r of rows) last.set(`${r.key}|${r.start}|${r.end}`, r);
  return sortRows([...last.values()]);
}

/** Sorts events by id (multiset comparison of records). */
export function byId<E extends { id: number }>(events: readonly E[]): E[] {
  return [...events].sort((a, b) => a.id - b.id);
}
