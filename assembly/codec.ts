// The hot loops of sluice's batch codec (src/codec/batch-codec.ts, wrapped by
// src/codec/codec-kernel.ts): the CRC-32C of a whole encoded batch, and the validation of its string
// columns — UTF-8 well-formedness, dictionary offsets, dictionary indices. The codec copies the
// encoded batch into linear memory once and calls these with byte offsets into it.
//
// Linear memory (no GC, no allocator; the stub runtime only lays out static data):
//
//   0            TABLES (static)          __heap_base ↑16
//   ┌────────────┬────────────────────────┬──────────────────────────────────────────────┐
//   │ (unused)   │ CRC-32C tables, 16 KiB │ scratch: the batch being encoded/decoded ... │ → grows
//   └────────────┴────────────────────────┴──────────────────────────────────────────────┘
//
// `reserve(bytes)` grows the memory so the scratch region holds `bytes`, and returns its address.
// The region is reused by every call; memory never shrinks.

import { crc32c as crc32cImpl, initCrc32cTables } from './lib/codec-crc32c';
import { checkIndices as checkIndicesImpl, checkOffsets as checkOffsetsImpl } from './lib/codec-columns';
import { validateUtf8 as validateUtf8Impl } from './lib/codec-utf8';

initCrc32cTables();

/** Bytes per WebAssembly page. */
@inline const PAGE: usize = 65536;

/**
 * Grows the memory so that `bytes` bytes fit in the scratch region; returns its (16-aligned)
 * address, or 0 if the memory cannot grow that far.
 */
export function reserve(bytes: usize): usize {
  const base = (__heap_base + 15) & ~<usize>15;
  const end = <u64>base + <u64>bytes;
  if (end > <u64>0xffff_ffff) return 0;
  const needed = <i32>((end + <u64>(PAGE - 1)) / <u64>PAGE) - memory.size();
  if (needed > 0 && memory.grow(needed) < 0) return 0;
  return base;
}

/** CRC-32C of `len` bytes at `ptr`, continuing `crc` (0 to start). */
export function crc32c(crc: u32, ptr: usize, len: usize): u32 {
  return crc32cImpl(crc, ptr, len);
}

/** -1: valid ASCII; -2: valid UTF-8, not all ASCII; else offset of the first ill-formed sequence. */
export function validateUtf8(ptr: usize, len: usize): i32 {
  return validateUtf8Impl(ptr, len);
}

/** -1 if the `d + 1` dictionary offsets are sound for `bytesLen` bytes; else the first bad one. */
export function checkOffsets(offsetsPtr: usize, d: i32, bytesPtr: usize, bytesLen: i32, ascii: bool): i32 {
  return checkOffsetsImpl(offsetsPtr, d, bytesPtr, bytesLen, ascii);
}

/** -1 if every non-null row's index is below `d`; else the first row whose index is not. */
export function checkIndices(indicesPtr: usize, n: i32, d: i32, validityPtr: usize): i32 {
  return checkIndicesImpl(indicesPtr, n, d, validityPtr);
}
