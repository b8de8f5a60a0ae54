import type { Stream } from '../../api/stream';
import { filter } from '../../operators/filter';
import { map } from '../../operators/map';
import { isBid, type NexmarkEvent } from '../model';

export interface Q22Row {
  readonly auction: number;
  readonly bidder: number;
  readonly price: number;
  readonly channel: string;
  readonly dir1: string | null;
  readonly dir2: string | null;
  readonly dir3: string | null;
}

/** `SPLIT_INDEX(url, '/', 3)`, `4` and `5`; the columnar q22 computes them once per URL of the channel table. */
export function urlDirectories(url: string): readonly [string | null, string | null, string | null] {
  const parts = url.split('/');
  return [parts[3] ?? null, parts[4] ?? null, parts[5] ?? null];
}

/**
 * Nexmark q22, get URL directories: `SPLIT_INDEX(url, '/', 3)`, `4` and `5` — the three path
 * segments of the bid's URL (nexmark/nexmark q22.sql; `SPLIT_INDEX` counts from 0, past the end is
 * null).
 *
 * @example
 * const rows = await q22(nexmark({ events: 100_000 })).collect();
 */
export function q22(events: Stream<NexmarkEvent>): Stream<Q22Row> {
  return events.pipe(
    filter(isBid),
    map((b): Q22Row => {
      // Inline rather than urlDirectories: no tuple per event.
      const parts = b.url.split('/');
      return { auction: b.auction, bidder: b.bidder, price: b.price, channel: b.channel, dir1: parts[3] ?? null, dir2: parts[4] ?? null, dir3: parts[5] ?? null };
    }),
  );
}
