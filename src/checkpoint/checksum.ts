// CRC-32C (Castagnoli): reflected polynomial 0x82F63B78, initial value and final XOR 0xFFFFFFFF —
// the checksum of iSCSI, ext4, RocksDB and Kafka record batches. Check value: crc32c("123456789")
// is 0xE3069283.
//
// Slicing-by-8: eight 256-entry tables, so the main loop consumes 8 bytes per iteration with 8 table
// lookups instead of 8 dependent shift/lookup steps (about 4-5x faster than byte-at-a-time in V8).
//
//   TABLES layout (Int32Array, 8 × 256 entries):
//   ┌──────────── T0 ────────────┬──────────── T1 ────────────┬ … ┬──────────── T7 ────────────┐
//   │ crc of byte n, 8 steps     │ T0 advanced by one byte    │   │ T0 advanced by 7 bytes     │
//   └────────────────────────────┴────────────────────────────┴ … ┴────────────────────────────┘
//   T0[n] = n shifted through the polynomial 8 times;  Tk[n] = (Tk-1[n] >>> 8) ^ T0[Tk-1[n] & 0xff]

const POLYNOMIAL = 0x82f63b78;

function makeTables(): Int32Array {
  const tables = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLYNOMIAL : c >>> 1;
    tables[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = tables[n];
    for (let t = 1; t < 8; t++) {
      c = (c >>> 8) ^ tables[c & 0xff];
      tables[t * 256 + n] = c;
    }
  }
  return tables;
}

const TABLES = /* @__PURE__ */ makeTables();

/**
 * The CRC-32C (Castagnoli) checksum of `bytes`, as an unsigned 32-bit integer. Pass the result of a
 * previous call as `previous` to continue a checksum over data that arrives in pieces.
 *
 * @example
 * crc32c(new TextEncoder().encode('123456789')); // 0xe3069283
 * crc32c(tail, crc32c(head)) === crc32c(whole);  // incremental
 */
export function crc32c(bytes: Uint8Array, previous = 0): number {
  const t = TABLES;
  const n = bytes.length;
  let c = ~previous;
  let i = 0;
  for (const end = n - 7; i < end; i += 8) {
    const lo = c ^ (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24));
    const hi = bytes[i + 4] | (bytes[i + 5] << 8) | (bytes[i + 6] << 16) | (bytes[i + 7] << 24);
    c =
      t[1792 + (lo & 0xff)] ^
      t[1536 + ((lo >>> 8) & 0xff)] ^
      t[1280 + ((lo >>> 16) & 0xff)] ^
      t[1024 + (lo >>> 24)] ^
      t[768 + (hi & 0xff)] ^
      t[512 + ((hi >>> 8) & 0xff)] ^
      t[256 + ((hi >>> 16) & 0xff)] ^
      t[hi >>> 24];
  }
  for (; i < n; i++) c = t[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}
