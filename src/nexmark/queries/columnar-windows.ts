// q5 and q7 on the columnar source: the same results as the object versions (q5.ts, q7.ts), from
// loops over a batch's bid columns. Event time comes from each batch's largest timestamp, with
// the same bounded-out-of-orderness watermarks; a keyed process function on one key keeps the
// windows' panes and fires them with event-time timers, dropping bids whose windows have all
// fired (Flink's late elements, allowed lateness 0). The panes are the one key's value state —
// plain objects and typed arrays, read once per batch — so checkpoints and savepoints hold them
// (the heap backend encodes a value before a touch during a snapshot, which is why no reference
// to them is kept between calls).
import type { Stream } from '../../api/stream';
import { keyBy } from '../../operators/key-by';
import { map } from '../../operators/map';
import { process } from '../../operators/process';
import type { KeyedProcessContext, KeyedProcessFunction, OnTimerContext, RuntimeContext } from '../../operators/process-function';
import { watermarks } from '../../operators/watermarks';
import { ValueStateDescriptor } from '../../state/descriptors';
import type { ValueState } from '../../state/state';
import type { Collector } from '../../types';
import type { BidColumns, NexmarkBatch } from '../columnar';
import { letters } from '../random';
import { DEFAULT_OUT_OF_ORDERNESS, usedRange, type NexmarkQueryOptions } from './common';
import type { BidRow } from './q0';
import { Q5_SIZE, Q5_SLIDE, type Q5Row } from './q5';
import { Q7_SIZE } from './q7';

/** Columnar batches with event time: each batch at its largest timestamp, watermarks as `withEventTime`. */
export function withBatchEventTime(batches: Stream<NexmarkBatch>, options: NexmarkQueryOptions = {}): Stream<NexmarkBatch> {
  return batches.pipe(watermarks({ timestamp: (b: NexmarkBatch) => b.maxTime, outOfOrderness: options.outOfOrderness ?? DEFAULT_OUT_OF_ORDERNESS }));
}

/**
 * What crosses the `keyBy` to the one subtask that keeps the windows — on workers encoded, so no
 * unused column or row goes along: for q5, bids per auction and pane of one batch.
 */
interface Q5Input {
  readonly length: number;
  readonly auction: Float64Array;
  /** The pane's start. */
  readonly pane: Float64Array;
  readonly count: Float64Array;
}
/** For q7, the bids of a batch that can win their window. */
type Q7Input = Pick<BidColumns, 'length' | 'auction' | 'bidder' | 'price' | 'dateTime' | 'extraOffset' | 'extraLength'>;

/** q7Input's list links: the next row at the same window's highest price, or -1. Reused. */
let nextAtHighest = new Int32Array(4096);

/**
 * The bids of a batch that can win their window: those at the highest price of their window within
 * the batch (Flink SQL's local aggregation before the global one). The rest can never be a window's
 * highest, and on workers they would cross the `keyBy` for nothing. Lateness is judged per window
 * after the exchange, so it drops the same windows' rows either way. One pass, a compare per row as
 * in Q7Function; a batch spans a few windows, each with a list of its rows at the highest price.
 */
function q7Input(b: NexmarkBatch): Q7Input {
  const { length, auction, bidder, price, dateTime, extraOffset, extraLength } = b.bids;
  if (nextAtHighest.length < length) nextAtHighest = new Int32Array(length);
  const next = nextAtHighest;
  const starts: number[] = [];
  const highest: number[] = [];
  const heads: number[] = [];
  const tails: number[] = [];
  let k = -1;
  let start = Number.NaN;
  let best = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < length; i++) {
    const ts = dateTime[i]!;
    if (!(ts >= start && ts < start + Q7_SIZE)) {
      if (k >= 0) highest[k] = best;
      start = Math.floor(ts / Q7_SIZE) * Q7_SIZE;
      k = starts.indexOf(start);
      if (k < 0) {
        k = starts.push(start) - 1;
        highest.push(Number.NEGATIVE_INFINITY);
        heads.push(-1);
        tails.push(-1);
      }
      best = highest[k]!;
    }
    const p = price[i]!;
    if (p < best) continue;
    next[i] = -1;
    if (p > best) {
      best = p;
      heads[k] = i;
    } else next[tails[k]!] = i;
    tails[k] = i;
  }
  let n = 0;
  for (const head of heads) for (let i = head; i >= 0; i = next[i]!) n++;
  const out = {
    length: n,
    auction: new Float64Array(n),
    bidder: new Float64Array(n),
    price: new Float64Array(n),
    dateTime: new Float64Array(n),
    extraOffset: new Int32Array(n),
    extraLength: new Int32Array(n),
  };
  let r = 0;
  for (const head of heads) {
    for (let i = head; i >= 0; i = next[i]!, r++) {
      out.auction[r] = auction[i]!;
      out.bidder[r] = bidder[i]!;
      out.price[r] = price[i]!;
      out.dateTime[r] = dateTime[i]!;
      out.extraOffset[r] = extraOffset[i]!;
      out.extraLength[r] = extraLength[i]!;
    }
  }
  return out;
}

/** Largest range of ids a pane counts in a dense array before it falls back to a Map. */
const DENSE_RANGE = 1 << 16;

/**
 * Bids per auction in one pane (Q5_SLIDE ms): a dense array over the ids seen, `counts[id - base]`,
 * or a Map once they spread. Plain data: it is keyed state.
 */
interface PaneCounts {
  base: number;
  counts: Float64Array;
  sparse: Map<number, number> | undefined;
}

function addToPane(pane: PaneCounts, id: number, n: number): void {
  if (pane.sparse === undefined && Number.isInteger(id)) {
    const used = usedRange(pane.counts, pane.base);
    const lo = Math.min(used?.lo ?? id, id);
    const hi = Math.max(used?.hi ?? id + 1, id + 1);
    if (hi - lo <= DENSE_RANGE) {
      // Room for ids a little ahead: auction ids grow.
      const counts = new Float64Array(Math.min(DENSE_RANGE, Math.max(64, (hi - lo) * 2)));
      if (used !== undefined) counts.set(pane.counts.subarray(used.lo - pane.base, used.hi - pane.base), used.lo - lo);
      pane.base = lo;
      pane.counts = counts;
      pane.counts[id - lo]! += n;
      return;
    }
    pane.sparse = new Map();
    for (let i = 0; i < pane.counts.length; i++) if (pane.counts[i]! > 0) pane.sparse.set(pane.base + i, pane.counts[i]!);
    pane.counts = new Float64Array(0);
  }
  pane.sparse ??= new Map();
  pane.sparse.set(id, (pane.sparse.get(id) ?? 0) + n);
}

function forEachCount(pane: PaneCounts, f: (id: number, count: number) => void): void {
  for (let i = 0; i < pane.counts.length; i++) if (pane.counts[i]! > 0) f(pane.base + i, pane.counts[i]!);
  if (pane.sparse !== undefined) for (const [id, n] of pane.sparse) f(id, n);
}

/** How many auction ids around a batch's first one q5Input counts densely. */
const LOCAL_SPAN = 4096;
/**
 * How many of a batch's panes q5Input counts densely (a batch of 4096 events spans one or two at
 * the default rate; at 1 event/s it spans 2,048, each of them counted in a Map instead).
 */
const LOCAL_PANES = 8;
/** q5Input's dense counts, one per pane of a batch, reused and left zeroed. */
const localCounts: Float64Array[] = [];
const NO_COUNTS: Float64Array = new Float64Array(0);
/** q5Input's dense entries in first-touch order (pane slot × LOCAL_SPAN + index), reused. */
let touched = new Int32Array(4096);

/**
 * A batch's bids counted per pane and auction (Flink SQL's local aggregation before the global
 * one): on workers, ~330 counts cross q5's `keyBy` instead of ~3,800 bids. One pass, as the window
 * function's own: ids near the batch's first one (auction ids grow slowly) are counted in dense
 * arrays, any other — or any in a batch's ninth pane and later — in a Map. Lateness is judged per pane after the exchange, as before.
 */
function q5Input(b: NexmarkBatch): Q5Input {
  const { length, auction, dateTime } = b.bids;
  const base = length > 0 ? auction[0]! - LOCAL_SPAN / 2 : 0;
  const starts: number[] = [];
  const others: Array<Map<number, number> | undefined> = [];
  let n = 0;
  let start = Number.NaN;
  let slot = -1;
  let counts = NO_COUNTS;
  if (touched.length < length) touched = new Int32Array(length);
  let dense = 0;
  for (let i = 0; i < length; i++) {
    const ts = dateTime[i]!;
    // Floor division, not %: timestamps are beyond 32 bits, where % is a call to fmod.
    if (!(ts >= start && ts < start + Q5_SLIDE)) {
      start = Math.floor(ts / Q5_SLIDE) * Q5_SLIDE;
      slot = starts.indexOf(start);
      if (slot < 0) slot = starts.push(start) - 1;
      counts = slot < LOCAL_PANES ? (localCounts[slot] ??= new Float64Array(LOCAL_SPAN)) : NO_COUNTS;
    }
    const id = auction[i]!;
    const at = id - base;
    if (at >= 0 && at < counts.length && (at | 0) === at) {
      if (counts[at]!++ === 0) touched[dense++] = slot * LOCAL_SPAN + at;
    } else {
      const m = (others[slot] ??= new Map());
      const c = m.get(id) ?? 0;
      if (c === 0) n++;
      m.set(id, c + 1);
    }
  }
  n += dense;
  const out = { length: n, auction: new Float64Array(n), pane: new Float64Array(n), count: new Float64Array(n) };
  let r = 0;
  const add = (id: number, pane: number, c: number): void => {
    out.auction[r] = id;
    out.pane[r] = pane;
    out.count[r++] = c;
  };
  for (let t = 0; t < dense; t++) {
    const k = (touched[t]! / LOCAL_SPAN) | 0;
    const at = touched[t]! - k * LOCAL_SPAN;
    add(base + at, starts[k]!, localCounts[k]![at]!);
    localCounts[k]![at] = 0;
  }
  others.forEach((m, k) => m?.forEach((c, id) => add(id, starts[k]!, c)));
  return out;
}

class Q5Function implements KeyedProcessFunction<number, Q5Input, Q5Row> {
  /** The panes by start time. */
  private state!: ValueState<Map<number, PaneCounts>>;

  open(rc: RuntimeContext): void {
    this.state = rc.getState(new ValueStateDescriptor<Map<number, PaneCounts>>('q5-panes'));
  }

  processElement(bids: Q5Input, ctx: KeyedProcessContext<number>): void {
    const { auction, pane: paneStart, count, length } = bids;
    let panes = this.state.value();
    if (panes === undefined) this.state.update((panes = new Map()));
    const timers = ctx.timerService();
    const watermark = timers.currentWatermark();
    // The current pane: consecutive counts mostly share it.
    let start = Number.NaN;
    let pane: PaneCounts | undefined;
    let counts: Float64Array = new Float64Array(0);
    let base = 0;
    for (let i = 0; i < length; i++) {
      const s = paneStart[i]!;
      if (s !== start) {
        // Every window of the pane ends by s + Q5_SIZE: if that one has fired, its bids are late.
        if (s + Q5_SIZE - 1 <= watermark) continue;
        start = s;
        pane = panes.get(s);
        if (pane === undefined) {
          panes.set(start, (pane = { base: 0, counts: new Float64Array(0), sparse: undefined }));
          // The windows holding this pane end at s + Q5_SLIDE, …, s + Q5_SIZE.
          for (let end = s + Q5_SLIDE; end <= s + Q5_SIZE; end += Q5_SLIDE) if (end - 1 > watermark) timers.registerEventTimeTimer(end - 1);
        }
        counts = pane.counts;
        base = pane.base;
      }
      const at = auction[i]! - base;
      if (at >= 0 && at < counts.length && (at | 0) === at) counts[at]! += count[i]!;
      else {
        addToPane(pane!, auction[i]!, count[i]!);
        counts = pane!.counts;
        base = pane!.base;
      }
    }
  }

  onTimer(time: number, _ctx: OnTimerContext<number>, out: Collector<Q5Row>): void {
    const all = this.state.value();
    if (all === undefined) return;
    const end = time + 1;
    const start = end - Q5_SIZE;
    const panes: PaneCounts[] = [];
    for (let s = start; s < end; s += Q5_SLIDE) {
      const pane = all.get(s);
      if (pane !== undefined) panes.push(pane);
    }
    // Panes no later window needs.
    for (const s of all.keys()) if (s <= start) all.delete(s);
    if (panes.length === 0) return;
    if (panes.every((p) => p.sparse === undefined)) {
      // Dense panes: add them into one array over the union of their id ranges.
      let lo = Number.POSITIVE_INFINITY;
      let hi = Number.NEGATIVE_INFINITY;
      for (const p of panes) {
        if (p.counts.length === 0) continue;
        lo = Math.min(lo, p.base);
        hi = Math.max(hi, p.base + p.counts.length);
      }
      if (lo === Number.POSITIVE_INFINITY) return;
      const totals = new Float64Array(hi - lo);
      for (const p of panes) for (let i = 0, at = p.base - lo; i < p.counts.length; i++) totals[at + i]! += p.counts[i]!;
      let max = 0;
      for (let i = 0; i < totals.length; i++) if (totals[i]! > max) max = totals[i]!;
      for (let i = 0; i < totals.length; i++) if (totals[i]! >= max) out.collect({ auction: lo + i, num: totals[i]!, starttime: start, endtime: end });
      return;
    }
    const totals = new Map<number, number>();
    for (const p of panes) forEachCount(p, (id, n) => totals.set(id, (totals.get(id) ?? 0) + n));
    if (totals.size === 0) return;
    let max = 0;
    for (const n of totals.values()) if (n > max) max = n;
    for (const [id, n] of totals) if (n >= max) out.collect({ auction: id, num: n, starttime: start, endtime: end });
  }
}

/**
 * q5 on columnar batches: the same rows as `q5` (the auctions with the most bids in each 10 s
 * window, every 2 s), counted per 2 s pane straight from the bid columns. Each batch is read as
 * it arrives and its counts copied, so the batches may be reused (`objectReuse`).
 *
 * @example
 * const hot = await q5Columnar(nexmarkColumnar({ events: 10_000_000 })).collect();
 */
export function q5Columnar(batches: Stream<NexmarkBatch>, options: NexmarkQueryOptions = {}): Stream<Q5Row> {
  return withBatchEventTime(batches, options).pipe(
    map(q5Input),
    keyBy((): number => 0),
    process(new Q5Function()),
  );
}

/**
 * The highest price of one q7 window and its bids, as columns (usually one row; entries from
 * `rows` on are stale). Plain data: it is keyed state.
 */
interface HighestInWindow {
  price: number;
  rows: number;
  auction: number[];
  bidder: number[];
  dateTime: number[];
  extraOffset: number[];
  extraLength: number[];
}

class Q7Function implements KeyedProcessFunction<number, Q7Input, BidRow> {
  /** The open windows by start time. */
  private state!: ValueState<Map<number, HighestInWindow>>;

  open(rc: RuntimeContext): void {
    this.state = rc.getState(new ValueStateDescriptor<Map<number, HighestInWindow>>('q7-windows'));
  }

  processElement(bids: Q7Input, ctx: KeyedProcessContext<number>): void {
    const { auction, bidder, price, dateTime, extraOffset, extraLength, length } = bids;
    let windows = this.state.value();
    if (windows === undefined) this.state.update((windows = new Map()));
    const timers = ctx.timerService();
    const watermark = timers.currentWatermark();
    let start = Number.NaN;
    let w: HighestInWindow | undefined;
    let highest = Number.POSITIVE_INFINITY;
    for (let i = 0; i < length; i++) {
      const ts = dateTime[i]!;
      if (!(ts >= start && ts < start + Q7_SIZE)) {
        const s = Math.floor(ts / Q7_SIZE) * Q7_SIZE;
        if (s + Q7_SIZE - 1 <= watermark) continue; // late: its window has fired
        start = s;
        w = windows.get(s);
        if (w === undefined) {
          w = { price: Number.NEGATIVE_INFINITY, rows: 0, auction: [], bidder: [], dateTime: [], extraOffset: [], extraLength: [] };
          windows.set(s, w);
          timers.registerEventTimeTimer(s + Q7_SIZE - 1);
        }
        highest = w.price;
      }
      const p = price[i]!;
      if (p < highest) continue;
      if (p > highest) {
        w!.price = highest = p;
        w!.rows = 0;
      }
      const r = w!.rows++;
      w!.auction[r] = auction[i]!;
      w!.bidder[r] = bidder[i]!;
      w!.dateTime[r] = ts;
      w!.extraOffset[r] = extraOffset[i]!;
      w!.extraLength[r] = extraLength[i]!;
    }
  }

  onTimer(time: number, _ctx: OnTimerContext<number>, out: Collector<BidRow>): void {
    const windows = this.state.value();
    const start = time + 1 - Q7_SIZE;
    const w = windows?.get(start);
    if (w === undefined) return;
    windows!.delete(start);
    for (let r = 0; r < w.rows; r++) {
      out.collect({ auction: w.auction[r]!, bidder: w.bidder[r]!, price: w.price, dateTime: w.dateTime[r]!, extra: letters(w.extraOffset[r]!, w.extraLength[r]!) });
    }
  }
}

/**
 * q7 on columnar batches: the same rows as `q7` (the bids at the highest price of each 10 s
 * tumbling window), found by a compare per bid row; a row object is made only for the winners.
 * Each batch is read as it arrives and its candidates copied, so the batches may be reused
 * (`objectReuse`).
 *
 * @example
 * const top = await q7Columnar(nexmarkColumnar({ events: 10_000_000 })).collect();
 */
export function q7Columnar(batches: Stream<NexmarkBatch>, options: NexmarkQueryOptions = {}): Stream<BidRow> {
  return withBatchEventTime(batches, options).pipe(
    map(q7Input),
    keyBy((): number => 0),
    process(new Q7Function()),
  );
}
