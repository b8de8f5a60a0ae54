import type { Stream } from '../../api/stream';
import { filter } from '../../operators/filter';
import { map } from '../../operators/map';
import type { Bid, NexmarkEvent } from '../model';

export interface Q2Row {
  readonly auction: number;
  readonly price: number;
}

/** The auction-id modulus of the Flink suite's q2 (`MOD(auction, 123) = 0`). */
export const Q2_MODULUS = 123;

/**
 * q2's condition, `MOD(auction, 123) = 0`. Ids are integers: as int32s the remainder by a
 * constant is a multiply and a shift, where `%` on a double is a call to fmod (~6× the cost).
 *
 * @example
 * q2Selects(1107); // true: 9 · 123
 */
export function q2Selects(auction: number): boolean {
  const i = auction | 0;
  return i === auction ? i % Q2_MODULUS === 0 : auction % Q2_MODULUS === 0;
}

/**
 * Nexmark q2, selection: `SELECT auction, price FROM bid WHERE MOD(auction, 123) = 0`
 * (nexmark/nexmark q2.sql).
 *
 * @example
 * const rows = await q2(nexmark({ events: 100_000 })).collect();
 */
export function q2(events: Stream<NexmarkEvent>): Stream<Q2Row> {
  return events.pipe(
    filter((e: NexmarkEvent): e is Bid => e.kind === 'bid' && q2Selects(e.auction)),
    map((b): Q2Row => ({ auction: b.auction, price: b.price })),
  );
}
