import type { OperatorOptions, Stream } from '../api/stream';
import { validateWatermarkStrategy, type WatermarkStrategy } from '../time/watermark-strategy';
import { WatermarksOperator } from './watermarks-operator';

/**
 * Assigns event timestamps and generates watermarks (Flink's `assignTimestampsAndWatermarks`).
 * With `outOfOrderness: d`, the watermark is the largest timestamp seen minus `d` minus 1 ms, so an
 * element is on time if it is at most `d` ms behind the largest timestamp before it.
 *
 * @example
 * bids.pipe(watermarks({ timestamp: b => b.ts, outOfOrderness: 4000, idleness: 60_000 }))
 */
export function watermarks<T>(strategy: WatermarkStrategy<T>, options: OperatorOptions = {}): (source: Stream<T>) => Stream<T> {
  validateWatermarkStrategy(strategy);
  return (source) => source.transform<T>('watermarks', () => new WatermarksOperator(strategy), options, { watermarkRole: 'generator' });
}
