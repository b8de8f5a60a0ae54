import type { Stream } from '../../api/stream';
import { filter } from '../../operators/filter';
import { keyBy } from '../../operators/key-by';
import { process } from '../../operators/process';
import { window } from '../../operators/window';
import type { Collector } from '../../types';
import { tumbling } from '../../windowing/tumbling';
import type { WindowFunctionContext } from '../../windowing/window-operator';
import type { Auction, NexmarkEvent, Person } from '../model';
import { withEventTime, type NexmarkQueryOptions } from './common';

export interface Q8Row {
  readonly id: number;
  readonly name: string;
  readonly starttime: number;
}

/** The Flink suite's q8 window: 10 s tumbling. */
export const Q8_SIZE = 10_000;

/**
 * Nexmark q8, monitor new users: people who created an auction in the same 10 s tumbling window
 * in which they registered — the window join of persons (by id) and auctions (by seller)
 * (nexmark/nexmark q8.sql). Both kinds go into one keyed window (how Flink runs a window join:
 * a co-group of the union); the window function pairs them.
 *
 * @example
 * const newSellers = await q8(nexmark({ events: 1_000_000 })).collect();
 */
export function q8(events: Stream<NexmarkEvent>, options: NexmarkQueryOptions = {}): Stream<Q8Row> {
  return withEventTime(events, options).pipe(
    filter((e: NexmarkEvent): e is Person | Auction => e.kind !== 'bid'),
    keyBy((e: Person | Auction) => (e.kind === 'person' ? e.id : e.seller)),
    window(tumbling(Q8_SIZE)),
    process({
      process(_id: number, ctx: WindowFunctionContext, elements: Array<Person | Auction>, out: Collector<Q8Row>) {
        const person = elements.find((e): e is Person => e.kind === 'person');
        if (person !== undefined && elements.some((e) => e.kind === 'auction')) {
          out.collect({ id: person.id, name: person.name, starttime: ctx.window.start });
        }
      },
    }),
  );
}
