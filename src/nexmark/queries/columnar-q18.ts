// q18 on the columnar source: the same results as the object version (q18.ts), from one loop over a
// batch's bid columns. As q19Columnar (columnar-q17-q19.ts), the bids go through a `keyBy` to one
// key whose value state holds every (bidder, auction)'s latest time in typed arrays, here an
// open-addressing hash table on the pair of ids: no key string, no Map lookup, no object per bid.
import type { Stream } from '../../api/stream';
import { keyBy } from '../../operators/key-by';
import { map } from '../../operators/map';
import { process } from '../../operators/process';
import type { KeyedProcessContext, KeyedProcessFunction, RuntimeContext } from '../../operators/process-function';
import { ValueStateDescriptor } from '../../state/descriptors';
import type { ValueState } from '../../state/state';
import type { Collector } from '../../types';
import { allocateBidColumns, type BidColumns, type NexmarkBatch } from '../columnar';

/**
 * Every bid column, copied to the batch's rows: q18's output is columns cut from its input, which
 * callers run on reused batches (`objectReuse`), and the `keyBy` may queue a batch past its reuse.
 */
function q18Input(b: NexmarkBatch): BidColumns {
  const { length, auction, bidder, price, dateTime, channel, extraOffset, extraLength } = b.bids;
  const c = allocateBidColumns(length);
  c.length = length;
  c.auction.set(auction.subarray(0, length));
  c.bidder.set(bidder.subarray(0, length));
  c.price.set(price.subarray(0, length));
  c.dateTime.set(dateTime.subarray(0, length));
  c.channel.set(channel.subarray(0, length));
  c.extraOffset.set(extraOffset.subarray(0, length));
  c.extraLength.set(extraLength.subarray(0, length));
  return c;
}

/**
 * The latest bid time of every (bidder, auction) seen: a linear-probing hash table of
 * `capacity` (a power of two) entries, entry `e` in use when `used[e]` is 1. Kept at most half
 * full, so a probe ends soon. Plain data: it is keyed state.
 *
 * ```
 * entry e:  used[e]  bidder[e]  auction[e]  last[e]
 *           u8       f64        f64         f64 (dateTime)
 * ```
 */
interface LatestTimes {
  size: number;
  used: Uint8Array;
  bidder: Float64Array;
  auction: Float64Array;
  last: Float64Array;
}

const INITIAL_CAPACITY = 1 << 12;

function emptyLatest(capacity: number): LatestTimes {
  return {
    size: 0,
    used: new Uint8Array(capacity),
    bidder: new Float64Array(capacity),
    auction: new Float64Array(capacity),
    last: new Float64Array(capacity),
  };
}

// Ids are integers: `| 0` keeps their low 32 bits (others only collide more, equality decides).
function hashPair(bidder: number, auction: number): number {
  const h = Math.imul(bidder | 0, 0x9e3779b1) ^ Math.imul(auction | 0, 0x85ebca77);
  return h ^ (h >>> 15);
}

function rehashed(t: LatestTimes): LatestTimes {
  const n = emptyLatest(t.used.length * 2);
  const mask = n.used.length - 1;
  for (let e = 0; e < t.used.length; e++) {
    if (t.used[e] === 0) continue;
    const b = t.bidder[e]!;
    const a = t.auction[e]!;
    let f = hashPair(b, a) & mask;
    while (n.used[f] !== 0) f = (f + 1) & mask;
    n.used[f] = 1;
    n.bidder[f] = b;
    n.auction[f] = a;
    n.last[f] = t.last[e]!;
  }
  n.size = t.size;
  return n;
}

class Q18Function implements KeyedProcessFunction<number, BidColumns, BidColumns> {
  private state!: ValueState<LatestTimes>;

  open(rc: RuntimeContext): void {
    this.state = rc.getState(new ValueStateDescriptor<LatestTimes>('q18-latest-times'));
  }

  processElement(bids: BidColumns, _ctx: KeyedProcessContext<number>, out: Collector<BidColumns>): void {
    const { auction, bidder, price, dateTime, channel, extraOffset, extraLength, length } = bids;
    let t = this.state.value() ?? emptyLatest(INITIAL_CAPACITY);
    // Room for every bid of the batch up front: no growth inside the loop.
    while ((t.size + length) * 2 > t.used.length) t = rehashed(t);
    this.state.update(t);
    const { used, last } = t;
    const kBidder = t.bidder;
    const kAuction = t.auction;
    const mask = used.length - 1;
    const o = allocateBidColumns(length);
    let n = 0;
    let size = t.size;
    for (let i = 0; i < length; i++) {
      const b = bidder[i]!;
      const a = auction[i]!;
      const ts = dateTime[i]!;
      let e = hashPair(b, a) & mask;
      for (;;) {
        if (used[e] === 0) {
          used[e] = 1;
          kBidder[e] = b;
          kAuction[e] = a;
          last[e] = ts;
          size++;
          break;
        }
        if (kBidder[e] === b && kAuction[e] === a) {
          // ORDER BY dateTime DESC: a later bid replaces; of equal times, the later arrival.
          if (!(ts >= last[e]!)) e = -1;
          else last[e] = ts;
          break;
        }
        e = (e + 1) & mask;
      }
      if (e < 0) continue;
      o.auction[n] = a;
      o.bidder[n] = b;
      o.price[n] = price[i]!;
      o.dateTime[n] = ts;
      o.channel[n] = channel[i]!;
      o.extraOffset[n] = extraOffset[i]!;
      o.extraLength[n++] = extraLength[i]!;
    }
    t.size = size;
    if (n === 0) return;
    o.length = n;
    out.collect(o);
  }
}

/**
 * q18 on columnar batches: each bidder's last bid per auction (`ROW_NUMBER() OVER (PARTITION BY
 * bidder, auction ORDER BY dateTime DESC) <= 1`) as columns — the bids `q18` emits as upserts, in
 * its order: row i is `q18`'s i-th row (`bidAt(cols, i)` gives it as a `Bid`).
 *
 * @example
 * const rows: Bid[] = [];
 * await q18Columnar(nexmarkColumnar({ events: 1_000_000 })).forEach((cols) => {
 *   for (let i = 0; i < cols.length; i++) rows.push(bidAt(cols, i)); // q18's rows
 * });
 */
export function q18Columnar(batches: Stream<NexmarkBatch>): Stream<BidColumns> {
  return batches.pipe(
    map(q18Input),
    keyBy((): number => 0),
    process(new Q18Function()),
  );
}
