import type { OperatorOptions, Stream } from '../api/stream';
import { decodeValue, encodeValue } from '../codec/value-codec';
import { ConfigurationError, SluiceError } from '../errors';
import { AbstractOperator } from '../runtime/abstract-operator';
import type { Batch, Timestamp } from '../types';

/** Options of `asyncMap` (Flink's `AsyncDataStream.orderedWait` / `unorderedWait`). */
export interface AsyncMapOptions<T, O> extends OperatorOptions {
  /** Requests in flight at most; beyond it no more input is read (Flink's `capacity`, default 100). */
  readonly capacity?: number;
  /**
   * `true` (default, Flink's `orderedWait`): results in input order. `false` (`unorderedWait`): a
   * result goes out as soon as it is ready, but never across a watermark.
   */
  readonly ordered?: boolean;
  /** Ms a request may take, measured on the job's clock; unset: no limit. */
  readonly timeout?: number;
  /**
   * The result of a request that timed out (Flink's `AsyncFunction.timeout`); without it a
   * timeout fails the job, naming the operator and the element.
   */
  readonly onTimeout?: (value: T) => O;
}

/** Why a request of `asyncMap` failed the job: it took longer than `timeout`. */
export class AsyncTimeoutError extends SluiceError {
  override readonly name = 'AsyncTimeoutError';
}

/**
 * Maps each element through an asynchronous function — a `fetch`, a database, a model — with up to
 * `capacity` requests in flight at once (Flink's Async I/O, `AsyncDataStream.orderedWait` /
 * `unorderedWait`). Results keep their element's timestamp. A watermark waits for the results of
 * the elements before it, so nothing is made late. Elements whose requests are in flight at a
 * checkpoint are in its state, and asked again after a restore. A rejected promise fails the job,
 * naming the operator and the element.
 *
 * @example
 * clicks.pipe(asyncMap(async (c) => ({ ...c, user: await (await fetch(`/users/${c.userId}`)).json() }), { capacity: 20, timeout: 5_000 }))
 *
 * https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/operators/asyncio/
 */
export function asyncMap<T, O>(fn: (value: T) => Promise<O> | O, options: AsyncMapOptions<T, O> = {}): (source: Stream<T>) => Stream<O> {
  if (typeof fn !== 'function') throw new ConfigurationError('asyncMap needs a function value => Promise');
  const capacity = options.capacity ?? 100;
  if (!Number.isInteger(capacity) || capacity <= 0) throw new ConfigurationError(`asyncMap: capacity must be a positive integer, got ${capacity}`);
  if (options.timeout !== undefined && !(options.timeout > 0)) throw new ConfigurationError(`asyncMap: timeout must be > 0 ms, got ${options.timeout}`);
  const settings: Settings<T, O> = { fn, capacity, ordered: options.ordered ?? true, timeout: options.timeout, onTimeout: options.onTimeout };
  return (source) => source.transform<O>('asyncMap', () => new AsyncMapOperator<T, O>(settings), options);
}

interface Settings<T, O> {
  readonly fn: (value: T) => Promise<O> | O;
  readonly capacity: number;
  readonly ordered: boolean;
  readonly timeout: number | undefined;
  readonly onTimeout: ((value: T) => O) | undefined;
}

/** An element waiting for its result, or a watermark waiting for the elements before it. */
type Entry<T, O> =
  | { readonly kind: 'record'; readonly value: T; readonly timestamp: Timestamp; done: boolean; result: O | undefined; cancelTimeout: (() => void) | undefined }
  | { readonly kind: 'watermark'; readonly watermark: Timestamp };

/** What a snapshot keeps: the queue's elements and watermarks, in order, as Flink's AsyncWaitOperator does. */
type SnapshotEntry = readonly ['record', unknown, Timestamp] | readonly ['watermark', Timestamp];

/**
 * Flink's AsyncWaitOperator: a queue of entries in arrival order, of at most `capacity` elements
 * (a batch may overfill it, and then no more input is read until it has room again).
 */
class AsyncMapOperator<T, O> extends AbstractOperator<T, O> {
  private queue: Array<Entry<T, O>> = [];
  /** Elements in the queue, and how many of them have their request in flight. */
  private records = 0;
  private inFlight = 0;
  /** Elements of a batch that overfilled the queue, waiting for a request to finish before theirs starts. */
  private waiting: Array<Entry<T, O> & { kind: 'record' }> = [];
  private room: (() => void) | undefined;
  private drained: (() => void) | undefined;

  constructor(private readonly settings: Settings<T, O>) {
    super();
  }

  processBatch(batch: Batch<T>): void {
    const { values, timestamps } = batch;
    for (let i = 0; i < batch.length; i++) this.add(values[i]!, timestamps[i]!);
    if (this.records >= this.settings.capacity && this.room === undefined) {
      this.context.hold(new Promise<void>((resolve) => (this.room = resolve)));
    }
  }

  override processWatermark(watermark: Timestamp): void {
    if (this.queue.length === 0) this.output.emitWatermark(watermark);
    else this.queue.push({ kind: 'watermark', watermark });
  }

  override finish(): void | Promise<void> {
    if (this.queue.length === 0) return;
    return new Promise<void>((resolve) => (this.drained = resolve));
  }

  snapshotState(): Uint8Array {
    return encodeValue(this.queue.map((e): SnapshotEntry => (e.kind === 'record' ? ['record', e.value, e.timestamp] : ['watermark', e.watermark])));
  }

  restoreState(snapshots: readonly Uint8Array[]): void {
    for (const bytes of snapshots) {
      for (const entry of decodeValue(bytes, `${this.context.name} in-flight elements`) as SnapshotEntry[]) {
        if (entry[0] === 'record') this.add(entry[1] as T, entry[2]);
        else this.processWatermark(entry[1]);
      }
    }
  }

  private add(value: T, timestamp: Timestamp): void {
    const entry: Entry<T, O> & { kind: 'record' } = { kind: 'record', value, timestamp, done: false, result: undefined, cancelTimeout: undefined };
    this.queue.push(entry);
    this.records++;
    if (this.inFlight < this.settings.capacity) this.start(entry);
    else this.waiting.push(entry);
  }

  private start(entry: Entry<T, O> & { kind: 'record' }): void {
    const value = entry.value;
    this.inFlight++;
    let pending: Promise<O> | O;
    try {
      pending = this.settings.fn(value);
    } catch (cause) {
      throw this.failure(value, cause);
    }
    if (!(pending instanceof Promise)) {
      this.complete(entry, pending);
      return;
    }
    const { timeout, onTimeout } = this.settings;
    if (timeout !== undefined) {
      entry.cancelTimeout = this.context.scheduleProcessingTime(this.context.services.clock.now() + timeout, () => {
        if (entry.done) return;
        if (onTimeout === undefined) throw this.failure(value, new AsyncTimeoutError(`no result within ${timeout} ms`));
        this.complete(entry, onTimeout(value));
      });
    }
    pending.then(
      (result) => this.context.runTask(() => this.complete(entry, result)),
      (cause: unknown) =>
        this.context.runTask(() => {
          if (!entry.done) throw this.failure(value, cause);
        }),
    );
  }

  /** An element's result is in: emit what the order allows. */
  private complete(entry: Entry<T, O> & { kind: 'record' }, result: O): void {
    if (entry.done) return; // already timed out
    entry.done = true;
    entry.result = result;
    entry.cancelTimeout?.();
    this.inFlight--;
    const next = this.waiting.shift();
    if (next !== undefined) this.start(next);
    this.emitReady();
  }

  private emitReady(): void {
    const queue = this.queue;
    if (this.settings.ordered) {
      let n = 0;
      for (; n < queue.length; n++) {
        const head = queue[n]!;
        if (head.kind === 'watermark') this.output.emitWatermark(head.watermark);
        else if (head.done) this.emit(head);
        else break;
      }
      if (n > 0) queue.splice(0, n);
    } else {
      // Flink's UnorderedStreamElementQueue: within the segment before the first watermark, any
      // finished element goes out; a watermark goes out once nothing is left before it.
      let i = 0;
      while (i < queue.length) {
        const e = queue[i]!;
        if (e.kind === 'watermark') {
          if (i > 0) break;
          this.output.emitWatermark(e.watermark);
          queue.shift();
        } else if (e.done) {
          this.emit(e);
          queue.splice(i, 1);
        } else i++;
      }
    }
    if (this.room !== undefined && this.records < this.settings.capacity) {
      this.room();
      this.room = undefined;
    }
    if (queue.length === 0 && this.drained !== undefined) this.drained();
  }

  private emit(entry: Entry<T, O> & { kind: 'record' }): void {
    this.records--;
    this.output.collect(entry.result as O, entry.timestamp);
  }
}
