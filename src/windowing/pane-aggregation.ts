import { ConfigurationError } from '../errors';
import type {
  AccumulatorKind,
  FiredWindows,
  KernelAggregate,
  KernelInput,
  WindowAggregation,
  WindowAggregationConfig,
  WindowAggregationState,
} from './window-aggregation';

/**
 * The JavaScript twin of the WebAssembly window-aggregation kernel (`assembly/window-aggregate.ts`):
 * the same algorithm over typed arrays, step for step, so the two produce identical `FiredWindows`
 * bit for bit. Used with `wasm: false`, or where WebAssembly cannot load.
 *
 * Windows are kept as panes of `slide` ms: every element is added to exactly one pane (its start
 * is Flink's `getWindowStartWithOffset(ts, offset, slide)`), so sliding windows cost no more per
 * element than tumbling ones, and window [s, s + size) is the merge of the panes whose starts lie
 * in it, computed when it fires. Per pane, an open-addressing index maps a key to its slot of
 * accumulators; slots live in chunks of a shared slot heap, in order of their key's first arrival.
 *
 * Results: `count`; `sum` adds in arrival order within a pane (from 0, as the `sum()` aggregator),
 * and a window adds its pane sums in pane-start order — for a sliding window that may differ in the
 * last bits from adding its elements one by one; `min`/`max` as `Math.min`/`Math.max` (NaN wins,
 * −0 < +0); `avg` = sum / count; `first`/`last` the value of the earliest/latest-arriving element;
 * `countDistinct` the exact number of distinct values (SameValueZero: −0 is 0, NaN is NaN), from one
 * set per (key, pane) — a sliding window's set is the union of its panes' sets.
 * Keys are compared after mapping −0 to 0 and every NaN to one NaN; output keys are in that form.
 *
 * Time: `fire(F)` fires the windows with `end - 1 <= F` at most once per change; `evict(c)` closes
 * the windows with `end - 1 <= min(c, F)` — a closed window never fires again, a pane whose windows
 * are all closed is freed, and an element whose windows are all closed is ignored. `current` fires
 * a key's windows around one element (late firings), in window-start order, and counts as firing
 * them. Timestamps that are NaN or ±∞ fall in no pane.
 *
 * @example
 * const agg = new PaneAggregation({ size: 10_000, slide: 1_000, offset: 0, columns: 1,
 *   aggregates: [{ kind: 'count', column: 0 }, { kind: 'sum', column: 0 }] });
 * agg.add(keys, timestamps, [prices], 0, keys.length);
 * const fired = agg.fire(watermark); // fired.keys[i], fired.starts[i], fired.results[1][i]
 * agg.evict(watermark - allowedLateness);
 */
export class PaneAggregation implements WindowAggregation {
  // Configuration.
  private readonly winSize: number;
  private readonly slide: number;
  private readonly offset: number;
  private readonly panesPerWindow: number;
  private readonly integralGrid: boolean;
  private readonly accKind: Int32Array;
  private readonly accCol: Int32Array;
  private readonly accOff: Int32Array;
  private readonly aggKind: Int32Array;
  private readonly aggOff: Int32Array;
  private readonly lastSeqOff: number;
  private readonly hasFirst: boolean;
  private readonly hasDistinct: boolean;
  private readonly strideShift: number;
  private readonly stride: number;
  /** The image of a new slot (count 0, every accumulator at its identity). */
  private readonly template: Float64Array;

  // Slot heap: chunk c holds slots [c·CHUNK_SLOTS, (c+1)·CHUNK_SLOTS); slot 0 is the sink.
  private heap: Float64Array;
  private chunkNext: Int32Array;
  /** The kid (key id, see below) of every slot. */
  private kidOf: Int32Array;
  private heapChunks = 16;
  private chunksUsed = 1;
  private freeChunk = -1;
  private liveSlots = 0;

  // Key directory: every key held in some slot has a dense id (kid), counted by its slots; merging
  // panes into windows indexes rows by kid, an array lookup per slot instead of a hash probe.
  private kidKeys = new Float64Array(256);
  private kidRefs = new Int32Array(256);
  private kidsUsed = 0;
  private freeKid = -1;
  private dirTable = new Int32Array(1024);
  private dirMask = 511;
  private dirCount = 0;

  // Panes, sorted by start.
  private readonly panes: Pane[] = [];
  private tableHint = MIN_TABLE;

  // Time.
  private fireWm = Number.NEGATIVE_INFINITY;
  private deadWm = Number.NEGATIVE_INFINITY;
  private nextDue = Number.POSITIVE_INFINITY;
  private nextSeq = 0;

  // The pane of the last element, while every integer timestamp in [cpLo, cpHi) maps to it and it
  // needs no flag bookkeeping.
  private cpLo = Number.POSITIVE_INFINITY;
  private cpHi = Number.NEGATIVE_INFINITY;
  private cpPane: Pane | undefined = undefined;

  // Window flags: (key, start) → PENDING | EARLY.
  private flagKeys = new Float64Array(16);
  private flagStarts = new Float64Array(16);
  private flagStates = new Int32Array(16);
  private flagHashes = new Int32Array(16);
  private flagCount = 0;
  private flagTable = new Int32Array(64);
  private flagMask = 31;
  private nPending = 0;
  private nEarly = 0;

  // Output.
  private readonly out: KernelOutput;
  private outCap = 256;

  // Scratch: slot of every element of a batch; window rows; a key → row index; candidate starts.
  private refs = new Int32Array(1024);
  private rows = new Float64Array(0);
  private rowStarts = new Float64Array(0);
  private orderA = new Int32Array(0);
  private orderB = new Int32Array(0);
  private rowsCap = 0;
  private nRows = 0;
  private rowOfKid = new Int32Array(0);
  private visitSlots = new Int32Array(0);
  private visitRows = new Int32Array(0);
  private cand = new Float64Array(64);
  private nCand = 0;

  // Distinct sets: a countDistinct accumulator holds the id of its set here (0 = none yet).
  private readonly sets: Array<Set<number> | undefined> = [undefined];
  private readonly freeSetIds: number[] = [];
  private readonly plan: WindowAggregationPlan;
  /** The arrays `input` hands out. */
  private inputArrays: KernelInput = { keys: new Float64Array(0), timestamps: new Float64Array(0), columns: [] };

  constructor(config: WindowAggregationConfig) {
    const plan = planWindowAggregation(config);
    this.plan = plan;
    this.winSize = plan.size;
    this.slide = plan.slide;
    this.offset = plan.offset;
    this.panesPerWindow = plan.panesPerWindow;
    this.integralGrid =
      Number.isInteger(plan.slide) && Number.isInteger(plan.offset) && plan.slide <= MAX_GRID && Math.abs(plan.offset) <= MAX_GRID;
    const { accumulators, aggregateAccumulator } = plan;
    const kinds = accumulators.map((a) => a.code);
    const offs = kinds.map((_, a) => S_ACCS + a);
    const init = kinds.map((kind) => (kind === K_MIN ? Number.POSITIVE_INFINITY : kind === K_MAX || kind === K_LAST_SEQ ? Number.NEGATIVE_INFINITY : 0));
    const aggKind = Int32Array.from(plan.aggregates, (a) => a.code);
    const aggOff = Int32Array.from(aggregateAccumulator, (a) => (a < 0 ? S_COUNT : S_ACCS + a));
    const lastSeq = kinds.indexOf(K_LAST_SEQ);
    this.lastSeqOff = lastSeq < 0 ? 0 : S_ACCS + lastSeq;
    this.hasFirst = kinds.includes(K_FIRST);
    this.hasDistinct = kinds.includes(K_DISTINCT);
    this.accKind = Int32Array.from(kinds);
    this.accCol = Int32Array.from(accumulators, (a) => a.column);
    this.accOff = Int32Array.from(offs);
    this.aggKind = aggKind;
    this.aggOff = aggOff;
    this.stride = nextPow2(S_ACCS + kinds.length);
    this.strideShift = Math.log2(this.stride);
    this.template = new Float64Array(this.stride);
    this.template[S_FIRST_SEQ] = Number.NaN;
    for (let a = 0; a < kinds.length; a++) this.template[offs[a]!] = init[a]!;
    this.heap = new Float64Array((this.heapChunks << CHUNK_SHIFT) << this.strideShift);
    this.heap.set(this.template, 0);
    this.chunkNext = new Int32Array(this.heapChunks);
    this.chunkNext[0] = -1;
    this.kidOf = new Int32Array(this.heapChunks << CHUNK_SHIFT);
    this.out = new KernelOutput(plan.aggregates.length, this.outCap);
  }

  /** Number of (key, pane) slots held. */
  get size(): number {
    return this.liveSlots;
  }

  // ── Adding ────────────────────────────────────────────────────────────────────────────────────

  input(n: number): KernelInput {
    if (n > this.inputArrays.keys.length) {
      const cap = nextPow2(Math.max(n, 1024));
      this.inputArrays = {
        keys: new Float64Array(cap),
        timestamps: new Float64Array(cap),
        columns: Array.from({ length: this.plan.columns }, () => new Float64Array(cap)),
      };
    }
    return this.inputArrays;
  }

  add(keys: Float64Array, timestamps: Float64Array, columns: readonly Float64Array[], from: number, to: number): void {
    const n = to - from;
    if (!(n > 0)) return;
    if (this.refs.length < n) this.refs = new Int32Array(nextPow2(n));
    const refs = this.refs;
    const seq0 = this.nextSeq;
    this.nextSeq += n;
    // As the kernel: count, and the sum when it is the only accumulator, in this pass.
    const fuse = this.accKind.length === 0 ? FUSE_COUNT : this.accKind.length === 1 && this.accKind[0] === K_SUM ? FUSE_SUM : FUSE_NONE;
    const sumOff = this.accOff[0]!;
    const sumCol = fuse === FUSE_SUM ? columns[this.accCol[0]!]! : undefined;
    const weights = this.plan.weightColumn < 0 ? undefined : columns[this.plan.weightColumn]!;
    for (let i = 0; i < n; i++) {
      const raw = keys[from + i]!;
      const key = raw === 0 ? 0 : raw;
      const ts = timestamps[from + i]!;
      let pane = this.cpPane;
      if (!(ts >= this.cpLo && ts < this.cpHi && ts === Math.floor(ts))) pane = this.locatePane(ts, key);
      let idx = 0;
      if (pane !== undefined) {
        const table = pane.table;
        const mask = pane.mask;
        const h = hashKey(key);
        let k = h & mask;
        for (;;) {
          const ref = table[(k << 1) + 1]!;
          if (ref === 0) {
            idx = this.createSlot(pane, k, h, key, seq0 + i);
            break;
          }
          if (table[k << 1] === h) {
            const stored = this.heap[(ref - 1) << this.strideShift]!;
            if (stored === key || (key !== key && stored !== stored)) {
              idx = ref - 1;
              break;
            }
          }
          k = (k + 1) & mask;
        }
      }
      const s = idx << this.strideShift;
      this.heap[s + S_COUNT] += weights === undefined ? 1 : weights[from + i]!;
      if (sumCol !== undefined) this.heap[s + sumOff] += sumCol[from + i]!;
      else refs[i] = idx;
    }
    if (fuse !== FUSE_NONE) return;
    const heap = this.heap;
    const shift = this.strideShift;
    for (let a = 0; a < this.accKind.length; a++) {
      const off = this.accOff[a]!;
      const kind = this.accKind[a]!;
      if (kind === K_LAST_SEQ) {
        for (let i = 0; i < n; i++) heap[(refs[i]! << shift) + off] = seq0 + i;
        continue;
      }
      const col = columns[this.accCol[a]!]!;
      switch (kind) {
        case K_SUM:
          for (let i = 0; i < n; i++) heap[(refs[i]! << shift) + off] += col[from + i]!;
          break;
        case K_MIN:
          for (let i = 0; i < n; i++) {
            const p = (refs[i]! << shift) + off;
            heap[p] = Math.min(heap[p]!, col[from + i]!);
          }
          break;
        case K_MAX:
          for (let i = 0; i < n; i++) {
            const p = (refs[i]! << shift) + off;
            heap[p] = Math.max(heap[p]!, col[from + i]!);
          }
          break;
        case K_FIRST:
          // The element that created the slot carries the slot's firstSeq.
          for (let i = 0; i < n; i++) {
            const s = refs[i]! << shift;
            if (heap[s + S_FIRST_SEQ] === seq0 + i) heap[s + off] = col[from + i]!;
          }
          break;
        case K_LAST:
          for (let i = 0; i < n; i++) heap[(refs[i]! << shift) + off] = col[from + i]!;
          break;
        case K_DISTINCT:
          for (let i = 0; i < n; i++) {
            // The sink (slot 0) takes elements of no pane: they must not grow a set there.
            if (refs[i] !== 0) this.setOf(heap, (refs[i]! << shift) + off).add(col[from + i]!);
          }
          break;
      }
    }
  }

  /** The pane of an element that missed the pane cache: found or created, flags noted; undefined for none. */
  private locatePane(ts: number, key: number): Pane | undefined {
    const p = paneStartOf(ts, this.offset, this.slide);
    if (p !== p || p + this.winSize - 1 <= this.deadWm) return undefined;
    const at = this.lowerBound(p);
    const pane = at < this.panes.length && this.panes[at]!.start === p ? this.panes[at]! : this.createPane(p, at);
    if (p - (this.panesPerWindow - 1) * this.slide + this.winSize - 1 <= this.fireWm || this.nEarly > 0) {
      this.noteChange(key, p);
    } else if (this.integralGrid && ts === Math.floor(ts) && Math.abs(p) <= MAX_CACHED_START) {
      // Every integer ts in [p, p + slide) has pane p by the formula (all terms are exact integers).
      this.cpLo = p;
      this.cpHi = p + this.slide;
      this.cpPane = pane;
    }
    return pane;
  }

  private forgetPaneCache(): void {
    this.cpLo = Number.POSITIVE_INFINITY;
    this.cpHi = Number.NEGATIVE_INFINITY;
    this.cpPane = undefined;
  }

  private lowerBound(start: number): number {
    let lo = 0;
    let hi = this.panes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.panes[mid]!.start < start) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private createPane(start: number, at: number): Pane {
    const pane = new Pane(start, this.tableHint);
    this.panes.splice(at, 0, pane);
    const j = this.jAbove(start, this.fireWm);
    if (j >= 0) {
      const due = start - j * this.slide + this.winSize - 1;
      if (due < this.nextDue) this.nextDue = due;
    }
    return pane;
  }

  private allocChunk(): number {
    if (this.freeChunk >= 0) {
      const c = this.freeChunk;
      this.freeChunk = this.chunkNext[c]!;
      return c;
    }
    if (this.chunksUsed === this.heapChunks) {
      const heap = new Float64Array(this.heap.length * 2);
      heap.set(this.heap);
      this.heap = heap;
      const next = new Int32Array(this.heapChunks * 2);
      next.set(this.chunkNext);
      this.chunkNext = next;
      this.kidOf = grow(this.kidOf, new Int32Array(this.kidOf.length * 2));
      this.heapChunks *= 2;
    }
    return this.chunksUsed++;
  }

  /** Appends a slot for `key` to the pane and indexes it at the free table entry `k`. */
  private createSlot(pane: Pane, k: number, h: number, key: number, seq: number): number {
    const count = pane.count;
    if ((count & (CHUNK_SLOTS - 1)) === 0) {
      const c = this.allocChunk();
      if (count === 0) pane.head = c;
      else this.chunkNext[pane.tail] = c;
      pane.tail = c;
      this.chunkNext[c] = -1;
    }
    const idx = (pane.tail << CHUNK_SHIFT) | (count & (CHUNK_SLOTS - 1));
    const s = idx << this.strideShift;
    this.heap.set(this.template, s);
    this.heap[s + S_KEY] = key;
    this.heap[s + S_FIRST_SEQ] = seq;
    pane.table[k << 1] = h;
    pane.table[(k << 1) + 1] = idx + 1;
    this.kidOf[idx] = this.acquireKid(key, h);
    pane.count = count + 1;
    this.liveSlots++;
    if ((count + 1) * LOAD_DEN > (pane.mask + 1) * LOAD_NUM) this.growTable(pane);
    return idx;
  }

  /** The kid of `key` (hash `h`), counting one more slot that holds it. */
  private acquireKid(key: number, h: number): number {
    let mask = this.dirMask;
    let i = h & mask;
    for (;;) {
      const ref = this.dirTable[(i << 1) + 1]!;
      if (ref === 0) break;
      if (this.dirTable[i << 1] === h) {
        const stored = this.kidKeys[ref - 1]!;
        if (stored === key || (key !== key && stored !== stored)) {
          this.kidRefs[ref - 1]++;
          return ref - 1;
        }
      }
      i = (i + 1) & mask;
    }
    let kid = this.freeKid;
    if (kid >= 0) {
      this.freeKid = this.kidRefs[kid]!;
    } else {
      if (this.kidsUsed === this.kidKeys.length) {
        this.kidKeys = grow(this.kidKeys, new Float64Array(this.kidsUsed * 2));
        this.kidRefs = grow(this.kidRefs, new Int32Array(this.kidsUsed * 2));
      }
      kid = this.kidsUsed++;
    }
    this.kidKeys[kid] = key;
    this.kidRefs[kid] = 1;
    this.dirTable[i << 1] = h;
    this.dirTable[(i << 1) + 1] = kid + 1;
    this.dirCount++;
    if (this.dirCount * LOAD_DEN > (mask + 1) * LOAD_NUM) {
      const old = this.dirTable;
      mask = (mask + 1) * 2 - 1;
      this.dirMask = mask;
      this.dirTable = new Int32Array((mask + 1) * 2);
      for (let j = 0; j < old.length; j += 2) {
        if (old[j + 1] === 0) continue;
        let k = old[j]! & mask;
        while (this.dirTable[(k << 1) + 1] !== 0) k = (k + 1) & mask;
        this.dirTable[k << 1] = old[j]!;
        this.dirTable[(k << 1) + 1] = old[j + 1]!;
      }
    }
    return kid;
  }

  /** One slot fewer holds `kid`; the last one frees it. */
  private releaseKid(kid: number): void {
    if (--this.kidRefs[kid]! > 0) return;
    const table = this.dirTable;
    const mask = this.dirMask;
    let i = hashKey(this.kidKeys[kid]!) & mask;
    while (table[(i << 1) + 1] !== kid + 1) i = (i + 1) & mask;
    // Backward-shift deletion: pull later entries of the cluster into the hole when their home allows.
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      if (table[(j << 1) + 1] === 0) break;
      const home = table[j << 1]! & mask;
      if (((j - home) & mask) >= ((j - i) & mask)) {
        table[i << 1] = table[j << 1]!;
        table[(i << 1) + 1] = table[(j << 1) + 1]!;
        i = j;
      }
    }
    table[i << 1] = 0;
    table[(i << 1) + 1] = 0;
    this.dirCount--;
    this.kidRefs[kid] = this.freeKid;
    this.freeKid = kid;
  }

  private growTable(pane: Pane): void {
    const old = pane.table;
    const cap = (pane.mask + 1) * 2;
    const mask = cap - 1;
    const table = new Int32Array(cap * 2);
    for (let i = 0; i < old.length; i += 2) {
      const ref = old[i + 1]!;
      if (ref === 0) continue;
      const h = old[i]!;
      let j = h & mask;
      while (table[(j << 1) + 1] !== 0) j = (j + 1) & mask;
      table[j << 1] = h;
      table[(j << 1) + 1] = ref;
    }
    pane.table = table;
    pane.mask = mask;
    if (cap > this.tableHint) this.tableHint = cap;
  }

  /** The slot of `key` in the pane, or -1. */
  private lookup(pane: Pane, key: number, h: number): number {
    const table = pane.table;
    const mask = pane.mask;
    let i = h & mask;
    for (;;) {
      const ref = table[(i << 1) + 1]!;
      if (ref === 0) return -1;
      if (table[i << 1] === h) {
        const stored = this.heap[(ref - 1) << this.strideShift]!;
        if (stored === key || (key !== key && stored !== stored)) return ref - 1;
      }
      i = (i + 1) & mask;
    }
  }

  // ── Window arithmetic: the windows of pane q are q - j·slide, j in [0, panesPerWindow) ────────

  /** The largest j whose window ends (end - 1) after `x`, or -1. */
  private jAbove(q: number, x: number): number {
    const last = this.panesPerWindow - 1;
    const { winSize: size, slide } = this;
    let j = last;
    const v = (q + size - 1 - x) / slide;
    if (v < last) j = v <= 0 ? -1 : Math.ceil(v) - 1;
    while (j >= 0 && !(q - j * slide + size - 1 > x)) j--;
    while (j < last && q - (j + 1) * slide + size - 1 > x) j++;
    return j;
  }

  /** The smallest j whose window ends (end - 1) at or before `x`, or panesPerWindow. */
  private jAtMost(q: number, x: number): number {
    const n = this.panesPerWindow;
    const { winSize: size, slide } = this;
    let j = 0;
    const v = (q + size - 1 - x) / slide;
    if (v > 0) j = v >= n ? n : Math.ceil(v);
    while (j > 0 && q - (j - 1) * slide + size - 1 <= x) j--;
    while (j < n && !(q - j * slide + size - 1 <= x)) j++;
    return j;
  }

  // ── Window flags ──────────────────────────────────────────────────────────────────────────────

  private flagFind(key: number, start: number, h: number): number {
    const mask = this.flagMask;
    let i = h & mask;
    for (;;) {
      const ref = this.flagTable[(i << 1) + 1]!;
      if (ref === 0) return -1;
      if (this.flagTable[i << 1] === h) {
        const k = this.flagKeys[ref - 1]!;
        if ((k === key || (key !== key && k !== k)) && this.flagStarts[ref - 1] === start) return ref - 1;
      }
      i = (i + 1) & mask;
    }
  }

  private flagIndex(ref: number, h: number): void {
    const mask = this.flagMask;
    let i = h & mask;
    while (this.flagTable[(i << 1) + 1] !== 0) i = (i + 1) & mask;
    this.flagTable[i << 1] = h;
    this.flagTable[(i << 1) + 1] = ref;
  }

  private flagRehash(cap: number): void {
    this.flagMask = cap - 1;
    this.flagTable = new Int32Array(cap * 2);
    for (let i = 0; i < this.flagCount; i++) this.flagIndex(i + 1, this.flagHashes[i]!);
  }

  private countFlag(state: number, delta: number): void {
    if (state === FLAG_PENDING) this.nPending += delta;
    else if (state === FLAG_EARLY) this.nEarly += delta;
  }

  /** Sets the flag of window (key, start); `FLAG_NONE` clears it. */
  private setFlag(key: number, start: number, state: number): void {
    start += 0; // -0 → +0: one window, one entry
    const h = hashWindow(key, start);
    let f = this.flagFind(key, start, h);
    if (f < 0) {
      if (state === FLAG_NONE) return;
      if (this.flagCount === this.flagKeys.length) {
        const cap = this.flagCount * 2;
        this.flagKeys = grow(this.flagKeys, new Float64Array(cap));
        this.flagStarts = grow(this.flagStarts, new Float64Array(cap));
        this.flagStates = grow(this.flagStates, new Int32Array(cap));
        this.flagHashes = grow(this.flagHashes, new Int32Array(cap));
      }
      f = this.flagCount++;
      this.flagKeys[f] = key;
      this.flagStarts[f] = start;
      this.flagStates[f] = FLAG_NONE;
      this.flagHashes[f] = h;
      if (this.flagCount * LOAD_DEN > (this.flagMask + 1) * LOAD_NUM) this.flagRehash((this.flagMask + 1) * 2);
      else this.flagIndex(this.flagCount, h);
    }
    this.countFlag(this.flagStates[f]!, -1);
    this.flagStates[f] = state;
    this.countFlag(state, 1);
  }

  private flagState(key: number, start: number): number {
    start += 0;
    const f = this.flagFind(key, start, hashWindow(key, start));
    return f < 0 ? FLAG_NONE : this.flagStates[f]!;
  }

  /** Drops cleared entries once they outnumber the live ones. */
  private compactFlags(): void {
    const live = this.nPending + this.nEarly;
    if (this.flagCount === 0 || (live > 0 && this.flagCount - live < live + 16)) return;
    let j = 0;
    for (let i = 0; i < this.flagCount; i++) {
      if (this.flagStates[i] === FLAG_NONE) continue;
      this.flagKeys[j] = this.flagKeys[i]!;
      this.flagStarts[j] = this.flagStarts[i]!;
      this.flagStates[j] = this.flagStates[i]!;
      this.flagHashes[j] = this.flagHashes[i]!;
      j++;
    }
    this.flagCount = j;
    this.flagRehash(this.flagMask + 1);
  }

  /** An element of `key` landed in pane `p` while some window of that pane has fired or was fired early. */
  private noteChange(key: number, p: number): void {
    const last = this.jAbove(p, this.deadWm);
    for (let j = 0; j <= last; j++) {
      const s = p - j * this.slide;
      if (s + this.winSize - 1 <= this.fireWm) this.setFlag(key, s, FLAG_PENDING);
      else if (this.nEarly > 0 && this.flagState(key, s) === FLAG_EARLY) this.setFlag(key, s, FLAG_NONE);
    }
  }

  // ── Distinct sets ─────────────────────────────────────────────────────────────────────────────

  /** The set of the countDistinct accumulator at `at` of `acc` (made on the first value). */
  private setOf(acc: Float64Array, at: number): Set<number> {
    const id = acc[at]!;
    if (id !== 0) return this.sets[id]!;
    const set = new Set<number>();
    const made = this.freeSetIds.pop() ?? this.sets.length;
    this.sets[made] = set;
    acc[at] = made;
    return set;
  }

  /** Adds every value of set `src` (an id) to the set of accumulator `at` of `rows`. */
  private setUnion(rows: Float64Array, at: number, src: number): void {
    if (src === 0) return;
    const into = this.setOf(rows, at);
    for (const v of this.sets[src]!) into.add(v);
  }

  /** Frees the distinct sets of the slot or row at `p` of `acc`. */
  private freeSets(acc: Float64Array, p: number): void {
    for (let a = 0; a < this.accKind.length; a++) {
      if (this.accKind[a] !== K_DISTINCT) continue;
      const id = acc[p + this.accOff[a]!]!;
      if (id === 0) continue;
      this.sets[id] = undefined;
      this.freeSetIds.push(id);
      acc[p + this.accOff[a]!] = 0;
    }
  }

  private freeRowSets(n: number): void {
    if (!this.hasDistinct) return;
    for (let r = 0; r < n; r++) this.freeSets(this.rows, r << this.strideShift);
  }

  // ── Merging and output ────────────────────────────────────────────────────────────────────────

  /** Merges slot (or row) `src` of `from` into row `dst` of `rows`. */
  private mergeInto(rows: Float64Array, dst: number, from: Float64Array, src: number): void {
    rows[dst + S_COUNT] = rows[dst + S_COUNT]! + from[src + S_COUNT]!;
    const srcFirst = from[src + S_FIRST_SEQ]!;
    const takeFirst = srcFirst < rows[dst + S_FIRST_SEQ]!;
    const lastSeq = this.lastSeqOff;
    const takeLast = lastSeq !== 0 && from[src + lastSeq]! > rows[dst + lastSeq]!;
    for (let a = 0; a < this.accKind.length; a++) {
      const off = this.accOff[a]!;
      const v = from[src + off]!;
      switch (this.accKind[a]) {
        case K_SUM:
          rows[dst + off] = rows[dst + off]! + v;
          break;
        case K_MIN:
          rows[dst + off] = Math.min(rows[dst + off]!, v);
          break;
        case K_MAX:
          rows[dst + off] = Math.max(rows[dst + off]!, v);
          break;
        case K_FIRST:
          if (takeFirst) rows[dst + off] = v;
          break;
        case K_DISTINCT:
          this.setUnion(rows, dst + off, v);
          break;
        default: // K_LAST, K_LAST_SEQ
          if (takeLast) rows[dst + off] = v;
      }
    }
    if (takeFirst) rows[dst + S_FIRST_SEQ] = srcFirst;
  }

  private ensureOutput(extra: number): void {
    const need = this.out.count + extra;
    if (need <= this.outCap) return;
    this.outCap = nextPow2(need);
    this.out.grow(this.outCap);
  }

  /** Writes the results of slot or row `p` of `from` as the next output row. */
  private emit(from: Float64Array, p: number, start: number): void {
    const out = this.out;
    const o = out.count++;
    out.keys[o] = from[p + S_KEY]!;
    out.starts[o] = start;
    for (let a = 0; a < this.aggKind.length; a++) {
      let v = from[p + this.aggOff[a]!]!;
      if (this.aggKind[a] === K_AVG) v /= from[p + S_COUNT]!;
      else if (this.aggKind[a] === K_DISTINCT) v = this.sets[v]?.size ?? 0;
      out.results[a]![o] = v;
    }
  }

  /** Makes room for `n` rows, keeping rows 0..nRows-1 and their starts. */
  private ensureRows(n: number): void {
    if (n <= this.rowsCap) return;
    this.rowsCap = nextPow2(n < 16 ? 16 : n);
    this.rows = grow(this.rows.subarray(0, this.nRows << this.strideShift), new Float64Array(this.rowsCap << this.strideShift));
    this.rowStarts = grow(this.rowStarts.subarray(0, this.nRows), new Float64Array(this.rowsCap));
    this.orderA = new Int32Array(this.rowsCap);
    this.orderB = new Int32Array(this.rowsCap);
  }

  private initRow(r: number, key: number, start: number): number {
    const p = r << this.strideShift;
    this.rows.set(this.template, p);
    this.rows[p + S_KEY] = key;
    this.rows[p + S_FIRST_SEQ] = Number.POSITIVE_INFINITY;
    this.rowStarts[r] = start;
    return p;
  }

  /** Row a comes before row b: earlier window, then earlier first arrival of its key. */
  private rowBefore(a: number, b: number): boolean {
    const sa = this.rowStarts[a]!;
    const sb = this.rowStarts[b]!;
    return sa < sb || (sa === sb && this.rows[(a << this.strideShift) + S_FIRST_SEQ]! < this.rows[(b << this.strideShift) + S_FIRST_SEQ]!);
  }

  private runEnd(src: Int32Array, i: number, n: number): number {
    let j = i + 1;
    while (j < n && !this.rowBefore(src[j]!, src[j - 1]!)) j++;
    return j;
  }

  /** Orders rows 0..n-1 by (start, firstSeq) with a natural merge sort (the same as the kernel's). */
  private sortRows(n: number): Int32Array {
    let src = this.orderA;
    let dst = this.orderB;
    for (let i = 0; i < n; i++) src[i] = i;
    if (n < 2 || this.runEnd(src, 0, n) === n) return src;
    let runs = 0;
    do {
      runs = 0;
      let i = 0;
      while (i < n) {
        const mid = this.runEnd(src, i, n);
        if (mid === n) {
          dst.set(src.subarray(i, n), i);
          runs++;
          break;
        }
        const end = this.runEnd(src, mid, n);
        let a = i;
        let b = mid;
        let k = i;
        while (a < mid && b < end) {
          if (this.rowBefore(src[b]!, src[a]!)) dst[k++] = src[b++]!;
          else dst[k++] = src[a++]!;
        }
        while (a < mid) dst[k++] = src[a++]!;
        while (b < end) dst[k++] = src[b++]!;
        runs++;
        i = end;
      }
      const t = src;
      src = dst;
      dst = t;
    } while (runs > 1);
    return src;
  }

  /** Merges the slots of `key` in the panes of window [start, start + size) into row `p`. */
  private mergeKeyWindow(key: number, start: number, p: number): void {
    const h = hashKey(key);
    const end = start + this.winSize;
    for (let i = this.lowerBound(start); i < this.panes.length && this.panes[i]!.start < end; i++) {
      const slot = this.lookup(this.panes[i]!, key, h);
      if (slot >= 0) this.mergeInto(this.rows, p, this.heap, slot << this.strideShift);
    }
  }

  /** Emits window `start`, made of the panes at directory positions [i0, i1). */
  private fireWindow(start: number, i0: number, i1: number): void {
    const stride = this.stride;
    if (i1 - i0 === 1) {
      // One pane: its slots are the rows, already in order of first arrival.
      const pane = this.panes[i0]!;
      let left = pane.count;
      this.ensureOutput(left);
      let c = pane.head;
      while (left > 0) {
        const m = left < CHUNK_SLOTS ? left : CHUNK_SLOTS;
        let s = (c << CHUNK_SHIFT) << this.strideShift;
        for (let j = 0; j < m; j++, s += stride) {
          if (this.nEarly === 0 || this.flagState(this.heap[s + S_KEY]!, start) !== FLAG_EARLY) this.emit(this.heap, s, start);
        }
        left -= m;
        c = this.chunkNext[c]!;
      }
      return;
    }
    // Several panes: merge them into one row per key, pane by pane in start order, so that every
    // row adds its pane sums in pane-start order; then order the rows by first arrival.
    if (this.kidsUsed > this.rowOfKid.length) this.rowOfKid = new Int32Array(this.kidKeys.length);
    this.rowOfKid.fill(-1, 0, this.kidsUsed);
    this.nRows = 0;
    for (let i = i0; i < i1; i++) this.mergePane(this.panes[i]!, start);
    const nRows = this.nRows;
    const sorted = this.sortRows(nRows);
    this.ensureOutput(nRows);
    for (let k = 0; k < nRows; k++) {
      const row = sorted[k]! << this.strideShift;
      if (this.nEarly === 0 || this.flagState(this.rows[row + S_KEY]!, start) !== FLAG_EARLY) this.emit(this.rows, row, start);
    }
    this.freeRowSets(nRows);
  }

  /**
   * Merges every slot of a pane into the rows of the window being merged. A pane holds at most one
   * slot per row, so the accumulators can go column by column: the row of every slot first (with its
   * count and first arrival, and the sum when that is the only accumulator), then one tight pass per
   * accumulator.
   */
  private mergePane(pane: Pane, start: number): void {
    const fuse = this.accKind.length === 0 ? FUSE_COUNT : this.accKind.length === 1 && this.accKind[0] === K_SUM ? FUSE_SUM : FUSE_NONE;
    const count = pane.count;
    if (fuse === FUSE_NONE && count > this.visitSlots.length) {
      this.visitSlots = new Int32Array(nextPow2(count));
      this.visitRows = new Int32Array(nextPow2(count));
    }
    const slots = this.visitSlots;
    const rowsOf = this.visitRows;
    const heap = this.heap;
    const shift = this.strideShift;
    const rowOfKid = this.rowOfKid;
    const sumOff = this.accOff[0]!;
    let left = count;
    let c = pane.head;
    let j = 0;
    while (left > 0) {
      const m = left < CHUNK_SLOTS ? left : CHUNK_SLOTS;
      let idx = c << CHUNK_SHIFT;
      for (let t = 0; t < m; t++, idx++, j++) {
        const slot = idx << shift;
        const kid = this.kidOf[idx]!;
        let r = rowOfKid[kid]!;
        if (r < 0) {
          r = this.nRows++;
          this.ensureRows(this.nRows);
          this.initRow(r, heap[slot + S_KEY]!, start);
          rowOfKid[kid] = r;
        }
        const row = r << shift;
        const rows = this.rows;
        rows[row + S_COUNT] = rows[row + S_COUNT]! + heap[slot + S_COUNT]!;
        if (!this.hasFirst) rows[row + S_FIRST_SEQ] = Math.min(rows[row + S_FIRST_SEQ]!, heap[slot + S_FIRST_SEQ]!);
        if (fuse === FUSE_SUM) rows[row + sumOff] = rows[row + sumOff]! + heap[slot + sumOff]!;
        else if (fuse === FUSE_NONE) {
          slots[j] = idx;
          rowsOf[j] = r;
        }
      }
      left -= m;
      c = this.chunkNext[c]!;
    }
    if (fuse !== FUSE_NONE) return;
    // First/last compare arrival numbers before those are updated (lastSeq is the last accumulator).
    for (let a = 0; a < this.accKind.length; a++) this.mergeColumn(count, this.accKind[a]!, this.accOff[a]!);
    if (this.hasFirst) this.mergeColumn(count, K_MIN, S_FIRST_SEQ);
  }

  private mergeColumn(n: number, kind: number, off: number): void {
    const heap = this.heap;
    const rows = this.rows;
    const shift = this.strideShift;
    const slots = this.visitSlots;
    const rowsOf = this.visitRows;
    switch (kind) {
      case K_SUM:
        for (let j = 0; j < n; j++) rows[(rowsOf[j]! << shift) + off] += heap[(slots[j]! << shift) + off]!;
        break;
      case K_MIN:
        for (let j = 0; j < n; j++) {
          const d = (rowsOf[j]! << shift) + off;
          rows[d] = Math.min(rows[d]!, heap[(slots[j]! << shift) + off]!);
        }
        break;
      case K_MAX:
        for (let j = 0; j < n; j++) {
          const d = (rowsOf[j]! << shift) + off;
          rows[d] = Math.max(rows[d]!, heap[(slots[j]! << shift) + off]!);
        }
        break;
      case K_FIRST:
        for (let j = 0; j < n; j++) {
          const r = rowsOf[j]! << shift;
          const s = slots[j]! << shift;
          if (heap[s + S_FIRST_SEQ]! < rows[r + S_FIRST_SEQ]!) rows[r + off] = heap[s + off]!;
        }
        break;
      case K_DISTINCT:
        for (let j = 0; j < n; j++) this.setUnion(rows, (rowsOf[j]! << shift) + off, heap[(slots[j]! << shift) + off]!);
        break;
      default: {
        // K_LAST and K_LAST_SEQ (the last accumulator, so LAST columns see the old lastSeq).
        const seq = this.lastSeqOff;
        for (let j = 0; j < n; j++) {
          const r = rowsOf[j]! << shift;
          const s = slots[j]! << shift;
          if (heap[s + seq]! > rows[r + seq]!) rows[r + off] = heap[s + off]!;
        }
      }
    }
  }

  private pushCandidate(s: number): void {
    if (this.nCand === this.cand.length) this.cand = grow(this.cand, new Float64Array(this.cand.length * 2));
    const cand = this.cand;
    // Insertion: candidates come as ascending runs, one per pane, overlapping the previous run.
    let i = this.nCand;
    while (i > 0 && cand[i - 1]! > s) i--;
    if (i > 0 && cand[i - 1] === s) return;
    cand.copyWithin(i + 1, i, this.nCand);
    cand[i] = s;
    this.nCand++;
  }

  /** Fires the windows whose end - 1 lies in (lo, hi], in start order. */
  private fireNew(lo: number, hi: number): void {
    this.nCand = 0;
    const panes = this.panes;
    for (let i = 0; i < panes.length; i++) {
      const q = panes[i]!.start;
      for (let j = this.jAbove(q, lo), first = this.jAtMost(q, hi); j >= first; j--) this.pushCandidate(q - j * this.slide);
    }
    let i0 = 0;
    for (let c = 0; c < this.nCand; c++) {
      const s = this.cand[c]!;
      const end = s + this.winSize;
      while (i0 < panes.length && panes[i0]!.start < s) i0++;
      let i1 = i0;
      while (i1 < panes.length && panes[i1]!.start < end) i1++;
      if (i1 > i0) this.fireWindow(s, i0, i1);
    }
  }

  private recomputeNextDue(): void {
    let best = Number.POSITIVE_INFINITY;
    for (const pane of this.panes) {
      const j = this.jAbove(pane.start, this.fireWm);
      if (j >= 0) {
        const due = pane.start - j * this.slide + this.winSize - 1;
        if (due < best) best = due;
      }
    }
    this.nextDue = best;
  }

  /** Fires the PENDING windows (changed after they fired) with end - 1 <= wm. */
  private firePending(wm: number): void {
    let m = 0;
    for (let i = 0; i < this.flagCount; i++) {
      if (this.flagStates[i] === FLAG_PENDING && this.flagStarts[i]! + this.winSize - 1 <= wm) m++;
    }
    if (m === 0) return;
    this.nRows = 0;
    this.ensureRows(m);
    let nRows = 0;
    for (let i = 0; i < this.flagCount; i++) {
      const start = this.flagStarts[i]!;
      if (this.flagStates[i] !== FLAG_PENDING || !(start + this.winSize - 1 <= wm)) continue;
      const key = this.flagKeys[i]!;
      const p = this.initRow(nRows, key, start);
      this.mergeKeyWindow(key, start, p);
      if (this.rows[p + S_COUNT]! > 0) nRows++;
      this.flagStates[i] = FLAG_NONE;
      this.nPending--;
    }
    const sorted = this.sortRows(nRows);
    this.ensureOutput(nRows);
    for (let k = 0; k < nRows; k++) {
      const r = sorted[k]!;
      this.emit(this.rows, r << this.strideShift, this.rowStarts[r]!);
    }
    this.freeRowSets(nRows);
  }

  // ── The contract ──────────────────────────────────────────────────────────────────────────────

  fire(watermark: number): FiredWindows {
    this.out.count = 0;
    this.forgetPaneCache();
    if (this.nPending > 0) this.firePending(watermark);
    if (watermark > this.fireWm) {
      const due = watermark >= this.nextDue;
      if (due) this.fireNew(this.fireWm, watermark);
      this.fireWm = watermark;
      if (due) this.recomputeNextDue();
      if (this.nEarly > 0) {
        for (let i = 0; i < this.flagCount; i++) {
          if (this.flagStates[i] === FLAG_EARLY && this.flagStarts[i]! + this.winSize - 1 <= watermark) {
            this.flagStates[i] = FLAG_NONE;
            this.nEarly--;
          }
        }
      }
    }
    this.compactFlags();
    return this.out;
  }

  current(key: number, timestamp: number, watermark: number): FiredWindows {
    this.out.count = 0;
    this.forgetPaneCache();
    const k = key === 0 ? 0 : key;
    const p = paneStartOf(timestamp, this.offset, this.slide);
    if (p !== p) return this.out;
    const first = this.jAtMost(p, watermark);
    const last = this.jAbove(p, this.deadWm);
    if (first > last) return this.out;
    this.nRows = 0;
    this.ensureRows(last - first + 1);
    let nRows = 0;
    for (let j = last; j >= first; j--) {
      const s = p - j * this.slide;
      const row = this.initRow(nRows, k, s);
      this.mergeKeyWindow(k, s, row);
      if (!(this.rows[row + S_COUNT]! > 0)) continue;
      nRows++;
      if (s + this.winSize - 1 <= this.fireWm) {
        if (this.nPending > 0 && this.flagState(k, s) === FLAG_PENDING) this.setFlag(k, s, FLAG_NONE);
      } else {
        this.setFlag(k, s, FLAG_EARLY);
      }
    }
    this.ensureOutput(nRows);
    for (let r = 0; r < nRows; r++) this.emit(this.rows, r << this.strideShift, this.rowStarts[r]!);
    this.freeRowSets(nRows);
    this.compactFlags();
    return this.out;
  }

  evict(cleanupWatermark: number): void {
    const d = cleanupWatermark < this.fireWm ? cleanupWatermark : this.fireWm;
    if (cleanupWatermark !== cleanupWatermark || !(d > this.deadWm)) return;
    this.deadWm = d;
    this.forgetPaneCache();
    let k = 0;
    while (k < this.panes.length && this.panes[k]!.start + this.winSize - 1 <= d) this.freePane(this.panes[k++]!);
    if (k > 0) this.panes.splice(0, k);
    if (this.nPending > 0) {
      for (let i = 0; i < this.flagCount; i++) {
        if (this.flagStates[i] === FLAG_PENDING && this.flagStarts[i]! + this.winSize - 1 <= d) {
          this.flagStates[i] = FLAG_NONE;
          this.nPending--;
        }
      }
    }
    this.compactFlags();
  }

  reset(): void {
    for (const pane of this.panes) this.freePane(pane);
    this.panes.length = 0;
    this.forgetPaneCache();
    for (let i = 0; i < this.flagCount; i++) this.flagStates[i] = FLAG_NONE;
    this.nPending = 0;
    this.nEarly = 0;
    this.compactFlags();
    this.fireWm = Number.NEGATIVE_INFINITY;
    this.deadWm = Number.NEGATIVE_INFINITY;
    this.nextDue = Number.POSITIVE_INFINITY;
    this.nextSeq = 0;
  }

  // ── Snapshots ─────────────────────────────────────────────────────────────────────────────────

  exportState(): WindowAggregationState {
    const n = this.liveSlots;
    const nAccs = this.accKind.length;
    const shift = this.strideShift;
    const paneStarts = new Float64Array(n);
    const keys = new Float64Array(n);
    const firstSeqs = new Float64Array(n);
    const counts = new Float64Array(n);
    const accumulators = Array.from({ length: nAccs }, () => new Float64Array(n));
    const distinct: number[] = [];
    let r = 0;
    for (const pane of this.panes) {
      let left = pane.count;
      let c = pane.head;
      while (left > 0) {
        const m = left < CHUNK_SLOTS ? left : CHUNK_SLOTS;
        for (let j = 0, s = (c << CHUNK_SHIFT) << shift; j < m; j++, s += this.stride, r++) {
          paneStarts[r] = pane.start;
          keys[r] = this.heap[s + S_KEY]!;
          firstSeqs[r] = this.heap[s + S_FIRST_SEQ]!;
          counts[r] = this.heap[s + S_COUNT]!;
          for (let a = 0; a < nAccs; a++) {
            let v = this.heap[s + this.accOff[a]!]!;
            if (this.accKind[a] === K_DISTINCT) {
              const set = this.sets[v];
              v = set?.size ?? 0;
              if (set !== undefined) for (const x of set) distinct.push(x);
            }
            accumulators[a]![r] = v;
          }
        }
        left -= m;
        c = this.chunkNext[c]!;
      }
    }
    const live: number[] = [];
    for (let i = 0; i < this.flagCount; i++) if (this.flagStates[i] !== FLAG_NONE) live.push(i);
    return {
      fireWatermark: this.fireWm,
      retiredWatermark: this.deadWm,
      arrivals: this.nextSeq,
      accumulators: accumulatorsOf(this.plan),
      slots: { paneStarts, keys, firstSeqs, counts, accumulators },
      distinctValues: Float64Array.from(distinct),
      flags: {
        keys: Float64Array.from(live, (i) => this.flagKeys[i]!),
        starts: Float64Array.from(live, (i) => this.flagStarts[i]!),
        states: Float64Array.from(live, (i) => this.flagStates[i]!),
      },
    };
  }

  importState(state: WindowAggregationState, fireWatermark: number, retiredWatermark: number): void {
    const n = checkState(state, this.plan);
    const { paneStarts, keys, firstSeqs, counts, accumulators } = state.slots;
    const distinct = state.distinctValues;
    this.fireWm = fireWatermark;
    this.deadWm = retiredWatermark;
    if (state.arrivals > this.nextSeq) this.nextSeq = state.arrivals;
    this.forgetPaneCache();
    let d = 0;
    for (let r = 0; r < n; r++) {
      const p = paneStarts[r]!;
      const raw = keys[r]!;
      const key = raw === 0 ? 0 : raw;
      const at = this.lowerBound(p);
      const pane = at < this.panes.length && this.panes[at]!.start === p ? this.panes[at]! : this.createPane(p, at);
      const h = hashKey(key);
      if (this.lookup(pane, key, h) >= 0) throw new Error(`window aggregation state: key ${key} appears twice in pane ${p}`);
      let k = h & pane.mask;
      while (pane.table[(k << 1) + 1] !== 0) k = (k + 1) & pane.mask;
      const s = this.createSlot(pane, k, h, key, firstSeqs[r]!) << this.strideShift;
      const heap = this.heap;
      heap[s + S_COUNT] = counts[r]!;
      for (let a = 0; a < this.accKind.length; a++) {
        const v = accumulators[a]![r]!;
        if (this.accKind[a] !== K_DISTINCT) {
          heap[s + this.accOff[a]!] = v;
          continue;
        }
        if (!(v >= 0) || d + v > distinct.length) throw new Error('window aggregation state: the distinct values do not add up');
        if (v > 0) {
          const set = this.setOf(heap, s + this.accOff[a]!);
          for (let q = 0; q < v; q++) set.add(distinct[d++]!);
        }
      }
      if (state.fireWatermark > this.fireWm) {
        for (let j = this.jAbove(p, this.fireWm), last = this.jAtMost(p, state.fireWatermark); j >= last; j--) {
          const w = p - j * this.slide;
          if (w + this.winSize - 1 > this.deadWm && this.flagState(key, w) === FLAG_NONE) this.setFlag(key, w, FLAG_EARLY);
        }
      }
    }
    if (d !== distinct.length) throw new Error('window aggregation state: the distinct values do not add up');
    this.recomputeNextDue();
    const { flags } = state;
    for (let i = 0; i < flags.keys.length; i++) {
      const raw = flags.keys[i]!;
      const key = raw === 0 ? 0 : raw;
      const start = flags.starts[i]!;
      const flag = flags.states[i];
      if (!(start + this.winSize - 1 > this.deadWm)) continue;
      if (flag === FLAG_EARLY) this.setFlag(key, start, FLAG_EARLY);
      else if (flag === FLAG_PENDING) this.setFlag(key, start, start + this.winSize - 1 <= this.fireWm ? FLAG_PENDING : FLAG_NONE);
    }
    this.compactFlags();
  }

  private freePane(pane: Pane): void {
    let left = pane.count;
    let c = pane.head;
    while (left > 0) {
      const m = left < CHUNK_SLOTS ? left : CHUNK_SLOTS;
      for (let j = 0, idx = c << CHUNK_SHIFT; j < m; j++, idx++) {
        this.releaseKid(this.kidOf[idx]!);
        if (this.hasDistinct) this.freeSets(this.heap, idx << this.strideShift);
      }
      left -= m;
      c = this.chunkNext[c]!;
    }
    if (pane.count > 0) {
      this.chunkNext[pane.tail] = this.freeChunk;
      this.freeChunk = pane.head;
    }
    this.liveSlots -= pane.count;
    this.tableHint = pane.mask + 1;
  }
}

/** One pane: its start, its key → slot index, and its chunks of slots in the slot heap. */
class Pane {
  table: Int32Array;
  mask: number;
  count = 0;
  head = -1;
  tail = -1;

  constructor(
    readonly start: number,
    capacity: number,
  ) {
    this.table = new Int32Array(capacity * 2);
    this.mask = capacity - 1;
  }
}

/**
 * The `FiredWindows` a kernel hands out: one object per kernel, refilled by every `fire` and
 * `current`. Its arrays may be longer than `count`; only the first `count` entries are results.
 * @internal
 */
export class KernelOutput implements FiredWindows {
  count = 0;
  keys: Float64Array;
  starts: Float64Array;
  results: Float64Array[];

  constructor(aggregates: number, capacity: number) {
    this.keys = new Float64Array(capacity);
    this.starts = new Float64Array(capacity);
    this.results = Array.from({ length: aggregates }, () => new Float64Array(capacity));
  }

  /** Grows every array to `capacity`, keeping the first `count` entries. */
  grow(capacity: number): void {
    const n = this.count;
    this.keys = grow(this.keys.subarray(0, n), new Float64Array(capacity));
    this.starts = grow(this.starts.subarray(0, n), new Float64Array(capacity));
    this.results = this.results.map((r) => grow(r.subarray(0, n), new Float64Array(capacity)));
  }
}

/** A validated `WindowAggregationConfig`, with aggregate kinds as the kernels' numeric codes. @internal */
export interface WindowAggregationPlan {
  readonly size: number;
  readonly slide: number;
  readonly offset: number;
  readonly panesPerWindow: number;
  /** Number of value columns `add` receives. */
  readonly columns: number;
  /** The column of row weights, or -1: every row is one element. */
  readonly weightColumn: number;
  readonly aggregates: ReadonlyArray<{ readonly code: number; readonly column: number }>;
  /**
   * The accumulators of a slot, in order (a slot's layout, the kernel's too): one per distinct
   * (kind, column) — sum and avg of a column share a sum — and `lastSeq` last when some aggregate
   * is `last`.
   */
  readonly accumulators: ReadonlyArray<{ readonly code: number; readonly column: number }>;
  /** The accumulator each aggregate reads, or -1 (count: the slot's count). */
  readonly aggregateAccumulator: readonly number[];
}

/** The kernels' numeric codes of the aggregate kinds (also `assembly/window-aggregate.ts`'s). @internal */
export const AGGREGATE_CODES: Readonly<Record<KernelAggregate, number>> = { count: 0, sum: 1, min: 2, max: 3, avg: 4, first: 5, last: 6, countDistinct: 8 };

/** The slot layout of a plan, as `WindowAggregationState.accumulators`. @internal */
export function accumulatorsOf(plan: WindowAggregationPlan): WindowAggregationState['accumulators'] {
  return plan.accumulators.map(({ code, column }) => ({ kind: ACCUMULATOR_KINDS[code]!, column }));
}

/**
 * Checks that `state` has the slot layout of `plan` and consistent column lengths; returns its
 * number of slots. @internal
 */
export function checkState(state: WindowAggregationState, plan: WindowAggregationPlan): number {
  const expected = accumulatorsOf(plan);
  const layout = (acc: WindowAggregationState['accumulators']) => acc.map((a) => `${a.kind}(${a.column})`).join(', ');
  if (layout(state.accumulators) !== layout(expected)) {
    throw new Error(`window aggregation state: its accumulators are [${layout(state.accumulators)}], this aggregation's are [${layout(expected)}]`);
  }
  const { slots, flags } = state;
  const n = slots.keys.length;
  const columns = [slots.paneStarts, slots.firstSeqs, slots.counts, ...slots.accumulators];
  if (slots.accumulators.length !== expected.length || columns.some((c) => c.length !== n)) {
    throw new Error('window aggregation state: its slot columns differ in length');
  }
  if (flags.starts.length !== flags.keys.length || flags.states.length !== flags.keys.length) {
    throw new Error('window aggregation state: its flag columns differ in length');
  }
  return n;
}

/** The most aggregates a kernel computes at once. */
export const MAX_KERNEL_AGGREGATES = 64;

/**
 * Checks a kernel configuration: `slide > 0`, `size` a positive multiple of `slide`, a finite
 * `offset`, at most 64 aggregates of known kinds over columns in `[0, columns)`.
 * @internal
 */
export function planWindowAggregation(config: WindowAggregationConfig): WindowAggregationPlan {
  const { size, slide, offset, aggregates, columns, weightColumn = -1 } = config;
  if (!(Number.isFinite(slide) && slide > 0)) throw new ConfigurationError(`window aggregation: slide must be a finite number > 0, got ${slide}`);
  if (!(Number.isFinite(size) && size >= slide && size % slide === 0 && Number.isInteger(size / slide))) {
    throw new ConfigurationError(`window aggregation: size must be a multiple of the slide (${slide}), got ${size}`);
  }
  if (!Number.isFinite(offset)) throw new ConfigurationError(`window aggregation: offset must be finite, got ${offset}`);
  if (!Number.isInteger(columns) || columns < 0) throw new ConfigurationError(`window aggregation: columns must be an integer >= 0, got ${columns}`);
  if (aggregates.length > MAX_KERNEL_AGGREGATES) {
    throw new ConfigurationError(`window aggregation: at most ${MAX_KERNEL_AGGREGATES} aggregates, got ${aggregates.length}`);
  }
  const planned = aggregates.map(({ kind, column }, i) => {
    const code = Object.prototype.hasOwnProperty.call(AGGREGATE_CODES, kind) ? AGGREGATE_CODES[kind] : undefined;
    if (code === undefined) throw new ConfigurationError(`window aggregation: unknown aggregate kind ${String(kind)} (aggregate ${i})`);
    if (code === K_COUNT) return { code, column: 0 };
    if (!Number.isInteger(column) || column < 0 || column >= columns) {
      throw new ConfigurationError(`window aggregation: aggregate ${i} (${kind}) reads column ${column}, but there are ${columns} columns`);
    }
    return { code, column };
  });
  if (weightColumn !== -1) {
    if (!Number.isInteger(weightColumn) || weightColumn < 0 || weightColumn >= columns) {
      throw new ConfigurationError(`window aggregation: the weight column ${weightColumn} is not one of the ${columns} columns`);
    }
    const unmergeable = planned.find((a) => a.code >= K_FIRST);
    if (unmergeable !== undefined) throw new ConfigurationError('window aggregation: weighted rows take only count, sum, min, max and avg');
  }
  // The kernel's `configure` lays its slots out the same way.
  const accumulators: Array<{ code: number; column: number }> = [];
  const accFor = (code: number, column: number): number => {
    const found = accumulators.findIndex((a) => a.code === code && a.column === column);
    return found >= 0 ? found : accumulators.push({ code, column }) - 1;
  };
  const aggregateAccumulator = planned.map(({ code, column }) => (code === K_COUNT ? -1 : accFor(code === K_AVG ? K_SUM : code, column)));
  if (planned.some((a) => a.code === K_LAST)) accFor(K_LAST_SEQ, -1);
  return { size, slide, offset, panesPerWindow: size / slide, columns, weightColumn, aggregates: planned, accumulators, aggregateAccumulator };
}


// ── Knobs and encodings (the kernel's, see assembly/window-aggregate.ts) ─────────────────────────

const CHUNK_SHIFT = 6;
const CHUNK_SLOTS = 1 << CHUNK_SHIFT;
const MIN_TABLE = 16;
const LOAD_NUM = 3;
const LOAD_DEN = 4;
const MAX_CACHED_START = 2 ** 51;
const MAX_GRID = 2 ** 50;

// How the first pass over a batch (or a pane) treats the accumulators.
const FUSE_NONE = 0;
const FUSE_COUNT = 1;
const FUSE_SUM = 2;

const K_COUNT = 0;
const K_SUM = 1;
const K_MIN = 2;
const K_MAX = 3;
const K_AVG = 4;
const K_FIRST = 5;
const K_LAST = 6;
const K_LAST_SEQ = 7;
const K_DISTINCT = 8;

// Slot fields, in f64 words.
const S_KEY = 0;
const S_FIRST_SEQ = 1;
const S_COUNT = 2;
const S_ACCS = 3;

const FLAG_NONE = 0;
const FLAG_PENDING = 1;
const FLAG_EARLY = 2;

/** The accumulator kinds by code. @internal */
export const ACCUMULATOR_KINDS: Readonly<Record<number, AccumulatorKind>> = {
  [K_SUM]: 'sum',
  [K_MIN]: 'min',
  [K_MAX]: 'max',
  [K_FIRST]: 'first',
  [K_LAST]: 'last',
  [K_LAST_SEQ]: 'lastSeq',
  [K_DISTINCT]: 'countDistinct',
};

const bitsF64 = new Float64Array(1);
const bitsU32 = new Uint32Array(bitsF64.buffer);
/** The hash of every NaN key (they are one key). */
const NAN_HASH = fmix32(0x7ff80000);

function fmix32(x: number): number {
  let h = x | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/** murmur3's fmix32 over the two words of a canonical key (−0 already mapped to 0). */
function hashKey(key: number): number {
  if (key !== key) return NAN_HASH;
  bitsF64[0] = key;
  return fmix32(bitsU32[1]! ^ Math.imul(bitsU32[0]!, 0x9e3779b1));
}

function hashWindow(key: number, start: number): number {
  bitsF64[0] = start;
  return fmix32(hashKey(key) ^ Math.imul(bitsU32[0]!, 0x9e3779b1) ^ Math.imul(bitsU32[1]!, 0x85ebca77));
}

/** Flink's `TimeWindow.getWindowStartWithOffset`. */
function paneStartOf(ts: number, offset: number, slide: number): number {
  const r = (ts - offset) % slide;
  return r < 0 ? ts - (r + slide) : ts - r;
}

function nextPow2(n: number): number {
  return n <= 1 ? 1 : 2 ** (32 - Math.clz32(n - 1));
}

function grow<A extends Float64Array | Int32Array>(from: A, to: A): A {
  to.set(from);
  return to;
}
