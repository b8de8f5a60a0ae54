import { OperatorError } from '../errors';

/**
 * The key function of a `keyBy`, with the name and uid errors are reported under. A key must be a
 * string, number, bigint, boolean or an array/plain object of those; `undefined` and `null` are
 * refused, as Flink refuses null keys.
 */
export class KeySelector<T, K> {
  constructor(
    // Method-signature type: a stream of Bid stays usable where a stream of unknown is expected.
    readonly fn: { select(value: T): K }['select'],
    readonly name: string,
    readonly uid: string | undefined,
  ) {}

  keyOf(value: T): K {
    let key: K;
    try {
      key = this.fn(value);
    } catch (cause) {
      throw new OperatorError(this.name, this.uid, value, cause instanceof Error ? cause.message : String(cause), { cause });
    }
    if (key === undefined || key === null) {
      throw new OperatorError(this.name, this.uid, value, `the key function returned ${String(key)}; every record needs a key`);
    }
    return key;
  }
}
