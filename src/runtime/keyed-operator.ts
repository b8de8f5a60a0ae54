import { decodeValue } from '../codec/value-codec';
import { SluiceError } from '../errors';
import { AsyncKeyedSnapshot } from '../state/async-keyed-snapshot';
import { keyGroupOfMapKey } from '../state/key-groups';
import { HeapKeyedStateBackend, type KeyedStateSnapshot, type KeyGroupRange } from '../state/keyed-state-backend';
import { isFramedKeyedSnapshot, KEYED_SNAPSHOT_VERSION, readKeyedSnapshot, type KeyedRestoreTarget } from '../state/keyed-snapshot-format';
import { InternalTimerService, type TimerSnapshot, type Triggerable } from '../time/internal-timer-service';
import type { Batch, OperatorContext, Timestamp } from '../types';
import { AbstractOperator } from './abstract-operator';
import type { KeySelector } from './key-selector';
import { SortedKeyedInput } from './sorted-keyed-input';

/**
 * The base of keyed operators: a state backend scoped to the current key and a timer service.
 *
 * In batch mode the operator buffers its input and, at the end, processes it key by key in
 * timestamp order: the watermark starts at −∞ for each key and jumps to +∞ when its records are
 * done, so every timer fires at the end, and the key's state is dropped before the next key
 * (Flink's BATCH execution: https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/execution_mode/).
 */
export abstract class KeyedOperator<I, O, N> extends AbstractOperator<I, O> implements Triggerable<N> {
  protected backend!: HeapKeyedStateBackend;
  protected timers!: InternalTimerService<N>;
  private sorted: SortedKeyedInput<I> | undefined;
  private finalWatermark = Number.NEGATIVE_INFINITY;
  /** The snapshot still being encoded, if any. */
  private inflight: AsyncKeyedSnapshot | undefined;
  /** The size of the last snapshot: the next one's buffer starts a little larger. */
  private lastSnapshotBytes = 0;
  private readonly encodeNs = (namespace: unknown): unknown => this.encodeNamespace(namespace as N);

  constructor(protected readonly keySelectors: ReadonlyArray<KeySelector<I, unknown>>) {
    super();
  }

  override open(context: OperatorContext<O>): void {
    super.open(context);
    const { services } = context;
    this.backend = new HeapKeyedStateBackend(services.maxParallelism, services.clock);
    this.timers = new InternalTimerService<N>(this.backend, this, {
      now: () => services.clock.now(),
      schedule: (at, callback) => context.scheduleProcessingTime(at, callback),
    });
    if (services.runtimeMode === 'batch') {
      this.sorted = new SortedKeyedInput(this.keySelectors);
      this.timers.deferProcessingTime = true;
    }
  }

  processBatch(batch: Batch<I>, input: number): void {
    if (this.sorted !== undefined) this.sorted.add(batch, input);
    else this.processKeyed(batch, input);
  }

  /** Processes records; each must set the current key (`this.backend.setCurrentKey`) first. */
  protected abstract processKeyed(batch: Batch<I>, input: number): void;

  abstract onEventTime(key: unknown, namespace: N, time: number): void;
  abstract onProcessingTime(key: unknown, namespace: N, time: number): void;

  override processWatermark(watermark: Timestamp): void {
    if (this.sorted !== undefined) {
      this.finalWatermark = watermark;
      return;
    }
    // A restored operator resumes at its checkpointed watermark; it never moves back.
    if (watermark <= this.timers.currentWatermark) return;
    this.timers.advanceWatermark(watermark);
    this.output.emitWatermark(watermark);
  }

  override finish(): void {
    const sorted = this.sorted;
    if (sorted === undefined) return;
    this.sorted = undefined;
    this.inflight?.finishNow();
    sorted.drain((batch, input) => this.processKeyed(batch, input), () => {
      // Event-time timers, then processing-time timers; timers registered meanwhile are ignored.
      this.timers.quiesced = true;
      try {
        this.timers.advanceWatermark(Number.POSITIVE_INFINITY);
        this.timers.fireAllProcessingTimers();
      } finally {
        this.timers.quiesced = false;
      }
      this.backend.clearAll();
      this.timers.clear();
      this.timers.currentWatermark = Number.NEGATIVE_INFINITY;
    });
    this.timers.currentWatermark = this.finalWatermark;
    if (this.finalWatermark > Number.NEGATIVE_INFINITY) this.output.emitWatermark(this.finalWatermark);
    this.sorted = new SortedKeyedInput(this.keySelectors);
  }

  override close(): void {
    this.inflight?.cancel(new SluiceError(`${this.context.name}: closed while the snapshot of checkpoint ${this.inflight.checkpointId} was being encoded`));
    this.timers?.close();
  }

  /**
   * Keyed state, timers and watermark as of this barrier. Capturing them takes O(state tables +
   * timers) references; the bytes are encoded in slices between scheduler steps while processing
   * goes on (`AsyncKeyedSnapshot`), and the returned promise resolves with them.
   */
  snapshotState(checkpointId: number): Promise<Uint8Array> {
    // One snapshot in flight at a time: an older one still encoding (its checkpoint expired, say)
    // is completed first.
    this.inflight?.finishNow();
    const { version, tables } = this.backend.beginSnapshot();
    const snapshot = new AsyncKeyedSnapshot(
      checkpointId,
      version,
      tables,
      // Flink does not checkpoint watermarks; restoring it makes a recovered run judge late
      // elements exactly as the failure-free run would.
      this.timers.currentWatermark,
      this.timers.capture(),
      this.encodeNs,
      this.lastSnapshotBytes + (this.lastSnapshotBytes >> 3),
    );
    this.inflight = snapshot;
    const settled = (): void => {
      if (this.inflight === snapshot) this.inflight = undefined;
    };
    snapshot.done.then((bytes) => {
      this.lastSnapshotBytes = bytes.length;
      settled();
    }, settled);
    void snapshot.run();
    return snapshot.done;
  }

  restoreState(snapshots: readonly Uint8Array[], keyGroups: KeyGroupRange): void {
    const maxParallelism = this.context.services.maxParallelism;
    const owns = (mapKey: unknown): boolean => {
      const kg = keyGroupOfMapKey(mapKey, maxParallelism);
      return kg >= keyGroups.start && kg <= keyGroups.end;
    };
    const target: KeyedRestoreTarget = {
      table: (name) => this.backend.table(name),
      owns,
      ownsAll: keyGroups.start <= 0 && keyGroups.end >= maxParallelism - 1,
      timer: (eventTime, time, key, mapKey, nsId, namespace) =>
        this.timers.restoreTimer(eventTime, time, key, mapKey, nsId, this.decodeNamespace(namespace)),
    };
    snapshots.forEach((bytes, subtask) => {
      const source = `${this.context.name} state (subtask ${subtask})`;
      const watermark = isFramedKeyedSnapshot(bytes) ? readKeyedSnapshot(bytes, source, target) : this.restoreVersion1(bytes, source, keyGroups, owns);
      // Every subtask of the earlier run had passed at least the smallest watermark among them.
      this.timers.currentWatermark = subtask === 0 ? watermark : Math.min(this.timers.currentWatermark, watermark);
    });
    this.timers.restored();
  }

  /** A snapshot of the first format (sluice 0.1): one value-codec object. Returns its watermark. */
  private restoreVersion1(bytes: Uint8Array, source: string, keyGroups: KeyGroupRange, owns: (mapKey: unknown) => boolean): number {
    const snapshot = decodeValue(bytes, source) as {
      version: number;
      watermark: number;
      state: KeyedStateSnapshot;
      timers: TimerSnapshot;
    };
    if (snapshot.version !== 1) {
      throw new Error(`${this.context.name}: state snapshot version ${snapshot.version} is not supported (this sluice reads versions 1 and ${KEYED_SNAPSHOT_VERSION})`);
    }
    this.backend.restore(snapshot.state, keyGroups);
    this.timers.restore(snapshot.timers, (ns) => this.decodeNamespace(ns), owns);
    return snapshot.watermark;
  }

  /** A timer namespace as plain data (windows override this). */
  protected encodeNamespace(namespace: N): unknown {
    return namespace;
  }

  protected decodeNamespace(encoded: unknown): N {
    return encoded as N;
  }
}
