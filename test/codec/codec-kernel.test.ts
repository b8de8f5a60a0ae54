import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { CodecKernel, UTF8_ASCII, UTF8_VALID } from '../../src/codec/codec-kernel';

// Runs in Node and in headless Chromium: the WebAssembly kernel and its JS twin must agree exactly.
let wasm: CodecKernel;
const js = CodecKernel.js;

beforeAll(async () => {
  wasm = await CodecKernel.load({ wasm: true });
});

/** Strings of code points from every UTF-8 length class (1–4 bytes), never a lone surrogate. */
const unicodeString = (maxLength: number) =>
  fc
    .array(
      fc.oneof(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0x80, max: 0x7ff }), fc.integer({ min: 0x800, max: 0xd7ff }), fc.integer({ min: 0xe000, max: 0xffff }), fc.integer({ min: 0x10000, max: 0x10ffff })),
      { maxLength },
    )
    .map((cps) => String.fromCodePoint(...cps));

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

describe('codec kernel', () => {
  it('loads the WebAssembly build, or JS on request', async () => {
    expect(wasm.usesWasm).toBe(true);
    expect((await CodecKernel.load({ wasm: false })).usesWasm).toBe(false);
    expect(js.usesWasm).toBe(false);
  });

  it('computes CRC-32C: the RFC 3720 (iSCSI) test vectors and "123456789"', () => {
    const vectors: [Uint8Array, number][] = [
      [ascii('123456789'), 0xe3069283],
      [new Uint8Array(32), 0x8a9136aa],
      [new Uint8Array(32).fill(0xff), 0x62a8ab43],
      [Uint8Array.from({ length: 32 }, (_, i) => i), 0x46dd794e],
      [Uint8Array.from({ length: 32 }, (_, i) => 31 - i), 0x113fdb5c],
      [new Uint8Array(0), 0],
    ];
    for (const [bytes, crc] of vectors) {
      expect(js.crc32c(bytes)).toBe(crc);
      expect(wasm.crc32c(bytes)).toBe(crc);
    }
    // Continuing a CRC over a split equals the CRC of the whole.
    const all = ascii('123456789');
    expect(js.crc32c(all.subarray(4), js.crc32c(all.subarray(0, 4)))).toBe(0xe3069283);
    expect(wasm.crc32c(all.subarray(4), wasm.crc32c(all.subarray(0, 4)))).toBe(0xe3069283);
  });

  it('agrees on CRC-32C of random bytes at every alignment and length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.nat(15), fc.nat(600), (bytes, skip, cut) => {
        const view = bytes.subarray(Math.min(skip, bytes.length), Math.max(Math.min(skip, bytes.length), bytes.length - cut));
        const a = js.crc32c(view);
        expect(wasm.crc32c(view)).toBe(a);
        // The scan of the whole buffer over the same range agrees too.
        const start = view.byteOffset;
        expect(wasm.scan(bytes).crc32c(start, start + view.length)).toBe(a);
        expect(js.scan(bytes).crc32c(start, start + view.length)).toBe(a);
      }),
      { seed: 1, numRuns: 300 },
    );
  });

  it('validates UTF-8 like a fatal TextDecoder, and finds the same first bad byte', () => {
    const decoder = new TextDecoder('utf-8', { fatal: true });
    const accepts = (b: Uint8Array) => {
      try {
        decoder.decode(b);
        return true;
      } catch {
        return false;
      }
    };
    // Every edge of the well-formedness table, after ASCII runs that put it on each side of a
    // 4-byte (JS) and 16-byte (SIMD) boundary.
    const edges = [
      [0x7f], [0x80], [0xc1, 0xbf], [0xc2, 0x80], [0xdf, 0xbf], [0xdf], [0xe0, 0x9f, 0x80], [0xe0, 0xa0, 0x80],
      [0xed, 0x9f, 0xbf], [0xed, 0xa0, 0x80], [0xef, 0xbf, 0xbf], [0xef, 0xbf], [0xf0, 0x8f, 0xbf, 0xbf],
      [0xf0, 0x90, 0x80, 0x80], [0xf4, 0x8f, 0xbf, 0xbf], [0xf4, 0x90, 0x80, 0x80], [0xf5, 0x80, 0x80, 0x80],
      [0xff], [0xf0, 0x90, 0x80], [0xe2, 0x82, 0xac], [0xc3, 0x28],
    ];
    const wrong: string[] = [];
    for (const edge of edges) {
      for (const lead of [0, 1, 2, 3, 4, 5, 7, 8, 13, 14, 15, 16, 17, 31, 32, 33]) {
        for (const tail of [[], [0x41], [0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f, 0x50, 0x51]]) {
          const b = Uint8Array.from([...new Array(lead).fill(0x61), ...edge, ...tail]);
          const r = js.scan(b).validateUtf8(0, b.length);
          const w = wasm.scan(b).validateUtf8(0, b.length);
          if (w !== r || r < 0 !== accepts(b) || (r >= 0 && r !== lead)) wrong.push(`${b.join(',')}: js ${r}, wasm ${w}`);
        }
      }
    }
    expect(wrong).toEqual([]);
    fc.assert(
      fc.property(
        fc.array(fc.oneof(unicodeString(30).map((s) => new TextEncoder().encode(s)), fc.uint8Array({ maxLength: 3 })), { maxLength: 12 }),
        fc.nat(7),
        (parts, skip) => {
          const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0) + skip);
          let p = skip;
          for (const part of parts) {
            all.set(part, p);
            p += part.length;
          }
          const r = js.scan(all).validateUtf8(skip, all.length);
          expect(wasm.scan(all).validateUtf8(skip, all.length)).toBe(r);
          const body = all.subarray(skip);
          expect(r < 0).toBe(accepts(body));
          if (r === UTF8_ASCII) expect(body.every((b) => b < 0x80)).toBe(true);
          if (r === UTF8_VALID) expect(body.some((b) => b >= 0x80)).toBe(true);
          if (r >= 0) {
            expect(accepts(body.subarray(0, r))).toBe(true);
            expect(accepts(body.subarray(0, r + 4 > body.length ? body.length : r + 4))).toBe(false);
          }
        },
      ),
      { seed: 2, numRuns: 250 },
    );
  });

  it('agrees on dictionary offsets and indices checks', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.array(fc.integer({ min: -2, max: 40 }), { minLength: 1, maxLength: 20 }), fc.array(fc.nat(3), { minLength: 1, maxLength: 30 }).map((steps) => steps.map((_, i) => steps.slice(0, i).reduce((a, b) => a + b, 0)))),
        fc.oneof(fc.uint8Array({ minLength: 0, maxLength: 40 }), fc.uint8Array({ minLength: 0, maxLength: 90, max: 0x7f })),
        fc.array(fc.integer({ min: -3, max: 12 }), { maxLength: 40 }),
        fc.option(fc.uint8Array({ minLength: 5, maxLength: 5 })),
        fc.nat(12),
        (offsets, strings, indices, validity, d) => {
          // One buffer: offsets | strings | indices | validity, each 8-aligned as in the format.
          const at = (x: number) => Math.ceil(x / 8) * 8;
          const offsetsAt = 0;
          const bytesAt = at(offsets.length * 4);
          const indicesAt = at(bytesAt + strings.length);
          const validityAt = at(indicesAt + indices.length * 4);
          const buf = new Uint8Array(validityAt + 8);
          new Int32Array(buf.buffer, offsetsAt, offsets.length).set(offsets);
          buf.set(strings, bytesAt);
          new Int32Array(buf.buffer, indicesAt, indices.length).set(indices);
          if (validity !== null) buf.set(validity, validityAt);
          const dd = offsets.length - 1;
          const sound = js.scan(buf).checkOffsets(offsetsAt, dd, bytesAt, strings.length, false);
          expect(wasm.scan(buf).checkOffsets(offsetsAt, dd, bytesAt, strings.length, false)).toBe(sound);
          if (strings.every((b) => b < 0x80)) {
            // The ASCII promise only skips looking at the bytes: same answer.
            expect(wasm.scan(buf).checkOffsets(offsetsAt, dd, bytesAt, strings.length, true)).toBe(sound);
            expect(js.scan(buf).checkOffsets(offsetsAt, dd, bytesAt, strings.length, true)).toBe(sound);
          }
          const v = validity === null ? -1 : validityAt;
          const expected = indices.findIndex((x, i) => (v < 0 || (buf[v + (i >>> 3)] & (1 << (i & 7))) !== 0) && (x < 0 || x >= d));
          expect(js.scan(buf).checkIndices(indicesAt, indices.length, d, v)).toBe(expected);
          expect(wasm.scan(buf).checkIndices(indicesAt, indices.length, d, v)).toBe(expected);
        },
      ),
      { seed: 3, numRuns: 400 },
    );
  });

  it('grows its memory for a large buffer and reuses it for small ones', () => {
    const big = new Uint8Array(3_000_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
    expect(wasm.crc32c(big)).toBe(js.crc32c(big));
    const small = ascii('123456789');
    expect(wasm.crc32c(small)).toBe(0xe3069283);
    expect(wasm.crc32c(big)).toBe(js.crc32c(big));
  });
});
