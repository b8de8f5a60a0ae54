import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValueCodecError, decodeValue, encodeValue } from '../../src/codec/value-codec';

// The state-snapshot value codec: exact round trips, and clear errors on damaged bytes. Runs in
// Node and Chromium.
describe('value codec', () => {
  it('round-trips what keyed state holds, exactly', () => {
    const values: unknown[] = [
      undefined, null, true, false, 0, -0, 1, -1, 2 ** 31, -(2 ** 31), 2 ** 53 - 1, -(2 ** 53), 0.1, Number.NaN,
      Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.MIN_VALUE, '', 'héllo wörld', '🦀🚀', '\ud800 lone', 'a\udc00',
      0n, -1n, 2n ** 64n, -(2n ** 200n), [1, [2, [3]]], { a: 1, b: { c: [null, undefined] } }, new Map<unknown, unknown>([[1, 'a'], ['k', new Set([1, 2])]]),
      new Date(1_700_000_000_000), Float64Array.of(1.5, -0, Number.NaN), Int32Array.of(1, -2), Uint8Array.of(0, 255), { sum: 3, count: 2 },
    ];
    for (const v of values) {
      const back = decodeValue(encodeValue(v));
      if (typeof v === 'number') expect(Object.is(back, v)).toBe(true);
      else expect(back).toEqual(v);
    }
  });

  it('round-trips random nested values', () => {
    const { value } = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.constant(null),
        fc.boolean(),
        fc.double(),
        fc.integer(),
        fc.bigInt(),
        fc.string({ unit: 'binary' }),
        fc.array(tie('value'), { maxLength: 5 }),
        fc.dictionary(fc.string(), tie('value'), { maxKeys: 5 }),
      ),
    }));
    fc.assert(
      fc.property(value, (v) => {
        expect(decodeValue(encodeValue(v))).toEqual(v);
      }),
      { seed: 11, numRuns: 300 },
    );
  });

  it('rejects what it cannot encode', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => encodeValue(cyclic)).toThrow('cyclic');
    expect(() => encodeValue(() => 1)).toThrow('cannot encode a function');
    expect(() => encodeValue(new (class Point {})())).toThrow('instance of Point');
  });

  it('gives a clear error, never garbage, for every truncation and for bad tags and counts', () => {
    const bytes = encodeValue({ name: 'sluice', counts: [1, 2, 3], big: 2n ** 70n, nested: new Map([['x', 1.5]]) });
    for (let cut = 0; cut < bytes.length; cut++) {
      expect(() => decodeValue(bytes.subarray(0, cut), 'state/window-contents')).toThrow(ValueCodecError);
    }
    expect(() => decodeValue(Uint8Array.of(99))).toThrow('unknown tag 99 at byte 0');
    expect(() => decodeValue(Uint8Array.of(9, 255, 255, 255, 255))).toThrow('exceeds');
    expect(() => decodeValue(Uint8Array.of(1, 1))).toThrow('ended earlier');
  });
});
