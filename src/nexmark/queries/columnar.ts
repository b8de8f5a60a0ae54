// q0–q2 on the columnar source: the same queries as loops over typed arrays, one `map` per batch
// of thousands of events — no object per bid.
import type { Stream } from '../../api/stream';
import { map } from '../../operators/map';
import type { BidColumns, NexmarkBatch } from '../columnar';
import { EUROS_PER_DOLLAR } from './q1';
import { q2Selects } from './q2';
import { REUSED_BATCHES_KEPT } from '../source';

/** Columnar q2 rows. */
export interface Q2Columns {
  readonly length: number;
  readonly auction: Float64Array;
  readonly price: Float64Array;
}

/**
 * q0 on columnar batches: the bid columns of each batch, passed through (`SELECT auction, bidder,
 * price, dateTime, extra FROM bid`: the columns are shared, nothing is copied).
 *
 * @example
 * const batches = await q0Columnar(nexmarkColumnar({ events: 1_000_000 })).collect();
 */
export function q0Columnar(batches: Stream<NexmarkBatch>): Stream<BidColumns> {
  return batches.pipe(map((b: NexmarkBatch) => b.bids));
}

/** Options of `q1Columnar`. */
export interface Q1ColumnarOptions {
  /**
   * Flink's object reuse, as `nexmarkColumnar`'s `objectReuse`: the euro prices are written into a
   * ring of REUSED_BATCHES_KEPT + 1 columns, so each output stays valid while REUSED_BATCHES_KEPT
   * more are made — as long as the reused input batches do. No allocation per batch (a fresh
   * column per batch cost q1 a tenth of its time in the collector, which external memory drives).
   * Default false: a fresh column per batch.
   */
  readonly objectReuse?: boolean;
}

/**
 * q1 on columnar batches: a new price column in euros (`0.908 * price`); the other columns shared.
 *
 * @example
 * const batches = await q1Columnar(nexmarkColumnar({ events: 1_000_000 })).collect();
 */
export function q1Columnar(batches: Stream<NexmarkBatch>, options: Q1ColumnarOptions = {}): Stream<BidColumns> {
  const ring = options.objectReuse === true ? Array.from({ length: REUSED_BATCHES_KEPT + 1 }, () => new Float64Array(0)) : undefined;
  let next = 0;
  return batches.pipe(
    map((b: NexmarkBatch): BidColumns => {
      const bids = b.bids;
      const n = bids.length;
      let price: Float64Array;
      if (ring === undefined) price = new Float64Array(n);
      else {
        price = ring[next]!;
        if (price.length < n) price = ring[next] = new Float64Array(n);
        next = next === REUSED_BATCHES_KEPT ? 0 : next + 1;
      }
      const src = bids.price;
      for (let i = 0; i < n; i++) price[i] = EUROS_PER_DOLLAR * src[i]!;
      return { ...bids, price };
    }),
  );
}

/**
 * q2 on columnar batches: the auction and price of bids whose `auction % 123 === 0`.
 *
 * @example
 * const batches = await q2Columnar(nexmarkColumnar({ events: 1_000_000 })).collect();
 */
export function q2Columnar(batches: Stream<NexmarkBatch>): Stream<Q2Columns> {
  // One pass into scratch columns that grow to the largest batch, then a copy of the few rows
  // selected (1 bid in ~120).
  let auctions = new Float64Array(0);
  let prices = new Float64Array(0);
  return batches.pipe(
    map((b: NexmarkBatch): Q2Columns => {
      const { auction, price, length } = b.bids;
      if (auctions.length < length) {
        auctions = new Float64Array(length);
        prices = new Float64Array(length);
      }
      const a = auctions;
      const p = prices;
      let n = 0;
      for (let i = 0; i < length; i++) {
        const id = auction[i]!;
        if (q2Selects(id)) {
          a[n] = id;
          p[n++] = price[i]!;
        }
      }
      return { length: n, auction: a.slice(0, n), price: p.slice(0, n) };
    }),
  );
}
