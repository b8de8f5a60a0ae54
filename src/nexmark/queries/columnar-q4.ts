// q4 on the columnar source: the same rows as the object version (q4.ts over q9.ts's `winningBids`),
// in the same order. The auctions and bids of a batch are copied before the `keyBy` (batches are
// reused with `objectReuse`) to one key whose value state holds the whole join in typed arrays — an
// open-addressing hash table of auctions, a pool of bids that came before their auction and a
// heap of open auctions by end time — so checkpoints hold it and no object is made per bid.
//
// Why the rows are the object query's: q4 reads only a winner's price, the highest of the valid
// bids that came before the auction closed — whether a bid came before or after its auction does
// not change it (q9.ts keeps the early ones), so a batch's auctions can go before its bids, and
// no bid time is kept for q9's ties. The object query emits when the watermark passes an auction's
// end, and its timers fire by time, then in the order their keys registered: the order of
// (expires, arrival) this heap pops in. With the watermark bound at least the stream's
// out-of-orderness, no valid bid comes after its auction closed, so where the watermark steps
// (per record there, per batch here) changes nothing.
import type { Stream } from '../../api/stream';
import { keyBy } from '../../operators/key-by';
import { map } from '../../operators/map';
import { process } from '../../operators/process';
import type { KeyedProcessContext, KeyedProcessFunction, OnTimerContext, RuntimeContext } from '../../operators/process-function';
import { ValueStateDescriptor } from '../../state/descriptors';
import type { ValueState } from '../../state/state';
import type { Collector } from '../../types';
import type { NexmarkBatch } from '../columnar';
import { withBatchEventTime } from './columnar-windows';
import type { NexmarkQueryOptions } from './common';
import type { Q4Row } from './q4';

/** The columns of a batch's auctions and bids q4 reads, copied (see the file comment). */
interface Q4Input {
  readonly auctions: number;
  readonly id: Float64Array;
  readonly start: Float64Array;
  readonly expires: Float64Array;
  readonly category: Int32Array;
  readonly bids: number;
  readonly auction: Float64Array;
  readonly price: Float64Array;
  readonly dateTime: Float64Array;
}

function q4Input(b: NexmarkBatch): Q4Input {
  const a = b.auctions;
  const d = b.bids;
  return {
    auctions: a.length,
    id: a.id.slice(0, a.length),
    start: a.dateTime.slice(0, a.length),
    expires: a.expires.slice(0, a.length),
    category: a.category.slice(0, a.length),
    bids: d.length,
    auction: d.auction.slice(0, d.length),
    price: d.price.slice(0, d.length),
    dateTime: d.dateTime.slice(0, d.length),
  };
}

/** An auction id's entry: only bids so far, the auction open, or closed (later bids are dropped). */
const EARLY = 1;
const OPEN = 2;
const CLOSED = 3;
const NONE = -1;

/**
 * The join, plain data: it is keyed state.
 *
 * ```
 * auction table, entry e (linear probing on id, capacity a power of two, at most half full):
 *   status[e] u8  id[e] f64  start[e] f64  expires[e] f64  category[e] i32
 *   bestPrice[e] f64 (NaN: no valid bid yet)  early[e] i32 (head of its early bids, or -1)
 * early bids, slot s (a free list through next):  price[s] f64  time[s] f64  next[s] i32
 * open auctions, a binary heap on (expires, seq):  heapExpires f64  heapSeq f64  heapId f64
 * ```
 */
interface Q4Join {
  size: number;
  status: Uint8Array;
  id: Float64Array;
  start: Float64Array;
  expires: Float64Array;
  category: Int32Array;
  bestPrice: Float64Array;
  early: Int32Array;
  earlyPrice: Float64Array;
  earlyTime: Float64Array;
  earlyNext: Int32Array;
  free: number;
  heapSize: number;
  heapExpires: Float64Array;
  heapSeq: Float64Array;
  heapId: Float64Array;
  /** Auctions seen: the arrival order that breaks ties of `expires`. */
  seq: number;
  /** The time of the earliest event-time timer still to fire, or NaN when none is. */
  armed: number;
  /** Per category: the sum and count of its winning prices (q4.ts's `CategoryAverage`). */
  sums: Map<number, number>;
  counts: Map<number, number>;
}

const INITIAL_CAPACITY = 1 << 12;

function emptyTable(j: Q4Join, capacity: number): void {
  j.status = new Uint8Array(capacity);
  j.id = new Float64Array(capacity);
  j.start = new Float64Array(capacity);
  j.expires = new Float64Array(capacity);
  j.category = new Int32Array(capacity);
  j.bestPrice = new Float64Array(capacity);
  j.early = new Int32Array(capacity);
}

function emptyJoin(): Q4Join {
  const j: Q4Join = {
    size: 0,
    status: new Uint8Array(0),
    id: new Float64Array(0),
    start: new Float64Array(0),
    expires: new Float64Array(0),
    category: new Int32Array(0),
    bestPrice: new Float64Array(0),
    early: new Int32Array(0),
    earlyPrice: new Float64Array(0),
    earlyTime: new Float64Array(0),
    earlyNext: new Int32Array(0),
    free: NONE,
    heapSize: 0,
    heapExpires: new Float64Array(0),
    heapSeq: new Float64Array(0),
    heapId: new Float64Array(0),
    seq: 0,
    armed: Number.NaN,
    sums: new Map(),
    counts: new Map(),
  };
  emptyTable(j, INITIAL_CAPACITY);
  return j;
}

// Ids are integers: `| 0` keeps their low 32 bits (others only collide more, equality decides).
function hashId(id: number): number {
  const h = Math.imul(id | 0, 0x9e3779b1);
  return h ^ (h >>> 15);
}

/** The entry of `id`, or where it would go (status 0). */
function slot(j: Q4Join, id: number): number {
  const { status, id: ids } = j;
  const mask = status.length - 1;
  let e = hashId(id) & mask;
  while (status[e] !== 0 && ids[e] !== id) e = (e + 1) & mask;
  return e;
}

function rehash(j: Q4Join, capacity: number): void {
  const { status, id, start, expires, category, bestPrice, early } = j;
  emptyTable(j, capacity);
  for (let e = 0; e < status.length; e++) {
    if (status[e] === 0) continue;
    const f = slot(j, id[e]!);
    j.status[f] = status[e]!;
    j.id[f] = id[e]!;
    j.start[f] = start[e]!;
    j.expires[f] = expires[e]!;
    j.category[f] = category[e]!;
    j.bestPrice[f] = bestPrice[e]!;
    j.early[f] = early[e]!;
  }
}

function grownF64(a: Float64Array, capacity: number): Float64Array {
  const b = new Float64Array(capacity);
  b.set(a);
  return b;
}

/** Room for `auctions` more auctions and `bids` more early bids: nothing grows inside the loops. */
function reserve(j: Q4Join, auctions: number, bids: number): void {
  let capacity = j.status.length;
  while ((j.size + auctions + bids) * 2 > capacity) capacity *= 2;
  if (capacity !== j.status.length) rehash(j, capacity);
  let freeSlots = 0;
  for (let s = j.free; s !== NONE && freeSlots < bids; s = j.earlyNext[s]!) freeSlots++;
  if (freeSlots < bids) {
    const old = j.earlyNext.length;
    const n = Math.max(1024, old * 2, old + bids);
    j.earlyPrice = grownF64(j.earlyPrice, n);
    j.earlyTime = grownF64(j.earlyTime, n);
    const next = new Int32Array(n);
    next.set(j.earlyNext);
    for (let s = old; s < n - 1; s++) next[s] = s + 1;
    next[n - 1] = j.free;
    j.earlyNext = next;
    j.free = old;
  }
  if (j.heapSize + auctions > j.heapId.length) {
    const n = Math.max(1024, j.heapId.length * 2, j.heapSize + auctions);
    j.heapExpires = grownF64(j.heapExpires, n);
    j.heapSeq = grownF64(j.heapSeq, n);
    j.heapId = grownF64(j.heapId, n);
  }
}

/** q9.ts's `beats`, as far as the price goes: its ties between equal prices do not change q4's rows. */
function beats(price: number, bestPrice: number): boolean {
  return price > bestPrice || bestPrice !== bestPrice;
}

function before(j: Q4Join, a: number, b: number): boolean {
  const ea = j.heapExpires[a]!;
  const eb = j.heapExpires[b]!;
  return ea < eb || (ea === eb && j.heapSeq[a]! < j.heapSeq[b]!);
}

function swap(j: Q4Join, a: number, b: number): void {
  const { heapExpires, heapSeq, heapId } = j;
  const e = heapExpires[a]!;
  const s = heapSeq[a]!;
  const i = heapId[a]!;
  heapExpires[a] = heapExpires[b]!;
  heapSeq[a] = heapSeq[b]!;
  heapId[a] = heapId[b]!;
  heapExpires[b] = e;
  heapSeq[b] = s;
  heapId[b] = i;
}

function heapPush(j: Q4Join, expires: number, id: number): void {
  let i = j.heapSize++;
  j.heapExpires[i] = expires;
  j.heapSeq[i] = j.seq++;
  j.heapId[i] = id;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!before(j, i, parent)) break;
    swap(j, i, parent);
    i = parent;
  }
}

function heapPop(j: Q4Join): void {
  const last = --j.heapSize;
  swap(j, 0, last);
  for (let i = 0; ; ) {
    const l = 2 * i + 1;
    const r = l + 1;
    let m = i;
    if (l < last && before(j, l, m)) m = l;
    if (r < last && before(j, r, m)) m = r;
    if (m === i) return;
    swap(j, i, m);
    i = m;
  }
}

class Q4Function implements KeyedProcessFunction<number, Q4Input, Q4Row> {
  private state!: ValueState<Q4Join>;

  open(rc: RuntimeContext): void {
    this.state = rc.getState(new ValueStateDescriptor<Q4Join>('q4-join'));
  }

  processElement(input: Q4Input, ctx: KeyedProcessContext<number>): void {
    let j = this.state.value();
    if (j === undefined) this.state.update((j = emptyJoin()));
    reserve(j, input.auctions, input.bids);
    const { status, id, start, expires, category, bestPrice, early, earlyPrice, earlyTime, earlyNext } = j;
    const armedBefore = j.armed;
    let size = j.size;
    for (let i = 0; i < input.auctions; i++) {
      const a = input.id[i]!;
      const e = slot(j, a);
      const s = status[e]!;
      if (s === OPEN || s === CLOSED) continue; // auction ids are unique: none comes twice
      if (s === 0) size++;
      const from = input.start[i]!;
      const to = input.expires[i]!;
      status[e] = OPEN;
      id[e] = a;
      start[e] = from;
      expires[e] = to;
      category[e] = input.category[i]!;
      let bp = Number.NaN;
      let b = s === EARLY ? early[e]! : NONE;
      while (b !== NONE) {
        const p = earlyPrice[b]!;
        const t = earlyTime[b]!;
        if (t >= from && t <= to && beats(p, bp)) bp = p;
        const next = earlyNext[b]!;
        earlyNext[b] = j.free;
        j.free = b;
        b = next;
      }
      early[e] = NONE;
      bestPrice[e] = bp;
      heapPush(j, to, a);
      if (!(j.armed <= to)) j.armed = to;
    }
    const { auction, price, dateTime } = input;
    for (let i = 0; i < input.bids; i++) {
      const a = auction[i]!;
      const p = price[i]!;
      const t = dateTime[i]!;
      const e = slot(j, a);
      const s = status[e]!;
      if (s === OPEN) {
        if (t >= start[e]! && t <= expires[e]! && beats(p, bestPrice[e]!)) bestPrice[e] = p;
      } else if (s !== CLOSED) {
        // Before its auction: kept until it comes (a list per auction, newest first).
        const b = j.free;
        j.free = earlyNext[b]!;
        earlyPrice[b] = p;
        earlyTime[b] = t;
        if (s === 0) {
          status[e] = EARLY;
          id[e] = a;
          earlyNext[b] = NONE;
          early[e] = b;
          size++;
        } else {
          earlyNext[b] = early[e]!;
          early[e] = b;
        }
      }
    }
    j.size = size;
    if (j.armed !== armedBefore) ctx.timerService().registerEventTimeTimer(j.armed);
  }

  onTimer(time: number, ctx: OnTimerContext<number>, out: Collector<Q4Row>): void {
    const j = this.state.value();
    if (j === undefined) return;
    const { sums, counts } = j;
    while (j.heapSize > 0 && j.heapExpires[0]! <= time) {
      const e = slot(j, j.heapId[0]!);
      heapPop(j);
      j.status[e] = CLOSED;
      const price = j.bestPrice[e]!;
      if (price !== price) continue;
      const c = j.category[e]!;
      const sum = (sums.get(c) ?? 0) + price;
      const count = (counts.get(c) ?? 0) + 1;
      sums.set(c, sum);
      counts.set(c, count);
      out.collect({ category: c, avg: sum / count });
    }
    if (j.heapSize === 0) j.armed = Number.NaN;
    else if (!(j.armed > time)) {
      j.armed = j.heapExpires[0]!;
      ctx.timerService().registerEventTimeTimer(j.armed);
    }
  }
}

/**
 * q4 on columnar batches: the same rows as `q4` (each category's running average of winning
 * prices, updated as its auctions close), in the same order — the join of auctions with the bids
 * within their lifetime and the average per category, over typed arrays in one key's state.
 * Rows equal the object query's while the watermark bound (`outOfOrderness`) covers the stream's
 * out-of-orderness, as the default does for the generator's default out-of-order groups.
 *
 * @example
 * const updates = await q4Columnar(nexmarkColumnar({ events: 10_000_000 })).collect();
 */
export function q4Columnar(batches: Stream<NexmarkBatch>, options: NexmarkQueryOptions = {}): Stream<Q4Row> {
  return withBatchEventTime(batches, options).pipe(
    map(q4Input),
    keyBy((): number => 0),
    process(new Q4Function()),
  );
}
