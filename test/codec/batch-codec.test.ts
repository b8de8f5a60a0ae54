import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeBatch, decodeRecords, encodeBatch, encodeRecords } from '../../src/codec/batch-codec';
import { CodecError } from '../../src/codec/codec-error';
import { CodecKernel } from '../../src/codec/codec-kernel';
import { type Column, ColumnBatch, Utf8Column } from '../../src/columnar/column-batch';
import { fromRecords, toRecords } from '../../src/columnar/records';
import { type ColumnType, field, Schema } from '../../src/columnar/schema';

// Runs in Node and in headless Chromium. Every case goes through the WebAssembly and the JS kernel:
// identical bytes out, identical batches back, bit for bit.
let wasm: CodecKernel;
const js = CodecKernel.js;

beforeAll(async () => {
  wasm = await CodecKernel.load({ wasm: true });
});

// ---------------------------------------------------------------------------------------------
// Random batches
// ---------------------------------------------------------------------------------------------

/** Strings of code points from every UTF-8 length class (1–4 bytes), never a lone surrogate. */
const unicodeString = (maxLength: number) =>
  fc
    .array(
      fc.oneof(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0x80, max: 0x7ff }), fc.integer({ min: 0x800, max: 0xd7ff }), fc.integer({ min: 0xe000, max: 0xffff }), fc.integer({ min: 0x10000, max: 0x10ffff })),
      { maxLength },
    )
    .map((cps) => String.fromCodePoint(...cps));

const TYPES: ColumnType[] = ['f64', 'i32', 'i64', 'bool', 'utf8'];

/** A double from raw bits (any NaN payload), or one of the edge values. */
const f64Arb = fc.oneof(
  fc.double(),
  fc.constantFrom(-0, 0, Number.NaN, Infinity, -Infinity, 2 ** 53, 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 53 + 2, Number.MIN_VALUE, Number.MAX_VALUE),
  fc.tuple(fc.integer(), fc.integer()).map(([lo, hi]) => new Float64Array(Int32Array.of(lo, hi).buffer)[0]),
);
const rawF64Arb = fc.tuple(fc.integer(), fc.integer());
const stringArb = fc.oneof(
  fc.string({ maxLength: 12 }),
  unicodeString(12),
  fc.string({ unit: 'grapheme', maxLength: 6 }),
  fc.constantFrom('', '\uFEFFbom', 'é', '😀', 'a\u0000b', 'ß'.repeat(20)),
);

/** Bitmap bytes for n rows, trailing bits random too (they must survive). */
const bitsArb = (n: number) => fc.uint8Array({ minLength: Math.ceil(n / 8), maxLength: Math.ceil(n / 8) });

function columnArb(type: ColumnType, nullable: boolean, n: number): fc.Arbitrary<Column> {
  const validityArb = nullable ? fc.option(bitsArb(n), { nil: undefined }) : fc.constant(undefined);
  switch (type) {
    case 'f64':
      return fc.record({
        values: fc.array(fc.oneof(f64Arb.map((x) => ({ x })), rawF64Arb.map((raw) => ({ raw }))), { minLength: n, maxLength: n }),
        validity: validityArb,
      }).map(({ values, validity }) => {
        const out = new Float64Array(n);
        const words = new Int32Array(out.buffer);
        values.forEach((v, i) => {
          if ('x' in v) out[i] = v.x;
          else words.set(v.raw, 2 * i);
        });
        return { type: 'f64', values: out, validity };
      });
    case 'i32':
      return fc.record({ values: fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { minLength: n, maxLength: n }), validity: validityArb })
        .map(({ values, validity }) => ({ type: 'i32', values: Int32Array.from(values), validity }));
    case 'i64':
      return fc.record({
        values: fc.array(fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.constantFrom(-(2n ** 63n), 2n ** 63n - 1n, 0n, -1n, 2n ** 53n + 1n)), { minLength: n, maxLength: n }),
        validity: validityArb,
      }).map(({ values, validity }) => ({ type: 'i64', values: BigInt64Array.from(values), validity }));
    case 'bool':
      return fc.record({ values: bitsArb(n), validity: validityArb }).map(({ values, validity }) => ({ type: 'bool', values, validity }));
    case 'utf8':
      return fc
        .record({
          dictionary: fc.array(stringArb, { minLength: n > 0 && !nullable ? 1 : 0, maxLength: 12 }),
          picks: fc.array(fc.nat(), { minLength: n, maxLength: n }),
          validity: validityArb,
        })
        .map(({ dictionary, picks, validity }) => {
          const d = dictionary.length;
          // No strings: every row is null (minLength makes d > 0 for a non-nullable column with rows).
          const bits = d === 0 && n > 0 ? new Uint8Array(Math.ceil(n / 8)) : validity;
          const valid = (i: number) => bits === undefined || (bits[i >>> 3] & (1 << (i & 7))) !== 0;
          // Null rows may hold any index (the codec keeps them); non-null ones index the dictionary.
          const indices = Int32Array.from(picks, (p, i) => (valid(i) ? p % d : p - 1000));
          return new Utf8Column(dictionary, indices, bits);
        });
  }
}

const batchArb = (maxRows: number, maxFields: number): fc.Arbitrary<ColumnBatch> =>
  fc
    .record({
      n: fc.oneof(fc.constant(0), fc.nat(maxRows)),
      fields: fc.uniqueArray(fc.record({ name: fc.oneof(fc.string({ maxLength: 8 }), unicodeString(4)), type: fc.constantFrom(...TYPES), nullable: fc.boolean() }), {
        maxLength: maxFields,
        selector: (f) => f.name,
      }),
      timestamps: fc.boolean(),
    })
    .chain(({ n, fields, timestamps }) =>
      fc
        .record({
          columns: fc.tuple(...fields.map((f) => columnArb(f.type, f.nullable, n))),
          ts: timestamps ? fc.array(f64Arb, { minLength: n, maxLength: n }).map((t) => Float64Array.from(t)) : fc.constant(undefined),
        })
        .map(({ columns, ts }) => new ColumnBatch(new Schema(fields.map((f) => field(f.name, f.type, f.nullable))), n, columns as Column[], ts)),
    );

// ---------------------------------------------------------------------------------------------
// Bitwise comparison
// ---------------------------------------------------------------------------------------------

/** A typed array's bytes as a hex string: cheap to compare, readable in a failure. */
const bytesOf = (a: ArrayBufferView | undefined) =>
  a === undefined ? undefined : Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), (b) => (b < 16 ? '0' : '') + b.toString(16)).join('');

function expectSameBatch(actual: ColumnBatch, expected: ColumnBatch): void {
  expect(actual.schema.equals(expected.schema)).toBe(true);
  expect(actual.rowCount).toBe(expected.rowCount);
  expect(bytesOf(actual.timestamps)).toEqual(bytesOf(expected.timestamps));
  for (let c = 0; c < expected.columns.length; c++) {
    const a = actual.columns[c];
    const e = expected.columns[c];
    expect(a.type).toBe(e.type);
    expect(bytesOf(a.validity)).toEqual(bytesOf(e.validity));
    if (a.type === 'utf8' && e.type === 'utf8') {
      expect(a.dictionary).toEqual(e.dictionary);
      expect(bytesOf(a.indices)).toEqual(bytesOf(e.indices));
      for (let i = 0; i < expected.rowCount; i++) expect(a.get(i)).toBe(e.get(i));
    } else if (a.type !== 'utf8' && e.type !== 'utf8') {
      expect(bytesOf(a.values)).toEqual(bytesOf(e.values));
    }
  }
}

/** Encodes with both kernels (same bytes), decodes with both (same batch, equal to the input). */
function roundTrip(batch: ColumnBatch): ArrayBuffer {
  const bytes = encodeBatch(batch);
  expect(sameBytes(encodeBatch(batch, { kernel: wasm }), bytes)).toBe(true);
  const viaJs = decodeBatch(bytes);
  const viaWasm = decodeBatch(bytes, { kernel: wasm });
  expectSameBatch(viaJs, batch);
  expectSameBatch(viaWasm, batch);
  // A decoded batch re-encodes from its UTF-8 bytes: the same buffer again.
  expect(sameBytes(encodeBatch(viaWasm, { kernel: wasm }), bytes)).toBe(true);
  return bytes;
}

function sameBytes(a: ArrayBuffer, b: ArrayBuffer): boolean {
  const x = new Uint8Array(a);
  const y = new Uint8Array(b);
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

describe('batch codec', () => {
  it('round-trips random narrow batches bit for bit through both kernels', () => {
    fc.assert(fc.property(batchArb(40, 6), (b) => void roundTrip(b)), { seed: 11, numRuns: 250 });
  });

  it('round-trips random wide batches (up to 60 columns)', () => {
    fc.assert(fc.property(batchArb(20, 60), (b) => void roundTrip(b)), { seed: 12, numRuns: 25 });
  });

  it('round-trips zero rows, zero fields, and both', () => {
    roundTrip(new ColumnBatch(new Schema([]), 0, []));
    roundTrip(new ColumnBatch(new Schema([]), 5, []));
    roundTrip(new ColumnBatch(new Schema([]), 3, [], Float64Array.of(1, Number.NaN, -0)));
    const empty = roundTrip(
      new ColumnBatch(new Schema(TYPES.map((t) => field(t, t))), 0, [
        { type: 'f64', values: new Float64Array(0) },
        { type: 'i32', values: new Int32Array(0) },
        { type: 'i64', values: new BigInt64Array(0) },
        { type: 'bool', values: new Uint8Array(0) },
        new Utf8Column([], new Int32Array(0)),
      ]),
    );
    expect(empty.byteLength % 8).toBe(0);
  });

  it('writes the documented header', () => {
    const bytes = new Uint8Array(roundTrip(fromRecords([{ a: 1 }, { a: 2 }], { timestamps: [5, 6] })));
    const view = new DataView(bytes.buffer);
    expect(Array.from(bytes.subarray(0, 4))).toEqual([0x53, 0x4c, 0x43, 0x42]); // "SLCB"
    expect(view.getUint16(4, true)).toBe(1);
    expect(view.getUint32(8, true)).toBe(js.crc32c(bytes.subarray(12)));
    expect(view.getUint32(12, true)).toBe(bytes.length);
    expect(view.getUint32(16, true)).toBe(1); // timestamps present
    expect(view.getUint32(20, true)).toBe(2);
    expect(view.getUint32(24, true)).toBe(1);
    expect(view.getUint32(28, true)).toBe(8 + 1);
    // Schema entry: i32, not nullable, name "a"; then padding to 48; timestamps at 48.
    expect(Array.from(bytes.subarray(32, 41))).toEqual([2, 0, 0, 0, 1, 0, 0, 0, 0x61]);
    expect(new Float64Array(bytes.buffer, 48, 2)).toEqual(Float64Array.of(5, 6));
    // All-NaN timestamps are not written.
    const noTs = new Uint8Array(encodeBatch(fromRecords([{ a: 1 }, { a: 2 }], { timestamps: [Number.NaN, Number.NaN] })));
    expect(new DataView(noTs.buffer).getUint32(16, true)).toBe(0);
    expect(noTs.length).toBe(bytes.length - 16);
  });

  it('round-trips records with every edge value', () => {
    const records = [
      { f: -0, i: 2 ** 31 - 1, big: -(2n ** 63n), ok: true, s: '', n: null, u: 'ascii' },
      { f: Number.NaN, i: -(2 ** 31), big: 2n ** 63n - 1n, ok: false, s: 'héllo wörld', n: 'x', u: undefined },
      { f: Infinity, i: 0, big: 0n, ok: null, s: '😀 𝄞 \uFEFF', n: null, u: 'b' },
      { f: -Infinity, i: 7, big: 1n, ok: true, s: '日本語'.repeat(50), n: '\u0000', u: 'c' },
      { f: 2 ** 53 + 2, i: -1, big: 2n ** 53n + 1n, ok: false, s: 'a'.repeat(1000), n: 'y', u: 'd' },
      { f: -(2 ** 53 - 1), i: 1, big: -1n, ok: true, s: 'ü', n: 'x', u: 'e' },
    ];
    const batch = fromRecords(records);
    expect(batch.schema.toString()).toBe('{ "f": f64, "i": i32, "big": i64, "ok": bool?, "s": utf8, "n": utf8?, "u": utf8? }');
    const bytes = roundTrip(batch);
    for (const kernel of [js, wasm]) {
      const back = decodeRecords(bytes, { kernel });
      expect(back).toEqual(records.map((r) => ({ ...r, u: r.u ?? null })));
      expect(Object.is(back[0].f, -0)).toBe(true);
    }
    expect(new Uint8Array(encodeRecords(records, { kernel: wasm }))).toEqual(new Uint8Array(bytes));
  });

  it('decodes from views at any offset, and copies on request', () => {
    const bytes = new Uint8Array(encodeRecords([{ a: 1.5, s: 'x' }, { a: 2.5, s: 'y' }]));
    for (const shift of [0, 1, 3, 8]) {
      const host = new Uint8Array(bytes.length + shift);
      host.set(bytes, shift);
      const view = host.subarray(shift);
      expect(toRecords(decodeBatch(view, { kernel: wasm }))).toEqual([{ a: 1.5, s: 'x' }, { a: 2.5, s: 'y' }]);
    }
    const shared = decodeBatch(bytes.buffer);
    const copied = decodeBatch(bytes.buffer, { copy: true });
    new Float64Array(bytes.buffer, shared.columns[0].type === 'f64' ? (shared.columns[0].values.byteOffset) : 0, 1)[0] = 99;
    expect(shared.value(0, 0)).toBe(99); // a view of the buffer
    expect(copied.value(0, 0)).toBe(1.5);
  });

  it('refuses to encode a decoded batch whose buffer has since been transferred', () => {
    const bytes = encodeRecords([{ a: 1.5, s: 'x' }, { a: 2.5, s: 'y' }]);
    const batch = decodeBatch(bytes);
    structuredClone(bytes, { transfer: [bytes] });
    expect(bytes.byteLength).toBe(0);
    expect(() => encodeBatch(batch)).toThrow(/Cannot encode this batch: Column "a": values must be a Float64Array of length 2/);
  });

  it('makes strings only when a dictionary is read, and keeps them', () => {
    const batch = decodeBatch(encodeRecords([{ s: 'a' }, { s: 'b' }, { s: 'a' }]), { kernel: wasm });
    const column = batch.columns[0] as Utf8Column;
    expect(column.dictionarySize).toBe(2);
    expect(column.dictionary).toBe(column.dictionary);
    expect(column.dictionary).toEqual(['a', 'b']);
  });

  it('decodes a large batch with many non-ASCII strings (over 1 MiB: several decoding chunks)', () => {
    const records = Array.from({ length: 6_000 }, (_, i) => ({ id: i, s: `${i % 3 === 0 ? 'ñ' : ''}${'x'.repeat(i % 500)}${i}`, e: i % 7 === 0 ? '😀' : 'plain' }));
    const bytes = encodeRecords(records, { kernel: wasm });
    expect(decodeRecords(bytes, { kernel: wasm })).toEqual(records);
    expect(decodeRecords(bytes)).toEqual(records);
  });

  it('refuses lone surrogates and out-of-range indices with a CodecError naming the column and row', () => {
    const lone = fromRecords([{ ok: 'fine', s: 'é' }, { ok: 'also', s: 'a\uD800b' }]);
    for (const kernel of [js, wasm]) {
      expect(() => encodeBatch(lone, { kernel })).toThrow(CodecError);
      expect(() => encodeBatch(lone, { kernel })).toThrow(/Column "s": row 1's string "a\\ud800b" holds a lone surrogate \(U\+D800 at index 1\)/);
    }
    expect(() => encodeRecords([{ ['bad\uDC00']: 1 }])).toThrow(/Field name .* lone surrogate/);
    const bad = new ColumnBatch(new Schema([field('c', 'utf8')]), 2, [new Utf8Column(['x'], Int32Array.of(0, 3))]);
    expect(() => encodeBatch(bad)).toThrow(/Column "c": row 1 has dictionary index 3, outside its dictionary of 1 strings/);
  });
});
