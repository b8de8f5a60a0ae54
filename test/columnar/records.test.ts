import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Utf8Column } from '../../src/columnar/column-batch';
import { DEDUP_PROBE, fromRecords, inferSchema, toRecords } from '../../src/columnar/records';
import { field, Schema, SchemaError } from '../../src/columnar/schema';

/** Strings of code points from every UTF-8 length class (1–4 bytes), never a lone surrogate. */
const unicodeString = (maxLength: number) =>
  fc
    .array(
      fc.oneof(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0x80, max: 0x7ff }), fc.integer({ min: 0x800, max: 0xd7ff }), fc.integer({ min: 0xe000, max: 0xffff }), fc.integer({ min: 0x10000, max: 0x10ffff })),
      { maxLength },
    )
    .map((cps) => String.fromCodePoint(...cps));

// Records ⇄ columns, in Node and Chromium.
describe('fromRecords / toRecords', () => {
  it('infers i32 only when every number is a 32-bit integer (and not -0)', () => {
    const schema = inferSchema([
      { a: 1, b: 1, c: 1, d: 1, e: 1, f: 2 ** 31 - 1 },
      { a: -(2 ** 31), b: 2 ** 31, c: 1.5, d: -0, e: Number.NaN, f: 0 },
    ]);
    expect(schema.fields.map((f) => f.type)).toEqual(['i32', 'f64', 'f64', 'f64', 'f64', 'i32']);
  });

  it('infers bigint → i64, boolean → bool, string → utf8, and nullability from null, undefined and missing keys', () => {
    const batch = fromRecords([{ id: 1n, ok: true, s: 'x', n: null }, { id: 2n, ok: false, s: 'y', u: undefined }, { id: 3n, ok: true, s: 'z', late: 4 }]);
    expect(batch.schema.toString()).toBe('{ "id": i64, "ok": bool, "s": utf8, "n": f64?, "u": f64?, "late": i32? }');
    expect(batch.columns[0].validity).toBeUndefined();
    expect(Array.from(batch.columns[5].validity!)).toEqual([0b100]);
    expect(toRecords(batch)).toEqual([
      { id: 1n, ok: true, s: 'x', n: null, u: null, late: null },
      { id: 2n, ok: false, s: 'y', n: null, u: null, late: null },
      { id: 3n, ok: true, s: 'z', n: null, u: null, late: 4 },
    ]);
  });

  it('round-trips edge values exactly', () => {
    const records = [
      { f: -0, big: 2n ** 63n - 1n, s: '', safe: 2 ** 53 - 1 },
      { f: Number.NaN, big: -(2n ** 63n), s: 'héllo 😀 \uFEFF', safe: -(2 ** 53) },
      { f: Infinity, big: 0n, s: 'a\uD800b', safe: 2 ** 53 },
      { f: -Infinity, big: -1n, s: '日本', safe: 0.1 },
    ];
    const back = toRecords(fromRecords(records));
    expect(back).toEqual(records);
    expect(Object.is(back[0].f, -0)).toBe(true);
  });

  it('names the field and the record of a value it cannot store', () => {
    expect(() => fromRecords([{ a: 1 }, { a: { nested: true } }])).toThrow(/Field "a", record 1: an object cannot be stored in a column \(.*JSON\.stringify/);
    expect(() => fromRecords([{ a: [1] }])).toThrow(/Field "a", record 0: an array cannot be stored/);
    expect(() => fromRecords([{ when: new Date(0) }])).toThrow(/Field "when", record 0: a Date cannot be stored in a column \(store a Date as a number: date.getTime\(\)\)/);
    expect(() => fromRecords([{ f: () => 1 }])).toThrow(/Field "f", record 0: a function/);
    expect(() => fromRecords([{ s: Symbol('x') }])).toThrow(/Symbol\(x\) cannot be stored/);
    expect(() => fromRecords([{ a: 1 }, { a: 'one' }])).toThrow(/Field "a", record 1: "one" is a string, but record 0 holds a number/);
    expect(() => fromRecords([{ a: 'x' }, { a: null }, { a: 2n }])).toThrow(/Field "a", record 2: 2n is a bigint, but record 0 holds a string/);
    expect(() => fromRecords([{ a: true }, { a: 1 }])).toThrow(/record 1: 1 is a number, but record 0 holds a boolean/);
    expect(() => fromRecords([{ a: 1 }, { a: new Date(0) }])).toThrow(/record 1: a Date cannot be stored/);
    expect(() => fromRecords([{ a: 2n ** 64n }])).toThrow(/Field "a", record 0: 18446744073709551616n does not fit in 64 signed bits/);
    expect(() => fromRecords([{ a: 1 }, 5 as unknown as object])).toThrow(/Record 1 is not an object: 5/);
    expect(() => fromRecords([{ a: 1 }, { a: {} }])).toThrow(SchemaError);
  });

  it('checks values against an explicit schema, ignores other keys, and rejects nulls in non-nullable fields', () => {
    const schema = new Schema([field('id', 'i32'), field('price', 'f64'), field('big', 'i64', true), field('tag', 'utf8', true)]);
    const batch = fromRecords([{ id: 1, price: 2, other: 'ignored' }, { id: 2, price: 2.5, big: 7n, tag: 't' }], { schema });
    expect(batch.schema).toBe(schema);
    expect(batch.columns[1].type).toBe('f64');
    expect(toRecords(batch)).toEqual([{ id: 1, price: 2, big: null, tag: null }, { id: 2, price: 2.5, big: 7n, tag: 't' }]);
    expect(() => fromRecords([{ id: 1.5, price: 1 }], { schema })).toThrow(/Field "id" is i32, but record 0 holds 1.5, not a 32-bit integer/);
    expect(() => fromRecords([{ id: 1, price: 1, big: 3 }], { schema })).toThrow(/Field "big", record 0: 3 is a number, but the field's type is i64 \(bigint\)/);
    expect(() => fromRecords([{ id: 1 }], { schema })).toThrow(/Field "price" is not nullable, but record 0 holds undefined/);
    expect(() => fromRecords([{ id: 1, price: null }], { schema })).toThrow(/Field "price" is not nullable, but record 0 holds null/);
  });

  it('keeps keys such as "__proto__" and "toString" as plain data', () => {
    const records = [JSON.parse('{"__proto__": 1, "x": 2}') as object, { toString: 5, x: 3 }, { x: 4 }];
    const batch = fromRecords(records);
    expect(batch.schema.fields.map((f) => f.name)).toEqual(['__proto__', 'x', 'toString']);
    const back = toRecords(batch);
    expect(Object.getPrototypeOf(back[0])).toBe(Object.prototype);
    expect(Object.hasOwn(back[0], '__proto__')).toBe(true);
    expect(back[0]['__proto__']).toBe(1);
    expect(back[2].toString).toBeNull();
    expect(back[1].toString).toBe(5);
  });

  it('deduplicates repeated strings, and stops trying on mostly-distinct ones', () => {
    const few = fromRecords(Array.from({ length: 10_000 }, (_, i) => ({ c: ['Google', 'Apple', 'Baidu'][i % 3] })));
    expect((few.columns[0] as Utf8Column).dictionary).toEqual(['Google', 'Apple', 'Baidu']);
    const many = fromRecords(Array.from({ length: 10_000 }, (_, i) => ({ u: `u${i % 9000}` })));
    const col = many.columns[0] as Utf8Column;
    expect(col.dictionarySize).toBe(DEDUP_PROBE + (10_000 - DEDUP_PROBE)); // deduplicated while probing, then appended
    expect(toRecords(many).map((r) => r.u)).toEqual(Array.from({ length: 10_000 }, (_, i) => `u${i % 9000}`));
  });

  it('takes timestamps, one per record', () => {
    const batch = fromRecords([{ a: 1 }, { a: 2 }], { timestamps: [10, Number.NaN] });
    expect(Array.from(batch.timestamps)).toEqual([10, Number.NaN]);
    expect(() => fromRecords([{ a: 1 }], { timestamps: [] })).toThrow(/0 timestamps for 1 records/);
    expect(fromRecords([{ a: 1 }]).timestamps[0]).toBeNaN();
  });

  it('handles no records and records without keys', () => {
    expect(fromRecords([]).schema.length).toBe(0);
    const empty = fromRecords([{}, {}]);
    expect(empty.rowCount).toBe(2);
    expect(toRecords(empty)).toEqual([{}, {}]);
    expect(fromRecords([{ a: null }, { a: undefined }]).schema.toString()).toBe('{ "a": f64? }');
  });

  it('round-trips random records of every kind', () => {
    const value = fc.oneof(
      fc.record({ k: fc.constant('n' as const), v: fc.option(fc.oneof(fc.double(), fc.integer(), fc.constantFrom(-0, 2 ** 53, Number.NaN))) }),
      fc.record({ k: fc.constant('b' as const), v: fc.option(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })) }),
      fc.record({ k: fc.constant('t' as const), v: fc.option(fc.boolean()) }),
      fc.record({ k: fc.constant('s' as const), v: fc.option(unicodeString(10)) }),
    );
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 6 }), fc.nat(60), fc.nat(), (kinds, n, seed) => {
        // Column j keeps the kind of kinds[j]; values vary per row.
        const records = Array.from({ length: n }, (_, i) => {
          const r: Record<string, unknown> = {};
          kinds.forEach((kv, j) => {
            const pick = (seed + i * 31 + j * 7) % 5;
            r[`f${j}`] = pick === 0 ? null : kv.v === null ? null : kv.k === 'n' ? (kv.v as number) + i : kv.k === 'b' ? BigInt.asIntN(64, (kv.v as bigint) + BigInt(i)) : kv.k === 't' ? i % 2 === 0 : `${kv.v}${i}`;
          });
          return r;
        });
        const back = toRecords(fromRecords(records));
        expect(back).toEqual(records);
      }),
      { seed: 31, numRuns: 120 },
    );
  });
});
