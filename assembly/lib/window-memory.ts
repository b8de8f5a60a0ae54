// A power-of-two block allocator over linear memory, for the window-aggregation kernel
// (assembly/window-aggregate.ts). The kernel builds with `--runtime stub`, whose heap never frees,
// while its regions (slot heap, per-pane index tables, output columns, …) grow by doubling and die
// with their pane: a freed block of size 2^c is kept on the free list of class c and handed out
// again by the next request of that class, so a steady stream of panes reuses the same memory.
//
//   0          FREE_LISTS (static)       __heap_base ↑64                top         memory.size()
//   ┌──────────┬─────────────────────────┬─────────┬─────────┬─────┬────┬───────────────┐
//   │ (unused) │ heads of 32 free lists  │ block 2^a│ block 2^b│ ... │    │ (not yet used) │
//   └──────────┴─────────────────────────┴─────────┴─────────┴─────┴────┴───────────────┘
//                 head[c] ─► free block ─► free block ─► 0   (a free block's first 4 bytes link on)
//
// A block of 2^c bytes starts at a multiple of min(2^c, 64): slots and table entries never
// straddle a cache line more than their size forces. Blocks are never split or coalesced.

/** The smallest block: 16 bytes. */
@inline const MIN_CLASS: i32 = 4;
/** Bytes per WebAssembly page. */
@inline const PAGE_SHIFT: i32 = 16;
/**
 * Grow the memory by at least 1/GROW_DIVISOR of its size: doubling. Each growth gives JavaScript a
 * new ArrayBuffer of the whole memory, which V8 counts as that much new external memory until a
 * full collection; growing by a quarter counted ~5× the final size, and a sliding window's kernel
 * at 10M events drove 2–3 full collections of the whole heap for "external memory pressure"
 * (1.9–2.2 s for the job instead of 3.3–3.6 s). Pages grown but not yet touched cost no RAM.
 */
@inline const GROW_DIVISOR: i32 = 1;

const FREE_LISTS: usize = memory.data(32 * 4);
let top: usize = 0;

@inline
function classOf(bytes: usize): i32 {
  const c = 32 - <i32>clz<u32>(<u32>bytes - 1);
  return c < MIN_CLASS ? MIN_CLASS : c;
}

/** A block of at least `bytes` bytes (contents undefined); traps when the memory cannot grow. */
export function allocBlock(bytes: usize): usize {
  const c = classOf(bytes);
  const list = FREE_LISTS + (<usize>c << 2);
  const head = <usize>load<u32>(list);
  if (head != 0) {
    store<u32>(list, load<u32>(head));
    return head;
  }
  if (top == 0) top = (__heap_base + 63) & ~<usize>63;
  const size = <usize>1 << c;
  const align: usize = size < 64 ? size : 64;
  const ptr = (top + align - 1) & ~(align - 1);
  const end = ptr + size;
  if (end < ptr) unreachable();
  const have = memory.size();
  const needed = <i32>((end + 0xffff) >>> PAGE_SHIFT) - have;
  if (needed > 0) {
    const step = have / GROW_DIVISOR;
    if (memory.grow(needed > step ? needed : step) < 0 && memory.grow(needed) < 0) unreachable();
  }
  top = end;
  return ptr;
}

/** Returns a block of `bytes` (the size it was allocated with) to its free list. */
export function freeBlock(ptr: usize, bytes: usize): void {
  if (ptr == 0) return;
  const list = FREE_LISTS + (<usize>classOf(bytes) << 2);
  store<u32>(ptr, load<u32>(list));
  store<u32>(list, <u32>ptr);
}
