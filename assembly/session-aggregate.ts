// Keyed event-time session windows with built-in aggregates: the WebAssembly kernel behind
// src/wasm/session-aggregate-kernel.ts. Its contract is src/windowing/session-aggregation.ts; its
// JavaScript twin, src/windowing/session-table.ts, runs the same algorithm on the same arrays step
// for step, and the two agree bit for bit (test/wasm/session-aggregate.test.ts).
//
// It runs Flink's WindowOperator + MergingWindowSet + EventTimeTrigger for session windows as the
// keyed-state path does: a new element's window [ts, ts + gap) merges with the key's windows it
// overlaps or touches; the merged state is the leftmost window's merged with the fold of the others
// in start order; timers are modelled as (key, time) entries in creation order, so windows fire
// in the keyed-state timer service's order.
//
// ── Data structures (every array grows by doubling; the stub runtime never frees, so a grown
//    array's old block is left behind: at most as much again as the live arrays) ─────────────────
//
//  key directory: open addressing, linear probing, power-of-two capacity, grown at 1/2 full,
//  backward-shift deletion. dirBits: u64 canonical key bits (EMPTY = a NaN pattern no key has),
//  dirRec: i32 key record.
//
//  key record k:   kKey f64 │ kWin i32 (first window) │ kEnt i32 (first entry)   (free list via kWin)
//  window w:       wKey i32 (record, −1 = free) │ wStart f64 │ wEnd f64 │ wBits i32 │ wCount f64 │
//                  wNext i32 (next window of the key / free list) │ wAcc f64[w·nAggs + a]
//                  wBits: 1 = trigger timer at end − 1 pending, 2 = cleanup at end − 1 + lateness
//  timer entry e:  eKey i32 │ eTime f64 │ eSeq f64 (−1 = free) │ eRaw f64 (key as given) │
//                  eCount i32 (timers held, 1 or 2) │ eNext i32
//  heap: items of 3 f64s (time, seq, ticket), ordered by (time, seq). A live entry owns exactly
//                  one item through a ticket (tEnt: its entry, −1 once orphaned; tTime/tSeq: the
//                  key it was pushed with), with a key at most the entry's own: an entry made in
//                  the same element step as one is removed (a session's new end) adopts the removed
//                  one's item, and an item surfacing with a key below its entry's goes back in
//                  with the entry's key. So extending a session costs no heap operation.
//
//  input (the wrapper writes a batch here):  inBuf ─► │ keys f64[inCap] │ ts f64[inCap] │ col 0 │ … │
//  output (fired windows):                   outBuf ─► │ keys │ starts │ ends │ result 0 │ … │ (outCap each)
//  late element indices:                     lateBuf i32[inCap]
//  transfer (export / import of the state):  xfer f64[], columns back to back (see exportState)

// ── Knobs and encodings ─────────────────────────────────────────────────────────────────────────

@inline const MIN_INPUT: i32 = 1024;
@inline const MAX_AGGREGATES: i32 = 64;
@inline const NONE: i32 = -1;
@inline const TRIGGER: i32 = 1;
@inline const CLEANUP: i32 = 2;
@inline const K_COUNT: i32 = 0;
@inline const K_MIN: i32 = 2;
@inline const K_MAX: i32 = 3;
@inline const K_AVG: i32 = 4;
@inline const EMPTY_BITS: u64 = 0xffffffffffffffff;

/** (kind, input column) i32 pairs, one per aggregate, written by the wrapper before `configure`. */
const SPEC: usize = memory.data(MAX_AGGREGATES * 8);

// ── State ───────────────────────────────────────────────────────────────────────────────────────

// Configuration.
let gap: f64 = 0;
let lateness: f64 = 0;
let nAggs: i32 = 0;
let nCols: i32 = 0;
let kinds = new Int32Array(0);
let cols = new Int32Array(0);

// Key directory and records.
let dirBits = new Uint64Array(0);
let dirRec = new Int32Array(0);
let dirMask: i32 = 0;
let dirCount: i32 = 0;
let kKey = new Float64Array(16);
let kWin = new Int32Array(16);
let kEnt = new Int32Array(16);
let kUsed: i32 = 0;
let kFree: i32 = NONE;

// Windows.
let wKey = new Int32Array(16);
let wStart = new Float64Array(16);
let wEnd = new Float64Array(16);
let wBits = new Int32Array(16);
let wCount = new Float64Array(16);
let wNext = new Int32Array(16);
let wAcc = new Float64Array(0);
let wUsed: i32 = 0;
let wFree: i32 = NONE;
let live: i32 = 0;

// Timer entries.
let eKey = new Int32Array(16);
let eTime = new Float64Array(16);
let eSeq = new Float64Array(16);
let eRaw = new Float64Array(16);
let eCount = new Int32Array(16);
let eNext = new Int32Array(16);
let eTicket = new Int32Array(16);
let eUsed: i32 = 0;
let eFree: i32 = NONE;
let liveEntries: i32 = 0;
let nextSeq: f64 = 0;

// Heap and tickets.
let heap = new Float64Array(3 * 64);
let hSize: i32 = 0;
let tEnt = new Int32Array(64);
let tTime = new Float64Array(64);
let tSeq = new Float64Array(64);
let tNext = new Int32Array(64);
let tUsed: i32 = 0;
let tFree: i32 = NONE;
// Per element: entries made without an item yet, and the tickets of entries removed.
let pending = new Int32Array(8);
let nPending: i32 = 0;
let donors = new Int32Array(8);
let nDonors: i32 = 0;

// Input, output, scratch.
let inBuf = new Float64Array(0);
let inCap: i32 = 0;
let lateBuf = new Int32Array(0);
let lateN: i32 = 0;
let outBuf = new Float64Array(0);
let outCap: i32 = 0;
let outN: i32 = 0;
let merging = new Int32Array(8);
let xfer = new Float64Array(0);
let exported: i32 = 0;

// ── Configuration and buffers ───────────────────────────────────────────────────────────────────

export function spec(): usize {
  return SPEC;
}

/** Configures the kernel (once); the aggregates are in SPEC. Returns 0, or 1 for a bad configuration. */
export function configure(sessionGap: f64, allowedLateness: f64, aggregates: i32, columns: i32): i32 {
  if (!(sessionGap > 0) || !isFinite(sessionGap) || !(allowedLateness >= 0) || !isFinite(allowedLateness)) return 1;
  if (aggregates < 1 || aggregates > MAX_AGGREGATES || columns < 0) return 1;
  gap = sessionGap;
  lateness = allowedLateness;
  nAggs = aggregates;
  nCols = columns;
  kinds = new Int32Array(aggregates);
  cols = new Int32Array(aggregates);
  for (let a = 0; a < aggregates; a++) {
    const kind = load<i32>(SPEC + (<usize>a << 3));
    const col = load<i32>(SPEC + (<usize>a << 3) + 4);
    if (kind < K_COUNT || kind > K_AVG || (kind != K_COUNT && (col < 0 || col >= columns))) return 1;
    kinds[a] = kind;
    cols[a] = kind == K_COUNT ? 0 : col;
  }
  wAcc = new Float64Array(16 * aggregates);
  dirBits = new Uint64Array(16).fill(EMPTY_BITS);
  dirRec = new Int32Array(16);
  dirMask = 15;
  reserveInput(MIN_INPUT);
  growOutput(16);
  return 0;
}

/** Makes the input area hold at least `n` elements; returns its address. */
export function reserveInput(n: i32): usize {
  if (n > inCap) {
    const cap = n > MIN_INPUT ? n : MIN_INPUT;
    inBuf = new Float64Array(cap * (2 + nCols));
    lateBuf = new Int32Array(cap);
    inCap = cap;
  }
  return inBuf.dataStart;
}

export function inputCapacity(): i32 {
  return inCap;
}

export function output(): usize {
  return outBuf.dataStart;
}

export function outputCapacity(): i32 {
  return outCap;
}

export function late(): usize {
  return lateBuf.dataStart;
}

export function lateCount(): i32 {
  return lateN;
}

export function windows(): i32 {
  return live;
}

// ── Elements ────────────────────────────────────────────────────────────────────────────────────

/** Processes the first `n` elements of the input at `watermark`; returns the windows fired again. */
export function add(n: i32, watermark: f64): i32 {
  outN = 0;
  lateN = 0;
  const base = inBuf.dataStart;
  const cap = <usize>inCap;
  for (let i = 0; i < n; i++) {
    const raw = load<f64>(base + (<usize>i << 3));
    const ts = load<f64>(base + ((cap + <usize>i) << 3));
    const start = ts;
    const end = ts + gap;
    let k = findKey(raw);
    let m = 0;
    if (k != NONE) {
      for (let w = unchecked(kWin[k]); w != NONE; w = unchecked(wNext[w])) {
        if (unchecked(wStart[w]) <= end && unchecked(wEnd[w]) >= start) {
          if (m == merging.length) merging = grownI32(merging, 2 * m);
          unchecked((merging[m++] = w));
        }
      }
    }
    let w: i32;
    if (m == 0) {
      // A new window, dropped when already past its cleanup (Flink: isWindowLate).
      if (end - 1 + lateness <= watermark) {
        if (ts + lateness <= watermark) unchecked((lateBuf[lateN++] = i));
        continue;
      }
      if (k == NONE) k = newKey(raw);
      w = newWindow(k, start, end);
    } else if (m == 1 && unchecked(wStart[unchecked(merging[0])]) <= start && unchecked(wEnd[unchecked(merging[0])]) >= end) {
      w = unchecked(merging[0]);
    } else {
      w = merge(k, m, start, end, watermark, raw);
    }
    accumulate(w, i);
    const maxTimestamp = unchecked(wEnd[w]) - 1;
    // EventTimeTrigger.onElement: fire at once past the watermark, else a timer at the end.
    if (maxTimestamp <= watermark) emit(raw, w);
    else register(w, TRIGGER, raw);
    register(w, CLEANUP, raw);
    if (nPending > 0 || nDonors > 0) settleItems();
  }
  compactHeapIfStale();
  return outN;
}

/** Fires and cleans up every timer at or below `watermark`; returns the windows fired. */
export function fire(watermark: f64): i32 {
  outN = 0;
  while (hSize > 0 && unchecked(heap[0]) <= watermark) {
    const time = unchecked(heap[0]);
    const seq = unchecked(heap[1]);
    const q = <i32>unchecked(heap[2]);
    pop();
    const e = unchecked(tEnt[q]);
    if (e == NONE) {
      freeTicket(q);
      continue;
    }
    if (unchecked(eTime[e]) != time || unchecked(eSeq[e]) != seq) {
      // Surfaced early (adopted from an entry with a smaller key): back in with the entry's key.
      unchecked((tTime[q] = eTime[e]));
      unchecked((tSeq[q] = eSeq[e]));
      push(unchecked(eTime[e]), unchecked(eSeq[e]), q);
      continue;
    }
    freeTicket(q);
    unchecked((eTicket[e] = NONE));
    const k = unchecked(eKey[e]);
    const raw = unchecked(eRaw[e]);
    unlinkEntry(k, e);
    let w = unchecked(kWin[k]);
    while (w != NONE) {
      const next = unchecked(wNext[w]);
      const t1 = unchecked(wEnd[w]) - 1;
      const t2 = t1 + lateness;
      const bits = unchecked(wBits[w]);
      if (((bits & TRIGGER) != 0 && t1 == time) || ((bits & CLEANUP) != 0 && t2 == time)) {
        unchecked((wBits[w] = bits & ~(t1 == time ? TRIGGER : 0) & ~(t2 == time ? CLEANUP : 0)));
        if (t1 == time) emit(raw, w);
        if (t2 == time) retire(k, w);
      }
      w = next;
    }
    if (unchecked(kWin[k]) == NONE && unchecked(kEnt[k]) == NONE) freeKey(k);
  }
  compactHeapIfStale();
  return outN;
}

// ── Windows ─────────────────────────────────────────────────────────────────────────────────────

/** Merges the `m` windows in `merging` with [start, end) into their cover (see the twin's `merge`). */
function merge(k: i32, m: i32, start: f64, end: f64, watermark: f64, raw: f64): i32 {
  for (let i = 1; i < m; i++) {
    const w = unchecked(merging[i]);
    let j = i - 1;
    while (j >= 0 && unchecked(wStart[unchecked(merging[j])]) > unchecked(wStart[w])) {
      unchecked((merging[j + 1] = merging[j]));
      j--;
    }
    unchecked((merging[j + 1] = w));
  }
  let coverStart = start;
  let coverEnd = end;
  for (let i = 0; i < m; i++) {
    const w = unchecked(merging[i]);
    if (unchecked(wStart[w]) < coverStart) coverStart = unchecked(wStart[w]);
    if (unchecked(wEnd[w]) > coverEnd) coverEnd = unchecked(wEnd[w]);
  }
  let bits: i32 = 0;
  if (coverEnd - 1 > watermark) {
    entryAdd(k, coverEnd - 1, raw);
    bits = TRIGGER;
  }
  for (let i = 0; i < m; i++) deleteTimers(k, unchecked(merging[i]));
  const target = unchecked(merging[0]);
  if (m > 1) {
    const t = target * nAggs;
    let count = unchecked(wCount[unchecked(merging[1])]);
    for (let i = 2; i < m; i++) count += unchecked(wCount[unchecked(merging[i])]);
    unchecked((wCount[target] = wCount[target] + count));
    for (let a = 0; a < nAggs; a++) {
      const kind = unchecked(kinds[a]);
      if (kind == K_COUNT) continue;
      let merged = unchecked(wAcc[unchecked(merging[1]) * nAggs + a]);
      for (let i = 2; i < m; i++) merged = mergeAcc(kind, merged, unchecked(wAcc[unchecked(merging[i]) * nAggs + a]));
      unchecked((wAcc[t + a] = mergeAcc(kind, wAcc[t + a], merged)));
    }
    for (let i = 1; i < m; i++) retire(k, unchecked(merging[i]));
  }
  unchecked((wStart[target] = coverStart));
  unchecked((wEnd[target] = coverEnd));
  unchecked((wBits[target] = bits));
  return target;
}

@inline
function mergeAcc(kind: i32, a: f64, b: f64): f64 {
  return kind == K_MIN ? Math.min(a, b) : kind == K_MAX ? Math.max(a, b) : a + b;
}

@inline
function identity(kind: i32): f64 {
  return kind == K_MIN ? Infinity : kind == K_MAX ? -Infinity : 0;
}

function accumulate(w: i32, i: i32): void {
  unchecked((wCount[w] = wCount[w] + 1));
  const base = w * nAggs;
  const inBase = inBuf.dataStart;
  const cap = <usize>inCap;
  for (let a = 0; a < nAggs; a++) {
    const kind = unchecked(kinds[a]);
    if (kind == K_COUNT) continue;
    const x = load<f64>(inBase + (((2 + <usize>unchecked(cols[a])) * cap + <usize>i) << 3));
    const v = unchecked(wAcc[base + a]);
    unchecked((wAcc[base + a] = kind == K_MIN ? Math.min(v, x) : kind == K_MAX ? Math.max(v, x) : v + x));
  }
}

function emit(raw: f64, w: i32): void {
  if (outN == outCap) growOutput(2 * outCap);
  const b = outBuf.dataStart;
  const cap = <usize>outCap;
  const c = <usize>outN;
  outN++;
  store<f64>(b + (c << 3), raw);
  store<f64>(b + ((cap + c) << 3), unchecked(wStart[w]));
  store<f64>(b + ((2 * cap + c) << 3), unchecked(wEnd[w]));
  const base = w * nAggs;
  for (let a = 0; a < nAggs; a++) {
    const kind = unchecked(kinds[a]);
    const r = kind == K_COUNT ? unchecked(wCount[w]) : kind <= K_MAX ? unchecked(wAcc[base + a]) : unchecked(wAcc[base + a]) / unchecked(wCount[w]);
    store<f64>(b + (((3 + <usize>a) * cap + c) << 3), r);
  }
}

function growOutput(cap: i32): void {
  const grown = new Float64Array(cap * (3 + nAggs));
  for (let col = 0; col < 3 + nAggs; col++) {
    for (let i = 0; i < outN; i++) unchecked((grown[col * cap + i] = outBuf[col * outCap + i]));
  }
  outBuf = grown;
  outCap = cap;
}

function newWindow(k: i32, start: f64, end: f64): i32 {
  let w = wFree;
  if (w != NONE) wFree = unchecked(wNext[w]);
  else {
    if (wUsed == wKey.length) growWindows();
    w = wUsed++;
  }
  unchecked((wKey[w] = k));
  unchecked((wStart[w] = start));
  unchecked((wEnd[w] = end));
  unchecked((wBits[w] = 0));
  unchecked((wCount[w] = 0));
  const base = w * nAggs;
  for (let a = 0; a < nAggs; a++) unchecked((wAcc[base + a] = identity(kinds[a])));
  unchecked((wNext[w] = kWin[k]));
  unchecked((kWin[k] = w));
  live++;
  return w;
}

function retire(k: i32, w: i32): void {
  let prev = NONE;
  for (let v = unchecked(kWin[k]); v != w; v = unchecked(wNext[v])) prev = v;
  if (prev == NONE) unchecked((kWin[k] = wNext[w]));
  else unchecked((wNext[prev] = wNext[w]));
  unchecked((wKey[w] = NONE));
  unchecked((wNext[w] = wFree));
  wFree = w;
  live--;
}

function growWindows(): void {
  const cap = 2 * wKey.length;
  wKey = grownI32(wKey, cap);
  wStart = grownF64(wStart, cap);
  wEnd = grownF64(wEnd, cap);
  wBits = grownI32(wBits, cap);
  wCount = grownF64(wCount, cap);
  wNext = grownI32(wNext, cap);
  wAcc = grownF64(wAcc, cap * nAggs);
}

// ── Timers ──────────────────────────────────────────────────────────────────────────────────────

function register(w: i32, which: i32, raw: f64): void {
  const bits = unchecked(wBits[w]);
  if ((bits & which) != 0) return;
  const t1 = unchecked(wEnd[w]) - 1;
  const t2 = t1 + lateness;
  const time = which == TRIGGER ? t1 : t2;
  // Flink registers no cleanup timer at +∞.
  if (which == CLEANUP && time == Infinity) return;
  unchecked((wBits[w] = bits | which));
  if ((bits & (TRIGGER | CLEANUP)) != 0 && t1 == t2) return;
  entryAdd(unchecked(wKey[w]), time, raw);
}

function deleteTimers(k: i32, w: i32): void {
  const bits = unchecked(wBits[w]);
  const t1 = unchecked(wEnd[w]) - 1;
  const t2 = t1 + lateness;
  if ((bits & TRIGGER) != 0) entryRemove(k, t1);
  if ((bits & CLEANUP) != 0 && !((bits & TRIGGER) != 0 && t1 == t2)) entryRemove(k, t2);
  unchecked((wBits[w] = 0));
}

function entryAdd(k: i32, time: f64, raw: f64): void {
  for (let e = unchecked(kEnt[k]); e != NONE; e = unchecked(eNext[e])) {
    if (unchecked(eTime[e]) == time) {
      unchecked((eCount[e] = eCount[e] + 1));
      return;
    }
  }
  const e = newEntry(k, time, nextSeq, raw);
  nextSeq += 1;
  unchecked((eCount[e] = 1));
  if (nPending == pending.length) pending = grownI32(pending, 2 * nPending);
  unchecked((pending[nPending++] = e));
}

function entryRemove(k: i32, time: f64): void {
  for (let e = unchecked(kEnt[k]); e != NONE; e = unchecked(eNext[e])) {
    if (unchecked(eTime[e]) == time) {
      const c = unchecked(eCount[e]) - 1;
      unchecked((eCount[e] = c));
      if (c == 0) unlinkEntry(k, e);
      return;
    }
  }
}

function newEntry(k: i32, time: f64, seq: f64, raw: f64): i32 {
  let e = eFree;
  if (e != NONE) eFree = unchecked(eNext[e]);
  else {
    if (eUsed == eKey.length) growEntries();
    e = eUsed++;
  }
  unchecked((eKey[e] = k));
  unchecked((eTime[e] = time));
  unchecked((eSeq[e] = seq));
  unchecked((eRaw[e] = raw));
  unchecked((eNext[e] = kEnt[k]));
  unchecked((eTicket[e] = NONE));
  unchecked((kEnt[k] = e));
  liveEntries++;
  return e;
}

function unlinkEntry(k: i32, e: i32): void {
  let prev = NONE;
  for (let f = unchecked(kEnt[k]); f != e; f = unchecked(eNext[f])) prev = f;
  if (prev == NONE) unchecked((kEnt[k] = eNext[e]));
  else unchecked((eNext[prev] = eNext[e]));
  const q = unchecked(eTicket[e]);
  if (q != NONE) {
    // Its item stays in the heap, for an entry made in the same step to adopt (else an orphan).
    unchecked((tEnt[q] = NONE));
    if (nDonors == donors.length) donors = grownI32(donors, 2 * nDonors);
    unchecked((donors[nDonors++] = q));
  }
  unchecked((eSeq[e] = -1));
  unchecked((eNext[e] = eFree));
  eFree = e;
  liveEntries--;
}

/** Gives each entry made in this step an item: a removed entry's, if its key is not above the entry's, else a new one. */
function settleItems(): void {
  for (let p = 0; p < nPending; p++) {
    const e = unchecked(pending[p]);
    if (unchecked(eSeq[e]) < 0 || unchecked(eTicket[e]) != NONE) continue;
    const time = unchecked(eTime[e]);
    const seq = unchecked(eSeq[e]);
    let adopted = false;
    for (let d = 0; d < nDonors; d++) {
      const q = unchecked(donors[d]);
      if (q == NONE || unchecked(tTime[q]) > time || (unchecked(tTime[q]) == time && unchecked(tSeq[q]) > seq)) continue;
      unchecked((tEnt[q] = e));
      unchecked((eTicket[e] = q));
      unchecked((donors[d] = NONE));
      adopted = true;
      break;
    }
    if (!adopted) giveItem(e);
  }
  nPending = 0;
  nDonors = 0;
}

/** A new heap item for entry `e`, with its key. */
function giveItem(e: i32): void {
  let q = tFree;
  if (q != NONE) tFree = unchecked(tNext[q]);
  else {
    if (tUsed == tEnt.length) {
      const cap = 2 * tUsed;
      tEnt = grownI32(tEnt, cap);
      tTime = grownF64(tTime, cap);
      tSeq = grownF64(tSeq, cap);
      tNext = grownI32(tNext, cap);
    }
    q = tUsed++;
  }
  unchecked((tEnt[q] = e));
  unchecked((tTime[q] = eTime[e]));
  unchecked((tSeq[q] = eSeq[e]));
  unchecked((eTicket[e] = q));
  push(unchecked(eTime[e]), unchecked(eSeq[e]), q);
}

function freeTicket(q: i32): void {
  unchecked((tNext[q] = tFree));
  tFree = q;
}

function growEntries(): void {
  const cap = 2 * eKey.length;
  eKey = grownI32(eKey, cap);
  eTime = grownF64(eTime, cap);
  eSeq = grownF64(eSeq, cap);
  eRaw = grownF64(eRaw, cap);
  eCount = grownI32(eCount, cap);
  eNext = grownI32(eNext, cap);
  eTicket = grownI32(eTicket, cap);
}

// ── Heap ────────────────────────────────────────────────────────────────────────────────────────

function push(time: f64, seq: f64, q: i32): void {
  if (3 * hSize == heap.length) heap = grownF64(heap, 2 * heap.length);
  let i = hSize++;
  while (i > 0) {
    const p = (i - 1) >> 1;
    const pt = unchecked(heap[3 * p]);
    if (pt < time || (pt == time && unchecked(heap[3 * p + 1]) < seq)) break;
    unchecked((heap[3 * i] = pt));
    unchecked((heap[3 * i + 1] = heap[3 * p + 1]));
    unchecked((heap[3 * i + 2] = heap[3 * p + 2]));
    i = p;
  }
  unchecked((heap[3 * i] = time));
  unchecked((heap[3 * i + 1] = seq));
  unchecked((heap[3 * i + 2] = <f64>q));
}

function pop(): void {
  const n = --hSize;
  if (n == 0) return;
  const time = unchecked(heap[3 * n]);
  const seq = unchecked(heap[3 * n + 1]);
  const q = unchecked(heap[3 * n + 2]);
  let i = 0;
  for (;;) {
    let c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n) {
      const a = unchecked(heap[3 * c]);
      const b = unchecked(heap[3 * c + 3]);
      if (b < a || (b == a && unchecked(heap[3 * c + 4]) < unchecked(heap[3 * c + 1]))) c++;
    }
    const ct = unchecked(heap[3 * c]);
    if (time < ct || (time == ct && seq < unchecked(heap[3 * c + 1]))) break;
    unchecked((heap[3 * i] = ct));
    unchecked((heap[3 * i + 1] = heap[3 * c + 1]));
    unchecked((heap[3 * i + 2] = heap[3 * c + 2]));
    i = c;
  }
  unchecked((heap[3 * i] = time));
  unchecked((heap[3 * i + 1] = seq));
  unchecked((heap[3 * i + 2] = q));
}

/** Rebuilds the heap from the live entries when orphaned items outnumber them 3 to 1. */
function compactHeapIfStale(): void {
  if (hSize <= 64 || hSize <= 4 * liveEntries) return;
  hSize = 0;
  tUsed = 0;
  tFree = NONE;
  for (let e = 0; e < eUsed; e++) if (unchecked(eSeq[e]) >= 0) giveItem(e);
}

// ── Keys ────────────────────────────────────────────────────────────────────────────────────────

@inline
function keyBits(raw: f64): u64 {
  return raw == 0 ? 0 : reinterpret<u64>(raw);
}

@inline
function hashBits(bits: u64): i32 {
  let h = bits ^ (bits >>> 33);
  h *= 0xff51afd7ed558ccd;
  h ^= h >>> 33;
  h *= 0xc4ceb9fe1a85ec53;
  h ^= h >>> 33;
  return <i32>h;
}

function findKey(raw: f64): i32 {
  const bits = keyBits(raw);
  let i = hashBits(bits) & dirMask;
  let b = unchecked(dirBits[i]);
  while (b != bits) {
    if (b == EMPTY_BITS) return NONE;
    i = (i + 1) & dirMask;
    b = unchecked(dirBits[i]);
  }
  return unchecked(dirRec[i]);
}

function dirInsert(bits: u64, k: i32): void {
  let i = hashBits(bits) & dirMask;
  while (unchecked(dirBits[i]) != EMPTY_BITS) i = (i + 1) & dirMask;
  unchecked((dirBits[i] = bits));
  unchecked((dirRec[i] = k));
}

function newKey(raw: f64): i32 {
  let k = kFree;
  if (k != NONE) kFree = unchecked(kWin[k]);
  else {
    if (kUsed == kKey.length) {
      const cap = 2 * kUsed;
      kKey = grownF64(kKey, cap);
      kWin = grownI32(kWin, cap);
      kEnt = grownI32(kEnt, cap);
    }
    k = kUsed++;
  }
  const key: f64 = raw == 0 ? 0 : raw;
  unchecked((kKey[k] = key));
  unchecked((kWin[k] = NONE));
  unchecked((kEnt[k] = NONE));
  if (2 * (dirCount + 1) > dirMask + 1) growDirectory();
  dirInsert(keyBits(key), k);
  dirCount++;
  return k;
}

function freeKey(k: i32): void {
  // Backward-shift deletion: later entries of the probe run move up into the hole.
  const bits = keyBits(unchecked(kKey[k]));
  let i = hashBits(bits) & dirMask;
  while (unchecked(dirBits[i]) != bits) i = (i + 1) & dirMask;
  let j = i;
  for (;;) {
    j = (j + 1) & dirMask;
    const b = unchecked(dirBits[j]);
    if (b == EMPTY_BITS) break;
    const home = hashBits(b) & dirMask;
    // Move j into the hole i unless its home lies cyclically in (i, j].
    if (((j - home) & dirMask) >= ((j - i) & dirMask)) {
      unchecked((dirBits[i] = b));
      unchecked((dirRec[i] = dirRec[j]));
      i = j;
    }
  }
  unchecked((dirBits[i] = EMPTY_BITS));
  dirCount--;
  unchecked((kWin[k] = kFree));
  kFree = k;
}

function growDirectory(): void {
  const oldBits = dirBits;
  const oldRec = dirRec;
  const cap = 2 * (dirMask + 1);
  dirBits = new Uint64Array(cap).fill(EMPTY_BITS);
  dirRec = new Int32Array(cap);
  dirMask = cap - 1;
  for (let i = 0; i < oldBits.length; i++) {
    const b = unchecked(oldBits[i]);
    if (b != EMPTY_BITS) dirInsert(b, unchecked(oldRec[i]));
  }
}

// ── State transfer ──────────────────────────────────────────────────────────────────────────────

/** A transfer area of at least `n` f64s; returns its address. */
export function transfer(n: i32): usize {
  if (n > xfer.length) xfer = new Float64Array(n);
  return xfer.dataStart;
}

export function transferAddress(): usize {
  return xfer.dataStart;
}

/**
 * Writes the state into the transfer area: the windows' columns (key, start, end, bits, count,
 * accumulator 0 … nAggs − 1; `windows()` long each), then the entries' (key, time, seq, raw,
 * count; `exportedEntries()` long each). Returns the number of windows.
 */
export function exportState(): i32 {
  const n = live;
  const m = liveEntries;
  transfer((5 + nAggs) * n + 5 * m);
  let i = 0;
  for (let w = 0; w < wUsed; w++) {
    if (unchecked(wKey[w]) == NONE) continue;
    unchecked((xfer[i] = kKey[wKey[w]]));
    unchecked((xfer[n + i] = wStart[w]));
    unchecked((xfer[2 * n + i] = wEnd[w]));
    unchecked((xfer[3 * n + i] = <f64>wBits[w]));
    unchecked((xfer[4 * n + i] = wCount[w]));
    for (let a = 0; a < nAggs; a++) unchecked((xfer[(5 + a) * n + i] = wAcc[w * nAggs + a]));
    i++;
  }
  const b = (5 + nAggs) * n;
  let j = 0;
  for (let e = 0; e < eUsed; e++) {
    if (unchecked(eSeq[e]) < 0) continue;
    unchecked((xfer[b + j] = kKey[eKey[e]]));
    unchecked((xfer[b + m + j] = eTime[e]));
    unchecked((xfer[b + 2 * m + j] = eSeq[e]));
    unchecked((xfer[b + 3 * m + j] = eRaw[e]));
    unchecked((xfer[b + 4 * m + j] = <f64>eCount[e]));
    j++;
  }
  exported = m;
  return n;
}

export function exportedEntries(): i32 {
  return exported;
}

/**
 * Imports `n` windows and `m` entries from the transfer area (the layout of `exportState`; the
 * wrapper has checked the columns). Returns 0, or 1 for an entry of a key without windows.
 */
export function importState(n: i32, m: i32): i32 {
  for (let i = 0; i < n; i++) {
    const key = unchecked(xfer[i]);
    let k = findKey(key);
    if (k == NONE) k = newKey(key);
    const w = newWindow(k, unchecked(xfer[n + i]), unchecked(xfer[2 * n + i]));
    unchecked((wBits[w] = <i32>xfer[3 * n + i]));
    unchecked((wCount[w] = xfer[4 * n + i]));
    for (let a = 0; a < nAggs; a++) unchecked((wAcc[w * nAggs + a] = xfer[(5 + a) * n + i]));
  }
  const b = (5 + nAggs) * n;
  for (let j = 0; j < m; j++) {
    const k = findKey(unchecked(xfer[b + j]));
    if (k == NONE) return 1;
    const seq = unchecked(xfer[b + 2 * m + j]);
    const e = newEntry(k, unchecked(xfer[b + m + j]), seq, unchecked(xfer[b + 3 * m + j]));
    unchecked((eCount[e] = <i32>xfer[b + 4 * m + j]));
    giveItem(e);
    if (seq >= nextSeq) nextSeq = seq + 1;
  }
  return 0;
}

// ── Helpers ─────────────────────────────────────────────────────────────────────────────────────

function grownF64(a: Float64Array, cap: i32): Float64Array {
  const g = new Float64Array(cap);
  const n = a.length < cap ? a.length : cap;
  memory.copy(g.dataStart, a.dataStart, <usize>n << 3);
  return g;
}

function grownI32(a: Int32Array, cap: i32): Int32Array {
  const g = new Int32Array(cap);
  const n = a.length < cap ? a.length : cap;
  memory.copy(g.dataStart, a.dataStart, <usize>n << 2);
  return g;
}
