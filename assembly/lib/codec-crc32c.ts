// CRC-32C (Castagnoli; reflected polynomial 0x82F63B78, initial value and final xor 0xFFFFFFFF), the
// checksum of sluice's batch format (src/codec/batch-codec.ts), by slicing-by-16: sixteen 256-entry
// tables turn 16 input bytes into 16 independent lookups XORed together, so each step's dependency
// chain is one lookup deep instead of sixteen. WebAssembly has no carry-less multiply and no CRC
// instruction, so table lookups are what there is.
//
// Measured on this machine (AMD EPYC, V8 in Node 20): slicing-by-8 ~1.5 GB/s, slicing-by-16
// ~2.0 GB/s; 3- or 4-way interleaved streams merged with a GF(2) shift did not beat slicing-by-16.
//
//   TABLES: u32[SLICES][256]
//   ┌──────────────┬──────────────┬─────┬───────────────┐
//   │ T0 (1 KiB)   │ T1           │ ... │ T15           │   T0[b] = CRC of byte b;
//   └──────────────┴──────────────┴─────┴───────────────┘   Tk[b] = T0[Tk-1[b] & 0xff] ^ (Tk-1[b] >>> 8)

/** The reflected Castagnoli polynomial. */
@inline const POLY: u32 = 0x82f63b78;
/** Bytes per step of the main loop; also the number of tables. */
@inline const SLICES: usize = 16;

const TABLES: usize = memory.data(16 * 256 * 4, 64);

/** Fills the tables; runs once, from the module's start function. */
export function initCrc32cTables(): void {
  for (let i: u32 = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    store<u32>(TABLES + (<usize>i << 2), c);
  }
  for (let t: usize = 1; t < SLICES; t++) {
    for (let i: usize = 0; i < 256; i++) {
      const prev = load<u32>(TABLES + ((t - 1) << 10) + (i << 2));
      store<u32>(TABLES + (t << 10) + (i << 2), (prev >>> 8) ^ load<u32>(TABLES + (<usize>(prev & 0xff) << 2)));
    }
  }
}

@inline
function lookup(table: usize, byte: u32): u32 {
  return load<u32>(TABLES + (table << 10) + (<usize>byte << 2));
}

@inline
function step1(crc: u32, ptr: usize): u32 {
  return lookup(0, (crc ^ <u32>load<u8>(ptr)) & 0xff) ^ (crc >>> 8);
}

/**
 * Continues `crc` (a finished CRC-32C; 0 to start) over `len` bytes at `ptr`. The main loop reads
 * whole words, so it first steps bytewise to an 8-byte boundary.
 */
export function crc32c(crc: u32, ptr: usize, len: usize): u32 {
  let r = ~crc;
  const end = ptr + len;
  while (ptr < end && (ptr & 7) != 0) r = step1(r, ptr++);
  while (end - ptr >= SLICES) {
    const a = load<u32>(ptr) ^ r;
    const b = load<u32>(ptr, 4);
    const c = load<u32>(ptr, 8);
    const d = load<u32>(ptr, 12);
    r = lookup(15, a & 0xff) ^ lookup(14, (a >>> 8) & 0xff) ^ lookup(13, (a >>> 16) & 0xff) ^ lookup(12, a >>> 24)
      ^ lookup(11, b & 0xff) ^ lookup(10, (b >>> 8) & 0xff) ^ lookup(9, (b >>> 16) & 0xff) ^ lookup(8, b >>> 24)
      ^ lookup(7, c & 0xff) ^ lookup(6, (c >>> 8) & 0xff) ^ lookup(5, (c >>> 16) & 0xff) ^ lookup(4, c >>> 24)
      ^ lookup(3, d & 0xff) ^ lookup(2, (d >>> 8) & 0xff) ^ lookup(1, (d >>> 16) & 0xff) ^ lookup(0, d >>> 24);
    ptr += SLICES;
  }
  while (ptr < end) r = step1(r, ptr++);
  return ~r;
}
