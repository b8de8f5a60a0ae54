import type { KeyByTransformation } from '../graph/transformation';
import type { KeySelector } from '../runtime/key-selector';
import type { StreamEnvironment } from './environment';
import { Stream } from './stream';

/**
 * A stream partitioned by key (Flink's `KeyedStream`): operators after it see one key at a time,
 * with keyed state and timers. Made by `keyBy(...)`.
 */
export class KeyedStream<T, K> extends Stream<T> {
  declare readonly __key?: K;

  /** @internal */
  constructor(
    environment: StreamEnvironment,
    transformation: KeyByTransformation,
    /** @internal */ readonly keySelector: KeySelector<T, K>,
  ) {
    super(environment, transformation);
  }
}
