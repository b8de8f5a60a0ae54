import { decodeValue, encodeValue } from '../codec/value-codec';
import type { KeyGroupRange } from '../state/keyed-state-backend';
import type { Batch } from '../types';
import { KernelWindowOperator, type KernelWindowSpec } from './kernel-window-operator';
import { KernelSnapshotError, openKernelSnapshot, sealKernelSnapshot } from './kernel-snapshot-envelope';
import { PaneAggregation } from './pane-aggregation';
import { TimeWindow } from './time-window';
import { Wakeup } from '../time/wakeup';
import type { WindowAggregation } from './window-aggregation';

// The snapshot: the window kernel's own snapshots ("SLKW") in an envelope of its own.
//
//  offset size
//  ┌─────┬────┬───────────────────────────────────────────────────────────────────────────┐
//  │   0 │  4 │ magic "SLKP" (53 4C 4B 50)                                                │
//  │   4 │  2 │ format version (1)                                                        │
//  │   6 │  2 │ reserved, 0                                                               │
//  │   8 │  4 │ CRC-32C of bytes [12, total length)                                       │
//  │  12 │  4 │ total length in bytes                                                     │
//  │  16 │  … │ value codec: { main, reopened, watermark, fired } — main: the kernel's    │
//  │     │    │   snapshot, its watermark the processing time fired up to (also `fired`); │
//  │     │    │   reopened: one snapshot per re-opened set (see below), its watermark the │
//  │     │    │   time they fire up to; watermark: the last event-time watermark          │
//  └─────┴────┴───────────────────────────────────────────────────────────────────────────┘
const MAGIC = 0x504b4c53;
const VERSION = 1;

interface Payload {
  readonly main: Uint8Array;
  readonly reopened: readonly Uint8Array[];
  readonly watermark: number;
  /** The processing time windows had fired up to. */
  readonly fired: number;
}

/** Windows re-opened after they fired (see the class comment), fired together at the next wake-up. */
interface Reopened {
  readonly kernel: WindowAggregation;
  /** The processing time the main kernel had fired up to when they re-opened: they end at or before it. */
  readonly upTo: number;
}

/**
 * Tumbling and sliding **processing-time** windows with built-in aggregates on the columnar window
 * kernel, with the results of `WindowOperator` with Flink's `ProcessingTimeTrigger`: an element
 * belongs to the windows of the processing time at which it arrives; a window fires once, when
 * processing time reaches `window.maxTimestamp()` (`end - 1`), and is dropped then; nothing is
 * ever late. See https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/operators/windows/
 *
 * The clock is read **once per batch**: a batch is one arrival, so all its records arrive at one
 * instant (Flink reads it per element; a batch here is what an element is there). The records go
 * to the kernel stamped with that time. One wake-up is scheduled at a time, for the earliest
 * pending window end, standing for the keyed path's one timer per (key, window): when it comes,
 * every window with `end - 1 <=` the clock fires in one kernel call — as the keyed path fires every
 * timer up to the clock, in time order, then in the order keys entered the window.
 *
 * Processing time may stand exactly at a window's `end - 1` when that window has fired (a clock
 * that moved to that millisecond and stays there, or one set back). The keyed path then starts
 * that window afresh and fires it again at the next wake-up with only the new elements; the kernel
 * has retired it, so those elements also go to a small second kernel (`reopened`), fired and
 * emptied at the next wake-up before any other window.
 *
 * Watermarks pass through unchanged (never backwards, as in `KeyedOperator`). At the end of input
 * windows that have not fired stay unfired, as on the keyed path in streaming mode (batch mode
 * keeps processing-time windows in keyed state). Snapshots hold the kernel's state (the window
 * kernel's format), the re-opened windows and the last watermark; a restored operator schedules
 * a wake-up for every window end its state holds, and fires what is due at the first one.
 */
export class ProcessingTimeKernelOperator<T> extends KernelWindowOperator<T> {
  // Configuration.
  private readonly size: number;
  private readonly slide: number;
  private readonly offset: number;

  // Runtime.
  /** `end - 1` of every window that may hold elements and has not fired: ascending, no duplicates. */
  private readonly due: number[] = [];
  /** The pane start of the last batch: the ends of its windows are in `due` already. */
  private lastStart = Number.NaN;
  private readonly wakeup = new Wakeup(
    (at, callback) => this.context.scheduleProcessingTime(at, callback),
    () => this.onWakeup(),
  );
  /** The batch's timestamps: its arrival time, once per record (the kernel takes a column). */
  private stamps = new Float64Array(0);
  /** The time every slot of `stamps` holds. */
  private stamped = Number.NaN;
  private reopened: Reopened[] = [];
  /** An emptied second kernel, for the next re-opened windows. */
  private spare: WindowAggregation | undefined = undefined;
  /** The last event-time watermark forwarded. */
  private eventWatermark = Number.NEGATIVE_INFINITY;
  /** Re-opened windows of a restored snapshot, imported by `prepare` (after the main kernel). */
  private restoring: { readonly parts: readonly Uint8Array[]; readonly keyGroups: KeyGroupRange } | undefined = undefined;
  /** A wake-up came while the kernel was loading (after a restore): `prepare` runs it. */
  private wokenWhileLoading = false;

  constructor(spec: KernelWindowSpec<T>) {
    super(spec);
    this.size = spec.size;
    this.slide = spec.slide;
    this.offset = spec.offset;
  }

  override async prepare(): Promise<void> {
    const restoring = this.restoring;
    await super.prepare();
    if (restoring === undefined) return;
    this.restoring = undefined;
    for (const bytes of restoring.parts) {
      const kernel = new PaneAggregation(this.config);
      const upTo = this.withKernel(kernel, Number.NEGATIVE_INFINITY, () => {
        super.restoreState([bytes], restoring.keyGroups);
        return this.watermark;
      });
      if (kernel.size > 0) this.reopened.push({ kernel, upTo });
    }
    // The keyed path restores one timer per (key, window); here, the ends of the windows of every
    // pane the state holds that have not fired. The wake-up `restoreState` scheduled comes first.
    const starts = this.kernel!.exportState().slots.paneStarts;
    for (let i = 0; i < starts.length; i++) if (i === 0 || starts[i] !== starts[i - 1]) this.noteWindows(starts[i]!);
    if (this.wokenWhileLoading) {
      this.wokenWhileLoading = false;
      this.onWakeup();
    }
  }

  override processBatch(batch: Batch<T>): void {
    const n = batch.length;
    if (n === 0) return;
    const now = this.context.services.clock.now();
    // The clock ticks in milliseconds: consecutive batches mostly share the stamp already there.
    if (this.stamps.length < n) {
      this.stamps = new Float64Array(Math.max(n, 2 * this.stamps.length)).fill(now);
      this.stamped = now;
    } else if (now !== this.stamped) {
      this.stamps.fill(now);
      this.stamped = now;
    }
    const stamped: Batch<T> = { values: batch.values, timestamps: this.stamps, length: n };
    const lastStart = TimeWindow.startWithOffset(now, this.offset, this.slide);
    if (lastStart + this.slide - 1 > this.watermark) {
      // The usual case: every window of `now` is ahead of what has fired.
      super.processBatch(stamped);
    } else {
      this.reopen(stamped, lastStart);
    }
    if (lastStart !== this.lastStart) {
      this.lastStart = lastStart;
      this.noteWindows(lastStart);
    }
    if (this.due.length > 0 && this.due[0]! < this.wakeup.at) this.scheduleWakeup();
  }

  override processWatermark(watermark: number): void {
    // Processing-time windows do not use watermarks: they pass through (a restored operator
    // resumes at its checkpointed watermark and never moves back, as KeyedOperator).
    if (watermark <= this.eventWatermark) return;
    this.eventWatermark = watermark;
    this.output.emitWatermark(watermark);
  }

  override close(): void {
    this.wakeup.cancel();
    super.close();
  }

  override snapshotState(): Uint8Array {
    const main = super.snapshotState();
    const reopened = this.reopened.map((r) => this.withKernel(r.kernel, r.upTo, () => super.snapshotState()));
    const payload: Payload = { main, reopened, watermark: this.eventWatermark, fired: this.watermark };
    return sealKernelSnapshot(MAGIC, VERSION, encodeValue(payload));
  }

  override restoreState(snapshots: readonly Uint8Array[], keyGroups: KeyGroupRange): void {
    const payloads = snapshots.map((bytes, subtask) => {
      const what = `${this.context.name} state (subtask ${subtask})`;
      const payload = decodeValue(openKernelSnapshot(bytes, MAGIC, VERSION, 'processing-time window kernel', what), what) as Payload;
      if (!(payload.main instanceof Uint8Array) || !Array.isArray(payload.reopened) || typeof payload.watermark !== 'number' || typeof payload.fired !== 'number') {
        throw new KernelSnapshotError(`${what}: not a processing-time window kernel snapshot`);
      }
      return payload;
    });
    if (payloads.length === 0) return;
    super.restoreState(
      payloads.map((p) => p.main),
      keyGroups,
    );
    // Every subtask of the earlier run had passed at least the smallest watermark among them.
    this.eventWatermark = Math.min(...payloads.map((p) => p.watermark));
    this.restoring = { parts: payloads.flatMap((p) => p.reopened), keyGroups };
    // The keyed path schedules its restored timers now, before the job runs (a clock may move
    // before the kernel has loaded): one wake-up at the earliest time a restored window (or a
    // re-opened one) may be due — a wake-up with nothing due fires nothing.
    this.wakeup.request(Math.min(...payloads.map((p) => p.fired)));
  }

  // ── Helpers ───────────────────────────────────────────────────────────────────────────────────

  /**
   * A batch that arrives at or before the processing time fired up to (see the class comment):
   * the windows of its time that fired already start afresh in the second kernel; the main kernel
   * takes the batch for the others (it ignores elements of the windows it has retired).
   */
  private reopen(stamped: Batch<T>, lastStart: number): void {
    const upTo = this.watermark;
    let r = this.reopened.find((x) => x.upTo === upTo);
    if (r === undefined) {
      r = { kernel: this.spare ?? new PaneAggregation(this.config), upTo };
      this.spare = undefined;
      this.reopened.push(r);
    }
    // With the watermark out of the way, the batch goes in as one, through the usual path.
    this.withKernel(r.kernel, Number.NEGATIVE_INFINITY, () => super.processBatch(stamped));
    if (this.slide !== this.size) this.withKernel(this.kernel!, Number.NEGATIVE_INFINITY, () => super.processBatch(stamped));
    // The keyed path registers the timers of the re-opened windows, at or before the clock.
    this.wakeup.request(lastStart + this.slide - 1);
  }

  /** Runs `fn` with `kernel` and `watermark` in place of the operator's own. */
  private withKernel<R>(kernel: WindowAggregation, watermark: number, fn: () => R): R {
    const own = this.kernel;
    const ownWatermark = this.watermark;
    this.kernel = kernel;
    this.watermark = watermark;
    try {
      return fn();
    } finally {
      this.kernel = own;
      this.watermark = ownWatermark;
    }
  }

  /** Notes `end - 1` of the windows of pane `start` that have not fired. */
  private noteWindows(start: number): void {
    const due = this.due;
    for (let end = start + this.slide - 1, last = start + this.size - 1; end <= last; end += this.slide) {
      if (end <= this.watermark) continue;
      let lo = 0;
      let hi = due.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (due[mid]! < end) lo = mid + 1;
        else hi = mid;
      }
      if (due[lo] !== end) due.splice(lo, 0, end);
    }
  }

  private scheduleWakeup(): void {
    const next = this.reopened.length > 0 ? Number.NEGATIVE_INFINITY : (this.due[0] ?? Number.POSITIVE_INFINITY);
    if (next === Number.NEGATIVE_INFINITY) this.wakeup.request(Math.min(...this.reopened.map((r) => r.upTo)));
    else if (next !== Number.POSITIVE_INFINITY) this.wakeup.request(next);
  }

  /** Fires the re-opened windows, then every window with `end - 1 <=` the clock (the keyed path's timer order). */
  private onWakeup(): void {
    if (this.kernel === undefined || this.restoring !== undefined) {
      this.wokenWhileLoading = true;
      return;
    }
    const now = this.context.services.clock.now();
    for (const r of this.reopened) {
      this.emit(r.kernel.fire(r.upTo));
      r.kernel.reset();
      this.spare = r.kernel;
    }
    this.reopened = [];
    const due = this.due;
    if (due.length > 0 && due[0]! <= now) {
      let k = 0;
      while (k < due.length && due[k]! <= now) k++;
      due.splice(0, k);
      this.advance(now);
    }
    this.scheduleWakeup();
  }
}
