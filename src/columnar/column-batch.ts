import { type ColumnType, type Schema, SchemaError } from './schema';

/**
 * A validity bitmap: bit i (LSB first within each byte, as in Apache Arrow) is set when row i is
 * non-null. `⌈rows / 8⌉` bytes; bits past the last row are kept as they are (0 when sluice made it).
 */
export type Bitmap = Uint8Array;

/** A column of doubles: every `number`, including -0, NaN and ±Infinity. Null rows hold 0. */
export interface F64Column {
  readonly type: 'f64';
  readonly values: Float64Array;
  readonly validity?: Bitmap;
}

/** A column of 32-bit integers. Null rows hold 0. */
export interface I32Column {
  readonly type: 'i32';
  readonly values: Int32Array;
  readonly validity?: Bitmap;
}

/** A column of 64-bit integers (`bigint`s). Null rows hold 0n. */
export interface I64Column {
  readonly type: 'i64';
  readonly values: BigInt64Array;
  readonly validity?: Bitmap;
}

/** A column of booleans, bit-packed like a validity bitmap (bit i = row i is `true`). */
export interface BoolColumn {
  readonly type: 'bool';
  readonly values: Bitmap;
  readonly validity?: Bitmap;
}

/** A dictionary of strings in encoded form: entry k is UTF-8 `bytes[offsets[k], offsets[k + 1])`. */
export interface Utf8Dictionary {
  readonly bytes: Uint8Array;
  readonly offsets: Int32Array;
}

/**
 * A dictionary-encoded column of strings: row i is `dictionary[indices[i]]`. Null rows hold index
 * 0; only non-null rows' indices must lie in the dictionary. The dictionary need not be
 * deduplicated.
 *
 * A decoded column keeps its dictionary as UTF-8 bytes (validated when decoded) and makes the
 * strings on the first read of `dictionary` — a batch that passes through without its strings
 * being read never pays for them, and re-encoding it copies the bytes.
 *
 * @example
 * const channel = new Utf8Column(['Google', 'Apple'], Int32Array.of(0, 1, 1, 0));
 * channel.get(2); // 'Apple'
 */
export class Utf8Column {
  readonly type = 'utf8' as const;
  private strings: readonly string[] | undefined;

  /** `utf8` is internal: the decoder's validated dictionary (use {@link Utf8Column.fromUtf8}). */
  constructor(
    dictionary: readonly string[],
    readonly indices: Int32Array,
    readonly validity?: Bitmap,
    private readonly utf8?: Utf8Dictionary,
  ) {
    this.strings = utf8 === undefined ? dictionary : undefined;
  }

  /** @internal A column over a validated UTF-8 dictionary (the decoder's). */
  static fromUtf8(utf8: Utf8Dictionary, indices: Int32Array, validity: Bitmap | undefined): Utf8Column {
    return new Utf8Column(EMPTY, indices, validity, utf8);
  }

  /** The strings (read-only). */
  get dictionary(): readonly string[] {
    return (this.strings ??= decodeDictionary(this.utf8!));
  }

  /** Number of dictionary entries, without making the strings. */
  get dictionarySize(): number {
    return this.strings !== undefined ? this.strings.length : this.utf8!.offsets.length - 1;
  }

  /** @internal The dictionary as UTF-8, when the column was decoded. */
  get encoded(): Utf8Dictionary | undefined {
    return this.utf8;
  }

  /** The string of row `row`, or null. */
  get(row: number): string | null {
    return isValid(this.validity, row) ? this.dictionary[this.indices[row]] : null;
  }
}

const EMPTY: readonly string[] = [];

/** A column of a {@link ColumnBatch}. */
export type Column = F64Column | I32Column | I64Column | BoolColumn | Utf8Column;

/** A value of a column: `null` for a null row. */
export type ColumnValue = number | bigint | boolean | string | null;

/**
 * Records as columns: a schema, a row count, one event timestamp per row (`NaN` = none) and one
 * typed column per field — the layout the batch codec writes and the WebAssembly kernels read.
 * The constructor checks that the shapes agree (types, lengths, validity only on nullable fields);
 * the encoder checks the contents (dictionary indices).
 *
 * @example
 * const batch = new ColumnBatch(new Schema([field('price', 'f64')]), 2, [
 *   { type: 'f64', values: Float64Array.of(1.5, -0) },
 * ]);
 * batch.value(0, 1); // -0
 */
export class ColumnBatch {
  private times: Float64Array | undefined;

  constructor(
    readonly schema: Schema,
    readonly rowCount: number,
    readonly columns: readonly Column[],
    timestamps?: Float64Array,
  ) {
    if (!Number.isInteger(rowCount) || rowCount < 0 || rowCount > 0xffffffff) {
      throw new SchemaError(`A batch's row count must be an integer in [0, 2^32), not ${rowCount}`);
    }
    if (columns.length !== schema.length) {
      throw new SchemaError(`The schema has ${schema.length} fields but the batch has ${columns.length} columns`);
    }
    this.times = timestamps;
    this.checkShapes();
  }

  /**
   * @internal Checks that the columns still have the shapes the schema says (the encoder calls
   * this: a typed array may have been detached, by a transfer, since the batch was made).
   */
  checkShapes(): void {
    const { schema, rowCount, columns, times } = this;
    for (let c = 0; c < columns.length; c++) checkColumn(schema.fields[c].name, schema.fields[c].type, schema.fields[c].nullable, columns[c], rowCount);
    if (times !== undefined && (!(times instanceof Float64Array) || times.length !== rowCount)) {
      throw new SchemaError(`The timestamps must be a Float64Array of ${rowCount} (one per row)`);
    }
  }

  /** One event timestamp per row, `NaN` where a row has none (made on first read when none were given). */
  get timestamps(): Float64Array {
    return (this.times ??= new Float64Array(this.rowCount).fill(Number.NaN));
  }

  /** @internal Whether timestamps were given (or read); false means every row has none. */
  get hasTimestamps(): boolean {
    return this.times !== undefined;
  }

  /** The column of field `name`. */
  column(name: string): Column {
    const i = this.schema.indexOf(name);
    if (i < 0) throw new SchemaError(`No field "${name}" in ${this.schema.toString()}`);
    return this.columns[i];
  }

  /** Whether row `row` of column `col` is non-null. */
  isValid(col: number, row: number): boolean {
    return isValid(this.columns[col].validity, row);
  }

  /** The value of row `row` of column `col` (a bigint for i64, null for a null row). */
  value(col: number, row: number): ColumnValue {
    return columnValue(this.columns[col], row);
  }
}

function checkColumn(name: string, type: ColumnType, nullable: boolean, column: Column, n: number): void {
  const where = `Column "${name}"`;
  if (column === null || typeof column !== 'object' || column.type !== type) {
    throw new SchemaError(`${where} must be a ${type} column, not ${column === null || typeof column !== 'object' ? String(column) : column.type}`);
  }
  const bitmapBytes = bitmapLength(n);
  if (column.validity !== undefined) {
    if (!nullable) throw new SchemaError(`${where} is not nullable but has a validity bitmap`);
    if (!(column.validity instanceof Uint8Array) || column.validity.length !== bitmapBytes) {
      throw new SchemaError(`${where}: the validity bitmap must be a Uint8Array of ${bitmapBytes} bytes (⌈${n}/8⌉)`);
    }
  }
  switch (column.type) {
    case 'f64':
      expectArray(where, column.values, Float64Array, n);
      break;
    case 'i32':
      expectArray(where, column.values, Int32Array, n);
      break;
    case 'i64':
      expectArray(where, column.values, BigInt64Array, n);
      break;
    case 'bool':
      expectArray(where, column.values, Uint8Array, bitmapBytes);
      break;
    case 'utf8':
      if (!(column instanceof Utf8Column)) throw new SchemaError(`${where} must be a Utf8Column`);
      expectArray(where, column.indices, Int32Array, n);
      if (column.encoded !== undefined) {
        const { bytes, offsets } = column.encoded;
        if (offsets.length === 0 || offsets[offsets.length - 1] !== bytes.length) throw new SchemaError(`${where}: its UTF-8 dictionary is no longer whole (a detached buffer?)`);
      }
      break;
  }
}

function expectArray(where: string, values: unknown, type: { readonly name: string; new (n: number): unknown }, length: number): void {
  if (!(values instanceof type) || (values as ArrayLike<unknown>).length !== length) {
    throw new SchemaError(`${where}: values must be a ${type.name} of length ${length}`);
  }
}

/** Bytes of a bitmap of `n` rows. */
export function bitmapLength(n: number): number {
  return Math.ceil(n / 8);
}

/** Whether bit `row` of `bitmap` is set; an absent bitmap has every bit set. */
export function isValid(bitmap: Bitmap | undefined, row: number): boolean {
  return bitmap === undefined || (bitmap[row >>> 3] & (1 << (row & 7))) !== 0;
}

/**
 * Packs truthy/falsy values into a bitmap (bit i = `values[i]` is truthy), for validity bitmaps and
 * bool columns.
 *
 * @example
 * packBits([true, false, true]); // Uint8Array [0b101]
 */
export function packBits(values: ArrayLike<unknown>): Bitmap {
  const n = values.length;
  const out = new Uint8Array(bitmapLength(n));
  for (let i = 0; i < n; i++) if (values[i]) out[i >>> 3] |= 1 << (i & 7);
  return out;
}

/** The value of row `row` of `column`, or null. */
export function columnValue(column: Column, row: number): ColumnValue {
  if (!isValid(column.validity, row)) return null;
  switch (column.type) {
    case 'f64':
    case 'i32':
    case 'i64':
      return column.values[row];
    case 'bool':
      return (column.values[row >>> 3] & (1 << (row & 7))) !== 0;
    case 'utf8':
      return column.dictionary[column.indices[row]];
  }
}

// ---------------------------------------------------------------------------------------------
// Making the strings of a decoded dictionary
// ---------------------------------------------------------------------------------------------

/** Strings are decoded in chunks of about this many bytes (whole entries), well below V8's string limit. */
const DECODE_CHUNK_BYTES = 1 << 20;

let utf8Decoder: TextDecoder | undefined;

/** The strings of a (validated) UTF-8 dictionary: one TextDecoder call per chunk, then substrings. */
export function decodeDictionary(dict: Utf8Dictionary): string[] {
  const { bytes, offsets } = dict;
  const d = offsets.length - 1;
  const out = new Array<string>(d);
  // ignoreBOM: a string that starts with U+FEFF keeps it.
  const decoder = (utf8Decoder ??= new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }));
  let k = 0;
  while (k < d) {
    const from = offsets[k];
    let to = k + 1;
    while (to < d && offsets[to + 1] - from <= DECODE_CHUNK_BYTES) to++;
    const chunk = decoder.decode(bytes.subarray(from, offsets[to]));
    if (chunk.length === offsets[to] - from) {
      // ASCII: one UTF-16 unit per byte.
      for (; k < to; k++) out[k] = chunk.substring(offsets[k] - from, offsets[k + 1] - from);
    } else {
      // UTF-16 position of each entry: count units while walking the bytes (entries start on lead bytes).
      let unit = 0;
      let p = from;
      for (; k < to; k++) {
        const start = unit;
        const end = offsets[k + 1];
        for (; p < end; p++) {
          const b = bytes[p];
          if ((b & 0xc0) !== 0x80) unit += b >= 0xf0 ? 2 : 1;
        }
        out[k] = chunk.substring(start, unit);
      }
    }
  }
  return out;
}
