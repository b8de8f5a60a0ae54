// What bench/nexmark.ts and its worker job (bench/jobs/nexmark-jobs.ts) share: the queries by
// name, Flink's published per-core figures, and the result digest every variant must agree on.
import {
  q0,
  q0Columnar,
  q1,
  q11,
  q12,
  q14,
  q14Columnar,
  q15,
  q15Columnar,
  q16,
  q16Columnar,
  q17,
  q17Columnar,
  q18,
  q18Columnar,
  q19,
  q19Columnar,
  q1Columnar,
  q2,
  q20,
  q21,
  q21Columnar,
  q22,
  q22Columnar,
  q2Columnar,
  q3,
  q3Columnar,
  q4Columnar,
  q4,
  q5,
  q5Columnar,
  q7,
  q7Columnar,
  q8,
  q8Columnar,
  q9,
  type NexmarkBatch,
  type NexmarkEvent,
  map,
  type Q19Columns,
  type Stream,
} from '../src/index';

/**
 * Throughput per core of the Flink Nexmark suite (Flink 1.13, 8 TaskManagers × 1 slot on three
 * 8-core workers, 100 M events): the "Throughput/Cores" column of
 * https://github.com/nexmark/nexmark#benchmark-results — in events per second.
 */
export const FLINK_PER_CORE: Readonly<Record<string, number>> = {
  q0: 155_020, q1: 157_940, q2: 175_210, q3: 152_120, q4: 34_330, q5: 22_140, q7: 12_330, q8: 146_140, q9: 14_240,
  q10: 57_810, q11: 39_700, q12: 75_670, q13: 130_730, q14: 161_230, q15: 72_420, q16: 18_650, q17: 116_800,
  q18: 53_700, q19: 44_040, q20: 18_980, q21: 98_490, q22: 129_960,
};

export type Query = (events: Stream<NexmarkEvent>) => Stream<unknown>;
export const QUERIES: Readonly<Record<string, Query>> = {
  q0, q1, q2, q3, q4, q5, q7, q8, q9, q11, q12, q14, q15, q16, q17, q18, q19, q20, q21, q22,
};

/** Columns out of a columnar query (q0–q2, q14, q18, q19, q21, q22): `price` and `auction` are all the digest reads. */
export interface OutColumns {
  readonly length: number;
  readonly price: Float64Array;
  readonly auction: Float64Array;
}

export type ColumnarQuery =
  | { readonly out: 'columns'; readonly query: (batches: Stream<NexmarkBatch>) => Stream<OutColumns> }
  | {
      readonly out: 'rows';
      readonly query: (batches: Stream<NexmarkBatch>) => Stream<unknown>;
      /** Reads each batch as it arrives (copying what crosses its keyBy): it may run on reused batches. */
      readonly reusesBatches?: true;
    };

/** Whether `q` runs on reused batches (`objectReuse`): 'columns' queries pass them through map/filter into the sink. */
export const reusesBatches = (q: ColumnarQuery): boolean => q.out === 'columns' || q.reusesBatches === true;
export const COLUMNAR: Readonly<Record<string, ColumnarQuery>> = {
  q0: { out: 'columns', query: q0Columnar },
  // 'columns' run on reused batches (`objectReuse`), so q1's output columns may be reused too.
  q1: { out: 'columns', query: (batches) => q1Columnar(batches, { objectReuse: true }) },
  q2: { out: 'columns', query: q2Columnar },
  q14: { out: 'columns', query: (batches) => q14Columnar(batches, { objectReuse: true }) },
  q21: { out: 'columns', query: (batches) => q21Columnar(batches, { objectReuse: true }) },
  q22: { out: 'columns', query: q22Columnar },
  q5: { out: 'rows', query: q5Columnar, reusesBatches: true },
  q7: { out: 'rows', query: q7Columnar, reusesBatches: true },
  q3: { out: 'rows', query: q3Columnar },
  q4: { out: 'rows', query: q4Columnar },
  q8: { out: 'rows', query: q8Columnar },
  q15: { out: 'rows', query: q15Columnar },
  q16: { out: 'rows', query: q16Columnar },
  q17: { out: 'rows', query: q17Columnar },
  // One column row per row of the object q19 (a change of an auction's top 10).
  q19: { out: 'columns', query: (batches) => q19Columnar(batches).pipe(map(q19DigestColumns)) },
  // One column row per upsert of the object q18 (a bid, whose price and auction the digest adds).
  q18: { out: 'columns', query: q18Columnar },
};

let q19NoPrice = new Float64Array(0);

/**
 * q19's changes as the digest reads them: the object q19's rows carry no price (their bids are in
 * `top`), so neither do these — the auction only, which both checksums add.
 */
function q19DigestColumns(cols: Q19Columns): OutColumns {
  if (q19NoPrice.length < cols.length) q19NoPrice = new Float64Array(cols.length * 2);
  return { length: cols.length, auction: cols.auction, price: q19NoPrice };
}

/** Rows, and a checksum of the numbers a query's rows carry. */
export interface Digest {
  rows: number;
  sum: number;
}

/** The numeric fields the checksum adds up, where a row has them. */
interface DigestFields {
  readonly price?: unknown;
  readonly num?: unknown;
  readonly auction?: unknown;
  readonly bid_count?: unknown;
  readonly avg?: unknown;
  readonly total_bids?: unknown;
  readonly total_bidders?: unknown;
  readonly rank3_auctions?: unknown;
  /** q3's auction id, q8's person id: their rows carry none of the fields above. */
  readonly id?: unknown;
}

// Named loads, not a loop over field names: the sink is the same for every variant, and should
// cost each of them as little as possible.
export function addRow(d: Digest, row: unknown): Digest {
  d.rows++;
  if (row !== null && typeof row === 'object') {
    const r = row as DigestFields;
    if (typeof r.price === 'number') d.sum += r.price;
    if (typeof r.num === 'number') d.sum += r.num;
    if (typeof r.auction === 'number') d.sum += r.auction;
    if (typeof r.bid_count === 'number') d.sum += r.bid_count;
    if (typeof r.avg === 'number') d.sum += r.avg;
    if (typeof r.total_bids === 'number') d.sum += r.total_bids;
    // q15/q16's distinct counts, weighted apart so that one counted in the other's place shows.
    if (typeof r.total_bidders === 'number') d.sum += 3 * r.total_bidders;
    if (typeof r.rank3_auctions === 'number') d.sum += 7 * r.rank3_auctions;
    if (typeof r.id === 'number') d.sum += r.id;
  }
  return d;
}

/** The same checksum as `addRow`'s, column by column: price (q0–q2, q14, q18, q19, q21, q22 rows have no num), auction. */
export function addColumns(d: Digest, cols: OutColumns): Digest {
  d.rows += cols.length;
  const { price, auction } = cols;
  for (let i = 0; i < cols.length; i++) d.sum += price[i]! + auction[i]!;
  return d;
}
