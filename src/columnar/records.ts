import { type Column, ColumnBatch, bitmapLength, Utf8Column } from './column-batch';
import { type ColumnType, type Field, Schema, SchemaError } from './schema';

/**
 * Plain object records ⇄ a {@link ColumnBatch}.
 *
 * Schema inference (`fromRecords` without a schema), per field — the union of the records' own
 * enumerable keys, in first-seen order:
 * - numbers → `i32` if every non-null value is a 32-bit integer (and none is -0), else `f64`;
 * - bigints → `i64` (each must fit in 64 signed bits); booleans → `bool`; strings → `utf8`;
 * - `null`, `undefined` and a missing key are null: the field is nullable if any record has one;
 *   a field that is null in every record is a nullable `f64`;
 * - anything else (objects, arrays, Dates, functions, symbols) is an error naming the field and the
 *   row: flatten nested values, or `JSON.stringify` them into a string field;
 * - two kinds of value in one field (a number and a string) are an error naming both rows.
 * Inferred types follow the data, so two batches of one stream can differ (`i32` here, `f64`
 * there): pass a `schema` to fix them.
 *
 * Strings: a dictionary is built per column, deduplicated while that pays — once a column has seen
 * {@link DEDUP_PROBE} values (or 2×, 4×, …) of which more than 90% were distinct, the remaining
 * values are appended without lookup (so a dictionary may hold duplicates). Lone surrogates are kept in memory; the codec
 * refuses them, because UTF-8 cannot carry them.
 *
 * Back to records, every null becomes `null` (an `undefined` or a missing key does not come back as
 * such), i64 values are bigints, and keys are in schema order.
 */

/**
 * A string column checks whether deduplicating pays after this many values, and again at every
 * doubling: it gives up once more than {@link DEDUP_GIVE_UP} of the values seen were new.
 */
export const DEDUP_PROBE = 4096;
/** The share of distinct values above which a string column stops deduplicating. */
export const DEDUP_GIVE_UP = 0.9;

export interface FromRecordsOptions {
  /**
   * The schema to convert to: its field types are checked, not inferred (an `i32` field takes only
   * 32-bit integers, an `i64` field only bigints), a null in a non-nullable field is an error, and
   * keys outside the schema are ignored.
   */
  readonly schema?: Schema;
  /** One event timestamp per record (default: none, `NaN`). */
  readonly timestamps?: ArrayLike<number>;
}

/**
 * Converts plain object records to a {@link ColumnBatch} (see the rules above).
 *
 * @example
 * const batch = fromRecords([{ auction: 1, price: 9.5, channel: 'Apple' }, { auction: 2, price: null, channel: 'Google' }]);
 * batch.schema.toString(); // { "auction": i32, "price": f64?, "channel": utf8 }
 */
export function fromRecords(records: readonly object[], options: FromRecordsOptions = {}): ColumnBatch {
  const n = records.length;
  for (let i = 0; i < n; i++) {
    const r = records[i];
    if (r === null || typeof r !== 'object') throw new SchemaError(`Record ${i} is not an object: ${describe(r)}`);
  }
  const columns: Column[] = [];
  let schema = options.schema;
  if (schema !== undefined) {
    for (const f of schema.fields) {
      const { column, hasNulls } = toColumn(records, f.name, f.type, f.nullable);
      columns.push(hasNulls ? column : withoutValidity(column));
    }
  } else {
    const fields: Field[] = [];
    for (const name of keysOf(records)) {
      const { column, hasNulls } = toColumn(records, name, undefined, true);
      fields.push({ name, type: column.type, nullable: hasNulls });
      columns.push(hasNulls ? column : withoutValidity(column));
    }
    schema = new Schema(fields);
  }
  let timestamps: Float64Array | undefined;
  if (options.timestamps !== undefined) {
    if (options.timestamps.length !== n) throw new SchemaError(`${options.timestamps.length} timestamps for ${n} records`);
    timestamps = Float64Array.from(options.timestamps);
  }
  return new ColumnBatch(schema, n, columns, timestamps);
}

/**
 * The schema `fromRecords` infers for `records`.
 *
 * @example
 * inferSchema([{ id: 1n, ok: true }]).toString(); // { "id": i64, "ok": bool }
 */
export function inferSchema(records: readonly object[]): Schema {
  return fromRecords(records).schema;
}

/**
 * The rows of `batch` as plain objects, keys in schema order; nulls are `null`, i64 values bigints.
 *
 * @example
 * toRecords(fromRecords([{ a: 1, b: 'x' }])); // [{ a: 1, b: 'x' }]
 */
export function toRecords(batch: ColumnBatch): Record<string, unknown>[] {
  const n = batch.rowCount;
  const fields = batch.schema.fields;
  // Every record starts as a copy of one template, so all share a hidden class; fromEntries defines
  // own properties, so even a field called "__proto__" is plain data.
  const template: Record<string, unknown> = Object.fromEntries(fields.map((f) => [f.name, null]));
  const out = new Array<Record<string, unknown>>(n);
  for (let i = 0; i < n; i++) out[i] = { ...template };
  for (let c = 0; c < fields.length; c++) {
    const name = fields[c].name;
    const column = batch.columns[c];
    const validity = column.validity;
    switch (column.type) {
      case 'f64':
      case 'i32':
      case 'i64': {
        const values = column.values;
        for (let i = 0; i < n; i++) if (validity === undefined || (validity[i >>> 3] & (1 << (i & 7))) !== 0) out[i][name] = values[i];
        break;
      }
      case 'bool': {
        const bits = column.values;
        for (let i = 0; i < n; i++) {
          if (validity === undefined || (validity[i >>> 3] & (1 << (i & 7))) !== 0) out[i][name] = (bits[i >>> 3] & (1 << (i & 7))) !== 0;
        }
        break;
      }
      case 'utf8': {
        const dict = column.dictionary;
        const idx = column.indices;
        for (let i = 0; i < n; i++) if (validity === undefined || (validity[i >>> 3] & (1 << (i & 7))) !== 0) out[i][name] = dict[idx[i]];
        break;
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// One field of every record → one column
// ---------------------------------------------------------------------------------------------

type Kind = 'number' | 'bigint' | 'boolean' | 'string';

const KIND_OF_TYPE: Record<ColumnType, Kind> = { f64: 'number', i32: 'number', i64: 'bigint', bool: 'boolean', utf8: 'string' };

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

/** The union of the records' own enumerable keys, in first-seen order. */
function keysOf(records: readonly object[]): string[] {
  const seen = new Set<string>();
  const keys: string[] = [];
  let previous: string[] | undefined;
  for (const r of records) {
    const ks = Object.keys(r);
    if (previous !== undefined && sameKeys(ks, previous)) continue;
    for (const k of ks) {
      if (!seen.has(k)) {
        seen.add(k);
        keys.push(k);
      }
    }
    previous = ks;
  }
  return keys;
}

function sameKeys(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A field's value in record `r`, with inherited properties (a record without "toString") as missing. */
function read(r: object, name: string): unknown {
  const v = (r as Record<string, unknown>)[name];
  if (v !== null && (typeof v === 'object' || typeof v === 'function') && !Object.hasOwn(r, name)) return undefined;
  return v;
}

/**
 * Fills one column. `type` undefined = infer from the first non-null value (numbers: i32 when they
 * all are). Returns the column with a validity bitmap (all set if no nulls) and whether it had nulls.
 */
function toColumn(records: readonly object[], name: string, type: ColumnType | undefined, nullable: boolean): { column: Column; hasNulls: boolean } {
  const n = records.length;
  const infer = type === undefined;
  let first = -1;
  let kind: Kind | undefined = infer ? undefined : KIND_OF_TYPE[type];
  if (kind === undefined) {
    for (let i = 0; i < n && first < 0; i++) {
      const v = read(records[i], name);
      if (v !== null && v !== undefined) {
        first = i;
        kind = kindOf(v, name, i);
      }
    }
    if (kind === undefined) kind = 'number'; // null in every record: a nullable f64
  }
  const validity = new Uint8Array(bitmapLength(n)).fill(0xff);
  if ((n & 7) !== 0) validity[validity.length - 1] = (1 << (n & 7)) - 1;
  let hasNulls = false;
  const expected = kind;
  const mismatch = (i: number, v: unknown): never => {
    kindOf(v, name, i); // an object, a function or a symbol: that error first
    throw new SchemaError(
      `Field "${name}", record ${i}: ${describe(v)} is a ${typeof v}, but ${infer ? `record ${first} holds a ${expected}` : `the field's type is ${type} (${expected})`}`,
    );
  };
  const setNull = (i: number): void => {
    if (!nullable) throw new SchemaError(`Field "${name}" is not nullable, but record ${i} holds ${describe(read(records[i], name))}`);
    hasNulls = true;
    validity[i >>> 3] &= ~(1 << (i & 7));
  };

  let column: Column;
  switch (kind) {
    case 'number': {
      const values = new Float64Array(n);
      let int32 = true;
      for (let i = 0; i < n; i++) {
        const v = read(records[i], name);
        if (typeof v === 'number') {
          values[i] = v;
          if (int32 && ((v | 0) !== v || Object.is(v, -0))) {
            if (type === 'i32') throw new SchemaError(`Field "${name}" is i32, but record ${i} holds ${describe(v)}, not a 32-bit integer`);
            int32 = false;
          }
        } else if (v === null || v === undefined) setNull(i);
        else mismatch(i, v);
      }
      const asI32 = type === 'i32' || (type === undefined && int32 && first >= 0);
      column = asI32 ? { type: 'i32', values: Int32Array.from(values), validity } : { type: 'f64', values, validity };
      break;
    }
    case 'bigint': {
      const values = new BigInt64Array(n);
      for (let i = 0; i < n; i++) {
        const v = read(records[i], name);
        if (typeof v === 'bigint') {
          if (v < I64_MIN || v > I64_MAX) throw new SchemaError(`Field "${name}", record ${i}: ${v}n does not fit in 64 signed bits (i64)`);
          values[i] = v;
        } else if (v === null || v === undefined) setNull(i);
        else mismatch(i, v);
      }
      column = { type: 'i64', values, validity };
      break;
    }
    case 'boolean': {
      const bits = new Uint8Array(bitmapLength(n));
      for (let i = 0; i < n; i++) {
        const v = read(records[i], name);
        if (v === true) bits[i >>> 3] |= 1 << (i & 7);
        else if (v === null || v === undefined) setNull(i);
        else if (v !== false) mismatch(i, v);
      }
      column = { type: 'bool', values: bits, validity };
      break;
    }
    case 'string': {
      const indices = new Int32Array(n);
      const dictionary: string[] = [];
      const ids = new Map<string, number>();
      let dedup = true;
      let seen = 0;
      let probe = DEDUP_PROBE;
      for (let i = 0; i < n; i++) {
        const v = read(records[i], name);
        if (typeof v === 'string') {
          if (dedup) {
            let id = ids.get(v);
            if (id === undefined) {
              id = dictionary.length;
              dictionary.push(v);
              ids.set(v, id);
            }
            indices[i] = id;
            if (++seen === probe) {
              if (dictionary.length > seen * DEDUP_GIVE_UP) {
                dedup = false; // nearly all distinct: stop paying for the lookups
                ids.clear();
              }
              probe *= 2;
            }
          } else {
            indices[i] = dictionary.length;
            dictionary.push(v);
          }
        } else if (v === null || v === undefined) setNull(i);
        else mismatch(i, v);
      }
      column = new Utf8Column(dictionary, indices, validity);
      break;
    }
  }
  return { column, hasNulls };
}

function withoutValidity(column: Column): Column {
  if (column.type === 'utf8') return new Utf8Column(column.dictionary, column.indices);
  return { ...column, validity: undefined } as Column;
}

/** The kind of a non-null value, or an error naming the field and the record. */
function kindOf(v: unknown, name: string, row: number): Kind {
  const t = typeof v;
  if (t === 'number' || t === 'bigint' || t === 'boolean' || t === 'string') return t;
  const hint =
    v instanceof Date
      ? ' (store a Date as a number: date.getTime())'
      : t === 'object'
        ? ' (a column holds numbers, bigints, booleans or strings: flatten nested values or JSON.stringify them)'
        : '';
  throw new SchemaError(`Field "${name}", record ${row}: ${describe(v)} cannot be stored in a column${hint}`);
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'symbol') return v.toString();
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Date) return 'a Date';
  if (v !== null && typeof v === 'object') return 'an object';
  return String(v);
}
