// Structural checks of a decoded batch's dictionary columns, over the whole column at once. The JS
// twins (src/codec/codec-kernel.ts) return the same values.
//
//   dictionary of d strings:
//     offsets: i32[d + 1]   0 = o[0] <= o[1] <= ... <= o[d] = bytesLen
//     bytes:   u8[bytesLen] entry k = bytes[o[k], o[k+1]); no o[k] < bytesLen may point at a
//                           UTF-8 continuation byte (10xxxxxx), so every entry is well-formed alone
//   indices:  i32[n]        0 <= indices[i] < d wherever the validity bit of row i is set
//   validity: u8[⌈n/8⌉]     bit i (LSB first) set = row i non-null

/**
 * Checks the `d + 1` offsets at `offsetsPtr` against the `bytesLen` string bytes at `bytesPtr`:
 * -1 if they are sound, else the index of the first offset that is not. `ascii`: the bytes are known
 * to be ASCII (validated), so no offset can land on a continuation byte and the order checks run
 * four offsets at a time.
 */
export function checkOffsets(offsetsPtr: usize, d: i32, bytesPtr: usize, bytesLen: i32, ascii: bool): i32 {
  if (load<i32>(offsetsPtr) != 0) return 0;
  let k: i32 = 1;
  if (ASC_FEATURE_SIMD && ascii) {
    const limit = i32x4.splat(bytesLen);
    while (d - k >= 3) {
      const p = offsetsPtr + (<usize>k << 2);
      const cur = v128.load(p);
      const prev = v128.load(p - 4);
      if (v128.any_true(v128.or(i32x4.lt_s(cur, prev), i32x4.gt_s(cur, limit)))) break; // the scalar loop finds which
      k += 4;
    }
  }
  let prev = load<i32>(offsetsPtr + (<usize>(k - 1) << 2));
  for (; k <= d; k++) {
    const o = load<i32>(offsetsPtr + (<usize>k << 2));
    if (o < prev || o > bytesLen) return k;
    if (!ascii && o < bytesLen && (load<u8>(bytesPtr + <usize>o) & 0xc0) == 0x80) return k;
    prev = o;
  }
  return prev == bytesLen ? -1 : d;
}

/**
 * Checks the `n` dictionary indices at `indicesPtr` against a dictionary of `d` strings: -1 if each
 * non-null row's index is in [0, d), else the first row whose index is not. `validityPtr` is 0 when
 * every row is non-null (address 0 never holds a column: it is static data).
 */
export function checkIndices(indicesPtr: usize, n: i32, d: i32, validityPtr: usize): i32 {
  let i: i32 = 0;
  if (ASC_FEATURE_SIMD) {
    // 8 rows per step: one validity byte, two vectors of indices; a mixed or failing group of 8
    // falls through to the scalar check of those rows.
    const limit = i32x4.splat(d);
    while (n - i >= 8) {
      const bits: u32 = validityPtr == 0 ? 0xff : <u32>load<u8>(validityPtr + (<usize>i >>> 3));
      if (bits != 0) {
        const p = indicesPtr + (<usize>i << 2);
        const bad = v128.or(i32x4.ge_u(v128.load(p), limit), i32x4.ge_u(v128.load(p, 16), limit));
        if (v128.any_true(bad)) {
          const row = checkRows(indicesPtr, i, i + 8, d, validityPtr);
          if (row >= 0) return row;
        }
      }
      i += 8;
    }
  }
  return checkRows(indicesPtr, i, n, d, validityPtr);
}

@inline
function checkRows(indicesPtr: usize, from: i32, to: i32, d: i32, validityPtr: usize): i32 {
  for (let i = from; i < to; i++) {
    if (validityPtr != 0 && (load<u8>(validityPtr + (<usize>i >>> 3)) & (1 << (i & 7))) == 0) continue;
    if (<u32>load<i32>(indicesPtr + (<usize>i << 2)) >= <u32>d) return i;
  }
  return -1;
}
