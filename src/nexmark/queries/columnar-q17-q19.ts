// q17 and q19 on the columnar source: the same results as the object versions (q17.ts, q19.ts),
// from one loop over a batch's bid columns. As q5Columnar and q7Columnar (columnar-windows.ts),
// the bids go through a `keyBy` to one key, whose value state holds every auction's numbers in
// typed arrays: an auction id finds its slot in a dense array while the ids stay close (they
// grow), so no Map lookup and no object per bid. q17 fires its day windows with event-time timers
// and drops late bids (allowed lateness 0); q19 has no event time and emits the changes of the
// top 10 as columns, one row per changed top 10 (see `Q19Columns`).
import type { Stream } from '../../api/stream';
import { keyBy } from '../../operators/key-by';
import { map } from '../../operators/map';
import { process } from '../../operators/process';
import type { KeyedProcessContext, KeyedProcessFunction, OnTimerContext, RuntimeContext } from '../../operators/process-function';
import { ValueStateDescriptor } from '../../state/descriptors';
import type { ValueState } from '../../state/state';
import type { Collector } from '../../types';
import type { BidColumns, Mutable, NexmarkBatch } from '../columnar';
import { bidAt } from '../generator';
import type { Bid } from '../model';
import { withBatchEventTime } from './columnar-windows';
import { DAY_MS, formatDay, usedRange, type NexmarkQueryOptions } from './common';
import type { Q17Row } from './q17';
import { Q19_N, type Q19Row } from './q19';

/** Largest id range a dense slot array covers before the ids fall back to a Map (4 MB of Int32). */
const DENSE_RANGE = 1 << 20;

/**
 * Slot numbers of ids, in order of first arrival: `dense[id - base] - 1` (-1: none) while the ids
 * stay within DENSE_RANGE, a Map once they spread. Plain data: it is keyed state.
 */
interface IdSlots {
  base: number;
  dense: Int32Array;
  sparse: Map<number, number> | undefined;
  /** Slots given out. */
  size: number;
}

function emptySlots(): IdSlots {
  return { base: 0, dense: new Int32Array(0), sparse: undefined, size: 0 };
}

/** The slot of `id`, given out now if it has none (then `size` grew by one). */
function slotOf(s: IdSlots, id: number): number {
  if (s.sparse === undefined) {
    const at = id - s.base;
    if (at >= 0 && at < s.dense.length && (at | 0) === at) {
      const v = s.dense[at]! - 1;
      if (v >= 0) return v;
      s.dense[at] = s.size + 1;
      return s.size++;
    }
    if (Number.isInteger(id)) {
      const used = usedRange(s.dense, s.base);
      const lo = Math.min(used?.lo ?? id, id);
      const hi = Math.max(used?.hi ?? id + 1, id + 1);
      if (hi - lo <= DENSE_RANGE) {
        // Room for ids ahead: auction ids grow.
        const dense = new Int32Array(Math.min(DENSE_RANGE, Math.max(1024, (hi - lo) * 2)));
        if (used !== undefined) dense.set(s.dense.subarray(used.lo - s.base, used.hi - s.base), used.lo - lo);
        s.base = lo;
        s.dense = dense;
        dense[id - lo] = s.size + 1;
        return s.size++;
      }
    }
    s.sparse = new Map();
    for (let i = 0; i < s.dense.length; i++) if (s.dense[i]! > 0) s.sparse.set(s.base + i, s.dense[i]! - 1);
    s.dense = new Int32Array(0);
  }
  const v = s.sparse.get(id);
  if (v !== undefined) return v;
  s.sparse.set(id, s.size);
  return s.size++;
}

function grown(a: Float64Array, capacity: number): Float64Array {
  if (a.length >= capacity) return a;
  const b = new Float64Array(Math.max(capacity, a.length * 2, 64));
  b.set(a);
  return b;
}

function cut(column: Float64Array, n: number): Float64Array {
  return column.length === n ? column : column.subarray(0, n);
}

// ---------------------------------------------------------------------------------------------
// q17

type Q17Input = Pick<BidColumns, 'length' | 'auction' | 'price' | 'dateTime'>;

function q17Input(b: NexmarkBatch): Q17Input {
  const { length, auction, price, dateTime } = b.bids;
  return { length, auction: cut(auction, length), price: cut(price, length), dateTime: cut(dateTime, length) };
}

/** Numbers per auction in a day window: total, rank 1–3 counts, min, max, sum of price. */
const STATS = 7;

/**
 * One day window's auctions, in order of their first bid (the order the object q17's window
 * kernel emits them in): `auction[slot]` and `stats[slot * STATS + …]`. Plain data: keyed state.
 */
interface DayWindow {
  slots: IdSlots;
  auction: Float64Array;
  stats: Float64Array;
}

class Q17Function implements KeyedProcessFunction<number, Q17Input, Q17Row> {
  /** The open day windows by start time. */
  private state!: ValueState<Map<number, DayWindow>>;

  open(rc: RuntimeContext): void {
    this.state = rc.getState(new ValueStateDescriptor<Map<number, DayWindow>>('q17-days'));
  }

  processElement(bids: Q17Input, ctx: KeyedProcessContext<number>): void {
    const { auction, price, dateTime, length } = bids;
    let windows = this.state.value();
    if (windows === undefined) this.state.update((windows = new Map()));
    const timers = ctx.timerService();
    const watermark = timers.currentWatermark();
    let start = Number.NaN;
    let w: DayWindow | undefined;
    // The window's slot array and numbers in locals: re-read whenever a new slot may have moved them.
    let dense: Int32Array = new Int32Array(0);
    let base = 0;
    let stats: Float64Array = new Float64Array(0);
    for (let i = 0; i < length; i++) {
      const ts = dateTime[i]!;
      if (!(ts >= start && ts < start + DAY_MS)) {
        const s = Math.floor(ts / DAY_MS) * DAY_MS;
        if (s + DAY_MS - 1 <= watermark) continue; // late: its window has fired
        start = s;
        w = windows.get(s);
        if (w === undefined) {
          windows.set(s, (w = { slots: emptySlots(), auction: new Float64Array(0), stats: new Float64Array(0) }));
          timers.registerEventTimeTimer(s + DAY_MS - 1);
        }
        dense = w.slots.dense;
        base = w.slots.base;
        stats = w.stats;
      }
      const id = auction[i]!;
      const at = id - base;
      let slot = at >= 0 && at < dense.length && (at | 0) === at ? dense[at]! - 1 : -1;
      let o: number;
      if (slot < 0) {
        const slots = w!.slots;
        const before = slots.size;
        slot = slotOf(slots, id);
        o = slot * STATS;
        if (slots.size > before) {
          w!.auction = grown(w!.auction, slots.size);
          w!.auction[slot] = id;
          w!.stats = stats = grown(w!.stats, slots.size * STATS);
          stats[o + 4] = Number.POSITIVE_INFINITY;
          stats[o + 5] = Number.NEGATIVE_INFINITY;
        }
        dense = slots.dense;
        base = slots.base;
      } else o = slot * STATS;
      const p = price[i]!;
      stats[o]!++;
      // q17.sql's ranks (priceRank), as the object query's sums of 0/1.
      if (p < 10_000) stats[o + 1]!++;
      else if (p < 1_000_000) stats[o + 2]!++;
      else stats[o + 3]!++;
      if (p < stats[o + 4]!) stats[o + 4] = p;
      if (p > stats[o + 5]!) stats[o + 5] = p;
      stats[o + 6]! += p;
    }
  }

  onTimer(time: number, _ctx: OnTimerContext<number>, out: Collector<Q17Row>): void {
    const windows = this.state.value();
    const start = time + 1 - DAY_MS;
    const w = windows?.get(start);
    if (w === undefined) return;
    windows!.delete(start);
    const day = formatDay(start);
    const { auction, stats } = w;
    for (let slot = 0, o = 0; slot < w.slots.size; slot++, o += STATS) {
      const total = stats[o]!;
      const sum = stats[o + 6]!;
      out.collect({
        auction: auction[slot]!,
        day,
        total_bids: total,
        rank1_bids: stats[o + 1]!,
        rank2_bids: stats[o + 2]!,
        rank3_bids: stats[o + 3]!,
        min_price: stats[o + 4]!,
        max_price: stats[o + 5]!,
        avg_price: Math.trunc(sum / total),
        sum_price: sum,
      });
    }
  }
}

/**
 * q17 on columnar batches: the same rows as `q17` (per auction and UTC day, the bids per price
 * rank and min, max, average and total price), in the same order — counted per auction slot
 * straight from the bid columns, one row object per auction and day when the day's window fires.
 *
 * @example
 * const report = await q17Columnar(nexmarkColumnar({ events: 10_000_000 })).collect();
 */
export function q17Columnar(batches: Stream<NexmarkBatch>, options: NexmarkQueryOptions = {}): Stream<Q17Row> {
  return withBatchEventTime(batches, options).pipe(
    map(q17Input),
    keyBy((): number => 0),
    process(new Q17Function()),
  );
}

// ---------------------------------------------------------------------------------------------
// q19

/**
 * Every bid column, copied to the batch's rows: q19's output is columns, which callers run on
 * reused batches (`objectReuse`), and the `keyBy` may queue a batch past its reuse.
 */
function q19Input(b: NexmarkBatch): BidColumns {
  const { length, auction, bidder, price, dateTime, channel, extraOffset, extraLength } = b.bids;
  return {
    length,
    auction: auction.slice(0, length),
    bidder: bidder.slice(0, length),
    price: price.slice(0, length),
    dateTime: dateTime.slice(0, length),
    channel: channel.slice(0, length),
    extraOffset: extraOffset.slice(0, length),
    extraLength: extraLength.slice(0, length),
  };
}

/**
 * Columnar q19 changes, one row per change of an auction's top 10 (one per row of `q19`): the bid
 * (the bid columns' fields) entered its auction's top 10 at `rank` (ROW_NUMBER, 1–10); the bids
 * ranked from there on moved down one, and one ranked 10th, if any, dropped out. The top 10 after
 * a change is the previous one with the bid inserted: `q19Replay` gives it as `q19`'s row. Only
 * rows below `length` are valid.
 */
export interface Q19Columns extends BidColumns {
  readonly rank: Uint8Array;
}

function allocateQ19(capacity: number): Mutable<Q19Columns> {
  return {
    length: 0,
    auction: new Float64Array(capacity),
    bidder: new Float64Array(capacity),
    price: new Float64Array(capacity),
    dateTime: new Float64Array(capacity),
    channel: new Int32Array(capacity),
    extraOffset: new Int32Array(capacity),
    extraLength: new Int32Array(capacity),
    rank: new Uint8Array(capacity),
  };
}

/**
 * Every auction's top prices, highest first: `count[slot]` of them at `prices[slot * Q19_N + …]`
 * (the rest of a bid lives in the output only). Plain data: keyed state.
 */
interface TopPrices {
  slots: IdSlots;
  count: Uint8Array;
  prices: Float64Array;
}

class Q19Function implements KeyedProcessFunction<number, BidColumns, Q19Columns> {
  private state!: ValueState<TopPrices>;

  open(rc: RuntimeContext): void {
    this.state = rc.getState(new ValueStateDescriptor<TopPrices>('q19-top-prices'));
  }

  processElement(bids: BidColumns, _ctx: KeyedProcessContext<number>, out: Collector<Q19Columns>): void {
    const { auction, bidder, price, dateTime, channel, extraOffset, extraLength, length } = bids;
    let top = this.state.value();
    if (top === undefined) this.state.update((top = { slots: emptySlots(), count: new Uint8Array(0), prices: new Float64Array(0) }));
    const slots = top.slots;
    let dense = slots.dense;
    let base = slots.base;
    let count = top.count;
    let prices = top.prices;
    const o = allocateQ19(length);
    const oRank = o.rank;
    let n = 0;
    for (let i = 0; i < length; i++) {
      const id = auction[i]!;
      const at = id - base;
      let slot = at >= 0 && at < dense.length && (at | 0) === at ? dense[at]! - 1 : -1;
      if (slot < 0) {
        slot = slotOf(slots, id);
        if (slots.size > count.length) {
          const c = new Uint8Array(Math.max(64, count.length * 2));
          c.set(count);
          top.count = count = c;
          top.prices = prices = grown(prices, c.length * Q19_N);
        }
        dense = slots.dense;
        base = slots.base;
      }
      const p = price[i]!;
      const ranked = count[slot]!;
      const first = slot * Q19_N;
      if (ranked === Q19_N && p <= prices[first + Q19_N - 1]!) continue;
      // After every bid of the same price already ranked: equal prices rank by arrival.
      let r = ranked;
      while (r > 0 && prices[first + r - 1]! < p) r--;
      for (let j = ranked === Q19_N ? Q19_N - 1 : ranked; j > r; j--) prices[first + j] = prices[first + j - 1]!;
      prices[first + r] = p;
      if (ranked < Q19_N) count[slot] = ranked + 1;
      o.auction[n] = id;
      o.bidder[n] = bidder[i]!;
      o.price[n] = p;
      o.dateTime[n] = dateTime[i]!;
      o.channel[n] = channel[i]!;
      o.extraOffset[n] = extraOffset[i]!;
      o.extraLength[n] = extraLength[i]!;
      oRank[n++] = r + 1;
    }
    if (n === 0) return;
    o.length = n;
    out.collect(o);
  }
}

/**
 * q19 on columnar batches: the changes of every auction's top 10 bids by price (`ROW_NUMBER() OVER
 * (PARTITION BY auction ORDER BY price DESC) <= 10`), as columns: one row per change, in the order
 * of `q19`'s rows — the bid that entered and its rank, not the whole top 10 (`Q19Columns`).
 *
 * @example
 * const replay = q19Replay();
 * await q19Columnar(nexmarkColumnar({ events: 1_000_000 })).forEach((cols) => {
 *   for (let i = 0; i < cols.length; i++) console.log(replay(cols, i)); // q19's rows
 * });
 */
export function q19Columnar(batches: Stream<NexmarkBatch>): Stream<Q19Columns> {
  return batches.pipe(
    map(q19Input),
    keyBy((): number => 0),
    process(new Q19Function()),
  );
}

/**
 * Turns `q19Columnar`'s changes back into `q19`'s rows (each auction's whole top 10 after the
 * change): call it on every row, in order, as each batch arrives; it keeps the top 10s it has built.
 *
 * @example
 * const replay = q19Replay();
 * const rows: Q19Row[] = [];
 * await q19Columnar(nexmarkColumnar({ events: 10_000 })).forEach((cols) => {
 *   for (let i = 0; i < cols.length; i++) rows.push(replay(cols, i));
 * });
 */
export function q19Replay(): (cols: Q19Columns, i: number) => Q19Row {
  const tops = new Map<number, readonly Bid[]>();
  return (cols, i) => {
    const bid = bidAt(cols, i);
    const before = tops.get(bid.auction) ?? [];
    const at = cols.rank[i]! - 1;
    const top = [...before.slice(0, at), bid, ...before.slice(at)].slice(0, Q19_N);
    tops.set(bid.auction, top);
    return { auction: bid.auction, top };
  };
}
