// Keyed event-time window aggregation over panes: the WebAssembly kernel behind
// src/wasm/window-aggregate-kernel.ts. Its contract is src/windowing/window-aggregation.ts; its
// JavaScript twin, src/windowing/pane-aggregation.ts, runs the same algorithm step for step, and the
// two agree bit for bit (test/wasm/window-aggregate.test.ts).
//
// Windows of `size` ms every `slide` ms are kept as panes of `slide` ms. Every element goes to
// exactly ONE pane — start = Flink's getWindowStartWithOffset(ts, offset, slide) — so a sliding
// window costs no more per element than a tumbling one; window [s, s + size) is the merge of the
// panes whose starts lie in it, computed when it fires.
//
// ── Data structures ─────────────────────────────────────────────────────────────────────────────
//
//  pane directory (sorted by start)       pane records, by id (PANE_BYTES each)
//  order: i32[nPanes]  ──id──►  ┌───────┬───────┬──────┬───────┬──────┬──────┬───────┐
//  [ 7 | 2 | 0 | 5 | … ]        │ start │ table │ mask │ count │ head │ tail │ next  │
//                               │  f64  │  u32  │ u32  │  i32  │ i32  │ i32  │  i32  │
//                               └───────┴───┬───┴──────┴───────┴──┬───┴──────┴───────┘
//                                   0     8 │  12     16      20  │  24     28 (free list)
//             per-pane index (open addressing, linear probing, power-of-two capacity, grown at 3/4)
//             table ──► ┌──────────┬──────────┬──────────┬───
//                       │ hash u32 │ slot+1   │ hash u32 │ slot+1   (0 = empty)
//                       └──────────┴────┬─────┴──────────┴───
//                                       ▼                    head chunk ──chunkNext──► … ──► tail chunk
//  slot heap: chunks of CHUNK_SLOTS slots; slot i at heapBase + i·stride (stride = 2^strideShift)
//  ┌──────── chunk 0 ────────┬──────── chunk 1 ────────┬── …      chunk 0, slot 0 = the SINK: elements
//  │ sink │ slot │ … │ slot  │ slot │ slot │ … │ slot  │           that belong to no live pane are
//  └──────┴──────┴───┴───────┴──────┴──────┴───┴───────┴── …      counted there and never read.
//
//  slot (one key in one pane; a merged window row has the same layout):
//  ┌─────────┬────────────┬─────────┬────────┬────────┬─────┐
//  │ key f64 │ firstSeq   │ count   │ acc 0  │ acc 1  │ …   │ padded to stride
//  │ (bits,  │ f64: the   │ f64     │ f64    │ f64    │     │
//  │ canon.) │ 1st arrival│         │        │        │     │
//  └─────────┴────────────┴─────────┴────────┴────────┴─────┘
//  0         8            16        24       32
//  Accumulators: sum (shared by sum and avg of a column), min, max, first, last of a column, a
//  distinct set of a column (countDistinct, below), and lastSeq (arrival number of the slot's last
//  element) when some aggregate is `last`.
//
//  distinct set (exact countDistinct; one per slot and column, and one per merged window row):
//  acc ─► │ set u32 │ size u32 │            set 0 = no set yet (size 0)
//  set ─► │ bits u64 │ bits u64 │ … │       setCapacity(size) entries (a power of two ≥ MIN_SET, at
//         most 3/4 full), linear probing; EMPTY_BITS (a NaN pattern no canonical value has) = free.
//  Values are canonical like keys (−0 as 0, every NaN as one NaN): SameValueZero, as a JS Set.
//  A sliding window's set is the union of its panes' sets, made in the row when the window fires.
//
//  The index is two-level — (key, pane start) → pane record → per-pane table → slot — so that a
//  pane, once every window that needs it is closed, goes at once: its table is freed and its chunk
//  list joins the free chunks, with no per-entry deletion; and the slots of a pane sit together in
//  order of their key's first arrival, which is the order its window rows come out in.
//
//  key directory (see acquireKid): kidOf: i32 per slot ─► kid ─► kidKeys u64[kid] / kidRefs i32[kid]
//  window merge scratch: rowOfKid i32[kid] ─► row; rows (slot layout) + rowStarts f64[row];
//  orderA/orderB i32[row] (natural merge sort); visitSlots/visitRows i32[slot of the pane merged].
//
//  input area (the wrapper copies a batch here, or the caller writes here directly), then scratch:
//  inBase ─► │ keys f64[inCap] │ timestamps f64[inCap] │ col 0 f64[inCap] │ … │ col C-1 │
//            │ bits u64[inCap] │ hashes u32[inCap] │ refs u32[inCap] │
//  bits/hashes: every key canonicalised and hashed by a SIMD pass; refs: the slot of every element,
//  found by the probe pass and used by one pass per accumulator (unless the probe pass did them).
//
//  output (FiredWindows, read by the wrapper through Float64Array views):
//  outBase ─► │ keys f64[outCap] │ starts f64[outCap] │ result 0 f64[outCap] │ … │ result A-1 │
//
//  window flags: (key, window start) → PENDING | EARLY, for the rare windows whose "fired since
//  its last change" state is not implied by the fire watermark F (see `fire`):
//  entries ─► │ key u64 │ start f64 │ state i32 │ hash u32 │ …   (FLAG_BYTES each)
//  flagTable ─► │ hash u32 │ entry+1 u32 │ …  (open addressing, as above)
//
// ── Time ────────────────────────────────────────────────────────────────────────────────────────
//
//  F (fireWm)  the largest watermark given to `fire`: every window with end - 1 <= F has fired
//              unless it is flagged PENDING (changed after it fired); a window with end - 1 > F has
//              not, unless `current` fired it early (flagged EARLY).
//  D (deadWm)  the largest min(cleanupWatermark, F) given to `evict`: windows with end - 1 <= D are
//              closed — never fired again — and a pane whose every window is closed is freed.
//
// Sums add in arrival order within a pane, and a window adds its pane sums in pane-start order:
// for a sliding window that can differ in the last bits from adding its elements one by one.

import { allocBlock, freeBlock } from './lib/window-memory';

// ── Knobs ───────────────────────────────────────────────────────────────────────────────────────

/** Slots per chunk of the slot heap (a pane grows by whole chunks). */
@inline const CHUNK_SHIFT: i32 = 6;
@inline const CHUNK_SLOTS: i32 = 1 << CHUNK_SHIFT;
/** The smallest index table (entries). */
@inline const MIN_TABLE: i32 = 16;
/** An index table grows when it is more than LOAD_NUM/LOAD_DEN full. */
@inline const LOAD_NUM: i32 = 3;
@inline const LOAD_DEN: i32 = 4;
/** The smallest input area (elements). */
@inline const MIN_INPUT: i32 = 1024;
@inline const MAX_AGGREGATES: i32 = 64;
/** Panes with |start| above this are not cached (the cache's exactness argument needs headroom below 2^53). */
@inline const MAX_CACHED_START: f64 = 2251799813685248.0; // 2^51
@inline const MAX_GRID: f64 = 1125899906842624.0; // 2^50

// ── Encodings ───────────────────────────────────────────────────────────────────────────────────

// Aggregate kinds, as the wrapper writes them into SPEC; the accumulator kinds reuse them.
@inline const K_COUNT: i32 = 0;
@inline const K_SUM: i32 = 1;
@inline const K_MIN: i32 = 2;
@inline const K_MAX: i32 = 3;
@inline const K_AVG: i32 = 4;
@inline const K_FIRST: i32 = 5;
@inline const K_LAST: i32 = 6;
@inline const K_LAST_SEQ: i32 = 7;
@inline const K_DISTINCT: i32 = 8;

// Distinct sets.
@inline const MIN_SET: u32 = 4;
@inline const EMPTY_BITS: u64 = 0xffffffffffffffff;

// Slot fields.
@inline const S_KEY: usize = 0;
@inline const S_FIRST_SEQ: usize = 8;
@inline const S_COUNT: usize = 16;
@inline const S_ACCS: usize = 24;

// Pane record fields.
@inline const PANE_SHIFT: i32 = 5;
@inline const P_START: usize = 0;
@inline const P_TABLE: usize = 8;
@inline const P_MASK: usize = 12;
@inline const P_COUNT: usize = 16;
@inline const P_HEAD: usize = 20;
@inline const P_TAIL: usize = 24;
@inline const P_NEXT: usize = 28;

// Window flag entries.
@inline const FLAG_BYTES: usize = 24;
@inline const F_KEY: usize = 0;
@inline const F_START: usize = 8;
@inline const F_STATE: usize = 16;
@inline const F_HASH: usize = 20;
@inline const FLAG_NONE: i32 = 0;
@inline const FLAG_PENDING: i32 = 1;
@inline const FLAG_EARLY: i32 = 2;

@inline const CANONICAL_NAN: u64 = 0x7ff8000000000000;

// ── Static data ─────────────────────────────────────────────────────────────────────────────────

/** (kind, input column) i32 pairs, one per aggregate, written by the wrapper before `configure`. */
const SPEC: usize = memory.data(64 * 8);
const ACC_KIND: usize = memory.data(65 * 4);
const ACC_COL: usize = memory.data(65 * 4);
const ACC_OFF: usize = memory.data(65 * 4);
const AGG_KIND: usize = memory.data(64 * 4);
const AGG_OFF: usize = memory.data(64 * 4);
/** The image of a new slot (count 0, every accumulator at its identity). */
const TEMPLATE: usize = memory.data(1024, 64);

// ── State ───────────────────────────────────────────────────────────────────────────────────────

// Configuration.
let size: f64 = 0;
let slide: f64 = 0;
let offset: f64 = 0;
let panesPerWindow: i32 = 1;
let integralGrid: bool = false;
let nCols: i32 = 0;
/** The input column of row weights (a combiner's partial aggregates), or -1: each row counts 1. */
let weightCol: i32 = -1;
let nAggs: i32 = 0;
let nAccs: i32 = 0;
let lastSeqOff: usize = 0;
let hasFirst: bool = false;
let hasDistinct: bool = false;
let strideShift: i32 = 0;
let stride: usize = 0;
let configured: bool = false;

// Input area.
let inBase: usize = 0;
let inCap: i32 = 0;

// Slot heap.
let heapBase: usize = 0;
let heapChunks: i32 = 0;
let chunksUsed: i32 = 0;
let freeChunk: i32 = -1;
let chunkNext: usize = 0;
let kidOf: usize = 0;
let liveSlots: i32 = 0;

// Key directory: every key held in some slot has a dense id (kid), counted by its slots.
let kidKeys: usize = 0;
let kidRefs: usize = 0;
let kidCap: i32 = 0;
let kidsUsed: i32 = 0;
let freeKid: i32 = -1;
let dirTable: usize = 0;
let dirMask: u32 = 0;
let dirCount: i32 = 0;

// Panes.
let paneBase: usize = 0;
let paneCap: i32 = 0;
let panesUsed: i32 = 0;
let freePane: i32 = -1;
let order: usize = 0;
let nPanes: i32 = 0;
let tableHint: i32 = MIN_TABLE;

// Time.
let fireWm: f64 = -Infinity;
let deadWm: f64 = -Infinity;
let nextDue: f64 = Infinity;
let nextSeq: f64 = 0;

// The pane of the last element, while every integer timestamp in [cpLo, cpHi) maps to it and it
// needs no flag bookkeeping.
let cpLo: f64 = Infinity;
let cpHi: f64 = -Infinity;
let cpPane: i32 = -1;

// Window flags.
let flagBase: usize = 0;
let flagCap: i32 = 0;
let flagCount: i32 = 0;
let flagTable: usize = 0;
let flagMask: u32 = 0;
let nPending: i32 = 0;
let nEarly: i32 = 0;

// Output.
let outBase: usize = 0;
let outCap: i32 = 0;
let outCount: i32 = 0;

// Merge scratch: window rows, their starts, two orderings, a key → row index, candidate starts.
let rowsBase: usize = 0;
let rowStarts: usize = 0;
let orderA: usize = 0;
let orderB: usize = 0;
let rowsCap: i32 = 0;
let nRows: i32 = 0;
let rowOfKid: usize = 0;
let rowOfKidCap: i32 = 0;
let visitSlots: usize = 0;
let visitRows: usize = 0;
let visitCap: i32 = 0;
let candBase: usize = 0;
let candCap: i32 = 0;
let nCand: i32 = 0;

// ── Hashing ─────────────────────────────────────────────────────────────────────────────────────

/** murmur3's fmix32 over the two words of a canonical key. */
@inline
function hashKey(bits: u64): u32 {
  let h = <u32>(bits >>> 32) ^ (<u32>bits * 0x9e3779b1);
  h ^= h >>> 16;
  h *= 0x85ebca6b;
  h ^= h >>> 13;
  h *= 0xc2b2ae35;
  h ^= h >>> 16;
  return h;
}

@inline
function hashWindow(bits: u64, start: f64): u32 {
  const s = reinterpret<u64>(start);
  return hashKey(bits ^ (s * 0x9e3779b97f4a7c15));
}

@inline
function canonicalKey(key: f64): u64 {
  const bits = reinterpret<u64>(key == 0 ? 0.0 : key);
  return key != key ? CANONICAL_NAN : bits;
}

@inline
function nextPow2(n: i32): i32 {
  return n <= 1 ? 1 : 1 << (32 - <i32>clz<u32>(<u32>n - 1));
}

// ── Configuration ───────────────────────────────────────────────────────────────────────────────

/** Where the wrapper writes the (kind, column) pairs of the aggregates. */
export function spec(): usize {
  return SPEC;
}

function accFor(kind: i32, col: i32): usize {
  for (let a = 0; a < nAccs; a++) {
    if (load<i32>(ACC_KIND + (<usize>a << 2)) == kind && load<i32>(ACC_COL + (<usize>a << 2)) == col) {
      return <usize>load<i32>(ACC_OFF + (<usize>a << 2));
    }
  }
  const off = S_ACCS + (<usize>nAccs << 3);
  store<i32>(ACC_KIND + (<usize>nAccs << 2), kind);
  store<i32>(ACC_COL + (<usize>nAccs << 2), col);
  store<i32>(ACC_OFF + (<usize>nAccs << 2), <i32>off);
  let init: f64 = 0;
  if (kind == K_MIN) init = Infinity;
  else if (kind == K_MAX || kind == K_LAST_SEQ) init = -Infinity;
  store<f64>(TEMPLATE + off, init);
  nAccs++;
  return off;
}

/**
 * Sets the windows and the `aggregates` (pairs at `spec()`, columns numbered 0..columns-1 as the
 * wrapper lays them out in the input area) and allocates the first regions. Once per instance;
 * returns 0, or -1 for a configuration the wrapper should have refused.
 */
export function configure(windowSize: f64, windowSlide: f64, windowOffset: f64, aggregates: i32, columns: i32, weightColumn: i32): i32 {
  if (weightColumn >= columns) return -1;
  if (configured || !(windowSlide > 0) || !(windowSize >= windowSlide) || aggregates < 0 || aggregates > MAX_AGGREGATES) return -1;
  if (windowSize % windowSlide != 0 || !isFinite(windowSize) || !isFinite(windowOffset)) return -1;
  configured = true;
  size = windowSize;
  slide = windowSlide;
  offset = windowOffset;
  panesPerWindow = <i32>(windowSize / windowSlide);
  integralGrid = slide == floor(slide) && offset == floor(offset) && slide <= MAX_GRID && abs(offset) <= MAX_GRID;
  nCols = columns;
  weightCol = weightColumn;
  nAggs = aggregates;
  store<u64>(TEMPLATE + S_KEY, 0);
  store<f64>(TEMPLATE + S_FIRST_SEQ, NaN);
  store<f64>(TEMPLATE + S_COUNT, 0);
  let hasLast = false;
  for (let a = 0; a < aggregates; a++) {
    const kind = load<i32>(SPEC + (<usize>a << 3));
    const col = load<i32>(SPEC + (<usize>a << 3) + 4);
    let off: usize = S_COUNT;
    if (kind == K_SUM || kind == K_AVG) off = accFor(K_SUM, col);
    else if (kind == K_MIN || kind == K_MAX || kind == K_FIRST) {
      off = accFor(kind, col);
      if (kind == K_FIRST) hasFirst = true;
    }
    else if (kind == K_LAST) {
      off = accFor(K_LAST, col);
      hasLast = true;
    } else if (kind == K_DISTINCT) {
      off = accFor(K_DISTINCT, col);
      hasDistinct = true;
    } else if (kind != K_COUNT) return -1;
    store<i32>(AGG_KIND + (<usize>a << 2), kind);
    store<i32>(AGG_OFF + (<usize>a << 2), <i32>off);
  }
  if (hasLast) lastSeqOff = accFor(K_LAST_SEQ, -1);
  stride = <usize>nextPow2(<i32>(S_ACCS + (<usize>nAccs << 3)));
  strideShift = 31 - <i32>clz<u32>(<u32>stride);

  heapChunks = 16;
  heapBase = allocBlock(<usize>heapChunks << (CHUNK_SHIFT + strideShift));
  chunkNext = allocBlock(<usize>heapChunks << 2);
  kidOf = allocBlock(<usize>heapChunks << (CHUNK_SHIFT + 2));
  chunksUsed = 1; // chunk 0 holds the sink
  store<i32>(chunkNext, -1);

  kidCap = 256;
  kidKeys = allocBlock(<usize>kidCap << 3);
  kidRefs = allocBlock(<usize>kidCap << 2);
  dirMask = 511;
  dirTable = allocBlock(<usize>(dirMask + 1) << 3);
  memory.fill(dirTable, 0, <usize>(dirMask + 1) << 3);
  memory.copy(heapBase, TEMPLATE, stride);

  paneCap = 16;
  paneBase = allocBlock(<usize>paneCap << PANE_SHIFT);
  order = allocBlock(<usize>paneCap << 2);

  flagCap = 16;
  flagBase = allocBlock(<usize>flagCap * FLAG_BYTES);
  flagMask = 31;
  flagTable = allocBlock(<usize>(flagMask + 1) << 3);
  memory.fill(flagTable, 0, <usize>(flagMask + 1) << 3);

  outCap = 256;
  outBase = allocBlock(<usize>(2 + nAggs) * <usize>outCap << 3);
  reserveInput(MIN_INPUT);
  return 0;
}

// ── Input ───────────────────────────────────────────────────────────────────────────────────────

/** Makes the input area hold `n` elements; returns its address (its capacity: `inputCapacity()`). */
export function reserveInput(n: i32): usize {
  if (n > inCap) {
    if (inBase != 0) freeBlock(inBase, inputBytes(inCap));
    inCap = nextPow2(n < MIN_INPUT ? MIN_INPUT : n);
    inBase = allocBlock(inputBytes(inCap));
  }
  return inBase;
}

@inline
function inputBytes(cap: i32): usize {
  return ((<usize>(3 + nCols) * <usize>cap) << 3) + (<usize>cap << 3);
}

export function inputCapacity(): i32 {
  return inCap;
}

// ── Memory of the slot heap and the panes ───────────────────────────────────────────────────────

function allocChunk(): i32 {
  if (freeChunk >= 0) {
    const c = freeChunk;
    freeChunk = load<i32>(chunkNext + (<usize>c << 2));
    return c;
  }
  if (chunksUsed == heapChunks) {
    const oldBytes = <usize>heapChunks << (CHUNK_SHIFT + strideShift);
    const heap = allocBlock(oldBytes << 1);
    memory.copy(heap, heapBase, oldBytes);
    freeBlock(heapBase, oldBytes);
    heapBase = heap;
    const next = allocBlock(<usize>heapChunks << 3);
    memory.copy(next, chunkNext, <usize>heapChunks << 2);
    freeBlock(chunkNext, <usize>heapChunks << 2);
    chunkNext = next;
    const kids = allocBlock(<usize>heapChunks << (CHUNK_SHIFT + 3));
    memory.copy(kids, kidOf, <usize>heapChunks << (CHUNK_SHIFT + 2));
    freeBlock(kidOf, <usize>heapChunks << (CHUNK_SHIFT + 2));
    kidOf = kids;
    heapChunks <<= 1;
  }
  return chunksUsed++;
}

// ── Key directory ───────────────────────────────────────────────────────────────────────────────
//
//  dirTable ─► │ hash u32 │ kid+1 u32 │ …   (open addressing; backward-shift deletion)
//  kidKeys  ─► │ key u64 │ …    kidRefs ─► │ slots holding the key i32 │ …  (free kids chain there)
//  kidOf    ─► │ kid i32 │ …    one per slot of the slot heap
//
// Merging panes into windows indexes rows by kid: an array lookup per slot instead of a hash probe.

/** The kid of `bits` (hash `h`), counting one more slot that holds it. */
function acquireKid(bits: u64, h: u32): i32 {
  let i = h & dirMask;
  while (true) {
    const e = dirTable + (<usize>i << 3);
    const ref = load<u32>(e, 4);
    if (ref == 0) break;
    if (load<u32>(e) == h && load<u64>(kidKeys + (<usize>(ref - 1) << 3)) == bits) {
      const r = kidRefs + (<usize>(ref - 1) << 2);
      store<i32>(r, load<i32>(r) + 1);
      return <i32>ref - 1;
    }
    i = (i + 1) & dirMask;
  }
  let kid = freeKid;
  if (kid >= 0) {
    freeKid = load<i32>(kidRefs + (<usize>kid << 2));
  } else {
    if (kidsUsed == kidCap) {
      const keys = allocBlock(<usize>kidCap << 4);
      memory.copy(keys, kidKeys, <usize>kidCap << 3);
      freeBlock(kidKeys, <usize>kidCap << 3);
      kidKeys = keys;
      const refs = allocBlock(<usize>kidCap << 3);
      memory.copy(refs, kidRefs, <usize>kidCap << 2);
      freeBlock(kidRefs, <usize>kidCap << 2);
      kidRefs = refs;
      kidCap <<= 1;
    }
    kid = kidsUsed++;
  }
  store<u64>(kidKeys + (<usize>kid << 3), bits);
  store<i32>(kidRefs + (<usize>kid << 2), 1);
  store<u32>(dirTable + (<usize>i << 3), h);
  store<u32>(dirTable + (<usize>i << 3), <u32>kid + 1, 4);
  dirCount++;
  if (<u32>dirCount * LOAD_DEN > (dirMask + 1) * LOAD_NUM) {
    const old = dirTable;
    const oldCap = dirMask + 1;
    dirMask = (oldCap << 1) - 1;
    dirTable = allocBlock(<usize>(dirMask + 1) << 3);
    memory.fill(dirTable, 0, <usize>(dirMask + 1) << 3);
    for (let j: u32 = 0; j < oldCap; j++) {
      const ref = load<u32>(old + (<usize>j << 3), 4);
      if (ref == 0) continue;
      const hj = load<u32>(old + (<usize>j << 3));
      let k = hj & dirMask;
      while (load<u32>(dirTable + (<usize>k << 3), 4) != 0) k = (k + 1) & dirMask;
      store<u32>(dirTable + (<usize>k << 3), hj);
      store<u32>(dirTable + (<usize>k << 3), ref, 4);
    }
    freeBlock(old, <usize>oldCap << 3);
  }
  return kid;
}

/** One slot fewer holds `kid`; the last one frees it. */
function releaseKid(kid: i32): void {
  const r = kidRefs + (<usize>kid << 2);
  const refs = load<i32>(r) - 1;
  store<i32>(r, refs);
  if (refs > 0) return;
  const h = hashKey(load<u64>(kidKeys + (<usize>kid << 3)));
  let i = h & dirMask;
  while (load<u32>(dirTable + (<usize>i << 3), 4) != <u32>kid + 1) i = (i + 1) & dirMask;
  // Backward-shift deletion: pull later entries of the cluster into the hole when their home allows.
  let j = i;
  while (true) {
    j = (j + 1) & dirMask;
    const ref = load<u32>(dirTable + (<usize>j << 3), 4);
    if (ref == 0) break;
    const home = load<u32>(dirTable + (<usize>j << 3)) & dirMask;
    if (((j - home) & dirMask) >= ((j - i) & dirMask)) {
      store<u64>(dirTable + (<usize>i << 3), load<u64>(dirTable + (<usize>j << 3)));
      i = j;
    }
  }
  store<u64>(dirTable + (<usize>i << 3), 0);
  dirCount--;
  store<i32>(r, freeKid);
  freeKid = kid;
}

@inline
function paneRec(id: i32): usize {
  return paneBase + (<usize>id << PANE_SHIFT);
}

@inline
function paneAt(i: i32): usize {
  return paneRec(load<i32>(order + (<usize>i << 2)));
}

@inline
function startAt(i: i32): f64 {
  return load<f64>(paneAt(i), P_START);
}

/** The first position in the pane directory whose start is >= `start`. */
function lowerBound(start: f64): i32 {
  let lo = 0;
  let hi = nPanes;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (startAt(mid) < start) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function createPane(start: f64, at: i32): i32 {
  let id = freePane;
  if (id >= 0) {
    freePane = load<i32>(paneRec(id), P_NEXT);
  } else {
    if (panesUsed == paneCap) {
      const bytes = <usize>paneCap << PANE_SHIFT;
      const recs = allocBlock(bytes << 1);
      memory.copy(recs, paneBase, bytes);
      freeBlock(paneBase, bytes);
      paneBase = recs;
      const ord = allocBlock(<usize>paneCap << 3);
      memory.copy(ord, order, <usize>nPanes << 2);
      freeBlock(order, <usize>paneCap << 2);
      order = ord;
      paneCap <<= 1;
    }
    id = panesUsed++;
  }
  const cap = tableHint;
  const table = allocBlock(<usize>cap << 3);
  memory.fill(table, 0, <usize>cap << 3);
  const rec = paneRec(id);
  store<f64>(rec, start, P_START);
  store<u32>(rec, <u32>table, P_TABLE);
  store<u32>(rec, <u32>(cap - 1), P_MASK);
  store<i32>(rec, 0, P_COUNT);
  store<i32>(rec, -1, P_HEAD);
  store<i32>(rec, -1, P_TAIL);
  const at4 = order + (<usize>at << 2);
  memory.copy(at4 + 4, at4, <usize>(nPanes - at) << 2);
  store<i32>(at4, id);
  nPanes++;
  const j = jAbove(start, fireWm);
  if (j >= 0) {
    const due = start - <f64>j * slide + size - 1;
    if (due < nextDue) nextDue = due;
  }
  return id;
}

function freePaneAt(i: i32): void {
  const id = load<i32>(order + (<usize>i << 2));
  const rec = paneRec(id);
  const count = load<i32>(rec, P_COUNT);
  let left = count;
  let c = load<i32>(rec, P_HEAD);
  while (left > 0) {
    const m = left < CHUNK_SLOTS ? left : CHUNK_SLOTS;
    const kids = kidOf + (<usize>c << (CHUNK_SHIFT + 2));
    for (let j = 0; j < m; j++) releaseKid(load<i32>(kids + (<usize>j << 2)));
    if (hasDistinct) {
      const first = heapBase + (<usize>c << (CHUNK_SHIFT + strideShift));
      for (let j = 0; j < m; j++) freeSets(first + (<usize>j << strideShift));
    }
    left -= m;
    c = load<i32>(chunkNext + (<usize>c << 2));
  }
  if (count > 0) {
    store<i32>(chunkNext + (<usize>load<i32>(rec, P_TAIL) << 2), freeChunk);
    freeChunk = load<i32>(rec, P_HEAD);
  }
  liveSlots -= count;
  const cap = <i32>load<u32>(rec, P_MASK) + 1;
  freeBlock(<usize>load<u32>(rec, P_TABLE), <usize>cap << 3);
  tableHint = cap;
  store<i32>(rec, freePane, P_NEXT);
  freePane = id;
}

function growTable(rec: usize): void {
  const old = <usize>load<u32>(rec, P_TABLE);
  const oldCap = load<u32>(rec, P_MASK) + 1;
  const cap = oldCap << 1;
  const mask = cap - 1;
  const table = allocBlock(<usize>cap << 3);
  memory.fill(table, 0, <usize>cap << 3);
  for (let i: u32 = 0; i < oldCap; i++) {
    const e = old + (<usize>i << 3);
    const ref = load<u32>(e, 4);
    if (ref == 0) continue;
    const h = load<u32>(e);
    let j = h & mask;
    while (load<u32>(table + (<usize>j << 3), 4) != 0) j = (j + 1) & mask;
    store<u32>(table + (<usize>j << 3), h);
    store<u32>(table + (<usize>j << 3), ref, 4);
  }
  freeBlock(old, <usize>oldCap << 3);
  store<u32>(rec, <u32>table, P_TABLE);
  store<u32>(rec, mask, P_MASK);
  if (<i32>cap > tableHint) tableHint = <i32>cap;
}

/** Appends a slot for `bits` to the pane and indexes it at the free table entry `e`. */
function createSlot(rec: usize, e: usize, h: u32, bits: u64, seq: f64): u32 {
  const count = load<i32>(rec, P_COUNT);
  if ((count & (CHUNK_SLOTS - 1)) == 0) {
    const c = allocChunk();
    if (count == 0) store<i32>(rec, c, P_HEAD);
    else store<i32>(chunkNext + (<usize>load<i32>(rec, P_TAIL) << 2), c);
    store<i32>(rec, c, P_TAIL);
    store<i32>(chunkNext + (<usize>c << 2), -1);
  }
  const idx = (<u32>load<i32>(rec, P_TAIL) << CHUNK_SHIFT) | (<u32>count & (CHUNK_SLOTS - 1));
  const s = heapBase + (<usize>idx << strideShift);
  memory.copy(s, TEMPLATE, stride);
  store<u64>(s, bits, S_KEY);
  store<f64>(s, seq, S_FIRST_SEQ);
  store<u32>(e, h);
  store<u32>(e, idx + 1, 4);
  store<i32>(kidOf + (<usize>idx << 2), acquireKid(bits, h));
  store<i32>(rec, count + 1, P_COUNT);
  liveSlots++;
  if ((count + 1) * LOAD_DEN > (<i32>load<u32>(rec, P_MASK) + 1) * LOAD_NUM) growTable(rec);
  return idx;
}

/** The slot of `bits` in the pane, or -1. */
function lookup(rec: usize, bits: u64, h: u32): i32 {
  const table = <usize>load<u32>(rec, P_TABLE);
  const mask = load<u32>(rec, P_MASK);
  let i = h & mask;
  while (true) {
    const e = table + (<usize>i << 3);
    const ref = load<u32>(e, 4);
    if (ref == 0) return -1;
    if (load<u32>(e) == h && load<u64>(heapBase + (<usize>(ref - 1) << strideShift)) == bits) return <i32>(ref - 1);
    i = (i + 1) & mask;
  }
}

// ── Window arithmetic ───────────────────────────────────────────────────────────────────────────
// The windows of pane q are q - j·slide for j in [0, panesPerWindow); window j ends (end - 1) at
// q - j·slide + size - 1, decreasing in j.

/** The largest j whose window ends (end - 1) after `x`, or -1. */
function jAbove(q: f64, x: f64): i32 {
  const last = panesPerWindow - 1;
  let j = last;
  const v = (q + size - 1 - x) / slide;
  if (v < <f64>last) j = v <= 0 ? -1 : <i32>ceil(v) - 1;
  while (j >= 0 && !(q - <f64>j * slide + size - 1 > x)) j--;
  while (j < last && q - <f64>(j + 1) * slide + size - 1 > x) j++;
  return j;
}

/** The smallest j whose window ends (end - 1) at or before `x`, or panesPerWindow. */
function jAtMost(q: f64, x: f64): i32 {
  const n = panesPerWindow;
  let j = 0;
  const v = (q + size - 1 - x) / slide;
  if (v > 0) j = v >= <f64>n ? n : <i32>ceil(v);
  while (j > 0 && q - <f64>(j - 1) * slide + size - 1 <= x) j--;
  while (j < n && !(q - <f64>j * slide + size - 1 <= x)) j++;
  return j;
}

@inline
function paneStartOf(ts: f64): f64 {
  const r = (ts - offset) % slide;
  return r < 0 ? ts - (r + slide) : ts - r;
}

// ── Window flags ────────────────────────────────────────────────────────────────────────────────

function flagFind(bits: u64, start: f64, h: u32): usize {
  let i = h & flagMask;
  while (true) {
    const e = flagTable + (<usize>i << 3);
    const ref = load<u32>(e, 4);
    if (ref == 0) return 0;
    if (load<u32>(e) == h) {
      const f = flagBase + <usize>(ref - 1) * FLAG_BYTES;
      if (load<u64>(f, F_KEY) == bits && load<f64>(f, F_START) == start) return f;
    }
    i = (i + 1) & flagMask;
  }
}

function flagIndex(ref: u32, h: u32): void {
  let i = h & flagMask;
  while (load<u32>(flagTable + (<usize>i << 3), 4) != 0) i = (i + 1) & flagMask;
  store<u32>(flagTable + (<usize>i << 3), h);
  store<u32>(flagTable + (<usize>i << 3), ref, 4);
}

function flagRehash(cap: u32): void {
  freeBlock(flagTable, <usize>(flagMask + 1) << 3);
  flagMask = cap - 1;
  flagTable = allocBlock(<usize>cap << 3);
  memory.fill(flagTable, 0, <usize>cap << 3);
  for (let i = 0; i < flagCount; i++) flagIndex(<u32>i + 1, load<u32>(flagBase + <usize>i * FLAG_BYTES, F_HASH));
}

@inline
function countFlag(state: i32, delta: i32): void {
  if (state == FLAG_PENDING) nPending += delta;
  else if (state == FLAG_EARLY) nEarly += delta;
}

/** Sets the flag of window (bits, start); `FLAG_NONE` clears it. */
function setFlag(bits: u64, start: f64, state: i32): void {
  start += 0.0; // -0 → +0: one window, one entry
  const h = hashWindow(bits, start);
  let f = flagFind(bits, start, h);
  if (f == 0) {
    if (state == FLAG_NONE) return;
    if (flagCount == flagCap) {
      const bytes = <usize>flagCap * FLAG_BYTES;
      const grown = allocBlock(bytes << 1);
      memory.copy(grown, flagBase, bytes);
      freeBlock(flagBase, bytes);
      flagBase = grown;
      flagCap <<= 1;
    }
    f = flagBase + <usize>flagCount * FLAG_BYTES;
    store<u64>(f, bits, F_KEY);
    store<f64>(f, start, F_START);
    store<i32>(f, FLAG_NONE, F_STATE);
    store<u32>(f, h, F_HASH);
    flagCount++;
    if (<u32>flagCount * LOAD_DEN > (flagMask + 1) * LOAD_NUM) flagRehash((flagMask + 1) << 1);
    else flagIndex(<u32>flagCount, h);
  }
  countFlag(load<i32>(f, F_STATE), -1);
  store<i32>(f, state, F_STATE);
  countFlag(state, 1);
}

@inline
function flagState(bits: u64, start: f64): i32 {
  start += 0.0;
  const f = flagFind(bits, start, hashWindow(bits, start));
  return f == 0 ? FLAG_NONE : load<i32>(f, F_STATE);
}

/** Drops cleared entries once they outnumber the live ones. */
function compactFlags(): void {
  const live = nPending + nEarly;
  if (flagCount == 0 || (live > 0 && flagCount - live < live + 16)) return;
  let j = 0;
  for (let i = 0; i < flagCount; i++) {
    const f = flagBase + <usize>i * FLAG_BYTES;
    if (load<i32>(f, F_STATE) == FLAG_NONE) continue;
    if (i != j) memory.copy(flagBase + <usize>j * FLAG_BYTES, f, FLAG_BYTES);
    j++;
  }
  flagCount = j;
  flagRehash(flagMask + 1);
}

/** An element of key `bits` landed in pane `p` while some window of that pane has fired or was fired early. */
function noteChange(bits: u64, p: f64): void {
  const last = jAbove(p, deadWm);
  for (let j = 0; j <= last; j++) {
    const s = p - <f64>j * slide;
    if (s + size - 1 <= fireWm) setFlag(bits, s, FLAG_PENDING);
    else if (nEarly > 0 && flagState(bits, s) == FLAG_EARLY) setFlag(bits, s, FLAG_NONE);
  }
}

// ── Adding ──────────────────────────────────────────────────────────────────────────────────────

/** The pane of an element that missed the pane cache: found or created, flags noted; -1 for none. */
function locatePane(ts: f64, bits: u64): i32 {
  const p = paneStartOf(ts);
  if (p != p || p + size - 1 <= deadWm) return -1;
  const at = lowerBound(p);
  const id = at < nPanes && startAt(at) == p ? load<i32>(order + (<usize>at << 2)) : createPane(p, at);
  if (p - <f64>(panesPerWindow - 1) * slide + size - 1 <= fireWm || nEarly > 0) {
    noteChange(bits, p);
  } else if (integralGrid && ts == floor(ts) && abs(p) <= MAX_CACHED_START) {
    // Every integer ts in [p, p + slide) has pane p by the formula (all terms are exact integers).
    cpLo = p;
    cpHi = p + slide;
    cpPane = id;
  }
  return id;
}

@inline
function forgetPaneCache(): void {
  cpLo = Infinity;
  cpHi = -Infinity;
  cpPane = -1;
}

// How the probe pass treats the accumulators (compile-time arguments of `probePass`).
@inline const FUSE_NONE: i32 = 0; // write refs; one pass per accumulator follows
@inline const FUSE_COUNT: i32 = 1; // no accumulator but the count
@inline const FUSE_SUM: i32 = 2; // exactly one accumulator, a sum: added in the probe pass

/**
 * Adds the `n` elements in the input area: a SIMD pass canonicalises and hashes the keys (and checks
 * whether every timestamp falls in the cached pane), the probe pass finds (or creates) every
 * element's slot and counts it, and one tight pass per accumulator updates the slots in arrival
 * order — folded into the probe pass for count and count + one sum. A batch wholly in the cached
 * pane (the usual case) takes a probe pass with no per-element pane lookup.
 */
export function add(n: i32): void {
  const seq0 = nextSeq;
  nextSeq += <f64>n;
  if (n <= 0) return;
  // Make the pane of the first element the cached one, if it can be: then, when the whole batch
  // falls in it (the usual case), the probe pass needs no per-element pane lookup.
  const ts0 = load<f64>(inBase + (<usize>inCap << 3));
  if (!(ts0 >= cpLo && ts0 < cpHi && ts0 == floor(ts0))) {
    const p = paneStartOf(ts0);
    if (p == p && p + size - 1 > deadWm && !(p - <f64>(panesPerWindow - 1) * slide + size - 1 <= fireWm) && nEarly == 0) {
      locatePane(ts0, 0); // finds or creates the pane and caches it; no flags to note on this path
    }
  }
  const onePane = hashPass(n);
  if (nAccs == 0) {
    if (onePane) probeOnePane(n, seq0, FUSE_COUNT);
    else probePass(n, seq0, FUSE_COUNT);
  } else if (nAccs == 1 && load<i32>(ACC_KIND) == K_SUM) {
    if (onePane) probeOnePane(n, seq0, FUSE_SUM);
    else probePass(n, seq0, FUSE_SUM);
  } else {
    if (onePane) probeOnePane(n, seq0, FUSE_NONE);
    else probePass(n, seq0, FUSE_NONE);
    accumulatorPasses(n, seq0);
  }
}

@inline
function bitsArea(): usize {
  return inBase + ((<usize>(2 + nCols) * <usize>inCap) << 3);
}

@inline
function hashArea(): usize {
  return inBase + ((<usize>(3 + nCols) * <usize>inCap) << 3);
}

@inline
function refsArea(): usize {
  return hashArea() + (<usize>inCap << 2);
}

/**
 * bits[i] = canonicalKey(keys[i]), hashes[i] = hashKey(bits[i]), four keys per step; returns whether
 * every timestamp is an integer in the cached pane [cpLo, cpHi).
 */
function hashPass(n: i32): bool {
  const keys = inBase;
  const times = inBase + (<usize>inCap << 3);
  const bits = bitsArea();
  const hashes = hashArea();
  let i = 0;
  let inPane = true;
  if (ASC_FEATURE_SIMD) {
    const lo = f64x2.splat(cpLo);
    const hi = f64x2.splat(cpHi);
    let ok = i64x2.splat(-1);
    const zero = f64x2.splat(0);
    const nan = i64x2.splat(CANONICAL_NAN);
    const c1 = i32x4.splat(0x9e3779b1);
    const c2 = i32x4.splat(0x85ebca6b);
    const c3 = i32x4.splat(0xc2b2ae35);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 3;
      let a = v128.load(keys + o);
      let b = v128.load(keys + o, 16);
      a = v128.bitselect(nan, v128.andnot(a, f64x2.eq(a, zero)), f64x2.ne(a, a));
      b = v128.bitselect(nan, v128.andnot(b, f64x2.eq(b, zero)), f64x2.ne(b, b));
      v128.store(bits + o, a);
      v128.store(bits + o, b, 16);
      // hashKey on four keys: the low and the high words of each, gathered.
      let h = v128.xor(i32x4.shuffle(a, b, 1, 3, 5, 7), i32x4.mul(i32x4.shuffle(a, b, 0, 2, 4, 6), c1));
      h = v128.xor(h, i32x4.shr_u(h, 16));
      h = i32x4.mul(h, c2);
      h = v128.xor(h, i32x4.shr_u(h, 13));
      h = i32x4.mul(h, c3);
      h = v128.xor(h, i32x4.shr_u(h, 16));
      v128.store(hashes + (<usize>i << 2), h);
      const t = v128.load(times + o);
      const u = v128.load(times + o, 16);
      ok = v128.and(ok, v128.and(v128.and(f64x2.ge(t, lo), f64x2.lt(t, hi)), f64x2.eq(t, f64x2.floor(t))));
      ok = v128.and(ok, v128.and(v128.and(f64x2.ge(u, lo), f64x2.lt(u, hi)), f64x2.eq(u, f64x2.floor(u))));
    }
    inPane = v128.all_true<i64>(ok);
  }
  for (; i < n; i++) {
    const k = canonicalKey(load<f64>(keys + (<usize>i << 3)));
    store<u64>(bits + (<usize>i << 3), k);
    store<u32>(hashes + (<usize>i << 2), hashKey(k));
    const t = load<f64>(times + (<usize>i << 3));
    inPane = inPane && t >= cpLo && t < cpHi && t == floor(t);
  }
  return inPane && cpPane >= 0;
}

/** probePass for a batch wholly in the cached pane: no pane lookups, and the hot state in locals. */
@inline
function probeOnePane(n: i32, seq0: f64, fuse: i32): void {
  const bits = bitsArea();
  const hashes = hashArea();
  const refs = refsArea();
  const sumOff = <usize>load<i32>(ACC_OFF);
  const sumCol = inBase + ((<usize>(2 + load<i32>(ACC_COL)) * <usize>inCap) << 3);
  const weighted = weightCol >= 0;
  const weights = inBase + ((<usize>(2 + weightCol) * <usize>inCap) << 3);
  const rec = paneRec(cpPane);
  let table = <usize>load<u32>(rec, P_TABLE);
  let mask = load<u32>(rec, P_MASK);
  let heap = heapBase;
  const shift = strideShift;
  for (let i = 0; i < n; i++) {
    const key = load<u64>(bits + (<usize>i << 3));
    const h = load<u32>(hashes + (<usize>i << 2));
    let k = h & mask;
    let idx: u32 = 0;
    while (true) {
      const e = table + (<usize>k << 3);
      const ref = load<u32>(e, 4);
      if (ref == 0) {
        idx = createSlot(rec, e, h, key, seq0 + <f64>i);
        table = <usize>load<u32>(rec, P_TABLE);
        mask = load<u32>(rec, P_MASK);
        heap = heapBase;
        break;
      }
      if (load<u32>(e) == h && load<u64>(heap + (<usize>(ref - 1) << shift)) == key) {
        idx = ref - 1;
        break;
      }
      k = (k + 1) & mask;
    }
    const s = heap + (<usize>idx << shift);
    store<f64>(s, load<f64>(s, S_COUNT) + (weighted ? load<f64>(weights + (<usize>i << 3)) : 1.0), S_COUNT);
    if (fuse == FUSE_SUM) store<f64>(s + sumOff, load<f64>(s + sumOff) + load<f64>(sumCol + (<usize>i << 3)));
    if (fuse == FUSE_NONE) store<u32>(refs + (<usize>i << 2), idx);
  }
}

@inline
function probePass(n: i32, seq0: f64, fuse: i32): void {
  const times = inBase + (<usize>inCap << 3);
  const bits = bitsArea();
  const hashes = hashArea();
  const refs = refsArea();
  const sumOff = <usize>load<i32>(ACC_OFF);
  const sumCol = inBase + ((<usize>(2 + load<i32>(ACC_COL)) * <usize>inCap) << 3);
  const weighted = weightCol >= 0;
  const weights = inBase + ((<usize>(2 + weightCol) * <usize>inCap) << 3);
  for (let i = 0; i < n; i++) {
    const key = load<u64>(bits + (<usize>i << 3));
    const ts = load<f64>(times + (<usize>i << 3));
    let pane = cpPane;
    if (!(ts >= cpLo && ts < cpHi && ts == floor(ts))) pane = locatePane(ts, key);
    let idx: u32 = 0;
    if (pane >= 0) {
      const rec = paneRec(pane);
      const table = <usize>load<u32>(rec, P_TABLE);
      const mask = load<u32>(rec, P_MASK);
      const h = load<u32>(hashes + (<usize>i << 2));
      let k = h & mask;
      while (true) {
        const e = table + (<usize>k << 3);
        const ref = load<u32>(e, 4);
        if (ref == 0) {
          idx = createSlot(rec, e, h, key, seq0 + <f64>i);
          break;
        }
        if (load<u32>(e) == h && load<u64>(heapBase + (<usize>(ref - 1) << strideShift)) == key) {
          idx = ref - 1;
          break;
        }
        k = (k + 1) & mask;
      }
    }
    const s = heapBase + (<usize>idx << strideShift);
    store<f64>(s, load<f64>(s, S_COUNT) + (weighted ? load<f64>(weights + (<usize>i << 3)) : 1.0), S_COUNT);
    if (fuse == FUSE_SUM) store<f64>(s + sumOff, load<f64>(s + sumOff) + load<f64>(sumCol + (<usize>i << 3)));
    if (fuse == FUSE_NONE) store<u32>(refs + (<usize>i << 2), idx);
  }
}

/** One pass per accumulator over the slots the probe pass found, in arrival order. */
function accumulatorPasses(n: i32, seq0: f64): void {
  const refs = refsArea();
  const heap = heapBase;
  const shift = strideShift;
  for (let a = 0; a < nAccs; a++) {
    const kind = load<i32>(ACC_KIND + (<usize>a << 2));
    const off = <usize>load<i32>(ACC_OFF + (<usize>a << 2));
    const col = inBase + ((<usize>(2 + load<i32>(ACC_COL + (<usize>a << 2))) * <usize>inCap) << 3);
    switch (kind) {
      case K_SUM: {
        for (let i = 0; i < n; i++) {
          const p = heap + (<usize>load<u32>(refs + (<usize>i << 2)) << shift) + off;
          store<f64>(p, load<f64>(p) + load<f64>(col + (<usize>i << 3)));
        }
        break;
      }
      case K_MIN: {
        for (let i = 0; i < n; i++) {
          const p = heap + (<usize>load<u32>(refs + (<usize>i << 2)) << shift) + off;
          store<f64>(p, min<f64>(load<f64>(p), load<f64>(col + (<usize>i << 3))));
        }
        break;
      }
      case K_MAX: {
        for (let i = 0; i < n; i++) {
          const p = heap + (<usize>load<u32>(refs + (<usize>i << 2)) << shift) + off;
          store<f64>(p, max<f64>(load<f64>(p), load<f64>(col + (<usize>i << 3))));
        }
        break;
      }
      case K_FIRST: {
        // The element that created the slot carries the slot's firstSeq.
        for (let i = 0; i < n; i++) {
          const s = heap + (<usize>load<u32>(refs + (<usize>i << 2)) << shift);
          if (load<f64>(s, S_FIRST_SEQ) == seq0 + <f64>i) store<f64>(s + off, load<f64>(col + (<usize>i << 3)));
        }
        break;
      }
      case K_LAST: {
        for (let i = 0; i < n; i++) {
          store<f64>(heap + (<usize>load<u32>(refs + (<usize>i << 2)) << shift) + off, load<f64>(col + (<usize>i << 3)));
        }
        break;
      }
      case K_LAST_SEQ: {
        for (let i = 0; i < n; i++) {
          store<f64>(heap + (<usize>load<u32>(refs + (<usize>i << 2)) << shift) + off, seq0 + <f64>i);
        }
        break;
      }
      case K_DISTINCT: {
        for (let i = 0; i < n; i++) {
          const ref = load<u32>(refs + (<usize>i << 2));
          // The sink (slot 0) takes elements of no pane: they must not grow a set there.
          if (ref != 0) setInsert(heap + (<usize>ref << shift) + off, canonicalKey(load<f64>(col + (<usize>i << 3))));
        }
        break;
      }
    }
  }
}

// ── Distinct sets ───────────────────────────────────────────────────────────────────────────────

/** Entries of a set holding `n` values: the smallest power of two ≥ MIN_SET at most 3/4 full. */
@inline
function setCapacity(n: u32): u32 {
  const need = (n * 4 + 2) / 3;
  return need <= MIN_SET ? MIN_SET : <u32>1 << (32 - clz<u32>(need - 1));
}

/** Adds canonical `bits` to the set of accumulator `acc` (made on the first value). */
function setInsert(acc: usize, bits: u64): void {
  let set = <usize>load<u32>(acc);
  const n = load<u32>(acc, 4);
  const cap = setCapacity(n);
  if (set == 0) {
    set = allocBlock(<usize>cap << 3);
    memory.fill(set, 0xff, <usize>cap << 3);
    store<u32>(acc, <u32>set);
  }
  const mask = cap - 1;
  let i = hashKey(bits) & mask;
  while (true) {
    const e = set + (<usize>i << 3);
    const v = load<u64>(e);
    if (v == bits) return;
    if (v == EMPTY_BITS) {
      store<u64>(e, bits);
      break;
    }
    i = (i + 1) & mask;
  }
  store<u32>(acc, n + 1, 4);
  const grown = setCapacity(n + 1);
  if (grown == cap) return;
  const table = allocBlock(<usize>grown << 3);
  memory.fill(table, 0xff, <usize>grown << 3);
  const gmask = grown - 1;
  for (let j: u32 = 0; j < cap; j++) {
    const v = load<u64>(set + (<usize>j << 3));
    if (v == EMPTY_BITS) continue;
    let k = hashKey(v) & gmask;
    while (load<u64>(table + (<usize>k << 3)) != EMPTY_BITS) k = (k + 1) & gmask;
    store<u64>(table + (<usize>k << 3), v);
  }
  freeBlock(set, <usize>cap << 3);
  store<u32>(acc, <u32>table);
}

/** Adds every value of the set of `src` to the set of `dst`. */
function setUnion(dst: usize, src: usize): void {
  const set = <usize>load<u32>(src);
  if (set == 0) return;
  const cap = setCapacity(load<u32>(src, 4));
  for (let j: u32 = 0; j < cap; j++) {
    const v = load<u64>(set + (<usize>j << 3));
    if (v != EMPTY_BITS) setInsert(dst, v);
  }
}

/** Frees the distinct sets of the slot or row at `p`. */
function freeSets(p: usize): void {
  for (let a = 0; a < nAccs; a++) {
    if (load<i32>(ACC_KIND + (<usize>a << 2)) != K_DISTINCT) continue;
    const acc = p + <usize>load<i32>(ACC_OFF + (<usize>a << 2));
    const set = <usize>load<u32>(acc);
    if (set != 0) freeBlock(set, <usize>setCapacity(load<u32>(acc, 4)) << 3);
    store<u64>(acc, 0);
  }
}

/** Frees the distinct sets of window rows 0..n-1 once they are emitted. */
function freeRowSets(n: i32): void {
  if (!hasDistinct) return;
  for (let r = 0; r < n; r++) freeSets(rowPtr(r));
}

// ── Merging and output ──────────────────────────────────────────────────────────────────────────

/** Merges slot (or row) `src` into row `dst`; rows start from TEMPLATE with firstSeq = +∞. */
function mergeInto(dst: usize, src: usize): void {
  store<f64>(dst, load<f64>(dst, S_COUNT) + load<f64>(src, S_COUNT), S_COUNT);
  const srcFirst = load<f64>(src, S_FIRST_SEQ);
  const takeFirst = srcFirst < load<f64>(dst, S_FIRST_SEQ);
  const takeLast = lastSeqOff != 0 && load<f64>(src + lastSeqOff) > load<f64>(dst + lastSeqOff);
  for (let a = 0; a < nAccs; a++) {
    const off = <usize>load<i32>(ACC_OFF + (<usize>a << 2));
    const d = dst + off;
    const v = load<f64>(src + off);
    switch (load<i32>(ACC_KIND + (<usize>a << 2))) {
      case K_SUM:
        store<f64>(d, load<f64>(d) + v);
        break;
      case K_MIN:
        store<f64>(d, min<f64>(load<f64>(d), v));
        break;
      case K_MAX:
        store<f64>(d, max<f64>(load<f64>(d), v));
        break;
      case K_FIRST:
        if (takeFirst) store<f64>(d, v);
        break;
      case K_DISTINCT:
        setUnion(d, src + off);
        break;
      default: // K_LAST, K_LAST_SEQ
        if (takeLast) store<f64>(d, v);
    }
  }
  if (takeFirst) store<f64>(dst, srcFirst, S_FIRST_SEQ);
}

function ensureOutput(extra: i32): void {
  const need = outCount + extra;
  if (need <= outCap) return;
  const cap = nextPow2(need);
  const cols = <usize>(2 + nAggs);
  const grown = allocBlock((cols * <usize>cap) << 3);
  for (let c: usize = 0; c < cols; c++) {
    memory.copy(grown + ((c * <usize>cap) << 3), outBase + ((c * <usize>outCap) << 3), <usize>outCount << 3);
  }
  freeBlock(outBase, (cols * <usize>outCap) << 3);
  outBase = grown;
  outCap = cap;
}

/** Writes the results of slot or row `p` as output row `outCount` (the caller ensured room). */
function emit(p: usize, start: f64): void {
  const o = <usize>outCount << 3;
  const colBytes = <usize>outCap << 3;
  store<f64>(outBase + o, load<f64>(p, S_KEY));
  store<f64>(outBase + colBytes + o, start);
  let col = outBase + (colBytes << 1) + o;
  for (let a = 0; a < nAggs; a++) {
    const kind = load<i32>(AGG_KIND + (<usize>a << 2));
    const at = p + <usize>load<i32>(AGG_OFF + (<usize>a << 2));
    let v = load<f64>(at);
    if (kind == K_AVG) v /= load<f64>(p, S_COUNT);
    else if (kind == K_DISTINCT) v = <f64>load<u32>(at, 4);
    store<f64>(col, v);
    col += colBytes;
  }
  outCount++;
}

/** Makes room for `n` rows, keeping rows 0..nRows-1 and their starts. */
function ensureRows(n: i32): void {
  if (n <= rowsCap) return;
  const cap = nextPow2(n < 16 ? 16 : n);
  const rows = allocBlock(<usize>cap << strideShift);
  const starts = allocBlock(<usize>cap << 3);
  if (rowsCap > 0) {
    memory.copy(rows, rowsBase, <usize>nRows << strideShift);
    memory.copy(starts, rowStarts, <usize>nRows << 3);
    freeBlock(rowsBase, <usize>rowsCap << strideShift);
    freeBlock(rowStarts, <usize>rowsCap << 3);
    freeBlock(orderA, <usize>rowsCap << 2);
    freeBlock(orderB, <usize>rowsCap << 2);
  }
  rowsBase = rows;
  rowStarts = starts;
  orderA = allocBlock(<usize>cap << 2);
  orderB = allocBlock(<usize>cap << 2);
  rowsCap = cap;
}

@inline
function rowPtr(r: i32): usize {
  return rowsBase + (<usize>r << strideShift);
}

function initRow(r: i32, bits: u64, start: f64): usize {
  const p = rowPtr(r);
  memory.copy(p, TEMPLATE, stride);
  store<u64>(p, bits, S_KEY);
  store<f64>(p, Infinity, S_FIRST_SEQ);
  store<f64>(rowStarts + (<usize>r << 3), start);
  return p;
}

/** Row a comes before row b: earlier window, then earlier first arrival of its key. */
@inline
function rowBefore(a: i32, b: i32): bool {
  const sa = load<f64>(rowStarts + (<usize>a << 3));
  const sb = load<f64>(rowStarts + (<usize>b << 3));
  return sa < sb || (sa == sb && load<f64>(rowPtr(a), S_FIRST_SEQ) < load<f64>(rowPtr(b), S_FIRST_SEQ));
}

function runEnd(src: usize, i: i32, n: i32): i32 {
  let j = i + 1;
  while (j < n && !rowBefore(load<i32>(src + (<usize>j << 2)), load<i32>(src + (<usize>(j - 1) << 2)))) j++;
  return j;
}

/**
 * Orders rows 0..n-1 by (start, firstSeq) with a natural merge sort — rows arrive as a few sorted
 * runs (one per pane, in arrival order), so this is close to linear. Returns the order's address.
 */
function sortRows(n: i32): usize {
  let src = orderA;
  let dst = orderB;
  for (let i = 0; i < n; i++) store<i32>(src + (<usize>i << 2), i);
  if (n < 2 || runEnd(src, 0, n) == n) return src;
  let runs = 0;
  do {
    runs = 0;
    let i = 0;
    while (i < n) {
      const mid = runEnd(src, i, n);
      if (mid == n) {
        memory.copy(dst + (<usize>i << 2), src + (<usize>i << 2), <usize>(n - i) << 2);
        runs++;
        break;
      }
      const end = runEnd(src, mid, n);
      let a = i;
      let b = mid;
      let k = i;
      while (a < mid && b < end) {
        const ra = load<i32>(src + (<usize>a << 2));
        const rb = load<i32>(src + (<usize>b << 2));
        if (rowBefore(rb, ra)) {
          store<i32>(dst + (<usize>k << 2), rb);
          b++;
        } else {
          store<i32>(dst + (<usize>k << 2), ra);
          a++;
        }
        k++;
      }
      memory.copy(dst + (<usize>k << 2), src + (<usize>a << 2), <usize>(mid - a) << 2);
      k += mid - a;
      memory.copy(dst + (<usize>k << 2), src + (<usize>b << 2), <usize>(end - b) << 2);
      runs++;
      i = end;
    }
    const t = src;
    src = dst;
    dst = t;
  } while (runs > 1);
  return src;
}

/** Merges the slots of key `bits` in the panes of window [start, start + size) into row `p`. */
function mergeKeyWindow(bits: u64, start: f64, p: usize): void {
  const h = hashKey(bits);
  const end = start + size;
  for (let i = lowerBound(start); i < nPanes && startAt(i) < end; i++) {
    const slot = lookup(paneAt(i), bits, h);
    if (slot >= 0) mergeInto(p, heapBase + (<usize>slot << strideShift));
  }
}

/** Emits window `start`, made of the panes at directory positions [i0, i1). */
function fireWindow(start: f64, i0: i32, i1: i32): void {
  if (i1 - i0 == 1) {
    // One pane: its slots are the rows, already in order of first arrival.
    const rec = paneAt(i0);
    let left = load<i32>(rec, P_COUNT);
    ensureOutput(left);
    let c = load<i32>(rec, P_HEAD);
    while (left > 0) {
      const m = left < CHUNK_SLOTS ? left : CHUNK_SLOTS;
      let s = heapBase + (<usize>c << (CHUNK_SHIFT + strideShift));
      for (let j = 0; j < m; j++, s += stride) {
        if (nEarly == 0 || flagState(load<u64>(s, S_KEY), start) != FLAG_EARLY) emit(s, start);
      }
      left -= m;
      c = load<i32>(chunkNext + (<usize>c << 2));
    }
    return;
  }
  // Several panes: merge them into one row per key, pane by pane in start order, so that every
  // row adds its pane sums in pane-start order; then order the rows by first arrival.
  if (kidsUsed > rowOfKidCap) {
    if (rowOfKidCap > 0) freeBlock(rowOfKid, <usize>rowOfKidCap << 2);
    rowOfKidCap = kidCap;
    rowOfKid = allocBlock(<usize>rowOfKidCap << 2);
  }
  memory.fill(rowOfKid, 0xff, <usize>kidsUsed << 2);
  nRows = 0;
  for (let i = i0; i < i1; i++) mergePane(paneAt(i), start);
  const rows = nRows;
  const sorted = sortRows(rows);
  ensureOutput(rows);
  for (let k = 0; k < rows; k++) {
    const row = rowPtr(load<i32>(sorted + (<usize>k << 2)));
    if (nEarly == 0 || flagState(load<u64>(row, S_KEY), start) != FLAG_EARLY) emit(row, start);
  }
  freeRowSets(rows);
}

/**
 * Merges every slot of a pane into the rows of the window being merged. A pane holds at most one
 * slot per row, so the accumulators can go column by column: the row of every slot first (with its
 * count and first arrival, and the sum when that is the only accumulator), then one tight pass per
 * accumulator.
 */
function mergePane(rec: usize, start: f64): void {
  if (nAccs == 0) mergeRows(rec, start, FUSE_COUNT);
  else if (nAccs == 1 && load<i32>(ACC_KIND) == K_SUM) mergeRows(rec, start, FUSE_SUM);
  else {
    const count = mergeRows(rec, start, FUSE_NONE);
    const heap = heapBase;
    const rows = rowsBase;
    const shift = strideShift;
    // First/last compare arrival numbers before those are updated (lastSeq is the last accumulator).
    for (let a = 0; a < nAccs; a++) {
      mergeColumn(heap, rows, shift, count, load<i32>(ACC_KIND + (<usize>a << 2)), <usize>load<i32>(ACC_OFF + (<usize>a << 2)));
    }
    if (hasFirst) mergeColumn(heap, rows, shift, count, K_MIN, S_FIRST_SEQ);
  }
}

/** The row of every slot of the pane (made in order of first sight), with its count and first arrival. */
@inline
function mergeRows(rec: usize, start: f64, fuse: i32): i32 {
  const count = load<i32>(rec, P_COUNT);
  if (fuse == FUSE_NONE && count > visitCap) {
    if (visitCap > 0) {
      freeBlock(visitSlots, <usize>visitCap << 2);
      freeBlock(visitRows, <usize>visitCap << 2);
    }
    visitCap = nextPow2(count);
    visitSlots = allocBlock(<usize>visitCap << 2);
    visitRows = allocBlock(<usize>visitCap << 2);
  }
  const sumOff = <usize>load<i32>(ACC_OFF);
  const heap = heapBase;
  const shift = strideShift;
  const kids = kidOf;
  const rowIndex = rowOfKid;
  const slots = visitSlots;
  const rowsOf = visitRows;
  const noFirst = !hasFirst;
  let rows = rowsBase;
  let left = count;
  let c = load<i32>(rec, P_HEAD);
  let j = 0;
  while (left > 0) {
    const m = left < CHUNK_SLOTS ? left : CHUNK_SLOTS;
    let idx = <u32>c << CHUNK_SHIFT;
    for (let t = 0; t < m; t++, idx++, j++) {
      const slot = heap + (<usize>idx << shift);
      const at = rowIndex + (<usize>load<i32>(kids + (<usize>idx << 2)) << 2);
      let r = load<i32>(at);
      if (r < 0) {
        r = nRows++;
        ensureRows(nRows);
        initRow(r, load<u64>(slot, S_KEY), start);
        store<i32>(at, r);
        rows = rowsBase;
      }
      const row = rows + (<usize>r << shift);
      store<f64>(row, load<f64>(row, S_COUNT) + load<f64>(slot, S_COUNT), S_COUNT);
      if (noFirst) store<f64>(row, min<f64>(load<f64>(row, S_FIRST_SEQ), load<f64>(slot, S_FIRST_SEQ)), S_FIRST_SEQ);
      if (fuse == FUSE_SUM) store<f64>(row + sumOff, load<f64>(row + sumOff) + load<f64>(slot + sumOff));
      if (fuse == FUSE_NONE) {
        store<u32>(slots + (<usize>j << 2), idx);
        store<i32>(rowsOf + (<usize>j << 2), r);
      }
    }
    left -= m;
    c = load<i32>(chunkNext + (<usize>c << 2));
  }
  return count;
}

function mergeColumn(heap: usize, rows: usize, shift: i32, n: i32, kind: i32, off: usize): void {
  switch (kind) {
    case K_SUM: {
      for (let j = 0; j < n; j++) {
        const d = rows + (<usize>load<i32>(visitRows + (<usize>j << 2)) << shift) + off;
        store<f64>(d, load<f64>(d) + load<f64>(heap + (<usize>load<u32>(visitSlots + (<usize>j << 2)) << shift) + off));
      }
      break;
    }
    case K_MIN: {
      for (let j = 0; j < n; j++) {
        const d = rows + (<usize>load<i32>(visitRows + (<usize>j << 2)) << shift) + off;
        store<f64>(d, min<f64>(load<f64>(d), load<f64>(heap + (<usize>load<u32>(visitSlots + (<usize>j << 2)) << shift) + off)));
      }
      break;
    }
    case K_MAX: {
      for (let j = 0; j < n; j++) {
        const d = rows + (<usize>load<i32>(visitRows + (<usize>j << 2)) << shift) + off;
        store<f64>(d, max<f64>(load<f64>(d), load<f64>(heap + (<usize>load<u32>(visitSlots + (<usize>j << 2)) << shift) + off)));
      }
      break;
    }
    case K_FIRST: {
      for (let j = 0; j < n; j++) {
        const r = rows + (<usize>load<i32>(visitRows + (<usize>j << 2)) << shift);
        const s = heap + (<usize>load<u32>(visitSlots + (<usize>j << 2)) << shift);
        if (load<f64>(s, S_FIRST_SEQ) < load<f64>(r, S_FIRST_SEQ)) store<f64>(r + off, load<f64>(s + off));
      }
      break;
    }
    case K_DISTINCT: {
      for (let j = 0; j < n; j++) {
        const d = rows + (<usize>load<i32>(visitRows + (<usize>j << 2)) << shift) + off;
        setUnion(d, heap + (<usize>load<u32>(visitSlots + (<usize>j << 2)) << shift) + off);
      }
      break;
    }
    default: {
      // K_LAST and K_LAST_SEQ (the last accumulator, so LAST columns see the old lastSeq).
      const seq = lastSeqOff;
      for (let j = 0; j < n; j++) {
        const r = rows + (<usize>load<i32>(visitRows + (<usize>j << 2)) << shift);
        const s = heap + (<usize>load<u32>(visitSlots + (<usize>j << 2)) << shift);
        if (load<f64>(s + seq) > load<f64>(r + seq)) store<f64>(r + off, load<f64>(s + off));
      }
    }
  }
}

function pushCandidate(s: f64): void {
  if (candBase == 0 || nCand == candCap) {
    const cap = candCap == 0 ? 64 : candCap << 1;
    const grown = allocBlock(<usize>cap << 3);
    if (candCap > 0) {
      memory.copy(grown, candBase, <usize>nCand << 3);
      freeBlock(candBase, <usize>candCap << 3);
    }
    candBase = grown;
    candCap = cap;
  }
  // Insertion: candidates come as ascending runs, one per pane, overlapping the previous run.
  let i = nCand;
  while (i > 0 && load<f64>(candBase + (<usize>(i - 1) << 3)) > s) i--;
  if (i > 0 && load<f64>(candBase + (<usize>(i - 1) << 3)) == s) return;
  memory.copy(candBase + (<usize>(i + 1) << 3), candBase + (<usize>i << 3), <usize>(nCand - i) << 3);
  store<f64>(candBase + (<usize>i << 3), s);
  nCand++;
}

/** Fires the windows whose end - 1 lies in (lo, hi], in start order. */
function fireNew(lo: f64, hi: f64): void {
  nCand = 0;
  for (let i = 0; i < nPanes; i++) {
    const q = startAt(i);
    const last = jAbove(q, lo);
    for (let j = last, first = jAtMost(q, hi); j >= first; j--) pushCandidate(q - <f64>j * slide);
  }
  let i0 = 0;
  for (let c = 0; c < nCand; c++) {
    const s = load<f64>(candBase + (<usize>c << 3));
    const end = s + size;
    while (i0 < nPanes && startAt(i0) < s) i0++;
    let i1 = i0;
    while (i1 < nPanes && startAt(i1) < end) i1++;
    if (i1 > i0) fireWindow(s, i0, i1);
  }
}

function recomputeNextDue(): void {
  let best = Infinity;
  for (let i = 0; i < nPanes; i++) {
    const q = startAt(i);
    const j = jAbove(q, fireWm);
    if (j >= 0) {
      const due = q - <f64>j * slide + size - 1;
      if (due < best) best = due;
    }
  }
  nextDue = best;
}

/** Fires the PENDING windows (changed after they fired) with end - 1 <= wm. */
function firePending(wm: f64): void {
  let m = 0;
  for (let i = 0; i < flagCount; i++) {
    const f = flagBase + <usize>i * FLAG_BYTES;
    if (load<i32>(f, F_STATE) == FLAG_PENDING && load<f64>(f, F_START) + size - 1 <= wm) m++;
  }
  if (m == 0) return;
  nRows = 0;
  ensureRows(m);
  let rows = 0;
  for (let i = 0; i < flagCount; i++) {
    const f = flagBase + <usize>i * FLAG_BYTES;
    const start = load<f64>(f, F_START);
    if (load<i32>(f, F_STATE) != FLAG_PENDING || !(start + size - 1 <= wm)) continue;
    const bits = load<u64>(f, F_KEY);
    mergeKeyWindow(bits, start, initRow(rows, bits, start));
    if (load<f64>(rowPtr(rows), S_COUNT) > 0) rows++;
    store<i32>(f, FLAG_NONE, F_STATE);
    nPending--;
  }
  const sorted = sortRows(rows);
  ensureOutput(rows);
  for (let k = 0; k < rows; k++) {
    const r = load<i32>(sorted + (<usize>k << 2));
    emit(rowPtr(r), load<f64>(rowStarts + (<usize>r << 3)));
  }
  freeRowSets(rows);
}

// ── The contract ────────────────────────────────────────────────────────────────────────────────

/**
 * Fires every window with end - 1 <= wm that holds an element and has not fired since its last
 * change, ordered by window end, then by the first arrival of its key in the window. Returns the
 * number of output rows.
 */
export function fire(wm: f64): i32 {
  outCount = 0;
  forgetPaneCache();
  if (nPending > 0) firePending(wm);
  if (wm > fireWm) {
    const due = wm >= nextDue;
    if (due) fireNew(fireWm, wm);
    fireWm = wm;
    if (due) recomputeNextDue();
    if (nEarly > 0) {
      for (let i = 0; i < flagCount; i++) {
        const f = flagBase + <usize>i * FLAG_BYTES;
        if (load<i32>(f, F_STATE) == FLAG_EARLY && load<f64>(f, F_START) + size - 1 <= wm) {
          store<i32>(f, FLAG_NONE, F_STATE);
          nEarly--;
        }
      }
    }
  }
  compactFlags();
  return outCount;
}

/**
 * The current results of the windows of `key` containing `ts` that end at or before wm + 1 and
 * are not closed, in start order; they count as fired.
 */
export function current(key: f64, ts: f64, wm: f64): i32 {
  outCount = 0;
  forgetPaneCache();
  const bits = canonicalKey(key);
  const p = paneStartOf(ts);
  if (p != p) return 0;
  const first = jAtMost(p, wm);
  const last = jAbove(p, deadWm);
  if (first > last) return 0;
  nRows = 0;
  ensureRows(last - first + 1);
  let rows = 0;
  for (let j = last; j >= first; j--) {
    const s = p - <f64>j * slide;
    mergeKeyWindow(bits, s, initRow(rows, bits, s));
    if (!(load<f64>(rowPtr(rows), S_COUNT) > 0)) continue;
    rows++;
    if (s + size - 1 <= fireWm) {
      if (nPending > 0 && flagState(bits, s) == FLAG_PENDING) setFlag(bits, s, FLAG_NONE);
    } else {
      setFlag(bits, s, FLAG_EARLY);
    }
  }
  ensureOutput(rows);
  for (let r = 0; r < rows; r++) emit(rowPtr(r), load<f64>(rowStarts + (<usize>r << 3)));
  freeRowSets(rows);
  compactFlags();
  return outCount;
}

/** Closes the windows with end - 1 <= min(cleanupWm, F) and frees the panes only they need. */
export function evict(cleanupWm: f64): void {
  const d = cleanupWm < fireWm ? cleanupWm : fireWm;
  if (cleanupWm != cleanupWm || !(d > deadWm)) return;
  deadWm = d;
  forgetPaneCache();
  let k = 0;
  while (k < nPanes && startAt(k) + size - 1 <= d) freePaneAt(k++);
  if (k > 0) {
    memory.copy(order, order + (<usize>k << 2), <usize>(nPanes - k) << 2);
    nPanes -= k;
  }
  if (nPending > 0) {
    for (let i = 0; i < flagCount; i++) {
      const f = flagBase + <usize>i * FLAG_BYTES;
      if (load<i32>(f, F_STATE) == FLAG_PENDING && load<f64>(f, F_START) + size - 1 <= d) {
        store<i32>(f, FLAG_NONE, F_STATE);
        nPending--;
      }
    }
  }
  compactFlags();
}

/** Drops every slot and flag and forgets the watermarks: as just configured (memory kept for reuse). */
export function reset(): void {
  for (let k = 0; k < nPanes; k++) freePaneAt(k);
  nPanes = 0;
  forgetPaneCache();
  for (let i = 0; i < flagCount; i++) store<i32>(flagBase + <usize>i * FLAG_BYTES, FLAG_NONE, F_STATE);
  nPending = 0;
  nEarly = 0;
  compactFlags();
  fireWm = -Infinity;
  deadWm = -Infinity;
  nextDue = Infinity;
  nextSeq = 0;
}

/** Address of the output columns (see the layout above); valid until the next call. */
export function output(): usize {
  return outBase;
}

export function outputCapacity(): i32 {
  return outCap;
}

/** Number of (key, pane) slots held. */
export function entries(): i32 {
  return liveSlots;
}

// ── Snapshots ───────────────────────────────────────────────────────────────────────────────────
//
//  The state as columns in the transfer area: `exportSlots` writes them, `importSlots` reads them.
//  xfer ─► │ paneStart f64[n] │ key f64[n] │ firstSeq f64[n] │ count f64[n] │ acc 0 f64[n] │ … │ acc A-1 f64[n] │ distinct f64[m] │
//  n = one row per slot: panes in start order, a pane's slots in order of first arrival. A distinct
//  accumulator's column holds its set's size; the set's values follow in the distinct area, slot
//  by slot, accumulator by accumulator (m values in all).
//  `exportFlags` / `importFlags`: xfer ─► │ key f64[k] │ start f64[k] │ state f64[k] │ (flagged windows only)

let xferBase: usize = 0;
let xferBytes: usize = 0;
let xferDistinct: i32 = 0;

/** The transfer area, holding at least `bytes` bytes; returns its address. */
export function transfer(bytes: usize): usize {
  if (bytes > xferBytes) {
    if (xferBase != 0) freeBlock(xferBase, xferBytes);
    xferBytes = <usize>nextPow2(<i32>(bytes < 64 ? <usize>64 : bytes));
    xferBase = allocBlock(xferBytes);
  }
  return xferBase;
}

/** Writes every slot to the transfer area (see above); returns the number of rows. */
export function exportSlots(): i32 {
  const n = liveSlots;
  let m = 0;
  if (hasDistinct) {
    for (let i = 0; i < nPanes; i++) {
      const rec = paneAt(i);
      let left = load<i32>(rec, P_COUNT);
      let c = load<i32>(rec, P_HEAD);
      while (left > 0) {
        const k = left < CHUNK_SLOTS ? left : CHUNK_SLOTS;
        const first = heapBase + (<usize>c << (CHUNK_SHIFT + strideShift));
        for (let j = 0; j < k; j++) {
          for (let a = 0; a < nAccs; a++) {
            if (load<i32>(ACC_KIND + (<usize>a << 2)) == K_DISTINCT) m += <i32>load<u32>(first + (<usize>j << strideShift) + <usize>load<i32>(ACC_OFF + (<usize>a << 2)), 4);
          }
        }
        left -= k;
        c = load<i32>(chunkNext + (<usize>c << 2));
      }
    }
  }
  const col = <usize>n << 3;
  const base = transfer(<usize>(4 + nAccs) * col + (<usize>m << 3));
  let d = base + <usize>(4 + nAccs) * col;
  let r: usize = 0;
  for (let i = 0; i < nPanes; i++) {
    const rec = paneAt(i);
    const start = load<f64>(rec, P_START);
    let left = load<i32>(rec, P_COUNT);
    let c = load<i32>(rec, P_HEAD);
    while (left > 0) {
      const k = left < CHUNK_SLOTS ? left : CHUNK_SLOTS;
      let s = heapBase + (<usize>c << (CHUNK_SHIFT + strideShift));
      for (let j = 0; j < k; j++, s += stride, r += 8) {
        store<f64>(base + r, start);
        store<u64>(base + col + r, load<u64>(s, S_KEY));
        store<f64>(base + 2 * col + r, load<f64>(s, S_FIRST_SEQ));
        store<f64>(base + 3 * col + r, load<f64>(s, S_COUNT));
        for (let a = 0; a < nAccs; a++) {
          const acc = s + <usize>load<i32>(ACC_OFF + (<usize>a << 2));
          let v = load<f64>(acc);
          if (load<i32>(ACC_KIND + (<usize>a << 2)) == K_DISTINCT) {
            const size = load<u32>(acc, 4);
            v = <f64>size;
            const set = <usize>load<u32>(acc);
            if (set != 0) {
              const cap = setCapacity(size);
              for (let e: u32 = 0; e < cap; e++) {
                const bits = load<u64>(set + (<usize>e << 3));
                if (bits == EMPTY_BITS) continue;
                store<u64>(d, bits);
                d += 8;
              }
            }
          }
          store<f64>(base + <usize>(4 + a) * col + r, v);
        }
      }
      left -= k;
      c = load<i32>(chunkNext + (<usize>c << 2));
    }
  }
  xferDistinct = m;
  return n;
}

/** The number of distinct values the last `exportSlots` wrote. */
export function exportedDistinct(): i32 {
  return xferDistinct;
}

/** Writes the flagged windows to the transfer area (see above); returns their number. */
export function exportFlags(): i32 {
  const k = nPending + nEarly;
  const col = <usize>k << 3;
  const base = transfer(3 * col);
  let r: usize = 0;
  for (let i = 0; i < flagCount; i++) {
    const f = flagBase + <usize>i * FLAG_BYTES;
    const state = load<i32>(f, F_STATE);
    if (state == FLAG_NONE) continue;
    store<u64>(base + r, load<u64>(f, F_KEY));
    store<f64>(base + col + r, load<f64>(f, F_START));
    store<f64>(base + 2 * col + r, <f64>state);
    r += 8;
  }
  return k;
}

/**
 * Adds `n` slot rows (and `m` distinct values) from the transfer area to a kernel that has taken
 * no element: F = `fireAt`, D = `deadAt` (the smallest among the snapshots restored), arrival
 * numbers continue after `seq`. Windows the snapshot had fired beyond F (up to `partFire`) are
 * flagged EARLY so that they do not fire twice. Returns 0, or -1 for a slot given twice.
 */
export function importSlots(n: i32, m: i32, partFire: f64, fireAt: f64, deadAt: f64, seq: f64): i32 {
  fireWm = fireAt;
  deadWm = deadAt;
  if (seq > nextSeq) nextSeq = seq;
  forgetPaneCache();
  const base = xferBase;
  const col = <usize>n << 3;
  let d = base + <usize>(4 + nAccs) * col;
  const dEnd = d + (<usize>m << 3);
  for (let r: usize = 0; r < col; r += 8) {
    const p = load<f64>(base + r);
    const bits = canonicalKey(load<f64>(base + col + r));
    const at = lowerBound(p);
    const id = at < nPanes && startAt(at) == p ? load<i32>(order + (<usize>at << 2)) : createPane(p, at);
    const rec = paneRec(id);
    const h = hashKey(bits);
    if (lookup(rec, bits, h) >= 0) return -1;
    const table = <usize>load<u32>(rec, P_TABLE);
    const mask = load<u32>(rec, P_MASK);
    let k = h & mask;
    while (load<u32>(table + (<usize>k << 3), 4) != 0) k = (k + 1) & mask;
    const idx = createSlot(rec, table + (<usize>k << 3), h, bits, load<f64>(base + 2 * col + r));
    const s = heapBase + (<usize>idx << strideShift);
    store<f64>(s, load<f64>(base + 3 * col + r), S_COUNT);
    for (let a = 0; a < nAccs; a++) {
      const acc = s + <usize>load<i32>(ACC_OFF + (<usize>a << 2));
      const v = load<f64>(base + <usize>(4 + a) * col + r);
      if (load<i32>(ACC_KIND + (<usize>a << 2)) != K_DISTINCT) {
        store<f64>(acc, v);
        continue;
      }
      if (!(v >= 0) || d + (<usize>v << 3) > dEnd) return -1;
      for (let q = 0; q < <i32>v; q++, d += 8) setInsert(acc, canonicalKey(load<f64>(d)));
    }
    if (partFire > fireWm) {
      for (let j = jAbove(p, fireWm), last = jAtMost(p, partFire); j >= last; j--) {
        const w = p - <f64>j * slide;
        if (w + size - 1 > deadWm && flagState(bits, w) == FLAG_NONE) setFlag(bits, w, FLAG_EARLY);
      }
    }
  }
  recomputeNextDue();
  return d == dEnd ? 0 : -1;
}

/**
 * Adds `k` flagged windows from the transfer area, after their snapshot's `importSlots`: EARLY
 * stays EARLY; PENDING (changed since it fired) stays PENDING where the window ends at or before
 * F, and otherwise becomes unflagged — `fire` will fire it as a new window.
 */
export function importFlags(k: i32): void {
  const base = xferBase;
  const col = <usize>k << 3;
  for (let r: usize = 0; r < col; r += 8) {
    const bits = canonicalKey(load<f64>(base + r));
    const start = load<f64>(base + col + r);
    const state = <i32>load<f64>(base + 2 * col + r);
    if (!(start + size - 1 > deadWm)) continue;
    if (state == FLAG_EARLY) setFlag(bits, start, FLAG_EARLY);
    else if (state == FLAG_PENDING) setFlag(bits, start, start + size - 1 <= fireWm ? FLAG_PENDING : FLAG_NONE);
  }
  compactFlags();
}

/** F, the largest watermark given to `fire` (−∞ before the first). */
export function fireWatermark(): f64 {
  return fireWm;
}

/** D, the largest watermark windows are retired up to (−∞ before the first `evict`). */
export function retiredWatermark(): f64 {
  return deadWm;
}

/** The number of elements added so far: the next arrival number. */
export function arrivals(): f64 {
  return nextSeq;
}
