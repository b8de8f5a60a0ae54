/**
 * The batch codec: a {@link ColumnBatch} as one compact `ArrayBuffer` — what batches are between
 * workers, and the state-file format of checkpoints and savepoints. Little-endian; every section
 * starts at a multiple of 8, so a decoder makes typed-array views of the numeric columns in place
 * (no copy).
 *
 * ```
 *  offset size
 *  ┌─────┬────┬─────────────────────────────────────────────────────────────────────────────────┐
 *  │   0 │  4 │ magic "SLCB" (53 4C 43 42)                                                      │
 *  │   4 │  2 │ format version (1)                                                              │
 *  │   6 │  2 │ reserved, 0                                                                     │
 *  │   8 │  4 │ CRC-32C (Castagnoli) of bytes [12, total length)                                │
 *  │  12 │  4 │ total length in bytes (= the buffer's length)                                   │
 *  │  16 │  4 │ flags: bit 0 = timestamps present (absent: every row's timestamp is NaN)        │
 *  │  20 │  4 │ row count n                                                                     │
 *  │  24 │  4 │ field count f                                                                   │
 *  │  28 │  4 │ schema length s (bytes of the f field entries, unpadded)                        │
 *  ├─────┴────┴─────────────────────────────────────────────────────────────────────────────────┤
 *  │  32  schema: f entries ┌─────────┬───────────────────────┬───────┬──────────────┬──────┐   │
 *  │                        │ type u8 │ flags u8 (1=nullable) │ 0 u16 │ name len u32 │ name │   │
 *  │                        └─────────┴───────────────────────┴───────┴──────────────┴──────┘   │
 *  │      type codes: 1 f64 · 2 i32 · 3 i64 · 4 bool · 5 utf8;  names are UTF-8                 │
 *  │      ░ zero padding to a multiple of 8 (here and after every section below)                │
 *  │      timestamps (if flag bit 0): f64 × n                                                   │
 *  │      column 0 … column f-1, each:                                                          │
 *  │        ┌─────────┬───────────────────────┬───────┬───────────────────────────────────┐     │
 *  │        │ type u8 │ flags u8 (1=validity) │ 0 u16 │ dictionary size d u32 (else 0)    │     │
 *  │        └─────────┴───────────────────────┴───────┴───────────────────────────────────┘     │
 *  │        validity (flag bit 0; nullable fields only): ⌈n/8⌉ bytes, bit i (LSB first) = row i │
 *  │          is non-null ░                                                                     │
 *  │        f64: f64 × n     i64: i64 × n     i32: i32 × n ░     bool: ⌈n/8⌉ bytes, bit i ░     │
 *  │        utf8: offsets i32 × (d+1) ░ │ strings u8 × offsets[d] ░ │ indices i32 × n ░         │
 *  │              entry k = strings[offsets[k], offsets[k+1]); offsets[0] = 0, non-decreasing;  │
 *  │              a non-null row's index is in [0, d); a null row's index is kept but unused    │
 *  └────────────────────────────────────────────────────────────────────────────────────────────┘
 * ```
 *
 * Decoding checks, in order: the magic, the version, the reserved bytes, the total length against
 * the buffer, the CRC-32C, then every count, length, offset, type code, flag and padding against
 * the buffer's bounds, the UTF-8 of every string, and every dictionary index of a non-null row.
 * Any failure is a {@link CodecError} naming what is wrong and at which byte. A decoded batch's
 * numeric columns, bitmaps and string bytes are views of the buffer it was decoded from: do not
 * write to that buffer afterwards (or pass `copy: true`).
 */
import { type Bitmap, type Column, ColumnBatch, bitmapLength, type Utf8Dictionary, Utf8Column } from '../columnar/column-batch';
import { type FromRecordsOptions, fromRecords, toRecords } from '../columnar/records';
import { type ColumnType, type Field, Schema, SchemaError } from '../columnar/schema';
import { CodecError } from './codec-error';
import { type ByteScan, CodecKernel, UTF8_ASCII, UTF8_VALID } from './codec-kernel';

// ---------------------------------------------------------------------------------------------
// The format
// ---------------------------------------------------------------------------------------------

/** "SLCB" as the little-endian u32 at byte 0. */
const MAGIC = 0x42434c53;
const MAGIC_BYTES = [0x53, 0x4c, 0x43, 0x42];
/** The format version this build writes and reads. */
export const BATCH_FORMAT_VERSION = 1;
const HEADER_BYTES = 32;
/** Bytes [CHECKED_FROM, total) are covered by the CRC: everything after the CRC itself. */
const CHECKED_FROM = 12;
const FIELD_ENTRY_BYTES = 8;
const COLUMN_HEADER_BYTES = 8;
/** The largest batch the format can describe (u32 lengths). */
const MAX_BYTES = 0xffffffff;

const FLAG_TIMESTAMPS = 1;
const FIELD_NULLABLE = 1;
const COLUMN_VALIDITY = 1;

const TYPE_CODE: Record<ColumnType, number> = { f64: 1, i32: 2, i64: 3, bool: 4, utf8: 5 };
const CODE_TYPE: readonly (ColumnType | undefined)[] = [undefined, 'f64', 'i32', 'i64', 'bool', 'utf8'];

/** Strings are joined and encoded in chunks of about this many UTF-16 units. */
const ENCODE_CHUNK_UNITS = 1 << 22;

export interface EncodeOptions {
  /** The kernel that computes the checksum (default: the JavaScript one). */
  readonly kernel?: CodecKernel;
}

export interface DecodeOptions {
  /** The kernel that checks the bytes (default: the JavaScript one). */
  readonly kernel?: CodecKernel;
  /**
   * Verify the CRC-32C (default true). Only skip it for buffers that never left memory (a batch
   * passed between workers): the structure, UTF-8 and indices are checked either way.
   */
  readonly verifyChecksum?: boolean;
  /** Decode from a private copy of the bytes instead of making views of them (default false). */
  readonly copy?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Public entry points
// ---------------------------------------------------------------------------------------------

/**
 * Encodes a batch into one `ArrayBuffer` (see the layout above). Throws a {@link CodecError}
 * (`unencodable`) for a string with a lone surrogate (UTF-8 cannot carry one), a dictionary index
 * outside its dictionary, or a batch over 4 GiB.
 *
 * @example
 * const kernel = await CodecKernel.load();
 * const buffer = encodeBatch(fromRecords(bids), { kernel });
 */
export function encodeBatch(batch: ColumnBatch, options: EncodeOptions = {}): ArrayBuffer {
  checkHost();
  const kernel = options.kernel ?? CodecKernel.js;
  const n = batch.rowCount;
  const fields = batch.schema.fields;
  const encoder = textEncoder();
  try {
    batch.checkShapes();
  } catch (error) {
    if (error instanceof SchemaError) throw new CodecError('unencodable', `Cannot encode this batch: ${error.message}`);
    throw error;
  }

  // Sizes first: one allocation of exactly the right length.
  const names: Uint8Array[] = [];
  let schemaLength = 0;
  for (const f of fields) {
    const at = loneSurrogateAt(f.name);
    if (at >= 0) throw new CodecError('unencodable', `Field name ${JSON.stringify(f.name)} holds a lone surrogate at index ${at}, which UTF-8 cannot carry`);
    const name = encoder.encode(f.name);
    names.push(name);
    schemaLength += FIELD_ENTRY_BYTES + name.length;
  }
  let size = HEADER_BYTES + align8(schemaLength);
  const timestamps = batch.hasTimestamps && !allNaN(batch.timestamps) ? batch.timestamps : undefined;
  if (timestamps !== undefined) size += 8 * n;
  const bitmapBytes = bitmapLength(n);
  const dictionaries: (Utf8Dictionary | undefined)[] = [];
  for (let c = 0; c < fields.length; c++) {
    const column = batch.columns[c];
    size += COLUMN_HEADER_BYTES;
    if (column.validity !== undefined) size += align8(bitmapBytes);
    let dict: Utf8Dictionary | undefined;
    switch (column.type) {
      case 'f64':
      case 'i64':
        size += 8 * n;
        break;
      case 'i32':
        size += align8(4 * n);
        break;
      case 'bool':
        size += align8(bitmapBytes);
        break;
      case 'utf8':
        dict = column.encoded ?? encodeDictionary(column, fields[c].name);
        checkIndicesBeforeEncoding(column, dict.offsets.length - 1, fields[c].name);
        size += align8(4 * dict.offsets.length) + align8(dict.bytes.length) + align8(4 * n);
        break;
    }
    dictionaries.push(dict);
  }
  if (size > MAX_BYTES) throw new CodecError('unencodable', `The batch would take ${size} bytes; the format holds at most ${MAX_BYTES} (4 GiB - 1)`);

  const buffer = new ArrayBuffer(size);
  const out = new Uint8Array(buffer);
  const view = new DataView(buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint16(4, BATCH_FORMAT_VERSION, true);
  view.setUint32(12, size, true);
  view.setUint32(16, timestamps !== undefined ? FLAG_TIMESTAMPS : 0, true);
  view.setUint32(20, n, true);
  view.setUint32(24, fields.length, true);
  view.setUint32(28, schemaLength, true);
  let pos = HEADER_BYTES;
  for (let c = 0; c < fields.length; c++) {
    const f = fields[c];
    out[pos] = TYPE_CODE[f.type];
    out[pos + 1] = f.nullable ? FIELD_NULLABLE : 0;
    view.setUint32(pos + 4, names[c].length, true);
    out.set(names[c], pos + FIELD_ENTRY_BYTES);
    pos += FIELD_ENTRY_BYTES + names[c].length;
  }
  pos = align8(pos);
  if (timestamps !== undefined) pos = put(out, timestamps, pos);
  for (let c = 0; c < fields.length; c++) {
    const column = batch.columns[c];
    const dict = dictionaries[c];
    out[pos] = TYPE_CODE[column.type];
    out[pos + 1] = column.validity !== undefined ? COLUMN_VALIDITY : 0;
    view.setUint32(pos + 4, dict !== undefined ? dict.offsets.length - 1 : 0, true);
    pos += COLUMN_HEADER_BYTES;
    if (column.validity !== undefined) pos = put(out, column.validity, pos);
    if (column.type === 'utf8') {
      pos = put(out, dict!.offsets, pos);
      pos = put(out, dict!.bytes, pos);
      pos = put(out, column.indices, pos);
    } else {
      pos = put(out, column.values, pos);
    }
  }
  view.setUint32(8, kernel.scan(out).crc32c(CHECKED_FROM, size), true);
  return buffer;
}

/**
 * Decodes a buffer written by {@link encodeBatch}, checking everything (see above); a truncated,
 * corrupted or foreign buffer throws a {@link CodecError}, never garbage. The numeric columns are
 * views of `buffer` (unless `copy: true`); strings are made on first read of a dictionary.
 *
 * @example
 * const batch = decodeBatch(buffer, { kernel });
 * batch.column('price');
 */
export function decodeBatch(buffer: ArrayBufferLike | ArrayBufferView, options: DecodeOptions = {}): ColumnBatch {
  checkHost();
  const kernel = options.kernel ?? CodecKernel.js;
  const bytes = alignedBytes(buffer, options.copy === true);
  return new BatchReader(bytes, kernel.scan(bytes)).read(options.verifyChecksum !== false);
}

/**
 * Converts records to columns ({@link fromRecords}) and encodes them.
 *
 * @example
 * const buffer = encodeRecords([{ id: 1, name: 'a' }], { kernel });
 */
export function encodeRecords(records: readonly object[], options: EncodeOptions & FromRecordsOptions = {}): ArrayBuffer {
  return encodeBatch(fromRecords(records, options), options);
}

/**
 * Decodes a batch and converts it back to records ({@link toRecords}): nulls are `null`, i64 values
 * bigints.
 *
 * @example
 * const records = decodeRecords(encodeRecords([{ id: 1, name: 'a' }])); // [{ id: 1, name: 'a' }]
 */
export function decodeRecords(buffer: ArrayBufferLike | ArrayBufferView, options: DecodeOptions = {}): Record<string, unknown>[] {
  return toRecords(decodeBatch(buffer, options));
}

// ---------------------------------------------------------------------------------------------
// Encoding helpers
// ---------------------------------------------------------------------------------------------

let encoderInstance: TextEncoder | undefined;
let decoderInstance: TextDecoder | undefined;

function textEncoder(): TextEncoder {
  return (encoderInstance ??= new TextEncoder());
}

function textDecoder(): TextDecoder {
  return (decoderInstance ??= new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }));
}

function align8(x: number): number {
  const r = x % 8;
  return r === 0 ? x : x + 8 - r;
}

/** Copies a typed array's bytes to `out` at `pos`; returns the next 8-aligned position (padding is zero). */
function put(out: Uint8Array, values: ArrayBufferView, pos: number): number {
  out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), pos);
  return align8(pos + values.byteLength);
}

/** Whether every timestamp is the canonical NaN (so none need be written). */
function allNaN(ts: Float64Array): boolean {
  // Bitwise: a NaN with another payload must survive, so it counts as a timestamp.
  const words = new Int32Array(ts.buffer, ts.byteOffset, ts.length * 2);
  for (let i = 0; i < words.length; i += 2) if (words[i] !== 0 || words[i + 1] !== 0x7ff80000) return false;
  return true;
}

/** Non-null rows' indices must lie in the dictionary; the decoder would refuse the batch otherwise. */
function checkIndicesBeforeEncoding(column: Utf8Column, d: number, name: string): void {
  const { indices, validity } = column;
  for (let i = 0; i < indices.length; i++) {
    if (indices[i] >>> 0 >= d && (validity === undefined || (validity[i >>> 3] & (1 << (i & 7))) !== 0)) {
      throw new CodecError('unencodable', `Column "${name}": row ${i} has dictionary index ${indices[i]}, outside its dictionary of ${d} strings`);
    }
  }
}

type StringWithWellFormed = string & { isWellFormed?: () => boolean };

/** Index of the first lone surrogate in `s`, or -1. */
function loneSurrogateAt(s: string): number {
  if ((s as StringWithWellFormed).isWellFormed?.() === true) return -1;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c & 0xf800) !== 0xd800) continue;
    if (c < 0xdc00 && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i++;
    else return i;
  }
  return -1;
}

/** UTF-8 length of a well-formed string. */
function utf8Length(s: string): number {
  let bytes = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) bytes += 1;
    else if ((c & 0xfc00) === 0xd800) {
      bytes += 2; // a surrogate pair: 2 units, 4 bytes
      i++;
    } else bytes += 2;
  }
  return bytes;
}

/**
 * The dictionary of a column as UTF-8: strings are joined into chunks and each chunk encoded with
 * one `encodeInto`. First optimistically as ASCII (byte offsets = UTF-16 offsets); if a chunk does
 * not fit, the strings are checked for lone surrogates, measured, and encoded again.
 */
function encodeDictionary(column: Utf8Column, name: string): Utf8Dictionary {
  const strings = column.dictionary;
  const d = strings.length;
  const offsets = new Int32Array(d + 1);
  let units = 0;
  for (let k = 0; k < d; k++) {
    const s = strings[k];
    if (typeof s !== 'string') throw new CodecError('unencodable', `Column "${name}": dictionary entry ${k} is not a string`);
    units += s.length;
    if (units > MAX_BYTES) throw new CodecError('unencodable', `Column "${name}": the dictionary holds over 4 GiB of strings`);
    offsets[k + 1] = units;
  }
  const ascii = new Uint8Array(units);
  if (encodeChunks(strings, offsets, ascii)) return { bytes: ascii, offsets };
  let total = 0;
  for (let k = 0; k < d; k++) {
    const s = strings[k];
    const at = loneSurrogateAt(s);
    if (at >= 0) {
      const row = column.indices.findIndex((x, i) => x === k && (column.validity === undefined || (column.validity[i >>> 3] & (1 << (i & 7))) !== 0));
      throw new CodecError(
        'unencodable',
        `Column "${name}": ${row >= 0 ? `row ${row}'s string` : `dictionary entry ${k}`} ${JSON.stringify(s.slice(Math.max(0, at - 10), at + 10))} holds a lone surrogate (U+${s.charCodeAt(at).toString(16).toUpperCase()} at index ${at}), which UTF-8 cannot carry`,
      );
    }
    total += utf8Length(s);
    if (total > MAX_BYTES) throw new CodecError('unencodable', `Column "${name}": the dictionary holds over 4 GiB of UTF-8`);
    offsets[k + 1] = total;
  }
  const bytes = new Uint8Array(total);
  if (!encodeChunks(strings, offsets, bytes)) throw new Error('sluice: UTF-8 length mismatch (a bug)');
  return { bytes, offsets };
}

/** Encodes entries into `bytes` at `offsets`; false if some chunk did not fit exactly. */
function encodeChunks(strings: readonly string[], offsets: Int32Array, bytes: Uint8Array): boolean {
  const encoder = textEncoder();
  const d = strings.length;
  let k = 0;
  while (k < d) {
    let to = k + 1;
    while (to < d && offsets[to + 1] - offsets[k] <= ENCODE_CHUNK_UNITS) to++;
    const chunk = to - k === 1 ? strings[k] : strings.slice(k, to).join('');
    const dest = bytes.subarray(offsets[k], offsets[to]);
    const { read, written } = encoder.encodeInto(chunk, dest);
    if (read !== chunk.length || written !== dest.length) return false;
    k = to;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------------

function alignedBytes(buffer: ArrayBufferLike | ArrayBufferView, copy: boolean): Uint8Array {
  let bytes: Uint8Array;
  const tag = Object.prototype.toString.call(buffer);
  if (ArrayBuffer.isView(buffer)) bytes = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  else if (tag === '[object ArrayBuffer]' || tag === '[object SharedArrayBuffer]') bytes = new Uint8Array(buffer);
  else throw new CodecError('magic', `Not a batch: decodeBatch takes an ArrayBuffer or a view of one, not ${tag}`);
  if (copy || (bytes.byteOffset & 7) !== 0) bytes = bytes.slice(); // views need 8-aligned sections
  return bytes;
}

class BatchReader {
  private readonly view: DataView;
  private readonly length: number;
  private pos = HEADER_BYTES;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly scan: ByteScan,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.length = bytes.byteLength;
  }

  read(verifyChecksum: boolean): ColumnBatch {
    const { bytes, view, length } = this;
    for (let i = 0; i < Math.min(4, length); i++) {
      if (bytes[i] !== MAGIC_BYTES[i]) {
        throw new CodecError('magic', `Not a sluice batch: the magic is ${hex(bytes.subarray(0, Math.min(4, length)))}, expected 53 4c 43 42 ("SLCB")`, 0);
      }
    }
    if (length >= 6) {
      const version = view.getUint16(4, true);
      if (version !== BATCH_FORMAT_VERSION) {
        throw new CodecError('version', `Unsupported batch format version ${version}; this build reads version ${BATCH_FORMAT_VERSION}`, 4);
      }
    }
    if (length < HEADER_BYTES) throw new CodecError('truncated', `Truncated batch: ${length} bytes, less than the ${HEADER_BYTES}-byte header`, length);
    if (view.getUint16(6, true) !== 0) throw new CodecError('structure', `Reserved header bytes are ${hex(bytes.subarray(6, 8))}, not zero`, 6);
    const total = view.getUint32(12, true);
    if (total > length) throw new CodecError('truncated', `Truncated batch: the header says ${total} bytes but the buffer holds ${length}`, length);
    if (total < length) {
      throw new CodecError('length', `The buffer holds ${length} bytes but the header says the batch has ${total}: trailing bytes, or a wrong total length`, 12);
    }
    if (verifyChecksum) {
      const stored = view.getUint32(8, true);
      const actual = this.scan.crc32c(CHECKED_FROM, length);
      if (stored !== actual) {
        throw new CodecError('checksum', `Checksum mismatch: the header says CRC-32C ${hex32(stored)} but bytes ${CHECKED_FROM}..${length} have ${hex32(actual)} (corrupted)`, 8);
      }
    }
    const flags = view.getUint32(16, true);
    if ((flags & ~FLAG_TIMESTAMPS) !== 0) throw new CodecError('structure', `Unknown header flags ${hex32(flags)}`, 16);
    const n = view.getUint32(20, true);
    const fieldCount = view.getUint32(24, true);
    const schemaLength = view.getUint32(28, true);

    const schema = this.readSchema(fieldCount, schemaLength);
    let timestamps: Float64Array | undefined;
    if ((flags & FLAG_TIMESTAMPS) !== 0) {
      this.need(8 * n, `the timestamps of ${n} rows`);
      timestamps = new Float64Array(bytes.buffer, bytes.byteOffset + this.pos, n);
      this.pos += 8 * n;
    }
    const columns: Column[] = [];
    for (let c = 0; c < fieldCount; c++) columns.push(this.readColumn(schema.fields[c], c, n));
    if (this.pos !== length) throw new CodecError('structure', `${length - this.pos} bytes after the last column`, this.pos);
    return new ColumnBatch(schema, n, columns, timestamps);
  }

  private readSchema(fieldCount: number, schemaLength: number): Schema {
    const start = this.pos;
    this.need(schemaLength, `the schema (${fieldCount} fields)`);
    const end = start + schemaLength;
    const fields: Field[] = [];
    for (let c = 0; c < fieldCount; c++) {
      const at = this.pos;
      if (end - at < FIELD_ENTRY_BYTES) {
        throw new CodecError('structure', `Field ${c} of ${fieldCount} runs past the end of the ${schemaLength}-byte schema`, at);
      }
      const type = CODE_TYPE[this.bytes[at]];
      if (type === undefined) throw new CodecError('structure', `Field ${c} has unknown type code ${this.bytes[at]}`, at);
      const flags = this.bytes[at + 1];
      if ((flags & ~FIELD_NULLABLE) !== 0) throw new CodecError('structure', `Field ${c} has unknown flags ${hex8(flags)}`, at + 1);
      if (this.view.getUint16(at + 2, true) !== 0) throw new CodecError('structure', `Field ${c}: reserved bytes are not zero`, at + 2);
      const nameLength = this.view.getUint32(at + 4, true);
      const nameAt = at + FIELD_ENTRY_BYTES;
      if (nameLength > end - nameAt) {
        throw new CodecError('structure', `Field ${c}: name length ${nameLength} runs past the end of the ${schemaLength}-byte schema`, at + 4);
      }
      const bad = this.scan.validateUtf8(nameAt, nameAt + nameLength);
      if (bad !== UTF8_ASCII && bad !== UTF8_VALID) throw new CodecError('value', `Field ${c}: its name is not valid UTF-8`, nameAt + bad);
      const name = textDecoder().decode(this.bytes.subarray(nameAt, nameAt + nameLength));
      fields.push({ name, type, nullable: (flags & FIELD_NULLABLE) !== 0 });
      this.pos = nameAt + nameLength;
    }
    if (this.pos !== end) throw new CodecError('structure', `The schema length is ${schemaLength} but its ${fieldCount} fields take ${this.pos - start}`, 28);
    this.padding('the schema');
    try {
      return new Schema(fields);
    } catch (error) {
      if (error instanceof SchemaError) throw new CodecError('structure', `Invalid schema: ${error.message}`, start);
      throw error;
    }
  }

  private readColumn(field: Field, c: number, n: number): Column {
    const { bytes, view } = this;
    const what = `Column ${c} ("${field.name}", ${field.type})`;
    const at = this.pos;
    this.need(COLUMN_HEADER_BYTES, `the header of ${what}`);
    const type = CODE_TYPE[bytes[at]];
    if (type !== field.type) {
      throw new CodecError('structure', `${what}: its header has type code ${bytes[at]}${type === undefined ? '' : ` (${type})`}, not ${TYPE_CODE[field.type]} as in the schema`, at);
    }
    const flags = bytes[at + 1];
    if ((flags & ~COLUMN_VALIDITY) !== 0) throw new CodecError('structure', `${what}: unknown column flags ${hex8(flags)}`, at + 1);
    if ((flags & COLUMN_VALIDITY) !== 0 && !field.nullable) throw new CodecError('structure', `${what} is not nullable but has a validity bitmap`, at + 1);
    if (view.getUint16(at + 2, true) !== 0) throw new CodecError('structure', `${what}: reserved bytes are not zero`, at + 2);
    const d = view.getUint32(at + 4, true);
    if (type !== 'utf8' && d !== 0) throw new CodecError('structure', `${what}: dictionary size ${d} in a column without a dictionary`, at + 4);
    this.pos += COLUMN_HEADER_BYTES;

    let validity: Bitmap | undefined;
    let validityAt = -1;
    if ((flags & COLUMN_VALIDITY) !== 0) {
      validityAt = this.pos;
      validity = this.bitmap(n, `the validity bitmap of ${what}`);
    }
    const base = bytes.byteOffset;
    switch (type) {
      case 'f64': {
        this.need(8 * n, `the ${n} values of ${what}`);
        const values = new Float64Array(bytes.buffer, base + this.pos, n);
        this.pos += 8 * n;
        return { type, values, validity };
      }
      case 'i64': {
        this.need(8 * n, `the ${n} values of ${what}`);
        const values = new BigInt64Array(bytes.buffer, base + this.pos, n);
        this.pos += 8 * n;
        return { type, values, validity };
      }
      case 'i32': {
        this.need(4 * n, `the ${n} values of ${what}`);
        const values = new Int32Array(bytes.buffer, base + this.pos, n);
        this.pos += 4 * n;
        this.padding(what);
        return { type, values, validity };
      }
      case 'bool':
        return { type, values: this.bitmap(n, `the values of ${what}`), validity };
      case 'utf8':
        return this.readUtf8(what, d, n, validity, validityAt);
    }
  }

  private readUtf8(what: string, d: number, n: number, validity: Bitmap | undefined, validityAt: number): Utf8Column {
    const { bytes, view, scan } = this;
    const offsetsAt = this.pos;
    this.need(4 * (d + 1), `the ${d + 1} dictionary offsets of ${what}`);
    const byteLength = view.getInt32(offsetsAt + 4 * d, true);
    this.pos += 4 * (d + 1);
    this.padding(`the dictionary offsets of ${what}`);
    const bytesAt = this.pos;
    if (byteLength < 0 || byteLength > this.length - bytesAt) {
      throw new CodecError(
        'structure',
        `${what}: the last dictionary offset says ${byteLength} bytes of strings, but ${this.length - bytesAt} bytes remain`,
        offsetsAt + 4 * d,
      );
    }
    // UTF-8 first (so that ASCII strings spare the offsets check a look at them); a broken offset
    // is still reported before the UTF-8 it would make of the strings.
    const utf8 = scan.validateUtf8(bytesAt, bytesAt + byteLength);
    const bad = scan.checkOffsets(offsetsAt, d, bytesAt, byteLength, utf8 === UTF8_ASCII);
    if (bad >= 0) {
      const o = view.getInt32(offsetsAt + 4 * bad, true);
      const prev = bad === 0 ? 0 : view.getInt32(offsetsAt + 4 * (bad - 1), true);
      const problem =
        bad === 0
          ? `is ${o}, not 0`
          : o < prev
            ? `is ${o}, less than the one before (${prev})`
            : o > byteLength
              ? `is ${o}, past the ${byteLength} bytes of strings`
              : `(${o}) splits a UTF-8 sequence`;
      throw new CodecError('structure', `${what}: dictionary offset ${bad} ${problem}`, offsetsAt + 4 * bad);
    }
    if (utf8 !== UTF8_ASCII && utf8 !== UTF8_VALID) {
      const offsets = new Int32Array(bytes.buffer, bytes.byteOffset + offsetsAt, d + 1);
      throw new CodecError('value', `${what}: dictionary entry ${entryOf(offsets, utf8)} is not valid UTF-8`, bytesAt + utf8);
    }
    this.pos += byteLength;
    this.padding(`the dictionary strings of ${what}`);
    const indicesAt = this.pos;
    this.need(4 * n, `the ${n} dictionary indices of ${what}`);
    const row = scan.checkIndices(indicesAt, n, d, validityAt);
    if (row >= 0) {
      const index = view.getInt32(indicesAt + 4 * row, true);
      throw new CodecError('value', `${what}: row ${row} has dictionary index ${index}, outside its dictionary of ${d} strings`, indicesAt + 4 * row);
    }
    this.pos += 4 * n;
    this.padding(what);
    const base = bytes.byteOffset;
    const dict: Utf8Dictionary = {
      bytes: bytes.subarray(bytesAt, bytesAt + byteLength),
      offsets: new Int32Array(bytes.buffer, base + offsetsAt, d + 1),
    };
    return Utf8Column.fromUtf8(dict, new Int32Array(bytes.buffer, base + indicesAt, n), validity);
  }

  private bitmap(n: number, what: string): Bitmap {
    const len = bitmapLength(n);
    this.need(len, what);
    const bits = this.bytes.subarray(this.pos, this.pos + len);
    this.pos += len;
    this.padding(what);
    return bits;
  }

  /** Fails unless `len` bytes remain from the current position. */
  private need(len: number, what: string): void {
    const remaining = this.length - this.pos;
    if (len > remaining) throw new CodecError('structure', `${capitalize(what)} need ${len} bytes but only ${remaining} remain`, this.pos);
  }

  /** Skips the zero padding to the next multiple of 8. */
  private padding(after: string): void {
    const next = align8(this.pos);
    if (next > this.length) throw new CodecError('structure', `The padding after ${after} runs past the end of the buffer`, this.pos);
    for (let p = this.pos; p < next; p++) {
      if (this.bytes[p] !== 0) throw new CodecError('structure', `Non-zero padding after ${after}`, p);
    }
    this.pos = next;
  }
}

/** The dictionary entry holding string byte `at`. */
function entryOf(offsets: Int32Array, at: number): number {
  let lo = 0;
  let hi = offsets.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (offsets[mid] <= at) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

function hex8(x: number): string {
  return `0x${x.toString(16).padStart(2, '0')}`;
}

function hex32(x: number): string {
  return `0x${(x >>> 0).toString(16).padStart(8, '0')}`;
}

let littleEndian: boolean | undefined;

/** The format is little-endian and columns are copied as typed arrays: the host must be too. */
function checkHost(): void {
  littleEndian ??= new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
  if (!littleEndian) throw new CodecError('unencodable', 'The batch codec needs a little-endian host');
}
