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
import { DEFAULT_OUT_OF_ORDERNESS, type NexmarkQueryOptions } from './common';
import type { BidRow } from './q0';
import { Q5_SIZE, Q5_SLIDE, type Q5Row } from './q5';
import { Q7_SIZE } from './q7';

/** Columnar batches with event time: each batch at its largest timestamp, watermarks as `withEventTime`. */
export function withBatchEventTime(batches: Stream<NexmarkBatch>, options: NexmarkQueryOptions = {}): Stream<NexmarkBatch> {
  return batches.pipe(watermarks({ timestamp: (b: NexmarkBatch) => b.maxTime, outOfOrderness: options.outOfOrderness ?? DEFAULT_OUT_OF_ORDERNESS }));
}

/**
 * The bid columns a window query reads, cut to the batch's bids: what crosses the `keyBy` to the
 * one subtask that keeps the windows — on workers encoded, so no unused column or row goes along.
 */
type BidWindowColumns<K extends keyof BidColumns> = Pick<BidColumns, 'length' | K>;

function cut(column: Float64Array, n: number): Float64Array;
function cut(column: Int32Array, n: number): Int32Array;
function cut(column: Float64Array | Int32Array, n: number): Float64Array | Int32Array {
  return column.length === n ? column : column.subarray(0, n);
}

type Q5Input = BidWindowColumns<'auction' | 'dateTime'>;
type Q7Input = BidWindowColumns<'auction' | 'bidder' | 'price' | 'dateTime' | 'extraOffset' | 'extraLength'>;

function q5Input(b: NexmarkBatch): Q5Input {
  const { length, auction, dateTime } = b.bids;
  return { length, auction: cut(auction, length), dateTime: cut(dateTime, length) };
}

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

function addToPane(pane: PaneCounts, id: number): void {
  if (pane.sparse === undefined && Number.isInteger(id)) {
    const empty = pane.counts.length === 0;
    const lo = empty ? id : Math.min(pane.base, id);
    const hi = empty ? id + 1 : Math.max(pane.base + pane.counts.length, id + 1);
    if (hi - lo <= DENSE_RANGE) {
      // Room for ids a little ahead: auction ids grow.
      const counts = new Float64Array(Math.min(DENSE_RANGE, Math.max(64, (hi - lo) * 2)));
      if (!empty) counts.set(pane.counts, pane.base - lo);
      pane.base = lo;
      pane.counts = counts;
      pane.counts[id - lo]!++;
      return;
    }
    pane.sparse = new Map();
    for (let i = 0; i < pane.counts.length; i++) if (pane.counts[i]! > 0) pane.sparse.set(pane.base + i, pane.counts[i]!);
    pane.counts = new Float64Array(0);
  }
  pane.sparse ??= new Map();
  pane.sparse.set(id, (pane.sparse.get(id) ?? 0) + 1);
}

function forEachCount(pane: PaneCounts, f: (id: number, count: number) => void): void {
  for (let i = 0; i < pane.counts.length; i++) if (pane.counts[i]! > 0) f(pane.base + i, pane.counts[i]!);
  if (pane.sparse !== undefined) for (const [id, n] of pane.sparse) f(id, n);
}

class Q5Function implements KeyedProcessFunction<number, Q5Input, Q5Row> {
  /** The panes by start time. */
  private state!: ValueState<Map<number, PaneCounts>>;

  open(rc: RuntimeContext): void {
    this.state = rc.getState(new ValueStateDescriptor<Map<number, PaneCounts>>('q5-panes'));
  }

  processElement(bids: Q5Input, ctx: KeyedProcessContext<number>): void {
    const { auction, dateTime, length } = bids;
    let panes = this.state.value();
    if (panes === undefined) this.state.update((panes = new Map()));
    const timers = ctx.timerService();
    const watermark = timers.currentWatermark();
    // The current pane [start, start + Q5_SLIDE): consecutive bids mostly share it. (Floor
    // division, not %: timestamps are beyond 32 bits, where % is a call to fmod.)
    let start = Number.NaN;
    let pane: PaneCounts | undefined;
    let counts: Float64Array = new Float64Array(0);
    let base = 0;
    for (let i = 0; i < length; i++) {
      const ts = dateTime[i]!;
      if (!(ts >= start && ts < start + Q5_SLIDE)) {
        const s = Math.floor(ts / Q5_SLIDE) * Q5_SLIDE;
        // Every window of the bid ends by s + Q5_SIZE: if that one has fired, the bid is late.
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
      if (at >= 0 && at < counts.length && (at | 0) === at) counts[at]!++;
      else {
        addToPane(pane!, auction[i]!);
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
 * window, every 2 s), counted per 2 s pane straight from the bid columns.
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
