// q14, q21 and q22 on the columnar source: one loop over the bid columns per batch, output as
// columns. Strings the output carries stay what the batches hold — channel indices, slices of the
// letter pool — and whatever a query derives from a string of a fixed table (q21's channel id,
// q22's URL directories) is computed once per table entry, not once per bid.
import type { Stream } from '../../api/stream';
import { map } from '../../operators/map';
import type { BidColumns, Mutable, NexmarkBatch } from '../columnar';
import { LETTERS, POOL_LENGTH, letters } from '../random';
import { REUSED_BATCHES_KEPT } from '../source';
import { channelNameTable, channelUrlTable } from '../tables';
import { EUROS_PER_DOLLAR } from './q1';
import { BID_TIME_TYPES, bidTimeTypeIndex, type Q14Row } from './q14';
import { channelIdOf, type Q21Row } from './q21';
import { urlDirectories, type Q22Row } from './q22';

/** Options of `q14Columnar` and `q21Columnar`. */
export interface StatelessColumnarOptions {
  /**
   * Flink's object reuse, as `q1Columnar`'s: the output columns are a ring of
   * REUSED_BATCHES_KEPT + 1 sets, each output valid while REUSED_BATCHES_KEPT more are made. No
   * allocation per batch. Default false: fresh columns per batch.
   */
  readonly objectReuse?: boolean;
}

/**
 * Output column sets, fresh per batch or (object reuse) from a ring; a set grows to the largest
 * batch it has held.
 */
class OutputColumns<C extends { readonly length: number; readonly auction: Float64Array }> {
  private readonly ring: Mutable<C>[] | undefined;
  private next = 0;

  constructor(
    private readonly allocate: (capacity: number) => Mutable<C>,
    objectReuse: boolean,
  ) {
    this.ring = objectReuse ? Array.from({ length: REUSED_BATCHES_KEPT + 1 }, () => allocate(0)) : undefined;
  }

  /** Columns with room for `rows` rows. */
  take(rows: number): Mutable<C> {
    const ring = this.ring;
    if (ring === undefined) return this.allocate(rows);
    const at = this.next;
    this.next = at === REUSED_BATCHES_KEPT ? 0 : at + 1;
    let c = ring[at]!;
    if (c.auction.length < rows) c = ring[at] = this.allocate(rows);
    return c;
  }
}

/**
 * Columnar q14 rows; only rows below `length` are valid. `bidTimeType` indexes BID_TIME_TYPES;
 * `extra` is `LETTERS.slice(extraOffset, extraOffset + extraLength)` (see `q14RowAt`).
 */
export interface Q14Columns {
  readonly length: number;
  readonly auction: Float64Array;
  readonly bidder: Float64Array;
  /** In euro cents. */
  readonly price: Float64Array;
  readonly bidTimeType: Uint8Array;
  readonly dateTime: Float64Array;
  readonly extraOffset: Int32Array;
  readonly extraLength: Int32Array;
  readonly c_counts: Int32Array;
}

/** 'c's in LETTERS before each position: `count_char` of a slice is a difference of two. */
let csBefore: Int32Array | undefined;

function lettersCBefore(): Int32Array {
  if (csBefore !== undefined) return csBefore;
  const before = new Int32Array(POOL_LENGTH + 1);
  for (let i = 0; i < POOL_LENGTH; i++) before[i + 1] = before[i]! + (LETTERS.charCodeAt(i) === 99 ? 1 : 0);
  return (csBefore = before);
}

function allocateQ14(capacity: number): Mutable<Q14Columns> {
  return {
    length: 0,
    auction: new Float64Array(capacity),
    bidder: new Float64Array(capacity),
    price: new Float64Array(capacity),
    bidTimeType: new Uint8Array(capacity),
    dateTime: new Float64Array(capacity),
    extraOffset: new Int32Array(capacity),
    extraLength: new Int32Array(capacity),
    c_counts: new Int32Array(capacity),
  };
}

/**
 * q14 on columnar batches: bids between €1M and €50M (in cents), with the time of day and the
 * number of 'c's in `extra` — the rows of `q14`, as columns.
 *
 * @example
 * await q14Columnar(nexmarkColumnar({ events: 1_000_000 })).forEach((cols) => {
 *   for (let i = 0; i < cols.length; i++) console.log(q14RowAt(cols, i));
 * });
 */
export function q14Columnar(batches: Stream<NexmarkBatch>, options: StatelessColumnarOptions = {}): Stream<Q14Columns> {
  const out = new OutputColumns<Q14Columns>(allocateQ14, options.objectReuse === true);
  const cs = lettersCBefore();
  return batches.pipe(
    map((b: NexmarkBatch): Q14Columns => {
      const { auction, bidder, price, dateTime, extraOffset, extraLength, length } = b.bids;
      const o = out.take(length);
      const oAuction = o.auction;
      const oBidder = o.bidder;
      const oPrice = o.price;
      const oType = o.bidTimeType;
      const oTime = o.dateTime;
      const oOffset = o.extraOffset;
      const oLength = o.extraLength;
      const oCounts = o.c_counts;
      let n = 0;
      for (let i = 0; i < length; i++) {
        // The object query's expression, so the same bids pass at the bounds.
        const euros = EUROS_PER_DOLLAR * price[i]!;
        if (!(euros > 1_000_000 && euros < 50_000_000)) continue;
        const t = dateTime[i]!;
        const at = extraOffset[i]!;
        const len = extraLength[i]!;
        oAuction[n] = auction[i]!;
        oBidder[n] = bidder[i]!;
        oPrice[n] = euros;
        oType[n] = bidTimeTypeIndex(t);
        oTime[n] = t;
        oOffset[n] = at;
        oLength[n] = len;
        oCounts[n++] = cs[at + len]! - cs[at]!;
      }
      o.length = n;
      return o;
    }),
  );
}

/**
 * Row `i` of a `q14Columnar` output as the object `q14` gives.
 *
 * @example
 * const batches = await q14Columnar(nexmarkColumnar({ events: 10_000 })).collect();
 * const rows = batches.flatMap((cols) => Array.from({ length: cols.length }, (_, i) => q14RowAt(cols, i)));
 */
export function q14RowAt(cols: Q14Columns, i: number): Q14Row {
  return {
    auction: cols.auction[i]!,
    bidder: cols.bidder[i]!,
    price: cols.price[i]!,
    bidTimeType: BID_TIME_TYPES[cols.bidTimeType[i]!]!,
    dateTime: cols.dateTime[i]!,
    extra: letters(cols.extraOffset[i]!, cols.extraLength[i]!),
    c_counts: cols.c_counts[i]!,
  };
}

/** Columnar q21 rows; only rows below `length` are valid. `channel` is a channel index (see `q21RowAt`). */
export interface Q21Columns {
  readonly length: number;
  readonly auction: Float64Array;
  readonly bidder: Float64Array;
  readonly price: Float64Array;
  readonly channel: Int32Array;
}

let channelIds: readonly (string | null)[] | undefined;

/**
 * q21's `channel_id` of every channel, by channel index (null: the bids of that channel are
 * dropped) — `channelId` of each entry of the channel table.
 *
 * @example
 * const id = q21ChannelIds()[cols.channel[i]]; // of row i of a q21Columnar output
 */
export function q21ChannelIds(): readonly (string | null)[] {
  if (channelIds !== undefined) return channelIds;
  const urls = channelUrlTable();
  return (channelIds = channelNameTable().map((name, i) => channelIdOf(name, urls[i]!)));
}

function allocateQ21(capacity: number): Mutable<Q21Columns> {
  return { length: 0, auction: new Float64Array(capacity), bidder: new Float64Array(capacity), price: new Float64Array(capacity), channel: new Int32Array(capacity) };
}

/**
 * q21 on columnar batches: the bids whose channel has a channel id — the rows of `q21`, as
 * columns, with the channel as an index; names and ids are per channel (`q21RowAt`).
 *
 * @example
 * await q21Columnar(nexmarkColumnar({ events: 1_000_000 })).forEach((cols) => {
 *   for (let i = 0; i < cols.length; i++) console.log(q21RowAt(cols, i));
 * });
 */
export function q21Columnar(batches: Stream<NexmarkBatch>, options: StatelessColumnarOptions = {}): Stream<Q21Columns> {
  const out = new OutputColumns<Q21Columns>(allocateQ21, options.objectReuse === true);
  const hasId = Uint8Array.from(q21ChannelIds(), (id) => (id === null ? 0 : 1));
  return batches.pipe(
    map((b: NexmarkBatch): Q21Columns => {
      const { auction, bidder, price, channel, length } = b.bids;
      const o = out.take(length);
      const oAuction = o.auction;
      const oBidder = o.bidder;
      const oPrice = o.price;
      const oChannel = o.channel;
      let n = 0;
      for (let i = 0; i < length; i++) {
        const ch = channel[i]!;
        if (hasId[ch] === 0) continue;
        oAuction[n] = auction[i]!;
        oBidder[n] = bidder[i]!;
        oPrice[n] = price[i]!;
        oChannel[n++] = ch;
      }
      o.length = n;
      return o;
    }),
  );
}

/**
 * Row `i` of a `q21Columnar` output as the object `q21` gives.
 *
 * @example
 * const batches = await q21Columnar(nexmarkColumnar({ events: 10_000 })).collect();
 * const rows = batches.flatMap((cols) => Array.from({ length: cols.length }, (_, i) => q21RowAt(cols, i)));
 */
export function q21RowAt(cols: Q21Columns, i: number): Q21Row {
  const ch = cols.channel[i]!;
  // Not null: q21Columnar keeps only the channels that have an id.
  return { auction: cols.auction[i]!, bidder: cols.bidder[i]!, price: cols.price[i]!, channel: channelNameTable()[ch]!, channel_id: q21ChannelIds()[ch]! };
}

/**
 * Columnar q22 rows: the batch's bid columns, shared; `channel` is a channel index, and the URL
 * directories are per channel (`q22Directories`, `q22RowAt`).
 */
export type Q22Columns = Pick<BidColumns, 'length' | 'auction' | 'bidder' | 'price' | 'channel'>;

/** q22's directories of every channel's URL, by channel index. */
export interface Q22Directories {
  readonly dir1: readonly (string | null)[];
  readonly dir2: readonly (string | null)[];
  readonly dir3: readonly (string | null)[];
}

let directories: Q22Directories | undefined;

/**
 * `SPLIT_INDEX(url, '/', 3)`, `4` and `5` of every channel's URL, by channel index: a bid's URL is
 * its channel's, so q22's strings are these.
 *
 * @example
 * const dir1 = q22Directories().dir1[cols.channel[i]]; // of row i of a q22Columnar output
 */
export function q22Directories(): Q22Directories {
  if (directories !== undefined) return directories;
  const split = channelUrlTable().map(urlDirectories);
  return (directories = { dir1: split.map((d) => d[0]), dir2: split.map((d) => d[1]), dir3: split.map((d) => d[2]) });
}

/**
 * q22 on columnar batches: every bid, with its URL's directories — as q0Columnar, the bid columns
 * passed through (nothing to compute per bid: the directories are per channel, `q22Directories`).
 *
 * @example
 * await q22Columnar(nexmarkColumnar({ events: 1_000_000 })).forEach((cols) => {
 *   for (let i = 0; i < cols.length; i++) console.log(q22RowAt(cols, i));
 * });
 */
export function q22Columnar(batches: Stream<NexmarkBatch>): Stream<Q22Columns> {
  return batches.pipe(map((b: NexmarkBatch): Q22Columns => b.bids));
}

/**
 * Row `i` of a `q22Columnar` output as the object `q22` gives.
 *
 * @example
 * const batches = await q22Columnar(nexmarkColumnar({ events: 10_000 })).collect();
 * const rows = batches.flatMap((cols) => Array.from({ length: cols.length }, (_, i) => q22RowAt(cols, i)));
 */
export function q22RowAt(cols: Q22Columns, i: number): Q22Row {
  const ch = cols.channel[i]!;
  const d = q22Directories();
  return { auction: cols.auction[i]!, bidder: cols.bidder[i]!, price: cols.price[i]!, channel: channelNameTable()[ch]!, dir1: d.dir1[ch] ?? null, dir2: d.dir2[ch] ?? null, dir3: d.dir3[ch] ?? null };
}
