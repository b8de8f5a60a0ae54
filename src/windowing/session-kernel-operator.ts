import { notANumber } from '../aggregates/builtins';
import { AbstractOperator } from '../runtime/abstract-operator';
import type { KeySelector } from '../runtime/key-selector';
import { ownsKey } from '../state/key-groups';
import type { Batch, OutputTag } from '../types';
import { WasmSessionAggregation } from '../wasm/session-aggregate-kernel';
import { kernelOrTwin } from '../wasm/kernel-or-twin';
import { KernelKeyIds } from './kernel-key-ids';
import { KernelSnapshotError } from './kernel-snapshot-envelope';
import type { FiredSessions, SessionAggregate, SessionAggregation, SessionAggregationConfig, SessionAggregationState, SessionInput } from './session-aggregation';
import { decodeSessionKernelSnapshot, encodeSessionKernelSnapshot, type SessionKernelSnapshot } from './session-kernel-snapshot';
import { SessionTable } from './session-table';
import { missingTimestamp } from './window-operator';

/** A named built-in aggregate over a numeric field (`count` reads none). */
export interface SessionAggregateSpec<T> {
  readonly name: string;
  readonly kind: SessionAggregate;
  readonly field: ((value: T) => unknown) | undefined;
}

export interface SessionKernelSpec<T> {
  readonly gap: number;
  readonly allowedLateness: number;
  readonly lateOutput: OutputTag<T> | undefined;
  readonly keySelector: KeySelector<T, unknown>;
  readonly aggregates: ReadonlyArray<SessionAggregateSpec<T>>;
}

/**
 * Event-time session windows (`window(session(gap))` with the default trigger) with built-in
 * aggregates, run by a columnar kernel — WebAssembly, or its JavaScript twin — instead of
 * `WindowOperator` on keyed state, with the same results in the same order: the kernel runs
 * Flink's merging-window algorithm, lateness, late firings and the timer service's firing order
 * step for step (see `session-aggregation.ts`). This operator turns each batch into the kernel's
 * columns — keys as f64s (`KernelKeyIds`), one user function at a time in a tight loop — hands the
 * whole batch over in one call, and turns fired windows back into rows and late elements into the
 * late side output.
 *
 * A field function is called for every element, late ones included (the keyed-state path reads
 * the field only of elements it adds), so one that returns a non-number fails the job even for a
 * late element.
 *
 * Snapshots hold the kernel's state as columns with the original keys behind their ids; a restore
 * keeps the key groups it is given, and the WebAssembly kernel and the JS twin read each other's.
 */
export class SessionKernelOperator<T> extends AbstractOperator<T, Record<string, unknown>> {
  // Configuration.
  private readonly config: SessionAggregationConfig;
  private readonly fields: Array<(value: T) => unknown>;
  private readonly fieldKinds: string[];
  private readonly signature: string;
  /** A result row with every field, cloned by spread per fired window (one shape, fields in-object). */
  private readonly rowTemplate: Record<string, unknown>;

  // Runtime.
  private kernel: SessionAggregation | undefined = undefined;
  private watermark = Number.NEGATIVE_INFINITY;
  private readonly keyIds = new KernelKeyIds();
  /** Snapshots restored before the kernel was loaded, imported by `prepare`. */
  private restored: { parts: SessionKernelSnapshot[]; keep: (key: unknown) => boolean } | undefined = undefined;

  // Metrics.
  numLateRecordsDropped = 0;
  private wasm = 0;

  constructor(private readonly spec: SessionKernelSpec<T>) {
    super();
    this.fields = [];
    this.fieldKinds = [];
    const aggregates = spec.aggregates.map((a) => {
      if (a.field === undefined) return { kind: a.kind, column: 0 };
      this.fields.push(a.field);
      this.fieldKinds.push(a.kind);
      return { kind: a.kind, column: this.fields.length - 1 };
    });
    this.config = { gap: spec.gap, allowedLateness: spec.allowedLateness, aggregates, columns: this.fields.length };
    this.rowTemplate = { key: undefined, start: 0.5, end: 0.5 };
    for (const a of spec.aggregates) this.rowTemplate[a.name] = undefined;
    this.signature = `session(${spec.gap}) allowedLateness(${spec.allowedLateness}) aggregate(${aggregates.map((a) => `${a.kind}(${a.column})`).join(', ')})`;
  }

  async prepare(): Promise<void> {
    if (this.kernel !== undefined) return;
    const { wasm } = this.context.services;
    const loaded = await kernelOrTwin<SessionAggregation>(
      wasm.enabled,
      this.context.name,
      () => WasmSessionAggregation.load(this.config, { module: wasm.modules?.sessionAggregate }),
      () => new SessionTable(this.config),
    );
    this.kernel = loaded.kernel;
    this.wasm = loaded.wasm ? 1 : 0;
    if (this.restored !== undefined) this.importRestored(this.restored.parts, this.restored.keep);
    this.restored = undefined;
  }

  metrics(): Record<string, number> {
    return { numLateRecordsDropped: this.numLateRecordsDropped, wasm: this.wasm, windows: this.kernel?.size ?? 0 };
  }

  processBatch(batch: Batch<T>): void {
    const kernel = this.kernel!;
    for (let from = 0; from < batch.length; ) {
      const input = kernel.input(batch.length - from);
      const to = Math.min(batch.length, from + input.keys.length);
      this.fill(batch, from, to, input);
      const result = kernel.add(to - from, this.watermark);
      this.emit(result.fired);
      const tag = this.spec.lateOutput;
      for (let j = 0; j < result.lateCount; j++) {
        const i = from + result.late[j]!;
        if (tag !== undefined) this.output.sideOutput(tag, batch.values[i]!, batch.timestamps[i]!);
        else this.numLateRecordsDropped++;
      }
      from = to;
    }
  }

  /** Writes records [from, to) into the kernel's input: timestamps, keys, then one column per field. */
  private fill(batch: Batch<T>, from: number, to: number, input: SessionInput): void {
    const { values, timestamps } = batch;
    const n = to - from;
    const times = input.timestamps;
    const keys = input.keys;
    const selector = this.spec.keySelector;
    const keyIds = this.keyIds;
    let i = 0;
    try {
      for (; i < n; i++) {
        const t = timestamps[from + i]!;
        if (t !== t) throw missingTimestamp();
        times[i] = t;
      }
      for (i = 0; i < n; i++) {
        const key = selector.keyOf(values[from + i]!);
        keys[i] = typeof key === 'number' && Number.isSafeInteger(key) ? key : keyIds.f64Of(key);
      }
      for (let f = 0; f < this.fields.length; f++) {
        const field = this.fields[f]!;
        const column = input.columns[f]!;
        for (i = 0; i < n; i++) {
          const x = field(values[from + i]!);
          if (typeof x !== 'number') throw notANumber(this.fieldKinds[f]!, x);
          column[i] = x;
        }
      }
    } catch (cause) {
      throw this.failure(values[from + i], cause);
    }
  }

  override processWatermark(watermark: number): void {
    // A restored operator resumes at its checkpointed watermark; it never moves back.
    if (watermark <= this.watermark) return;
    this.watermark = watermark;
    this.emit(this.kernel!.fire(watermark));
    if (this.keyIds.due) this.sweepKeyIds();
    this.output.emitWatermark(watermark);
  }

  /** Emits fired windows as rows, each at its window's max timestamp (as `WindowOperator` does). */
  private emit(fired: FiredSessions): void {
    const aggregates = this.spec.aggregates;
    const keyIds = this.keyIds;
    for (let i = 0; i < fired.count; i++) {
      const row: Record<string, unknown> = { ...this.rowTemplate };
      row.key = keyIds.keyOf(fired.keys[i]!);
      const end = fired.ends[i]!;
      row.start = fired.starts[i]!;
      row.end = end;
      for (let a = 0; a < aggregates.length; a++) row[aggregates[a]!.name] = fired.results[a]![i]!;
      this.output.collect(row, end - 1);
    }
  }

  /** Frees the ids of keys no window holds any more. O(state) per doubling of the dictionary. */
  private sweepKeyIds(): void {
    const { windows } = this.kernel!.exportState();
    this.keyIds.sweep(new Set(windows.keys));
  }

  // ── Snapshots ─────────────────────────────────────────────────────────────────────────────────

  /**
   * The kernel's state and the watermark (Flink does not checkpoint watermarks; restoring it makes
   * a recovered run judge late elements exactly as the failure-free run would), with the keys
   * behind the ids the state holds, renumbered densely.
   */
  snapshotState(): Uint8Array {
    const state = this.kernel!.exportState();
    const { rekey, keys } = this.keyIds.renumbering();
    return encodeSessionKernelSnapshot({ signature: this.signature, watermark: this.watermark, keys, state: rekeyed(state, () => true, rekey) });
  }

  restoreState(snapshots: readonly Uint8Array[], keyGroups: { readonly start: number; readonly end: number }): void {
    const parts = snapshots.map((bytes, subtask) => {
      const part = decodeSessionKernelSnapshot(bytes, `${this.context.name} state (subtask ${subtask})`);
      if (part.signature !== this.signature) {
        throw new KernelSnapshotError(`${this.context.name}: the snapshot is of ${part.signature}, this operator is ${this.signature}`);
      }
      return part;
    });
    const keep = ownsKey(keyGroups, this.context.services.maxParallelism);
    if (this.kernel === undefined) this.restored = { parts, keep };
    else this.importRestored(parts, keep);
  }

  /**
   * Imports the windows and timer entries of the kept keys, keys renumbered into this operator's
   * ids. Timer entries keep their order: snapshot by snapshot, then by seq — as the keyed-state
   * path re-registers restored timers. Every subtask of the earlier run had passed at least the
   * smallest watermark among them.
   */
  private importRestored(parts: readonly SessionKernelSnapshot[], keep: (key: unknown) => boolean): void {
    if (parts.length === 0) return;
    this.watermark = Math.min(...parts.map((p) => p.watermark));
    let seq = 0;
    for (const part of parts) {
      const kept = new Map<number, boolean>();
      const keepKey = (f: number): boolean => {
        let yes = kept.get(f);
        if (yes === undefined) kept.set(f, (yes = keep(KernelKeyIds.keyIn(part.keys, f))));
        return yes;
      };
      const state = rekeyed(part.state, keepKey, (f) => this.keyIds.f64Of(KernelKeyIds.keyIn(part.keys, f)));
      const seqs = state.entries.seqs;
      const order = Array.from(seqs.keys()).sort((a, b) => seqs[a]! - seqs[b]!);
      for (const j of order) seqs[j] = seq++;
      try {
        this.kernel!.importState(state);
      } catch (e) {
        throw new KernelSnapshotError(`${this.context.name}: ${(e as Error).message}`);
      }
    }
  }
}

/** A copy of `state` with the windows and entries of the keys `keep` accepts, keys mapped by `rekey`. */
function rekeyed(state: SessionAggregationState, keep: (key: number) => boolean, rekey: (key: number) => number): SessionAggregationState {
  const { windows: w, entries: e } = state;
  const rows: number[] = [];
  for (let i = 0; i < w.keys.length; i++) if (keep(w.keys[i]!)) rows.push(i);
  const entryRows: number[] = [];
  for (let j = 0; j < e.keys.length; j++) if (keep(e.keys[j]!)) entryRows.push(j);
  const pick = (c: Float64Array, at: number[], map?: (v: number) => number): Float64Array => Float64Array.from(at, (r) => (map === undefined ? c[r]! : map(c[r]!)));
  return {
    windows: {
      keys: pick(w.keys, rows, rekey),
      starts: pick(w.starts, rows),
      ends: pick(w.ends, rows),
      bits: pick(w.bits, rows),
      counts: pick(w.counts, rows),
      accumulators: w.accumulators.map((c) => pick(c, rows)),
    },
    entries: {
      keys: pick(e.keys, entryRows, rekey),
      times: pick(e.times, entryRows),
      seqs: pick(e.seqs, entryRows),
      raws: pick(e.raws, entryRows, rekey),
      counts: pick(e.counts, entryRows),
    },
  };
}
