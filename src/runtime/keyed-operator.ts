import { decodeValue, ValueWriter } from '../codec/value-codec';
import { keyGroupOfMapKey } from '../state/key-groups';
import { HeapKeyedStateBackend, type KeyedStateSnapshot, type KeyGroupRange } from '../state/keyed-state-backend';
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
  /** Reused across checkpoints: its buffer stays grown. */
  private readonly snapshotWriter = new ValueWriter();
  private finalWatermark = Number.NEGATIVE_INFINITY;

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
    sorted.drain((batch, input) => this.processKeyed(batch, input), () => {
      this.timers.advanceWatermark(Number.POSITIVE_INFINITY);
      this.timers.fireAllProcessingTimers();
      this.backend.clearAll();
      this.timers.clear();
      this.timers.currentWatermark = Number.NEGATIVE_INFINITY;
    });
    this.timers.currentWatermark = this.finalWatermark;
    if (this.finalWatermark > Number.NEGATIVE_INFINITY) this.output.emitWatermark(this.finalWatermark);
    this.sorted = new SortedKeyedInput(this.keySelectors);
  }

  override close(): void {
    this.timers?.close();
  }

  /** Keyed state and timers, by key group, through the value codec. */
  snapshotState(): Uint8Array {
    const writer = this.snapshotWriter;
    writer.beginObject(4);
    writer.write('version');
    writer.write(SNAPSHOT_VERSION);
    // Flink does not checkpoint watermarks; restoring it makes a recovered run judge late elements
    // exactly as the failure-free run would.
    writer.write('watermark');
    writer.write(this.timers.currentWatermark);
    writer.write('state');
    this.backend.writeSnapshot(writer);
    writer.write('timers');
    writer.write(this.timers.snapshot((ns) => this.encodeNamespace(ns)));
    return writer.take();
  }

  restoreState(snapshots: readonly Uint8Array[], keyGroups: KeyGroupRange): void {
    const maxParallelism = this.context.services.maxParallelism;
    const inRange = (mapKey: unknown): boolean => {
      const kg = keyGroupOfMapKey(mapKey, maxParallelism);
      return kg >= keyGroups.start && kg <= keyGroups.end;
    };
    snapshots.forEach((bytes, subtask) => {
      const snapshot = decodeValue(bytes, `${this.context.name} state (subtask ${subtask})`) as {
        version: number;
        watermark: number;
        state: KeyedStateSnapshot;
        timers: TimerSnapshot;
      };
      if (snapshot.version !== SNAPSHOT_VERSION) {
        throw new Error(`${this.context.name}: state snapshot version ${snapshot.version} is not supported (expected ${SNAPSHOT_VERSION})`);
      }
      this.backend.restore(snapshot.state, keyGroups);
      // Every subtask of the earlier run had passed at least the smallest watermark among them.
      this.timers.currentWatermark = subtask === 0 ? snapshot.watermark : Math.min(this.timers.currentWatermark, snapshot.watermark);
      this.timers.restore(snapshot.timers, (ns) => this.decodeNamespace(ns), inRange);
    });
  }

  /** A timer namespace as plain data (windows override this). */
  protected encodeNamespace(namespace: N): unknown {
    return namespace;
  }

  protected decodeNamespace(encoded: unknown): N {
    return encoded as N;
  }
}

const SNAPSHOT_VERSION = 1;
