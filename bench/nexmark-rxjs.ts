// Nexmark q0, q1, q2, q5 and q7 written idiomatically with RxJS 7, over the same generated
// events as sluice's versions — made by the same generator kernel (WebAssembly). RxJS has no event
// time or watermarks: a window's group completes when the input completes, so results come at
// the end, as a bounded run's do in sluice.
//
// Also q0–q2 on the columnar batches sluice's columnar queries read (`RXJS_COLUMNAR`): the same
// loops, with RxJS carrying one batch per `next`. They show what the columnar speed-up is made of:
// on a pass-through, RxJS on batches costs what sluice on batches does.
import { Observable, count, filter, from, groupBy, map, mergeMap, reduce, toArray, type OperatorFunction } from 'rxjs';
import { EUROS_PER_DOLLAR, EventGenerator, REUSED_BATCHES_KEPT, isBid, q2Selects, type Bid, type BidColumns, type NexmarkBatch, type NexmarkEvent, type NexmarkKernel } from '../src/index';
import type { OutColumns } from './nexmark-queries';

/** The generator as a synchronous Observable: one object per event, as sluice's object source. */
export function nexmarkObservable(kernel: NexmarkKernel): Observable<NexmarkEvent> {
  return new Observable<NexmarkEvent>((subscriber) => {
    // The same generator as sluice's object source: columns a scratch batch at a time, one object per event.
    const generator = new EventGenerator(kernel.config, 0, kernel);
    const emit = (e: NexmarkEvent): void => subscriber.next(e);
    while (!subscriber.closed && generator.next(emit, 1024) > 0);
    subscriber.complete();
  });
}

/**
 * The generator as a synchronous Observable of columnar batches, as sluice's columnar source makes
 * them for q0–q2 (`objectReuse`: views of a ring in the kernel's memory, read as they arrive).
 */
export function nexmarkBatchObservable(kernel: NexmarkKernel, eventsPerBatch = 4096): Observable<NexmarkBatch> {
  return new Observable<NexmarkBatch>((subscriber) => {
    const end = kernel.config.events;
    for (let first = 0; first < end && !subscriber.closed; first += eventsPerBatch) {
      subscriber.next(kernel.reused(first, Math.min(eventsPerBatch, end - first), REUSED_BATCHES_KEPT));
    }
    subscriber.complete();
  });
}

export const rxQ0Columnar: OperatorFunction<NexmarkBatch, OutColumns> = (batches) => batches.pipe(map((b) => b.bids));

export const rxQ1Columnar: OperatorFunction<NexmarkBatch, OutColumns> = (batches) =>
  batches.pipe(
    map((b): BidColumns => {
      const price = new Float64Array(b.bids.length);
      for (let i = 0; i < price.length; i++) price[i] = EUROS_PER_DOLLAR * b.bids.price[i]!;
      return { ...b.bids, price };
    }),
  );

export const rxQ2Columnar: OperatorFunction<NexmarkBatch, OutColumns> = (batches) =>
  batches.pipe(
    map((b): OutColumns => {
      const auction: number[] = [];
      const price: number[] = [];
      for (let i = 0; i < b.bids.length; i++) {
        if (q2Selects(b.bids.auction[i]!)) {
          auction.push(b.bids.auction[i]!);
          price.push(b.bids.price[i]!);
        }
      }
      return { length: auction.length, auction: Float64Array.from(auction), price: Float64Array.from(price) };
    }),
  );

export const RXJS_COLUMNAR: Readonly<Record<string, OperatorFunction<NexmarkBatch, OutColumns>>> = { q0: rxQ0Columnar, q1: rxQ1Columnar, q2: rxQ2Columnar };

export interface BidRow {
  auction: number;
  bidder: number;
  price: number;
  dateTime: number;
  extra: string;
}

export const rxQ0: OperatorFunction<NexmarkEvent, BidRow> = (events) =>
  events.pipe(
    filter(isBid),
    map((b) => ({ auction: b.auction, bidder: b.bidder, price: b.price, dateTime: b.dateTime, extra: b.extra })),
  );

export const rxQ1: OperatorFunction<NexmarkEvent, BidRow> = (events) =>
  events.pipe(
    filter(isBid),
    map((b) => ({ auction: b.auction, bidder: b.bidder, price: 0.908 * b.price, dateTime: b.dateTime, extra: b.extra })),
  );

export const rxQ2: OperatorFunction<NexmarkEvent, { auction: number; price: number }> = (events) =>
  events.pipe(
    filter((e): e is Bid => e.kind === 'bid' && q2Selects(e.auction)),
    map((b) => ({ auction: b.auction, price: b.price })),
  );

/** q5: a group per sliding window, in it a group per auction, counted; then those at the maximum. */
export const rxQ5: OperatorFunction<NexmarkEvent, { auction: number; num: number; starttime: number; endtime: number }> = (events) =>
  events.pipe(
    filter(isBid),
    mergeMap((b) => {
      const starts: Array<{ start: number; auction: number }> = [];
      for (let s = Math.floor(b.dateTime / 2000) * 2000; s > b.dateTime - 10_000; s -= 2000) starts.push({ start: s, auction: b.auction });
      return from(starts);
    }),
    groupBy((x) => x.start),
    mergeMap((win) =>
      win.pipe(
        groupBy((x) => x.auction),
        mergeMap((perAuction) => perAuction.pipe(count(), map((num) => ({ auction: perAuction.key, num })))),
        toArray(),
        mergeMap((counts) => {
          let max = 0;
          for (const c of counts) if (c.num > max) max = c.num;
          return from(counts.filter((c) => c.num >= max).map((c) => ({ ...c, starttime: win.key, endtime: win.key + 10_000 })));
        }),
      ),
    ),
  );

/** q7: a group per 10 s window, reduced to the bids at the highest price. */
export const rxQ7: OperatorFunction<NexmarkEvent, BidRow> = (events) =>
  events.pipe(
    filter(isBid),
    groupBy((b) => Math.floor(b.dateTime / 10_000)),
    mergeMap((win) =>
      win.pipe(
        reduce(
          (acc, b) => {
            if (b.price > acc.price) return { price: b.price, bids: [b] };
            if (b.price === acc.price) acc.bids.push(b);
            return acc;
          },
          { price: Number.NEGATIVE_INFINITY, bids: [] as Bid[] },
        ),
        mergeMap((acc) => from(acc.bids.map((b) => ({ auction: b.auction, bidder: b.bidder, price: b.price, dateTime: b.dateTime, extra: b.extra })))),
      ),
    ),
  );

export const RXJS_QUERIES: Readonly<Record<string, OperatorFunction<NexmarkEvent, unknown>>> = { q0: rxQ0, q1: rxQ1, q2: rxQ2, q5: rxQ5, q7: rxQ7 };
