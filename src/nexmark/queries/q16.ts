import type { Stream } from '../../api/stream';
import { aggregate } from '../../operators/aggregate';
import { filter } from '../../operators/filter';
import { keyBy } from '../../operators/key-by';
import { window } from '../../operators/window';
import { tumbling } from '../../windowing/tumbling';
import { isBid, type Bid, type NexmarkEvent } from '../model';
import { DAY_MS, formatDay, formatMinute, withEventTime, type NexmarkQueryOptions } from './common';
import { rankStats, toRankStats, type RankAccumulator, type RankStats } from './q15';

export interface Q16Row extends RankStats {
  readonly channel: string;
  readonly day: string;
  /** `MAX(DATE_FORMAT(dateTime, 'HH:mm'))`: the day's last minute with a bid. */
  readonly minute: string;
}

/**
 * Nexmark q16, channel statistics report: q15 per channel and day — nexmark/nexmark q16.sql
 * (`GROUP BY channel, DATE_FORMAT(dateTime, 'yyyy-MM-dd')`). Keyed by channel, in one-day
 * event-time windows (UTC); one row per channel and day.
 *
 * @example
 * const rows = await q16(nexmark({ events: 1_000_000 })).collect();
 */
export function q16(events: Stream<NexmarkEvent>, options: NexmarkQueryOptions = {}): Stream<Q16Row> {
  return withEventTime(events, options).pipe(
    filter(isBid),
    keyBy((b: Bid) => b.channel),
    window(tumbling(DAY_MS)),
    aggregate({
      ...rankStats,
      getResult: (acc: RankAccumulator): Q16Row => ({
        channel: acc.first!.channel,
        day: formatDay(acc.first!.dateTime),
        minute: formatMinute(acc.lastTime),
        ...toRankStats(acc),
      }),
    }),
  );
}
