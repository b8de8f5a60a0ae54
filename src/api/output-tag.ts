import { ConfigurationError } from '../errors';
import type { OutputTag } from '../types';

/**
 * Names a side output (Flink's `OutputTag`). Read it with `stream.getSideOutput(tag)`.
 *
 * @example
 * const late = sideOutput<Bid>('late');
 * const rows = bids.pipe(keyBy(b => b.auction), window(tumbling(10_000), { lateOutput: late }), aggregate({ n: count() }));
 * const lateBids = rows.getSideOutput(late);
 */
export function sideOutput<T>(id: string): OutputTag<T> {
  if (typeof id !== 'string' || id.length === 0) throw new ConfigurationError('sideOutput(id) needs a non-empty id');
  return { id };
}
