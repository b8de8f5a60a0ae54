import { ConfigurationError } from '../errors';
import {
  SESSION_AGGREGATE_CODES,
  sessionConfigProblem,
  type FiredSessions,
  type SessionAggregation,
  type SessionAggregationConfig,
  type SessionAggregationState,
  type SessionBatchResult,
  type SessionInput,
} from './session-aggregation';

// Aggregate codes (as SESSION_AGGREGATE_CODES).
const K_COUNT = 0;
const K_MIN = 2;
const K_MAX = 3;
/** Timer bits of a window. */
const TRIGGER = 1;
const CLEANUP = 2;
const NONE = -1;

/**
 * The JavaScript twin of the WebAssembly session kernel (`assembly/session-aggregate.ts`): the same
 * algorithm on the same flat arrays, step for step (see `session-aggregation.ts` for what it
 * computes). Everything lives in typed arrays indexed by int: key records, windows (each in its
 * key's list), timer entries (each in its key's list) and a binary heap with one item per entry
 * (see the heap's fields). Only the key directory is a `Map` (the WebAssembly kernel has its own
 * hash table).
 *
 * @example
 * const t = new SessionTable({ gap: 30_000, allowedLateness: 0, columns: 1,
 *   aggregates: [{ kind: 'count', column: 0 }, { kind: 'sum', column: 0 }] });
 * const input = t.input(n); // fill input.keys, input.timestamps, input.columns[0]
 * t.add(n, watermark);
 * const fired = t.fire(nextWatermark);
 */
export class SessionTable implements SessionAggregation {
  // Configuration.
  private readonly gap: number;
  private readonly lateness: number;
  private readonly kinds: Int32Array;
  private readonly cols: Int32Array;
  private readonly nAggs: number;
  private readonly columns: number;

  // Key records: canonical key, head of its window list and of its entry list.
  private readonly keyIndex = new Map<number, number>();
  private kKey = new Float64Array(16);
  private kWin = new Int32Array(16);
  private kEnt = new Int32Array(16);
  private kUsed = 0;
  private kFree = NONE;

  // Windows: key record, [start, end), timer bits, count, accumulators (row-major), next in the key's list.
  private wKey = new Int32Array(16);
  private wStart = new Float64Array(16);
  private wEnd = new Float64Array(16);
  private wBits = new Int32Array(16);
  private wCount = new Float64Array(16);
  private wAcc: Float64Array;
  private wNext = new Int32Array(16);
  private wUsed = 0;
  private wFree = NONE;
  private live = 0;

  // Timer entries: key record, time, seq (−1 when free), key as given, timers held, next in the key's list.
  private eKey = new Int32Array(16);
  private eTime = new Float64Array(16);
  private eSeq = new Float64Array(16);
  private eRaw = new Float64Array(16);
  private eCount = new Int32Array(16);
  private eNext = new Int32Array(16);
  private eTicket = new Int32Array(16);
  private eUsed = 0;
  private eFree = NONE;
  private liveEntries = 0;
  private nextSeq = 0;

  // The heap of (time, seq, ticket) items, ordered by time, then seq: one item per 3 f64s, so a
  // sift step touches one cache line. A live entry owns exactly one item, through a ticket, whose
  // key is at most the entry's own (time, seq): an entry that replaces one removed in the same
  // step (a session extended: a new end) adopts its item instead of pushing one, and an item that
  // surfaces with a key below its entry's goes back in with the entry's key. So an extension costs
  // no heap operation, and the heap holds about one item per entry.
  private heap = new Float64Array(3 * 64);
  private hSize = 0;
  // Tickets: the entry an item stands for (NONE once orphaned), the key it was pushed with, the free list.
  private tEnt = new Int32Array(64);
  private tTime = new Float64Array(64);
  private tSeq = new Float64Array(64);
  private tNext = new Int32Array(64);
  private tUsed = 0;
  private tFree = NONE;
  // Per element: entries made without an item yet, and the tickets of entries removed.
  private pending = new Int32Array(8);
  private nPending = 0;
  private donors = new Int32Array(8);
  private nDonors = 0;

  // Input, output and scratch.
  private inView: SessionInput;
  private readonly out: { count: number; keys: Float64Array; starts: Float64Array; ends: Float64Array; results: Float64Array[] };
  private readonly batch: { fired: FiredSessions; late: Int32Array; lateCount: number };
  private merging = new Int32Array(8);

  constructor(config: SessionAggregationConfig) {
    const problem = sessionConfigProblem(config);
    if (problem !== undefined) throw new ConfigurationError(`session kernel: ${problem}`);
    this.gap = config.gap;
    this.lateness = config.allowedLateness;
    this.nAggs = config.aggregates.length;
    this.kinds = Int32Array.from(config.aggregates, (a) => SESSION_AGGREGATE_CODES[a.kind]);
    this.cols = Int32Array.from(config.aggregates, (a) => (a.kind === 'count' ? 0 : a.column));
    this.wAcc = new Float64Array(16 * this.nAggs);
    this.inView = { keys: new Float64Array(0), timestamps: new Float64Array(0), columns: [] };
    this.out = { count: 0, keys: new Float64Array(16), starts: new Float64Array(16), ends: new Float64Array(16), results: [] };
    for (let a = 0; a < this.nAggs; a++) this.out.results.push(new Float64Array(16));
    this.batch = { fired: this.out, late: new Int32Array(16), lateCount: 0 };
    this.columns = config.columns;
  }

  get size(): number {
    return this.live;
  }

  input(n: number): SessionInput {
    if (this.inView.keys.length < Math.max(1, n)) {
      const cap = Math.max(1024, n);
      this.inView = {
        keys: new Float64Array(cap),
        timestamps: new Float64Array(cap),
        columns: Array.from({ length: this.columns }, () => new Float64Array(cap)),
      };
    }
    return this.inView;
  }

  add(n: number, watermark: number): SessionBatchResult {
    const { keys, timestamps, columns } = this.inView;
    const gap = this.gap;
    const lateness = this.lateness;
    const batch = this.batch;
    if (batch.late.length < n) batch.late = new Int32Array(Math.max(n, 2 * batch.late.length));
    this.out.count = 0;
    batch.lateCount = 0;
    for (let i = 0; i < n; i++) {
      const raw = keys[i]!;
      const ts = timestamps[i]!;
      const start = ts;
      const end = ts + gap;
      let k = this.keyIndex.get(raw) ?? NONE;
      let m = 0;
      if (k !== NONE) {
        for (let w = this.kWin[k]!; w !== NONE; w = this.wNext[w]!) {
          if (this.wStart[w]! <= end && this.wEnd[w]! >= start) {
            if (m === this.merging.length) this.merging = grownI32(this.merging, 2 * m);
            this.merging[m++] = w;
          }
        }
      }
      let w: number;
      if (m === 0) {
        // A new window, dropped when already past its cleanup (Flink: isWindowLate).
        if (end - 1 + lateness <= watermark) {
          if (ts + lateness <= watermark) batch.late[batch.lateCount++] = i;
          continue;
        }
        if (k === NONE) k = this.newKey(raw);
        w = this.newWindow(k, start, end);
      } else if (m === 1 && this.wStart[this.merging[0]!]! <= start && this.wEnd[this.merging[0]!]! >= end) {
        w = this.merging[0]!;
      } else {
        w = this.merge(k, m, start, end, watermark, raw);
      }
      this.accumulate(w, i, columns);
      const maxTimestamp = this.wEnd[w]! - 1;
      // EventTimeTrigger.onElement: fire at once past the watermark, else a timer at the end.
      if (maxTimestamp <= watermark) this.emit(raw, w);
      else this.register(w, TRIGGER, raw);
      this.register(w, CLEANUP, raw);
      if (this.nPending > 0 || this.nDonors > 0) this.settleItems();
    }
    this.compactHeapIfStale();
    return batch;
  }

  fire(watermark: number): FiredSessions {
    this.out.count = 0;
    while (this.hSize > 0 && this.heap[0]! <= watermark) {
      const h = this.heap;
      const time = h[0]!;
      const seq = h[1]!;
      const q = h[2]!;
      this.pop();
      const e = this.tEnt[q]!;
      if (e === NONE) {
        this.freeTicket(q);
        continue;
      }
      if (this.eTime[e] !== time || this.eSeq[e] !== seq) {
        // Surfaced early (adopted from an entry with a smaller key): back in with the entry's key.
        this.tTime[q] = this.eTime[e]!;
        this.tSeq[q] = this.eSeq[e]!;
        this.push(this.eTime[e]!, this.eSeq[e]!, q);
        continue;
      }
      this.freeTicket(q);
      this.eTicket[e] = NONE;
      const k = this.eKey[e]!;
      const raw = this.eRaw[e]!;
      this.unlinkEntry(k, e);
      // The entry's timers: a trigger at end - 1 (fires the window) and/or a cleanup at
      // end - 1 + lateness (drops it), of at most two windows of the key.
      let w = this.kWin[k]!;
      while (w !== NONE) {
        const next = this.wNext[w]!;
        const t1 = this.wEnd[w]! - 1;
        const t2 = t1 + this.lateness;
        const bits = this.wBits[w]!;
        if (((bits & TRIGGER) !== 0 && t1 === time) || ((bits & CLEANUP) !== 0 && t2 === time)) {
          this.wBits[w] = bits & ~(t1 === time ? TRIGGER : 0) & ~(t2 === time ? CLEANUP : 0);
          if (t1 === time) this.emit(raw, w);
          if (t2 === time) this.retire(k, w);
        }
        w = next;
      }
      if (this.kWin[k] === NONE && this.kEnt[k] === NONE) this.freeKey(k);
    }
    this.compactHeapIfStale();
    return this.out;
  }

  exportState(): SessionAggregationState {
    const n = this.live;
    const keys = new Float64Array(n);
    const starts = new Float64Array(n);
    const ends = new Float64Array(n);
    const bits = new Float64Array(n);
    const counts = new Float64Array(n);
    const accumulators = Array.from({ length: this.nAggs }, () => new Float64Array(n));
    let i = 0;
    for (let w = 0; w < this.wUsed; w++) {
      if (this.wKey[w] === NONE) continue;
      keys[i] = this.kKey[this.wKey[w]!]!;
      starts[i] = this.wStart[w]!;
      ends[i] = this.wEnd[w]!;
      bits[i] = this.wBits[w]!;
      counts[i] = this.wCount[w]!;
      for (let a = 0; a < this.nAggs; a++) accumulators[a]![i] = this.wAcc[w * this.nAggs + a]!;
      i++;
    }
    const m = this.liveEntries;
    const entries = { keys: new Float64Array(m), times: new Float64Array(m), seqs: new Float64Array(m), raws: new Float64Array(m), counts: new Float64Array(m) };
    let j = 0;
    for (let e = 0; e < this.eUsed; e++) {
      if (this.eSeq[e]! < 0) continue;
      entries.keys[j] = this.kKey[this.eKey[e]!]!;
      entries.times[j] = this.eTime[e]!;
      entries.seqs[j] = this.eSeq[e]!;
      entries.raws[j] = this.eRaw[e]!;
      entries.counts[j] = this.eCount[e]!;
      j++;
    }
    return { windows: { keys, starts, ends, bits, counts, accumulators }, entries };
  }

  importState(state: SessionAggregationState): void {
    const { windows, entries } = state;
    const n = windows.keys.length;
    const problem = checkSessionState(state, this.nAggs);
    if (problem !== undefined) throw new Error(`session window state: ${problem}`);
    for (let i = 0; i < n; i++) {
      const key = windows.keys[i]!;
      const k = this.keyIndex.get(key) ?? this.newKey(key);
      const w = this.newWindow(k, windows.starts[i]!, windows.ends[i]!);
      this.wBits[w] = windows.bits[i]!;
      this.wCount[w] = windows.counts[i]!;
      for (let a = 0; a < this.nAggs; a++) this.wAcc[w * this.nAggs + a] = windows.accumulators[a]![i]!;
    }
    for (let j = 0; j < entries.keys.length; j++) {
      const k = this.keyIndex.get(entries.keys[j]!);
      if (k === undefined) throw new Error('session window state: a timer entry of a key without windows');
      const e = this.newEntry(k, entries.times[j]!, entries.seqs[j]!, entries.raws[j]!);
      this.giveItem(e);
      this.eCount[e] = entries.counts[j]!;
      if (entries.seqs[j]! >= this.nextSeq) this.nextSeq = entries.seqs[j]! + 1;
    }
  }

  // ── Windows ───────────────────────────────────────────────────────────────────────────────────

  /**
   * Merges the `m` windows in `merging` with the new window [start, end) into their cover, as
   * `MergingWindowSet.addWindow` + `WindowOperator`'s merge function do: the trigger's timer for
   * the cover first, then the merged windows' timers deleted, then the state of the leftmost one
   * merged with the fold of the others. Returns the window (the leftmost's slot, reused).
   */
  private merge(k: number, m: number, start: number, end: number, watermark: number, raw: number): number {
    const list = this.merging;
    // Insertion sort by start: m is small (windows of one key never overlap).
    for (let i = 1; i < m; i++) {
      const w = list[i]!;
      let j = i - 1;
      while (j >= 0 && this.wStart[list[j]!]! > this.wStart[w]!) {
        list[j + 1] = list[j]!;
        j--;
      }
      list[j + 1] = w;
    }
    let coverStart = start;
    let coverEnd = end;
    for (let i = 0; i < m; i++) {
      const w = list[i]!;
      if (this.wStart[w]! < coverStart) coverStart = this.wStart[w]!;
      if (this.wEnd[w]! > coverEnd) coverEnd = this.wEnd[w]!;
    }
    let bits = 0;
    if (coverEnd - 1 > watermark) {
      this.entryAdd(k, coverEnd - 1, raw);
      bits = TRIGGER;
    }
    for (let i = 0; i < m; i++) this.deleteTimers(k, list[i]!);
    const target = list[0]!;
    if (m > 1) {
      const nAggs = this.nAggs;
      const acc = this.wAcc;
      const t = target * nAggs;
      let count = this.wCount[list[1]!]!;
      for (let i = 2; i < m; i++) count += this.wCount[list[i]!]!;
      this.wCount[target] = this.wCount[target]! + count;
      for (let a = 0; a < nAggs; a++) {
        const kind = this.kinds[a]!;
        if (kind === K_COUNT) continue;
        let merged = acc[list[1]! * nAggs + a]!;
        for (let i = 2; i < m; i++) merged = mergeAcc(kind, merged, acc[list[i]! * nAggs + a]!);
        acc[t + a] = mergeAcc(kind, acc[t + a]!, merged);
      }
      for (let i = 1; i < m; i++) this.retire(k, list[i]!);
    }
    this.wStart[target] = coverStart;
    this.wEnd[target] = coverEnd;
    this.wBits[target] = bits;
    return target;
  }

  private accumulate(w: number, i: number, columns: readonly Float64Array[]): void {
    this.wCount[w]++;
    const base = w * this.nAggs;
    const acc = this.wAcc;
    for (let a = 0; a < this.nAggs; a++) {
      const kind = this.kinds[a]!;
      if (kind === K_COUNT) continue;
      const x = columns[this.cols[a]!]![i]!;
      const v = acc[base + a]!;
      acc[base + a] = kind === K_MIN ? Math.min(v, x) : kind === K_MAX ? Math.max(v, x) : v + x;
    }
  }

  private emit(raw: number, w: number): void {
    const out = this.out;
    if (out.count === out.keys.length) {
      const cap = 2 * out.count;
      out.keys = grownF64(out.keys, cap);
      out.starts = grownF64(out.starts, cap);
      out.ends = grownF64(out.ends, cap);
      for (let a = 0; a < this.nAggs; a++) out.results[a] = grownF64(out.results[a]!, cap);
    }
    const c = out.count++;
    out.keys[c] = raw;
    out.starts[c] = this.wStart[w]!;
    out.ends[c] = this.wEnd[w]!;
    const base = w * this.nAggs;
    for (let a = 0; a < this.nAggs; a++) {
      const kind = this.kinds[a]!;
      out.results[a]![c] = kind === K_COUNT ? this.wCount[w]! : kind <= K_MAX ? this.wAcc[base + a]! : this.wAcc[base + a]! / this.wCount[w]!;
    }
  }

  private newWindow(k: number, start: number, end: number): number {
    let w = this.wFree;
    if (w !== NONE) this.wFree = this.wNext[w]!;
    else {
      if (this.wUsed === this.wKey.length) this.growWindows();
      w = this.wUsed++;
    }
    this.wKey[w] = k;
    this.wStart[w] = start;
    this.wEnd[w] = end;
    this.wBits[w] = 0;
    this.wCount[w] = 0;
    const base = w * this.nAggs;
    for (let a = 0; a < this.nAggs; a++) this.wAcc[base + a] = identity(this.kinds[a]!);
    this.wNext[w] = this.kWin[k]!;
    this.kWin[k] = w;
    this.live++;
    return w;
  }

  /** Drops window `w` of key record `k` (its timers are gone or firing). */
  private retire(k: number, w: number): void {
    let prev = NONE;
    for (let v = this.kWin[k]!; v !== w; v = this.wNext[v]!) prev = v;
    if (prev === NONE) this.kWin[k] = this.wNext[w]!;
    else this.wNext[prev] = this.wNext[w]!;
    this.wKey[w] = NONE;
    this.wNext[w] = this.wFree;
    this.wFree = w;
    this.live--;
  }

  // ── Timers ────────────────────────────────────────────────────────────────────────────────────

  /** Registers window `w`'s trigger or cleanup timer, deduplicated per (window, time) as timers are. */
  private register(w: number, which: number, raw: number): void {
    const bits = this.wBits[w]!;
    if ((bits & which) !== 0) return;
    const t1 = this.wEnd[w]! - 1;
    const t2 = t1 + this.lateness;
    const time = which === TRIGGER ? t1 : t2;
    // Flink registers no cleanup timer at +∞.
    if (which === CLEANUP && time === Number.POSITIVE_INFINITY) return;
    this.wBits[w] = bits | which;
    if ((bits & (TRIGGER | CLEANUP)) !== 0 && t1 === t2) return;
    this.entryAdd(this.wKey[w]!, time, raw);
  }

  /** Deletes the pending timers of a window that merges away (trigger.clear, deleteCleanupTimer). */
  private deleteTimers(k: number, w: number): void {
    const bits = this.wBits[w]!;
    const t1 = this.wEnd[w]! - 1;
    const t2 = t1 + this.lateness;
    if ((bits & TRIGGER) !== 0) this.entryRemove(k, t1);
    if ((bits & CLEANUP) !== 0 && !((bits & TRIGGER) !== 0 && t1 === t2)) this.entryRemove(k, t2);
    this.wBits[w] = 0;
  }

  private entryAdd(k: number, time: number, raw: number): void {
    for (let e = this.kEnt[k]!; e !== NONE; e = this.eNext[e]!) {
      if (this.eTime[e] === time) {
        this.eCount[e]++;
        return;
      }
    }
    const e = this.newEntry(k, time, this.nextSeq++, raw);
    this.eCount[e] = 1;
    if (this.nPending === this.pending.length) this.pending = grownI32(this.pending, 2 * this.nPending);
    this.pending[this.nPending++] = e;
  }

  private entryRemove(k: number, time: number): void {
    for (let e = this.kEnt[k]!; e !== NONE; e = this.eNext[e]!) {
      if (this.eTime[e] === time) {
        if (--this.eCount[e]! === 0) this.unlinkEntry(k, e);
        return;
      }
    }
  }

  private newEntry(k: number, time: number, seq: number, raw: number): number {
    let e = this.eFree;
    if (e !== NONE) this.eFree = this.eNext[e]!;
    else {
      if (this.eUsed === this.eKey.length) this.growEntries();
      e = this.eUsed++;
    }
    this.eKey[e] = k;
    this.eTime[e] = time;
    this.eSeq[e] = seq;
    this.eRaw[e] = raw;
    this.eNext[e] = this.kEnt[k]!;
    this.eTicket[e] = NONE;
    this.kEnt[k] = e;
    this.liveEntries++;
    return e;
  }

  private unlinkEntry(k: number, e: number): void {
    let prev = NONE;
    for (let f = this.kEnt[k]!; f !== e; f = this.eNext[f]!) prev = f;
    if (prev === NONE) this.kEnt[k] = this.eNext[e]!;
    else this.eNext[prev] = this.eNext[e]!;
    const q = this.eTicket[e]!;
    if (q !== NONE) {
      // Its item stays in the heap, for an entry made in the same step to adopt (else an orphan).
      this.tEnt[q] = NONE;
      if (this.nDonors === this.donors.length) this.donors = grownI32(this.donors, 2 * this.nDonors);
      this.donors[this.nDonors++] = q;
    }
    this.eSeq[e] = -1;
    this.eNext[e] = this.eFree;
    this.eFree = e;
    this.liveEntries--;
  }

  /** Gives each entry made in this step an item: a removed entry's, if its key is not above the entry's, else a new one. */
  private settleItems(): void {
    for (let p = 0; p < this.nPending; p++) {
      const e = this.pending[p]!;
      if (this.eSeq[e]! < 0 || this.eTicket[e] !== NONE) continue;
      const time = this.eTime[e]!;
      const seq = this.eSeq[e]!;
      let adopted = false;
      for (let d = 0; d < this.nDonors; d++) {
        const q = this.donors[d]!;
        if (q === NONE || this.tTime[q]! > time || (this.tTime[q] === time && this.tSeq[q]! > seq)) continue;
        this.tEnt[q] = e;
        this.eTicket[e] = q;
        this.donors[d] = NONE;
        adopted = true;
        break;
      }
      if (!adopted) this.giveItem(e);
    }
    this.nPending = 0;
    this.nDonors = 0;
  }

  /** A new heap item for entry `e`, with its key. */
  private giveItem(e: number): void {
    let q = this.tFree;
    if (q !== NONE) this.tFree = this.tNext[q]!;
    else {
      if (this.tUsed === this.tEnt.length) {
        const cap = 2 * this.tUsed;
        this.tEnt = grownI32(this.tEnt, cap);
        this.tTime = grownF64(this.tTime, cap);
        this.tSeq = grownF64(this.tSeq, cap);
        this.tNext = grownI32(this.tNext, cap);
      }
      q = this.tUsed++;
    }
    this.tEnt[q] = e;
    this.tTime[q] = this.eTime[e]!;
    this.tSeq[q] = this.eSeq[e]!;
    this.eTicket[e] = q;
    this.push(this.eTime[e]!, this.eSeq[e]!, q);
  }

  private freeTicket(q: number): void {
    this.tNext[q] = this.tFree;
    this.tFree = q;
  }

  // ── Keys ──────────────────────────────────────────────────────────────────────────────────────

  private newKey(raw: number): number {
    let k = this.kFree;
    if (k !== NONE) this.kFree = this.kWin[k]!;
    else {
      if (this.kUsed === this.kKey.length) {
        const cap = 2 * this.kUsed;
        this.kKey = grownF64(this.kKey, cap);
        this.kWin = grownI32(this.kWin, cap);
        this.kEnt = grownI32(this.kEnt, cap);
      }
      k = this.kUsed++;
    }
    const key = raw === 0 ? 0 : raw;
    this.kKey[k] = key;
    this.kWin[k] = NONE;
    this.kEnt[k] = NONE;
    this.keyIndex.set(key, k);
    return k;
  }

  private freeKey(k: number): void {
    this.keyIndex.delete(this.kKey[k]!);
    this.kWin[k] = this.kFree;
    this.kFree = k;
  }

  // ── Heap ──────────────────────────────────────────────────────────────────────────────────────

  private push(time: number, seq: number, e: number): void {
    if (3 * this.hSize === this.heap.length) this.heap = grownF64(this.heap, 2 * this.heap.length);
    const h = this.heap;
    let i = this.hSize++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = h[3 * p]!;
      if (pt < time || (pt === time && h[3 * p + 1]! < seq)) break;
      h[3 * i] = pt;
      h[3 * i + 1] = h[3 * p + 1]!;
      h[3 * i + 2] = h[3 * p + 2]!;
      i = p;
    }
    h[3 * i] = time;
    h[3 * i + 1] = seq;
    h[3 * i + 2] = e;
  }

  private pop(): void {
    const n = --this.hSize;
    if (n === 0) return;
    const h = this.heap;
    const time = h[3 * n]!;
    const seq = h[3 * n + 1]!;
    const e = h[3 * n + 2]!;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n) {
        const a = h[3 * c]!;
        const b = h[3 * c + 3]!;
        if (b < a || (b === a && h[3 * c + 4]! < h[3 * c + 1]!)) c++;
      }
      const ct = h[3 * c]!;
      if (time < ct || (time === ct && seq < h[3 * c + 1]!)) break;
      h[3 * i] = ct;
      h[3 * i + 1] = h[3 * c + 1]!;
      h[3 * i + 2] = h[3 * c + 2]!;
      i = c;
    }
    h[3 * i] = time;
    h[3 * i + 1] = seq;
    h[3 * i + 2] = e;
  }

  /** Rebuilds the heap from the live entries when orphaned items outnumber them 3 to 1. */
  private compactHeapIfStale(): void {
    if (this.hSize <= 64 || this.hSize <= 4 * this.liveEntries) return;
    this.hSize = 0;
    this.tUsed = 0;
    this.tFree = NONE;
    for (let e = 0; e < this.eUsed; e++) if (this.eSeq[e]! >= 0) this.giveItem(e);
  }

  // ── Growth ────────────────────────────────────────────────────────────────────────────────────

  private growWindows(): void {
    const cap = 2 * this.wKey.length;
    this.wKey = grownI32(this.wKey, cap);
    this.wStart = grownF64(this.wStart, cap);
    this.wEnd = grownF64(this.wEnd, cap);
    this.wBits = grownI32(this.wBits, cap);
    this.wCount = grownF64(this.wCount, cap);
    this.wNext = grownI32(this.wNext, cap);
    this.wAcc = grownF64(this.wAcc, cap * this.nAggs);
  }

  private growEntries(): void {
    const cap = 2 * this.eKey.length;
    this.eKey = grownI32(this.eKey, cap);
    this.eTime = grownF64(this.eTime, cap);
    this.eSeq = grownF64(this.eSeq, cap);
    this.eRaw = grownF64(this.eRaw, cap);
    this.eCount = grownI32(this.eCount, cap);
    this.eNext = grownI32(this.eNext, cap);
    this.eTicket = grownI32(this.eTicket, cap);
  }
}

/** An accumulator before any element: what the built-in aggregators' createAccumulator gives. */
function identity(kind: number): number {
  return kind === K_MIN ? Number.POSITIVE_INFINITY : kind === K_MAX ? Number.NEGATIVE_INFINITY : 0;
}

/** The built-in aggregators' merge: sums add, min and max take Math.min / Math.max. */
function mergeAcc(kind: number, a: number, b: number): number {
  return kind === K_MIN ? Math.min(a, b) : kind === K_MAX ? Math.max(a, b) : a + b;
}

/** Why `state` cannot be imported into a kernel of `nAggs` aggregates, or undefined. */
export function checkSessionState(state: SessionAggregationState, nAggs: number): string | undefined {
  const { windows: w, entries: e } = state;
  const n = w.keys.length;
  if (w.accumulators.length !== nAggs) return `${w.accumulators.length} accumulator columns, expected ${nAggs}`;
  for (const c of [w.starts, w.ends, w.bits, w.counts, ...w.accumulators]) if (c.length !== n) return 'window columns of different lengths';
  for (const c of [e.times, e.seqs, e.raws, e.counts]) if (c.length !== e.keys.length) return 'timer entry columns of different lengths';
  for (let i = 0; i < n; i++) {
    const bits = w.bits[i]!;
    if (!(bits >= 0 && bits <= 3 && bits === Math.floor(bits))) return `window ${i}: timer bits ${bits}`;
    if (!(w.counts[i]! >= 1 && w.ends[i]! >= w.starts[i]!)) return `window ${i}: count ${w.counts[i]}, [${w.starts[i]}, ${w.ends[i]})`;
  }
  for (let j = 0; j < e.keys.length; j++) {
    if (!(e.counts[j] === 1 || e.counts[j] === 2) || !(e.seqs[j]! >= 0)) return `timer entry ${j}: count ${e.counts[j]}, seq ${e.seqs[j]}`;
  }
  return undefined;
}

function grownF64(a: Float64Array, cap: number): Float64Array<ArrayBuffer> {
  const g = new Float64Array(cap);
  g.set(a.subarray(0, Math.min(a.length, cap)));
  return g;
}

function grownI32(a: Int32Array, cap: number): Int32Array<ArrayBuffer> {
  const g = new Int32Array(cap);
  g.set(a.subarray(0, Math.min(a.length, cap)));
  return g;
}
