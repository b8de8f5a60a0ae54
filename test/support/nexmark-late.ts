import { generateEvent, resolveNexmarkConfig, type NexmarkConfig, type NexmarkEvent } from '../../src/index';

/**
 * The indices of the events a columnar query drops as late when the Nexmark source hands on
 * `perBatch` events at a time and the watermark follows each batch — `max timestamp − bound − 1`
 * after it, as a bounded-out-of-orderness generator emitting once per batch does. `late(e, wm)`
 * says whether event `e` is late under watermark `wm` (e.g. its window's end − 1 ≤ wm).
 */
export function lateUnderBatchWatermarks(
  config: NexmarkConfig,
  perBatch: number,
  bound: number,
  late: (event: NexmarkEvent, watermark: number) => boolean,
): Set<number> {
  const c = resolveNexmarkConfig(config);
  const indices = new Set<number>();
  let watermark = Number.NEGATIVE_INFINITY;
  let maxTs = Number.NEGATIVE_INFINITY;
  for (let at = 0; at < c.events; at += perBatch) {
    for (let i = at; i < Math.min(c.events, at + perBatch); i++) {
      const e = generateEvent(c, i);
      maxTs = Math.max(maxTs, e.dateTime);
      if (late(e, watermark)) indices.add(i);
    }
    watermark = maxTs - bound - 1;
  }
  return indices;
}
