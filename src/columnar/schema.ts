import { SluiceError } from '../errors';

/**
 * The type of a column:
 * - `f64`: a `number` (`Float64Array`; every double, including -0, NaN and ±Infinity);
 * - `i32`: a `number` that is a 32-bit integer (`Int32Array`);
 * - `i64`: a `bigint` in [-2^63, 2^63) (`BigInt64Array`);
 * - `bool`: a `boolean` (bit-packed like a validity bitmap);
 * - `utf8`: a `string`, dictionary-encoded (a `string[]` dictionary and `Int32Array` indices).
 */
export type ColumnType = 'f64' | 'i32' | 'i64' | 'bool' | 'utf8';

export const COLUMN_TYPES: readonly ColumnType[] = ['f64', 'i32', 'i64', 'bool', 'utf8'];

/** One column of a schema. A `nullable` column may carry a validity bitmap. */
export interface Field {
  readonly name: string;
  readonly type: ColumnType;
  readonly nullable: boolean;
}

/** A schema that cannot be, or a record that does not fit its schema. */
export class SchemaError extends SluiceError {
  override readonly name = 'SchemaError';
}

/**
 * The fields of a columnar batch, in column order. Names are unique (any string, including the
 * empty one).
 *
 * @example
 * const schema = new Schema([field('auction', 'i32'), field('channel', 'utf8', true)]);
 * schema.indexOf('channel'); // 1
 */
export class Schema {
  readonly fields: readonly Field[];
  private readonly byName: Map<string, number>;

  constructor(fields: readonly Field[]) {
    const byName = new Map<string, number>();
    const copy: Field[] = [];
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i];
      if (typeof f.name !== 'string') throw new SchemaError(`Field ${i} has no string name`);
      if (!COLUMN_TYPES.includes(f.type)) {
        throw new SchemaError(`Field "${f.name}" has type ${String(f.type)}; expected one of ${COLUMN_TYPES.join(', ')}`);
      }
      if (typeof f.nullable !== 'boolean') throw new SchemaError(`Field "${f.name}" needs a boolean "nullable"`);
      if (byName.has(f.name)) throw new SchemaError(`Field name "${f.name}" appears twice`);
      byName.set(f.name, i);
      copy.push(Object.freeze({ name: f.name, type: f.type, nullable: f.nullable }));
    }
    this.fields = Object.freeze(copy);
    this.byName = byName;
  }

  get length(): number {
    return this.fields.length;
  }

  /** The column index of `name`, or -1. */
  indexOf(name: string): number {
    return this.byName.get(name) ?? -1;
  }

  /** The field called `name`, if there is one. */
  field(name: string): Field | undefined {
    const i = this.byName.get(name);
    return i === undefined ? undefined : this.fields[i];
  }

  /** Same names, types and nullability, in the same order. */
  equals(other: Schema): boolean {
    if (other.fields.length !== this.fields.length) return false;
    return this.fields.every((f, i) => {
      const g = other.fields[i];
      return f.name === g.name && f.type === g.type && f.nullable === g.nullable;
    });
  }

  /** `{ auction: i32, channel: utf8?, … }` (`?` marks nullable fields). */
  toString(): string {
    return `{ ${this.fields.map((f) => `${JSON.stringify(f.name)}: ${f.type}${f.nullable ? '?' : ''}`).join(', ')} }`;
  }
}

/**
 * A field description.
 *
 * @example
 * new Schema([field('price', 'f64'), field('extra', 'utf8', true)]);
 */
export function field(name: string, type: ColumnType, nullable = false): Field {
  return { name, type, nullable };
}
