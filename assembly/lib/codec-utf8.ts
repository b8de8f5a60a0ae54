// UTF-8 validation of a batch's string bytes (the dictionaries of utf8 columns), as the Unicode
// standard defines well-formed UTF-8 (Table 3-7): no overlong forms, no surrogates (U+D800..DFFF),
// nothing above U+10FFFF, no truncated sequence. ASCII runs — most real text — are skipped 16 bytes
// at a time with one SIMD test of the high bits.
//
//   lead byte   continuation bytes                 code points
//   00..7F      —                                  U+0000..007F
//   C2..DF      80..BF                             U+0080..07FF
//   E0          A0..BF  80..BF                     U+0800..0FFF
//   E1..EC EE EF 80..BF 80..BF                     U+1000..FFFF without surrogates
//   ED          80..9F  80..BF                     U+D000..D7FF
//   F0          90..BF  80..BF 80..BF              U+10000..3FFFF
//   F1..F3      80..BF  80..BF 80..BF              U+40000..FFFFF
//   F4          80..8F  80..BF 80..BF              U+100000..10FFFF
//
// The JS twin (`validateUtf8` in src/codec/codec-kernel.ts) returns the same values.

/** The bytes are valid and all ASCII. */
@inline export const UTF8_ASCII: i32 = -1;
/** The bytes are valid UTF-8 with at least one multi-byte sequence. */
@inline export const UTF8_VALID: i32 = -2;

@inline
function inRange(b: u32, lo: u32, hi: u32): bool {
  return b - lo <= hi - lo;
}

/**
 * Validates `len` bytes at `ptr`: UTF8_ASCII, UTF8_VALID, or the offset (from `ptr`) of the first
 * byte of the first ill-formed sequence.
 */
export function validateUtf8(ptr: usize, len: usize): i32 {
  let i: usize = 0;
  let ascii = true;
  while (i < len) {
    if (ASC_FEATURE_SIMD) {
      while (len - i >= 16 && i8x16.bitmask(v128.load(ptr + i)) == 0) i += 16;
      if (i >= len) break;
    }
    const b0 = <u32>load<u8>(ptr + i);
    if (b0 < 0x80) {
      i++;
      continue;
    }
    ascii = false;
    const rest = len - i;
    if (inRange(b0, 0xc2, 0xdf)) {
      if (rest < 2 || !inRange(<u32>load<u8>(ptr + i, 1), 0x80, 0xbf)) return <i32>i;
      i += 2;
    } else if (inRange(b0, 0xe0, 0xef)) {
      if (rest < 3) return <i32>i;
      const b1 = <u32>load<u8>(ptr + i, 1);
      const lo: u32 = b0 == 0xe0 ? 0xa0 : 0x80;
      const hi: u32 = b0 == 0xed ? 0x9f : 0xbf;
      if (!inRange(b1, lo, hi) || !inRange(<u32>load<u8>(ptr + i, 2), 0x80, 0xbf)) return <i32>i;
      i += 3;
    } else if (inRange(b0, 0xf0, 0xf4)) {
      if (rest < 4) return <i32>i;
      const b1 = <u32>load<u8>(ptr + i, 1);
      const lo: u32 = b0 == 0xf0 ? 0x90 : 0x80;
      const hi: u32 = b0 == 0xf4 ? 0x8f : 0xbf;
      if (
        !inRange(b1, lo, hi) ||
        !inRange(<u32>load<u8>(ptr + i, 2), 0x80, 0xbf) ||
        !inRange(<u32>load<u8>(ptr + i, 3), 0x80, 0xbf)
      ) return <i32>i;
      i += 4;
    } else {
      return <i32>i; // a stray continuation byte, C0/C1 (overlong) or F5..FF
    }
  }
  return ascii ? UTF8_ASCII : UTF8_VALID;
}
