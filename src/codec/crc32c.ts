// CRC-32C (Castagnoli): reflected polynomial 0x82F63B78, initial value and final XOR 0xFFFFFFFF —
// the checksum of iSCSI, ext4, RocksDB and Kafka record batches. Check value: crc32c("123456789")
// is 0xE3069283.
//
// Slicing-by-8: eight 256-entry tables, so the main loop consumes 8 bytes (two aligned 32-bit words)
// per iteration with 8 table lookups instead of 8 dependent shift/lookup steps. The JS twin of
// assembly/lib/codec-crc32c.ts.
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
    let c = tables[n]!;
    for (let t = 1; t < 8; t++) {
      c = (c >>> 8) ^ tables[c & 0xff]!;
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
  const T = TABLES;
  const end = bytes.length;
  let r = ~previous;
  let p = 0;
  // Byte steps until the data is 4-byte aligned, then two words per step.
  while (p < end && ((bytes.byteOffset + p) & 3) !== 0) r = T[(r ^ bytes[p++]!) & 0xff]! ^ (r >>> 8);
  if (end - p >= 8) {
    const words = new Int32Array(bytes.buffer, bytes.byteOffset + p, (end - p) >>> 2);
    const n = words.length & ~1;
    for (let w = 0; w < n; w += 2) {
      const a = words[w]! ^ r;
      const b = words[w + 1]!;
      r =
        T[1792 + (a & 0xff)]! ^
        T[1536 + ((a >>> 8) & 0xff)]! ^
        T[1280 + ((a >>> 16) & 0xff)]! ^
        T[1024 + (a >>> 24)]! ^
        T[768 + (b & 0xff)]! ^
        T[512 + ((b >>> 8) & 0xff)]! ^
        T[256 + ((b >>> 16) & 0xff)]! ^
        T[b >>> 24]!;
    }
    p += n * 4;
  }
  while (p < end) r = T[(r ^ bytes[p++]!) & 0xff]! ^ (r >>> 8);
  return ~r >>> 0;
}
