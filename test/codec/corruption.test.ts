import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeBatch, encodeBatch, encodeRecords } from '../../src/codec/batch-codec';
import { CodecError, type CodecErrorKind } from '../../src/codec/codec-error';
import { CodecKernel } from '../../src/codec/codec-kernel';
import { type ColumnBatch, Utf8Column } from '../../src/columnar/column-batch';
import { fromRecords, toRecords } from '../../src/columnar/records';

// Runs in Node and in headless Chromium. A truncated, flipped, foreign or lying buffer gives a
// CodecError that says what and where — the same one through both kernels — and never garbage.
let wasm: CodecKernel;
const js = CodecKernel.js;

beforeAll(async () => {
  wasm = await CodecKernel.load({ wasm: true });
});

/** Every type, nullable and not, a timestamp column, non-ASCII strings: a small batch (~0.5 KB). */
const SMALL = [
  { id: 1, price: 1.5, big: 10n, ok: true, channel: 'Google', note: null, extra: 'héllo' },
  { id: 2, price: -0, big: -(2n ** 63n), ok: null, channel: 'Apple', note: 'x', extra: '' },
  { id: 3, price: Number.NaN, big: 2n ** 63n - 1n, ok: false, channel: 'Google', note: null, extra: '😀 日本' },
];

function small(): Uint8Array {
  return new Uint8Array(encodeRecords(SMALL, { timestamps: [1000, Number.NaN, 3000] }));
}

/** Decodes through both kernels; returns the CodecError both threw (same message), or fails. */
function codecError(bytes: Uint8Array): CodecError {
  const errors = [js, wasm].map((kernel) => {
    try {
      decodeBatch(bytes.slice(), { kernel });
    } catch (error) {
      return error;
    }
    return undefined;
  });
  for (const e of errors) {
    if (!(e instanceof CodecError)) throw new Error(`expected a CodecError, got ${e === undefined ? 'a batch' : String(e)}`);
  }
  expect((errors[1] as CodecError).message).toBe((errors[0] as CodecError).message);
  return errors[0] as CodecError;
}

function expectCodecError(bytes: Uint8Array, kind: CodecErrorKind, message: RegExp, offset?: number): void {
  const e = codecError(bytes);
  expect(e.kind).toBe(kind);
  expect(e.message).toMatch(message);
  if (offset !== undefined) expect(e.offset).toBe(offset);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Recomputes the header checksum after an edit, so that the structural checks must catch it. */
function fixCrc(bytes: Uint8Array): Uint8Array {
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(8, js.crc32c(bytes.subarray(12)), true);
  return bytes;
}

/** Byte positions of the sections of SMALL's encoding, found by walking the documented layout. */
function layout(bytes: Uint8Array) {
  const v = new DataView(bytes.buffer, bytes.byteOffset);
  const n = v.getUint32(20, true);
  const fields = v.getUint32(24, true);
  const align = (x: number) => Math.ceil(x / 8) * 8;
  let pos = 32;
  const fieldAt: number[] = [];
  for (let f = 0; f < fields; f++) {
    fieldAt.push(pos);
    pos += 8 + v.getUint32(pos + 4, true);
  }
  pos = align(pos);
  const timestampsAt = pos;
  if (v.getUint32(16, true) & 1) pos += 8 * n;
  const columns: { at: number; type: number; dictOffsetsAt?: number; dictBytesAt?: number; indicesAt?: number; d?: number }[] = [];
  for (let c = 0; c < fields; c++) {
    const at = pos;
    const type = bytes[pos];
    const hasValidity = bytes[pos + 1] & 1;
    const d = v.getUint32(pos + 4, true);
    pos += 8;
    if (hasValidity) pos = align(pos + Math.ceil(n / 8));
    if (type === 5) {
      const dictOffsetsAt = pos;
      pos = align(pos + 4 * (d + 1));
      const dictBytesAt = pos;
      pos = align(pos + v.getInt32(dictOffsetsAt + 4 * d, true));
      const indicesAt = pos;
      pos = align(pos + 4 * n);
      columns.push({ at, type, dictOffsetsAt, dictBytesAt, indicesAt, d });
    } else {
      pos = align(pos + (type === 1 || type === 3 ? 8 * n : type === 2 ? 4 * n : Math.ceil(n / 8)));
      columns.push({ at, type });
    }
  }
  expect(pos).toBe(bytes.length);
  return { fieldAt, timestampsAt, columns };
}

describe('corrupted batches', () => {
  it('decodes the untouched small batch', () => {
    const bytes = small();
    for (const kernel of [js, wasm]) expect(toRecords(decodeBatch(bytes, { kernel }))).toEqual(SMALL);
  });

  it('refuses a truncation at every byte position', () => {
    const bytes = small();
    for (let len = 0; len < bytes.length; len++) {
      const e = codecError(bytes.subarray(0, len));
      expect(e.kind).toBe('truncated');
      expect(e.message).toMatch(len < 32 ? /Truncated batch: \d+ bytes, less than the 32-byte header/ : new RegExp(`the header says ${bytes.length} bytes but the buffer holds ${len}`));
    }
  });

  it('refuses a flip of every byte (every bit pattern 0x01, 0x80, 0xff)', () => {
    const bytes = small();
    for (let i = 0; i < bytes.length; i++) {
      for (const mask of [0x01, 0x80, 0xff]) {
        const bad = bytes.slice();
        bad[i] ^= mask;
        const e = codecError(bad);
        expect(e.message.length).toBeGreaterThan(20);
        if (i < 4) expect(e.kind).toBe('magic');
        else if (i < 6) expect(e.kind).toBe('version');
        else if (i >= 8 && i < 12) expect(e.kind).toBe('checksum');
        else if (i >= 12 && i < 16) expect(['truncated', 'length']).toContain(e.kind);
        else if (i >= 16) expect(e.kind).toBe('checksum');
      }
    }
  });

  it('refuses random flips in a large batch', () => {
    const records = Array.from({ length: 5000 }, (_, i) => ({ id: i, x: i * 0.5, s: `s${i % 97}`, u: `unique-${i}-é`, b: i % 3 === 0 }));
    const bytes = new Uint8Array(encodeRecords(records));
    fc.assert(
      fc.property(fc.nat(bytes.length - 1), fc.integer({ min: 1, max: 255 }), (i, mask) => {
        const bad = bytes.slice();
        bad[i] ^= mask;
        codecError(bad);
      }),
      { seed: 21, numRuns: 150 },
    );
  });

  it('refuses a foreign buffer, a wrong magic and a wrong version', () => {
    expectCodecError(new TextEncoder().encode('{"auction": 1, "bidder": 2, "price": 3, "extra": "…"}'), 'magic', /Not a sluice batch: the magic is 7b 22 61 75/, 0);
    const bytes = small();
    bytes[3] = 0x43;
    expectCodecError(bytes, 'magic', /expected 53 4c 43 42 \("SLCB"\)/, 0);
    const v2 = small();
    v2[4] = 2;
    expectCodecError(v2, 'version', /Unsupported batch format version 2; this build reads version 1/, 4);
    expectCodecError(new Uint8Array([0x53, 0x4c]), 'truncated', /2 bytes, less than the 32-byte header/);
    expectCodecError(new Uint8Array(0), 'truncated', /0 bytes/);
  });

  it('refuses trailing bytes and a checksum mismatch', () => {
    const bytes = small();
    const longer = new Uint8Array(bytes.length + 8);
    longer.set(bytes);
    expectCodecError(longer, 'length', new RegExp(`holds ${bytes.length + 8} bytes but the header says the batch has ${bytes.length}`), 12);
    const flipped = small();
    flipped[100] ^= 4;
    expectCodecError(flipped, 'checksum', /Checksum mismatch: the header says CRC-32C 0x[0-9a-f]{8} but bytes 12\.\.\d+ have 0x[0-9a-f]{8}/, 8);
    // Without verification a flip in a value goes through; the structure is still checked.
    const values = small();
    const { columns } = layout(values);
    values[columns[1].at + 8] ^= 1; // price[0]
    for (const kernel of [js, wasm]) expect(decodeBatch(values, { kernel, verifyChecksum: false }).value(1, 0)).not.toBe(1.5);
  });

  it('refuses lying lengths and counts even with a fixed-up checksum', () => {
    const base = small();
    const { fieldAt, columns } = layout(base);
    const edit = (f: (v: DataView, b: Uint8Array) => void) => {
      const b = base.slice();
      f(new DataView(b.buffer), b);
      return fixCrc(b);
    };
    const channel = columns[4];
    const extra = columns[6];
    expectCodecError(edit((v) => v.setUint32(20, 4, true)), 'structure', /Column 0 \("id", i32\): its header has type code 1 \(f64\), not 2/);
    expectCodecError(edit((v) => v.setUint32(20, 1000, true)), 'structure', /The timestamps of 1000 rows need 8000 bytes but only \d+ remain/);
    expectCodecError(edit((v) => v.setUint32(20, 2, true)), 'structure', /./);
    expectCodecError(edit((v) => v.setUint32(24, 8, true)), 'structure', /Field 7 of 8 runs past the end of the \d+-byte schema/, fieldAt[6] + 8 + 5);
    expectCodecError(edit((v) => v.setUint32(24, 6, true)), 'structure', /The schema length is \d+ but its 6 fields take \d+/, 28);
    expectCodecError(edit((v) => v.setUint32(28, 2000, true)), 'structure', /The schema \(7 fields\) need 2000 bytes but only \d+ remain/, 32);
    expectCodecError(edit((v) => v.setUint32(fieldAt[0] + 4, 1000, true)), 'structure', /Field 0: name length 1000 runs past the end/, fieldAt[0] + 4);
    expectCodecError(edit((_, b) => (b[fieldAt[2]] = 9)), 'structure', /Field 2 has unknown type code 9/, fieldAt[2]);
    expectCodecError(edit((_, b) => (b[fieldAt[2]] = 1)), 'structure', /Column 2 \("big", f64\): its header has type code 3 \(i64\), not 1/, columns[2].at);
    expectCodecError(edit((_, b) => (b[fieldAt[3] + 1] = 0)), 'structure', /Column 3 \("ok", bool\) is not nullable but has a validity bitmap/);
    expectCodecError(edit((_, b) => b.set([0x69, 0x64], fieldAt[3] + 8)), 'structure', /Invalid schema: Field name "id" appears twice/, 32);
    expectCodecError(edit((_, b) => (b[fieldAt[0] + 8] = 0xff)), 'value', /Field 0: its name is not valid UTF-8/, fieldAt[0] + 8);
    expectCodecError(edit((v) => v.setUint32(16, 3, true)), 'structure', /Unknown header flags 0x00000003/, 16);
    expectCodecError(edit((v) => v.setUint32(16, 0, true)), 'structure', /./);
    expectCodecError(edit((v) => v.setUint16(6, 1, true)), 'structure', /Reserved header bytes are 01 00, not zero/, 6);
    // Dictionary: size, last offset (= byte length), a middle offset, a split UTF-8 sequence, an index.
    expectCodecError(edit((v) => v.setUint32(channel.at + 4, 1_000_000, true)), 'structure', /the 1000001 dictionary offsets of Column 4 \("channel", utf8\) need 4000004 bytes/i, channel.dictOffsetsAt);
    expect(codecError(edit((v) => v.setUint32(channel.at + 4, 1, true))).message).toMatch(/Column 4 \("channel", utf8\)/);
    expectCodecError(edit((v) => v.setInt32(channel.dictOffsetsAt! + 4 * channel.d!, 5000, true)), 'structure', /the last dictionary offset says 5000 bytes of strings/);
    expectCodecError(edit((v) => v.setInt32(channel.dictOffsetsAt! + 4 * channel.d!, -1, true)), 'structure', /says -1 bytes/);
    expectCodecError(edit((v) => v.setInt32(channel.dictOffsetsAt!, 1, true)), 'structure', /dictionary offset 0 is 1, not 0/, channel.dictOffsetsAt);
    expectCodecError(edit((v) => v.setInt32(channel.dictOffsetsAt! + 4, 20, true)), 'structure', /dictionary offset 1 is 20, past the 11 bytes of strings/);
    const extraOffsets = (v: DataView) => Array.from({ length: extra.d! + 1 }, (_, k) => v.getInt32(extra.dictOffsetsAt! + 4 * k, true));
    const b0 = new DataView(base.buffer);
    const ex = extraOffsets(b0); // entries: 'héllo', '', '😀 日本'
    expect(ex).toEqual([0, 6, 6, 17]);
    expectCodecError(edit((v) => v.setInt32(extra.dictOffsetsAt! + 4, 2, true)), 'structure', /Column 6 \("extra", utf8\): dictionary offset 1 \(2\) splits a UTF-8 sequence/);
    expectCodecError(edit((v) => v.setInt32(extra.dictOffsetsAt! + 8, 3, true)), 'structure', /dictionary offset 2 is 3, less than the one before \(6\)/);
    expectCodecError(edit((_, b) => (b[extra.dictBytesAt! + 7] = 0xc0)), 'value', /Column 6 \("extra", utf8\): dictionary entry 2 is not valid UTF-8/, extra.dictBytesAt! + 6);
    expectCodecError(edit((v) => v.setInt32(channel.indicesAt! + 4, 2, true)), 'value', /Column 4 \("channel", utf8\): row 1 has dictionary index 2, outside its dictionary of 2 strings/, channel.indicesAt! + 4);
    expectCodecError(edit((v) => v.setInt32(channel.indicesAt!, -1, true)), 'value', /row 0 has dictionary index -1/);
    // A null row's index is not checked ("note" is null in rows 0 and 2).
    const note = columns[5];
    const nullRow = edit((v) => v.setInt32(note.indicesAt!, 77, true));
    for (const kernel of [js, wasm]) expect(toRecords(decodeBatch(nullRow, { kernel }))).toEqual(SMALL);
    expectCodecError(edit((_, b) => (b[channel.indicesAt! + 12] = 1)), 'structure', /Non-zero padding after Column 4/, channel.indicesAt! + 12);
    expectCodecError(edit((v) => v.setUint32(columns[0].at + 4, 3, true)), 'structure', /dictionary size 3 in a column without a dictionary/);
    expectCodecError(edit((_, b) => (b[columns[0].at + 1] = 2)), 'structure', /unknown column flags 0x02/);
  });

  it('never yields anything but a sound batch or a CodecError, whatever the bytes (checksum fixed up)', () => {
    const records = Array.from({ length: 40 }, (_, i) => ({ id: i, x: i % 5 === 0 ? null : i / 3, s: ['a', 'bé', '', '😀'][i % 4], b: i % 2 === 0, big: BigInt(i) << 40n }));
    const bytes = new Uint8Array(encodeRecords(records, { timestamps: records.map((_, i) => i) }));
    let decoded = 0;
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(bytes.length - 1), fc.nat(255)), { minLength: 1, maxLength: 4 }), (edits) => {
        const bad = bytes.slice();
        for (const [i, value] of edits) bad[i] = value;
        fixCrc(bad);
        const outcomes = [js, wasm].map((kernel) => {
          try {
            return decodeBatch(bad.slice(), { kernel });
          } catch (error) {
            if (!(error instanceof CodecError)) throw error;
            return error.message;
          }
        });
        if (typeof outcomes[0] === 'string') {
          expect(outcomes[1]).toBe(outcomes[0]);
          return;
        }
        decoded++;
        // A batch that decodes is sound: it materialises, re-encodes to the same bytes, and both kernels agree.
        const [a, b] = outcomes as ColumnBatch[];
        expect(toRecords(a)).toEqual(toRecords(b));
        for (const c of a.columns) if (c instanceof Utf8Column) expect(c.dictionary.length).toBe(c.dictionarySize);
        expect(sameBytes(new Uint8Array(encodeBatch(a)), bad)).toBe(true);
        expect(new Uint8Array(encodeBatch(fromRecords(toRecords(a)))).length).toBeGreaterThan(0);
      }),
      { seed: 22, numRuns: 300 },
    );
    expect(decoded).toBeGreaterThan(0); // edits of values decode; others are caught
  });
});
