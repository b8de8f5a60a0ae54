import type { Stream } from '../../api/stream';
import { filter } from '../../operators/filter';
import { map } from '../../operators/map';
import { isBid, type Bid, type NexmarkEvent } from '../model';

export interface Q21Row {
  readonly auction: number;
  readonly bidder: number;
  readonly price: number;
  readonly channel: string;
  readonly channel_id: string;
}

const KNOWN_CHANNELS: Readonly<Record<string, string>> = { apple: '0', google: '1', facebook: '2', baidu: '3' };
const CHANNEL_ID = /(&|^)channel_id=([^&]*)/;

/** q21's `CASE lower(channel) … ELSE REGEXP_EXTRACT(url, '(&|^)channel_id=([^&]*)', 2) END`; `null` when neither. */
export function channelId(b: Bid): string | null {
  return channelIdOf(b.channel, b.url);
}

/** `channelId` of a channel name and URL: the columnar q21 computes it once per channel of the table. */
export function channelIdOf(channel: string, url: string): string | null {
  const known = KNOWN_CHANNELS[channel.toLowerCase()];
  if (known !== undefined) return known;
  return CHANNEL_ID.exec(url)?.[2] ?? null;
}

/**
 * Nexmark q21, add channel id: bids with a channel id from the channel name or the URL, dropping
 * those without — nexmark/nexmark q21.sql.
 *
 * @example
 * const rows = await q21(nexmark({ events: 100_000 })).collect();
 */
export function q21(events: Stream<NexmarkEvent>): Stream<Q21Row> {
  return events.pipe(
    filter(isBid),
    map((b): Q21Row | null => {
      const id = channelId(b);
      return id === null ? null : { auction: b.auction, bidder: b.bidder, price: b.price, channel: b.channel, channel_id: id };
    }),
    filter((r: Q21Row | null): r is Q21Row => r !== null),
  );
}
