/**
 * A compact binary encoding of JavaScript values for state snapshots: what keyed state holds
 * (numbers, strings, bigints, booleans, null/undefined, arrays, plain objects, Maps, Sets, Dates
 * and typed arrays, nested) round-trips exactly — -0, NaN payload aside, ±Infinity, lone
 * surrogates and 2^53-range integers included. Checksums are the storage's job; decoding checks
 * every length against the buffer and names the byte offset of what is wrong.
 *
 * ```
 *  value := tag:u8 payload
 *    0 undefined   1 null   2 false   3 true
 *    4 int32  i32            5 float64  f64
 *    6 string u32 n, n UTF-8 bytes   7 string u32 n, n UTF-16 code units (not well-formed)
 *    8 bigint u8 sign, u32 n, n bytes little-endian magnitude
 *    9 array  u32 n, n values       10 object u32 n, n × (key: string value, value)
 *   11 map    u32 n, n × (k, v)     12 set    u32 n, n values      13 date f64
 *   14 f64array / 15 i32array / 16 u8array: u32 n, raw little-endian elements
 * ```
 */

export class ValueCodecError extends Error {
  override readonly name = 'ValueCodecError';
}

const enum Tag {
  Undefined = 0,
  Null = 1,
  False = 2,
  True = 3,
  Int32 = 4,
  Float64 = 5,
  Utf8 = 6,
  Utf16 = 7,
  BigInt = 8,
  Array = 9,
  Object = 10,
  Map = 11,
  Set = 12,
  Date = 13,
  Float64Array = 14,
  Int32Array = 15,
  Uint8Array = 16,
}

const encoder = new TextEncoder();
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** `String.prototype.isWellFormed` (ES2024) where present; UTF-8 cannot carry lone surrogates. */
function isWellFormed(s: string): boolean {
  const native = (s as { isWellFormed?: () => boolean }).isWellFormed;
  return native !== undefined ? native.call(s) : !LONE_SURROGATE.test(s);
}
const decoder = new TextDecoder('utf-8', { fatal: true });
/** Strings up to this length take the byte-by-byte ASCII paths (a native call costs more). */
const SHORT_STRING = 64;

/** Appends encoded values to a growing buffer; reuse one writer across snapshots. */
export class ValueWriter {
  private bytes: Uint8Array;
  private view: DataView;
  private pos = 0;
  private readonly seen = new Set<object>();

  /** `capacity`: the initial buffer size; a snapshot presized from the previous one never regrows. */
  constructor(capacity = 1 << 12) {
    this.bytes = new Uint8Array(Math.max(16, capacity));
    this.view = new DataView(this.bytes.buffer);
  }

  get length(): number {
    return this.pos;
  }

  /** The encoded bytes so far (a copy), and a reset. */
  take(): Uint8Array {
    const out = this.bytes.slice(0, this.pos);
    this.pos = 0;
    return out;
  }

  /** The encoded bytes as a view of the writer's own buffer, without a copy: for a writer used once. */
  finish(): Uint8Array {
    return this.bytes.subarray(0, this.pos);
  }

  /** A raw little-endian u32 (framing, not a tagged value). */
  writeU32(x: number): void {
    this.u32(x);
  }

  /** A raw little-endian f64 (framing, not a tagged value). */
  writeF64(x: number): void {
    this.f64(x);
  }

  /** A raw unsigned LEB128 integer below 2^32: one byte for counts and indices below 128. */
  writeVarUint(x: number): void {
    this.ensure(5);
    const b = this.bytes;
    let p = this.pos;
    while (x >= 0x80) {
      b[p++] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
    b[p++] = x;
    this.pos = p;
  }

  /** Starts an array of `length` values; write them next (streams big structures without building them). */
  beginArray(length: number): void {
    this.u8(Tag.Array);
    this.u32(length);
  }

  /** Starts a plain object of `size` entries; write each as a string key, then its value. */
  beginObject(size: number): void {
    this.u8(Tag.Object);
    this.u32(size);
  }

  write(value: unknown): void {
    switch (typeof value) {
      case 'undefined':
        return this.u8(Tag.Undefined);
      case 'boolean':
        return this.u8(value ? Tag.True : Tag.False);
      case 'number':
        // -0 is not an int32 (1 / -0 < 0); byte stores truncate, so no DataView call is needed.
        if ((value | 0) === value && (value !== 0 || 1 / value > 0)) {
          this.ensure(5);
          const b = this.bytes;
          const p = this.pos;
          b[p] = Tag.Int32;
          b[p + 1] = value;
          b[p + 2] = value >> 8;
          b[p + 3] = value >> 16;
          b[p + 4] = value >> 24;
          this.pos = p + 5;
        } else {
          this.u8(Tag.Float64);
          this.f64(value);
        }
        return;
      case 'string':
        return this.string(value);
      case 'bigint':
        return this.bigint(value);
      case 'object':
        if (value === null) return this.u8(Tag.Null);
        return this.object(value);
      default:
        throw new ValueCodecError(`cannot encode a ${typeof value} in state`);
    }
  }

  private object(value: object): void {
    if (this.seen.has(value)) throw new ValueCodecError('cannot encode a cyclic structure in state');
    this.seen.add(value);
    try {
      if (Array.isArray(value)) {
        this.u8(Tag.Array);
        this.u32(value.length);
        for (const v of value) this.write(v);
      } else if (value instanceof Map) {
        this.u8(Tag.Map);
        this.u32(value.size);
        for (const [k, v] of value) {
          this.write(k);
          this.write(v);
        }
      } else if (value instanceof Set) {
        this.u8(Tag.Set);
        this.u32(value.size);
        for (const v of value) this.write(v);
      } else if (value instanceof Date) {
        this.u8(Tag.Date);
        this.f64(value.getTime());
      } else if (value instanceof Float64Array) {
        this.typed(Tag.Float64Array, new Uint8Array(value.buffer, value.byteOffset, value.byteLength), value.length);
      } else if (value instanceof Int32Array) {
        this.typed(Tag.Int32Array, new Uint8Array(value.buffer, value.byteOffset, value.byteLength), value.length);
      } else if (value instanceof Uint8Array) {
        this.typed(Tag.Uint8Array, value, value.length);
      } else {
        const proto = Object.getPrototypeOf(value) as unknown;
        if (proto !== Object.prototype && proto !== null) {
          throw new ValueCodecError(`cannot encode an instance of ${(value.constructor as { name?: string } | undefined)?.name ?? 'a class'} in state; use plain objects`);
        }
        const keys = Object.keys(value);
        this.u8(Tag.Object);
        this.u32(keys.length);
        for (const k of keys) {
          this.string(k);
          this.write((value as Record<string, unknown>)[k]);
        }
      }
    } finally {
      this.seen.delete(value);
    }
  }

  private string(s: string): void {
    const n = s.length;
    if (n <= SHORT_STRING) {
      // Short ASCII strings (most keys and field names) skip the well-formedness check and the
      // encodeInto call; anything else falls through with nothing written.
      this.ensure(5 + n);
      const b = this.bytes;
      const start = this.pos;
      let p = start + 5;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        b[p++] = c;
      }
      if (i === n) {
        b[start] = Tag.Utf8;
        b[start + 1] = n;
        b[start + 2] = 0;
        b[start + 3] = 0;
        b[start + 4] = 0;
        this.pos = p;
        return;
      }
    }
    if (!isWellFormed(s)) {
      this.u8(Tag.Utf16);
      this.u32(s.length);
      this.ensure(s.length * 2);
      for (let i = 0; i < s.length; i++, this.pos += 2) this.view.setUint16(this.pos, s.charCodeAt(i), true);
      return;
    }
    this.u8(Tag.Utf8);
    const start = this.pos;
    this.u32(0);
    this.ensure(s.length * 3);
    const { written } = encoder.encodeInto(s, this.bytes.subarray(this.pos));
    this.view.setUint32(start, written, true);
    this.pos += written;
  }

  private bigint(v: bigint): void {
    this.u8(Tag.BigInt);
    const negative = v < 0n;
    let magnitude = negative ? -v : v;
    const digits: number[] = [];
    while (magnitude > 0n) {
      digits.push(Number(magnitude & 0xffn));
      magnitude >>= 8n;
    }
    this.u8(negative ? 1 : 0);
    this.u32(digits.length);
    this.ensure(digits.length);
    this.bytes.set(digits, this.pos);
    this.pos += digits.length;
  }

  private typed(tag: Tag, bytes: Uint8Array, length: number): void {
    this.u8(tag);
    this.u32(length);
    this.ensure(bytes.length);
    this.bytes.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  private u8(x: number): void {
    this.ensure(1);
    this.bytes[this.pos++] = x;
  }

  private u32(x: number): void {
    this.ensure(4);
    this.view.setUint32(this.pos, x, true);
    this.pos += 4;
  }

  private f64(x: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, x, true);
    this.pos += 8;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.bytes.subarray(0, this.pos));
    this.bytes = next;
    this.view = new DataView(next.buffer);
  }
}

/** Reads values written by `ValueWriter`, checking every length against the buffer. */
export class ValueReader {
  private readonly view: DataView;
  private pos = 0;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly source = 'value',
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get done(): boolean {
    return this.pos >= this.bytes.length;
  }

  /** The offset of the next byte to read. */
  get position(): number {
    return this.pos;
  }

  /** Bytes not read yet. */
  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  /** A raw little-endian u32 written by `writeU32`. */
  readU32(): number {
    return this.u32();
  }

  /** A raw little-endian f64 written by `writeF64`. */
  readF64(): number {
    return this.f64();
  }

  /** An unsigned LEB128 integer written by `writeVarUint`. */
  readVarUint(): number {
    const b = this.bytes;
    let x = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (this.pos >= b.length) this.fail(`truncated: a variable-length integer runs past the end at byte ${this.pos}`);
      const byte = b[this.pos++]!;
      x += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return x;
    }
    return this.fail(`a variable-length integer at byte ${this.pos - 5} is longer than 5 bytes`);
  }

  /** Throws a `ValueCodecError` naming the source. */
  fail(message: string): never {
    throw new ValueCodecError(`${this.source}: ${message}`);
  }

  read(depth = 0): unknown {
    if (depth > 1000) this.fail('nesting deeper than 1000 levels');
    const at = this.pos;
    const tag = this.u8();
    switch (tag) {
      case Tag.Undefined:
        return undefined;
      case Tag.Null:
        return null;
      case Tag.False:
        return false;
      case Tag.True:
        return true;
      case Tag.Int32: {
        this.need(4);
        const b = this.bytes;
        const p = this.pos;
        this.pos = p + 4;
        return b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24);
      }
      case Tag.Float64:
        return this.f64();
      case Tag.Utf8: {
        const n = this.u32();
        this.need(n);
        if (n <= SHORT_STRING) {
          const ascii = this.ascii(n);
          if (ascii !== undefined) return ascii;
        }
        try {
          return decoder.decode(this.bytes.subarray(this.pos, (this.pos += n)));
        } catch {
          return this.fail(`invalid UTF-8 in the string at byte ${at}`);
        }
      }
      case Tag.Utf16: {
        const n = this.u32();
        this.need(n * 2);
        let s = '';
        for (let i = 0; i < n; i++, this.pos += 2) s += String.fromCharCode(this.view.getUint16(this.pos, true));
        return s;
      }
      case Tag.BigInt: {
        const negative = this.u8();
        const n = this.u32();
        this.need(n);
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(this.bytes[this.pos + i]!);
        this.pos += n;
        return negative === 1 ? -v : v;
      }
      case Tag.Array: {
        const n = this.count();
        const out = new Array<unknown>(n);
        for (let i = 0; i < n; i++) out[i] = this.read(depth + 1);
        return out;
      }
      case Tag.Object: {
        const n = this.count();
        const out: Record<string, unknown> = {};
        for (let i = 0; i < n; i++) {
          const k = this.read(depth + 1);
          if (typeof k !== 'string') this.fail(`an object key at byte ${at} is not a string`);
          out[k as string] = this.read(depth + 1);
        }
        return out;
      }
      case Tag.Map: {
        const n = this.count();
        const out = new Map<unknown, unknown>();
        for (let i = 0; i < n; i++) out.set(this.read(depth + 1), this.read(depth + 1));
        return out;
      }
      case Tag.Set: {
        const n = this.count();
        const out = new Set<unknown>();
        for (let i = 0; i < n; i++) out.add(this.read(depth + 1));
        return out;
      }
      case Tag.Date:
        return new Date(this.f64());
      case Tag.Float64Array:
        return new Float64Array(this.raw(8).buffer);
      case Tag.Int32Array:
        return new Int32Array(this.raw(4).buffer);
      case Tag.Uint8Array:
        return this.raw(1);
      default:
        return this.fail(`unknown tag ${tag} at byte ${at}`);
    }
  }

  /** The next `n` bytes as a string if they are all ASCII (then consumed), else undefined. */
  private ascii(n: number): string | undefined {
    const b = this.bytes;
    const start = this.pos;
    let s = '';
    for (let i = start; i < start + n; i++) {
      const c = b[i]!;
      if (c >= 0x80) return undefined;
      s += String.fromCharCode(c);
    }
    this.pos = start + n;
    return s;
  }

  private raw(width: number): Uint8Array {
    const n = this.u32();
    this.need(n * width);
    const out = this.bytes.slice(this.pos, this.pos + n * width);
    this.pos += n * width;
    return out;
  }

  /** An element count, bounded by the bytes left (each element takes at least one). */
  private count(): number {
    const n = this.u32();
    if (n > this.bytes.length - this.pos) this.fail(`a count of ${n} at byte ${this.pos - 4} exceeds the ${this.bytes.length - this.pos} bytes left`);
    return n;
  }

  private u8(): number {
    this.need(1);
    return this.bytes[this.pos++]!;
  }

  private u32(): number {
    this.need(4);
    this.pos += 4;
    return this.view.getUint32(this.pos - 4, true);
  }

  private f64(): number {
    this.need(8);
    this.pos += 8;
    return this.view.getFloat64(this.pos - 8, true);
  }

  private need(n: number): void {
    if (this.pos + n > this.bytes.length) this.fail(`truncated: ${n} bytes needed at byte ${this.pos}, ${this.bytes.length - this.pos} left`);
  }
}

/** Encodes one value. */
export function encodeValue(value: unknown): Uint8Array {
  const w = new ValueWriter();
  w.write(value);
  return w.take();
}

/** Decodes one value, requiring the whole buffer to be used. */
export function decodeValue(bytes: Uint8Array, source?: string): unknown {
  const r = new ValueReader(bytes, source);
  const v = r.read();
  if (!r.done) throw new ValueCodecError(`${source ?? 'value'}: ${bytes.length} bytes, but the value ended earlier`);
  return v;
}
