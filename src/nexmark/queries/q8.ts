import type { Stream } from '../../api/stream';
import { aggregate } from '../../operators/aggregate';
import { filter } from '../../operators/filter';
import { flatMap } from '../../operators/flat-map';
import { keyBy } from '../../operators/key-by';
import { window } from '../../operators/window';
import type { AggregateFunction } from '../../state/descriptors';
import { tumbling } from '../../windowing/tumbling';
import type { Auction, NexmarkEvent, Person } from '../model';
import { withEventTime, type NexmarkQueryOptions } from './common';

export interface Q8Row {
  readonly id: number;
  readonly name: string;
  readonly starttime: number;
}

/** The Flink suite's q8 window: 10 s tumbling. */
export const Q8_SIZE = 10_000;

interface NewSeller {
  person: Q8Row | undefined;
  sold: boolean;
}

/** A key's person of the window, if it also created an auction in it. */
const newSeller: AggregateFunction<Person | Auction, NewSeller, Q8Row | undefined> = {
  createAccumulator: () => ({ person: undefined, sold: false }),
  add(e, acc) {
    if (e.kind === 'auction') acc.sold = true;
    // The window's start from the person's time: tumbling windows are aligned to the epoch.
    else acc.person ??= { id: e.id, name: e.name, starttime: Math.floor(e.dateTime / Q8_SIZE) * Q8_SIZE };
    return acc;
  },
  getResult: (acc) => (acc.sold ? acc.person : undefined),
  merge: (a, b) => ({ person: a.person ?? b.person, sold: a.sold || b.sold }),
};

/**
 * Nexmark q8, monitor new users: people who created an auction in the same 10 s tumbling window
 * in which they registered — the window join of persons (by id) and auctions (by seller)
 * (nexmark/nexmark q8.sql). Both kinds go into one keyed window (how Flink runs a window join:
 * a co-group of the union); an incremental aggregate pairs them. (An aggregate, not a process
 * window function, which could read the watermark: so the job's watermarks coalesce per batch.)
 *
 * @example
 * const newSellers = await q8(nexmark({ events: 1_000_000 })).collect();
 */
export function q8(events: Stream<NexmarkEvent>, options: NexmarkQueryOptions = {}): Stream<Q8Row> {
  return withEventTime(events, options).pipe(
    filter((e: NexmarkEvent): e is Person | Auction => e.kind !== 'bid'),
    keyBy((e: Person | Auction) => (e.kind === 'person' ? e.id : e.seller)),
    window(tumbling(Q8_SIZE)),
    aggregate(newSeller),
    flatMap((row: Q8Row | undefined) => (row === undefined ? [] : [row])),
  );
}
