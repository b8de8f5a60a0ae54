import { describe, expect, it } from 'vitest';
import { bitmapLength, ColumnBatch, columnValue, decodeDictionary, isValid, packBits, Utf8Column } from '../../src/columnar/column-batch';
import { field, Schema, SchemaError } from '../../src/columnar/schema';

// The in-memory columnar batch, in Node and Chromium.
describe('Schema', () => {
  it('indexes fields by name and compares', () => {
    const s = new Schema([field('a', 'i32'), field('b', 'utf8', true), field('', 'bool')]);
    expect(s.length).toBe(3);
    expect(s.indexOf('b')).toBe(1);
    expect(s.indexOf('zz')).toBe(-1);
    expect(s.field('')?.type).toBe('bool');
    expect(s.equals(new Schema([field('a', 'i32'), field('b', 'utf8', true), field('', 'bool')]))).toBe(true);
    expect(s.equals(new Schema([field('a', 'i32'), field('b', 'utf8'), field('', 'bool')]))).toBe(false);
    expect(s.toString()).toBe('{ "a": i32, "b": utf8?, "": bool }');
    expect(Object.isFrozen(s.fields)).toBe(true);
  });

  it('rejects duplicate names and unknown types', () => {
    expect(() => new Schema([field('a', 'i32'), field('a', 'f64')])).toThrow(/Field name "a" appears twice/);
    expect(() => new Schema([{ name: 'x', type: 'u8' as never, nullable: false }])).toThrow(/Field "x" has type u8; expected one of f64, i32, i64, bool, utf8/);
    expect(() => new Schema([{ name: 'x', type: 'f64', nullable: 'yes' as never }])).toThrow(SchemaError);
  });
});

describe('ColumnBatch', () => {
  const schema = new Schema([field('x', 'f64', true), field('s', 'utf8'), field('b', 'bool')]);

  it('reads values, nulls and strings', () => {
    const batch = new ColumnBatch(schema, 3, [
      { type: 'f64', values: Float64Array.of(1, 0, -0), validity: packBits([1, 0, 1]) },
      new Utf8Column(['p', 'q'], Int32Array.of(1, 0, 1)),
      { type: 'bool', values: packBits([true, false, true]) },
    ]);
    expect([0, 1, 2].map((r) => batch.value(0, r))).toEqual([1, null, -0]);
    expect([0, 1, 2].map((r) => batch.value(1, r))).toEqual(['q', 'p', 'q']);
    expect([0, 1, 2].map((r) => batch.value(2, r))).toEqual([true, false, true]);
    expect(batch.isValid(0, 1)).toBe(false);
    expect(batch.column('s').type).toBe('utf8');
    expect(() => batch.column('nope')).toThrow(/No field "nope"/);
    expect(Array.from(batch.timestamps)).toEqual([Number.NaN, Number.NaN, Number.NaN]);
    expect(columnValue(batch.columns[2], 1)).toBe(false);
  });

  it('checks shapes: column count and types, lengths, validity only where nullable, timestamps', () => {
    const f64 = { type: 'f64' as const, values: new Float64Array(2) };
    const utf8 = new Utf8Column(['a'], new Int32Array(2));
    const bool = { type: 'bool' as const, values: new Uint8Array(1) };
    expect(() => new ColumnBatch(schema, 2, [f64, utf8])).toThrow(/3 fields but the batch has 2 columns/);
    expect(() => new ColumnBatch(schema, 2, [utf8, utf8, bool])).toThrow(/Column "x" must be a f64 column, not utf8/);
    expect(() => new ColumnBatch(schema, 3, [f64, utf8, bool])).toThrow(/Column "x": values must be a Float64Array of length 3/);
    expect(() => new ColumnBatch(schema, 2, [{ type: 'f64', values: new Int32Array(2) } as never, utf8, bool])).toThrow(/Float64Array/);
    expect(() => new ColumnBatch(schema, 2, [{ ...f64, validity: new Uint8Array(2) }, utf8, bool])).toThrow(/validity bitmap must be a Uint8Array of 1 bytes/);
    expect(() => new ColumnBatch(schema, 2, [f64, new Utf8Column(['a'], new Int32Array(2), new Uint8Array(1)), bool])).toThrow(/Column "s" is not nullable but has a validity bitmap/);
    expect(() => new ColumnBatch(schema, 2, [f64, utf8, { type: 'bool', values: new Uint8Array(2) }])).toThrow(/Uint8Array of length 1/);
    expect(() => new ColumnBatch(schema, 2, [f64, utf8, bool], new Float64Array(3))).toThrow(/timestamps must be a Float64Array of 2/);
    expect(() => new ColumnBatch(new Schema([]), -1, [])).toThrow(/row count/);
    expect(() => new ColumnBatch(new Schema([]), 1.5, [])).toThrow(/row count/);
    expect(new ColumnBatch(schema, 2, [f64, utf8, bool]).rowCount).toBe(2);
  });
});

describe('bitmaps and dictionaries', () => {
  it('packs bits LSB first, as Arrow does', () => {
    expect(Array.from(packBits([1, 0, 0, 0, 0, 0, 0, 1, 1]))).toEqual([0x81, 0x01]);
    expect(bitmapLength(0)).toBe(0);
    expect(bitmapLength(8)).toBe(1);
    expect(bitmapLength(9)).toBe(2);
    expect(isValid(undefined, 5)).toBe(true);
    expect(isValid(Uint8Array.of(0x02), 1)).toBe(true);
    expect(isValid(Uint8Array.of(0x02), 0)).toBe(false);
  });

  it('decodes UTF-8 dictionaries, ASCII or not, in chunks, keeping a leading BOM', () => {
    const strings = ['', 'abc', '\uFEFFx', 'héllo', '😀', '', 'z'.repeat(70_000), '日本'];
    const enc = new TextEncoder();
    const parts = strings.map((s) => enc.encode(s));
    const offsets = new Int32Array(parts.length + 1);
    parts.forEach((p, k) => (offsets[k + 1] = offsets[k] + p.length));
    const bytes = new Uint8Array(offsets[parts.length]);
    parts.forEach((p, k) => bytes.set(p, offsets[k]));
    expect(decodeDictionary({ bytes, offsets })).toEqual(strings);
    const ascii = ['a', 'bc', '', 'def'];
    expect(decodeDictionary({ bytes: enc.encode(ascii.join('')), offsets: Int32Array.of(0, 1, 3, 3, 6) })).toEqual(ascii);
    expect(decodeDictionary({ bytes: new Uint8Array(0), offsets: Int32Array.of(0) })).toEqual([]);
  });

  it('makes a decoded column\'s strings once, on demand', () => {
    const col = Utf8Column.fromUtf8({ bytes: new TextEncoder().encode('ab'), offsets: Int32Array.of(0, 1, 2) }, Int32Array.of(1, 0), undefined);
    expect(col.dictionarySize).toBe(2);
    expect(col.encoded).toBeDefined();
    expect(col.get(0)).toBe('b');
    expect(col.dictionary).toBe(col.dictionary);
  });
});
