// q15 and q16 on the columnar source: the same rows as the object versions (q15.ts, q16.ts), from
// one loop over a batch's bid columns. As q5Columnar and q7Columnar (columnar-windows.ts): event
// time from each batch's largest timestamp, a keyed process function on one key holding the open
// days in value state (plain objects and typed arrays, so checkpoints hold them), a day fired by an
// event-time timer at its end, late bids dropped (allowed lateness 0).
//
// A day's state is a table of groups (q15: one; q16: one per channel, in the order the channels
// first bid that day — the order the object version's per-channel timers fire in) with twelve
// counters each, and the bidders and auctions each group has seen, every one with a bit per price
// rank it was seen at: two look-ups per bid count all eight distincts. Ids are dense integers
// (bidders and auctions are numbered as they are made), so the groups that see most bids (q15's
// one, q16's hot channels) keep those bits in a byte array indexed by id; the rest, and ids beyond
// a bounded range, go to one open-addressing hash set of (group, bidder or auction, id).
import type { Stream } from '../../api/stream';
import { keyBy } from '../../operators/key-by';
import { map } from '../../operators/map';
import { process } from '../../operators/process';
import type { KeyedProcessContext, KeyedProcessFunction, OnTimerContext, RuntimeContext } from '../../operators/process-function';
import { ValueStateDescriptor } from '../../state/descriptors';
import type { ValueState } from '../../state/state';
import type { Collector } from '../../types';
import type { BidColumns, NexmarkBatch } from '../columnar';
import { HOT_CHANNELS, channelName } from '../tables';
import { DAY_MS, formatDay, formatMinute, usedRange, type NexmarkQueryOptions } from './common';
import { withBatchEventTime } from './columnar-windows';
import type { Q15Row, RankStats } from './q15';
import type { Q16Row } from './q16';

/** The bid columns q15 and q16 read, cut to the batch's bids (q15 sends no `channel`). */
type DailyInput = Pick<BidColumns, 'length' | 'auction' | 'bidder' | 'price' | 'dateTime'> & { readonly channel: Int32Array | undefined };

function cut<C extends Float64Array | Int32Array>(column: C, n: number): C {
  return (column.length === n ? column : column.subarray(0, n)) as C;
}

function dailyInput(b: NexmarkBatch, perChannel: boolean): DailyInput {
  const { length, auction, bidder, price, dateTime, channel } = b.bids;
  return {
    length,
    auction: cut(auction, length),
    bidder: cut(bidder, length),
    price: cut(price, length),
    dateTime: cut(dateTime, length),
    channel: perChannel ? cut(channel, length) : undefined,
  };
}

/** Counters per group: bids, distinct bidders, distinct auctions — each total, rank 1, 2, 3. */
const COUNTERS = 12;
const BIDDERS = 4;
const AUCTIONS = 8;
const INITIAL_GROUPS = 8;
const INITIAL_SLOTS = 1 << 12;
/** Largest id range a dense group keeps in a byte array (4 MB); ids beyond it go to the hash set. */
const DENSE_RANGE = 1 << 22;

/**
 * One open day. Plain data: it is keyed state.
 *
 * ```
 *   group g:  counts[12g .. 12g+11] = bids ×4 | bidders ×4 | auctions ×4   lastTime[g]  channels[g]
 *   tag t:    2g + 1 (bidders of g) | 2g + 2 (auctions of g)
 *             dense[t − 1][id − denseBase[t − 1]] = rank bits 1–3 (0: not seen)
 *   slot s:   table[2s] = id   table[2s + 1] = 16t + rank bits 1–3 (0: empty)
 * ```
 */
interface Day {
  groups: number;
  /** q16: channel index → group + 1 (0: no bid yet that day). */
  groupOf: Int32Array;
  channels: Int32Array;
  counts: Float64Array;
  lastTime: Float64Array;
  /** Per tag. An id inside a tag's dense range is counted there, any other in the hash set. */
  dense: Uint8Array[];
  denseBase: number[];
  /** Per tag: 1 while its dense range may still grow (it never grows over an id already in the hash set). */
  denseOpen: number[];
  size: number;
  /** The hash set; a slot's id and entry side by side, so a probe reads one cache line. */
  table: Float64Array;
}

function newDay(): Day {
  return {
    groups: 0,
    groupOf: new Int32Array(0),
    channels: new Int32Array(INITIAL_GROUPS),
    counts: new Float64Array(INITIAL_GROUPS * COUNTERS),
    lastTime: new Float64Array(INITIAL_GROUPS).fill(Number.NEGATIVE_INFINITY),
    dense: [],
    denseBase: [],
    denseOpen: [],
    size: 0,
    table: new Float64Array(2 * INITIAL_SLOTS),
  };
}

/** The group of `channel` in `day`, added at the end when the channel is new to the day. */
function groupFor(day: Day, channel: number, denseBelow: number): number {
  if (channel >= day.groupOf.length) {
    const groupOf = new Int32Array(Math.max(channel + 1, day.groupOf.length * 2, 64));
    groupOf.set(day.groupOf);
    day.groupOf = groupOf;
  }
  const g = day.groupOf[channel]! - 1;
  if (g >= 0) return g;
  return (day.groupOf[channel] = addGroup(day, channel, channel < denseBelow)) - 1;
}

/** Appends a group, its bidders and auctions dense or hashed; returns the group count. */
function addGroup(day: Day, channel: number, dense: boolean): number {
  const g = day.groups++;
  if (g === day.channels.length) {
    const channels = new Int32Array(g * 2);
    channels.set(day.channels);
    day.channels = channels;
    const counts = new Float64Array(g * 2 * COUNTERS);
    counts.set(day.counts);
    day.counts = counts;
    const lastTime = new Float64Array(g * 2).fill(Number.NEGATIVE_INFINITY);
    lastTime.set(day.lastTime);
    day.lastTime = lastTime;
  }
  day.channels[g] = channel;
  for (let k = 0; k < 2; k++) {
    day.dense.push(new Uint8Array(0));
    day.denseBase.push(0);
    day.denseOpen.push(dense ? 1 : 0);
  }
  return day.groups;
}

// Ids are integers below 2^53; the hash reads their low 32 bits (equality compares all of them).
function hash(id: number, tag: number): number {
  let h = Math.imul((id | 0) ^ Math.imul(tag, 0x27d4eb2d), 0x9e3779b1);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca6b);
  return h ^ (h >>> 13);
}

/** Marks `id` under `tag` at the rank bit: 3 when new to the tag, 1 when new to the rank only, else 0. */
function mark(day: Day, id: number, tag: number, rankBit: number): number {
  const dense = day.dense[tag - 1]!;
  const at = id - day.denseBase[tag - 1]!;
  if (at >= 0 && at < dense.length && (at | 0) === at) {
    const seen = dense[at]!;
    if ((seen & rankBit) !== 0) return 0;
    dense[at] = seen | rankBit;
    return seen === 0 ? 3 : 1;
  }
  if (day.denseOpen[tag - 1] === 1 && widen(day, id, tag - 1)) return mark(day, id, tag, rankBit);
  return markHashed(day, id, tag, rankBit);
}

/** Widens dense range `t` to take `id`; false (and closes the range) when it cannot. */
function widen(day: Day, id: number, t: number): boolean {
  const old = day.dense[t]!;
  const base = day.denseBase[t]!;
  const used = usedRange(old, base);
  const lo = Math.min(used?.lo ?? id, id);
  const hi = Math.max(used?.hi ?? id + 1, id + 1);
  if (!Number.isInteger(id) || hi - lo > DENSE_RANGE) {
    day.denseOpen[t] = 0;
    return false;
  }
  // Room ahead of the ids, which mostly grow; below when the range grew down.
  const length = Math.min(DENSE_RANGE, Math.max(1024, (hi - lo) * 2));
  const from = used !== undefined && id < used.lo ? hi - length : lo;
  const bits = new Uint8Array(length);
  if (used !== undefined) bits.set(old.subarray(used.lo - base, used.hi - base), used.lo - from);
  day.dense[t] = bits;
  day.denseBase[t] = from;
  return true;
}

function markHashed(day: Day, id: number, tag: number, rankBit: number): number {
  const table = day.table;
  const mask = (table.length >> 1) - 1;
  let at = hash(id, tag) & mask;
  for (;;) {
    const k = 2 * at;
    const entry = table[k + 1]!;
    if (entry === 0) break;
    if (entry >> 4 === tag && table[k] === id) {
      if ((entry & rankBit) !== 0) return 0;
      table[k + 1] = entry | rankBit;
      return 1;
    }
    at = (at + 1) & mask;
  }
  table[2 * at] = id;
  table[2 * at + 1] = tag * 16 + rankBit;
  if (++day.size * 4 > table.length) rehash(day);
  return 3;
}

function rehash(day: Day): void {
  const old = day.table;
  const table = new Float64Array(old.length * 2);
  const mask = (table.length >> 1) - 1;
  for (let k = 0; k < old.length; k += 2) {
    const entry = old[k + 1]!;
    if (entry === 0) continue;
    let at = hash(old[k]!, entry >> 4) & mask;
    while (table[2 * at + 1] !== 0) at = (at + 1) & mask;
    table[2 * at] = old[k]!;
    table[2 * at + 1] = entry;
  }
  day.table = table;
}

function rankStatsAt(c: Float64Array, g: number): RankStats {
  const b = g * COUNTERS;
  return {
    total_bids: c[b]!,
    rank1_bids: c[b + 1]!,
    rank2_bids: c[b + 2]!,
    rank3_bids: c[b + 3]!,
    total_bidders: c[b + BIDDERS]!,
    rank1_bidders: c[b + BIDDERS + 1]!,
    rank2_bidders: c[b + BIDDERS + 2]!,
    rank3_bidders: c[b + BIDDERS + 3]!,
    total_auctions: c[b + AUCTIONS]!,
    rank1_auctions: c[b + AUCTIONS + 1]!,
    rank2_auctions: c[b + AUCTIONS + 2]!,
    rank3_auctions: c[b + AUCTIONS + 3]!,
  };
}

/** Counts the bids of q15 (one group a day) or q16 (a group per channel and day); `emit` makes a day's rows. */
class DailyFunction<R> implements KeyedProcessFunction<number, DailyInput, R> {
  /** The open days by start time. */
  private state!: ValueState<Map<number, Day>>;

  constructor(
    private readonly name: string,
    /** Channels below this count their bidders and auctions in dense arrays (q15: its one group). */
    private readonly denseBelow: number,
    private readonly emit: (day: Day, start: number, out: Collector<R>) => void,
  ) {}

  open(rc: RuntimeContext): void {
    this.state = rc.getState(new ValueStateDescriptor<Map<number, Day>>(`${this.name}-days`));
  }

  processElement(bids: DailyInput, ctx: KeyedProcessContext<number>): void {
    const { auction, bidder, price, dateTime, channel, length } = bids;
    let days = this.state.value();
    if (days === undefined) this.state.update((days = new Map()));
    const timers = ctx.timerService();
    const watermark = timers.currentWatermark();
    let start = Number.NaN;
    let day: Day | undefined;
    let g = 0;
    for (let i = 0; i < length; i++) {
      const ts = dateTime[i]!;
      if (!(ts >= start && ts < start + DAY_MS)) {
        const s = Math.floor(ts / DAY_MS) * DAY_MS;
        if (s + DAY_MS - 1 <= watermark) continue; // late: its day has fired
        start = s;
        day = days.get(s);
        if (day === undefined) {
          days.set(s, (day = newDay()));
          if (channel === undefined) addGroup(day, 0, true);
          timers.registerEventTimeTimer(s + DAY_MS - 1);
        }
      }
      const d = day!;
      if (channel !== undefined) g = groupFor(d, channel[i]!, this.denseBelow);
      const p = price[i]!;
      const r = p < 10_000 ? 1 : p < 1_000_000 ? 2 : 3;
      const rankBit = 1 << r;
      const counts = d.counts;
      const b = g * COUNTERS;
      counts[b]!++;
      counts[b + r]!++;
      if (ts > d.lastTime[g]!) d.lastTime[g] = ts;
      const newBidder = mark(d, bidder[i]!, 2 * g + 1, rankBit);
      counts[b + BIDDERS]! += newBidder >> 1;
      counts[b + BIDDERS + r]! += newBidder & 1;
      const newAuction = mark(d, auction[i]!, 2 * g + 2, rankBit);
      counts[b + AUCTIONS]! += newAuction >> 1;
      counts[b + AUCTIONS + r]! += newAuction & 1;
    }
  }

  onTimer(time: number, _ctx: OnTimerContext<number>, out: Collector<R>): void {
    const days = this.state.value();
    const start = time + 1 - DAY_MS;
    const day = days?.get(start);
    if (day === undefined) return;
    days!.delete(start);
    this.emit(day, start, out);
  }
}

/**
 * q15 on columnar batches: the same rows as `q15` (per UTC day, bids and distinct bidders and
 * auctions, in total and per price rank), counted straight from the bid columns — a hash-set
 * probe for the bidder and one for the auction per bid, no object per bid.
 *
 * @example
 * const days = await q15Columnar(nexmarkColumnar({ events: 10_000_000 })).collect();
 */
export function q15Columnar(batches: Stream<NexmarkBatch>, options: NexmarkQueryOptions = {}): Stream<Q15Row> {
  return withBatchEventTime(batches, options).pipe(
    map((b: NexmarkBatch) => dailyInput(b, false)),
    keyBy((): number => 0),
    process(new DailyFunction<Q15Row>('q15', 1, (day, start, out) => out.collect({ day: formatDay(start), ...rankStatsAt(day.counts, 0) }))),
  );
}

/**
 * q16 on columnar batches: the same rows as `q16` (q15 per channel and UTC day, with the day's
 * last minute with a bid), in the object version's order — per day, channels in the order of
 * their first bid that day. The channel is the batch's channel index; its name is looked up only
 * for a row.
 *
 * @example
 * const rows = await q16Columnar(nexmarkColumnar({ events: 10_000_000 })).collect();
 */
export function q16Columnar(batches: Stream<NexmarkBatch>, options: NexmarkQueryOptions = {}): Stream<Q16Row> {
  return withBatchEventTime(batches, options).pipe(
    map((b: NexmarkBatch) => dailyInput(b, true)),
    keyBy((): number => 0),
    process(
      new DailyFunction<Q16Row>('q16', HOT_CHANNELS.length, (day, start, out) => {
        const date = formatDay(start);
        for (let g = 0; g < day.groups; g++) {
          out.collect({ channel: channelName(day.channels[g]!), day: date, minute: formatMinute(day.lastTime[g]!), ...rankStatsAt(day.counts, g) });
        }
      }),
    ),
  );
}
