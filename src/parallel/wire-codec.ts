import { decodeBatch, encodeBatch } from '../codec/batch-codec';
import { decodeValue, encodeValue } from '../codec/value-codec';
import { fromRecords, toRecords } from '../columnar/records';
import { SchemaError } from '../columnar/schema';
import { CodecError } from '../codec/codec-error';
import type { CodecKernel } from '../codec/codec-kernel';

/**
 * Records on the wire between workers, as one transferable `ArrayBuffer`.
 *
 * Flat records (plain objects of numbers, strings, booleans and bigints, every field present and
 * non-null) travel in the columnar batch format (`encodeBatch`: CRC-checked, strings as UTF-8,
 * validated by the WASM codec kernel), which decodes back to equal objects. Anything else —
 * nested values, nulls, `undefined`, class instances, non-objects — takes the value codec, which
 * round-trips every value the state backends can hold.
 */
export type WireFormat = 'columns' | 'values';

export interface EncodedRecords {
  readonly format: WireFormat;
  readonly buffer: ArrayBuffer;
}

export function encodeWireRecords(values: readonly unknown[], length: number, kernel?: CodecKernel): EncodedRecords {
  const records = values.length === length ? values : values.slice(0, length);
  if (isFlat(records)) {
    try {
      const batch = fromRecords(records as object[]);
      if (batch.schema.fields.every((f) => !f.nullable)) return { format: 'columns', buffer: encodeBatch(batch, { kernel }) };
    } catch (e) {
      // Not representable as columns (mixed types, lone surrogates, …): the value codec takes it.
      if (!(e instanceof SchemaError) && !(e instanceof CodecError)) throw e;
    }
  }
  const bytes = encodeValue(records);
  const buffer = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.slice().buffer;
  return { format: 'values', buffer: buffer as ArrayBuffer };
}

/**
 * Decodes what `encodeWireRecords` made. The buffer never left memory (it was transferred between
 * threads), so its checksum is not verified again; its structure, UTF-8 and indices are.
 */
export function decodeWireRecords(format: WireFormat, buffer: ArrayBuffer, where: string, kernel?: CodecKernel): unknown[] {
  if (format === 'columns') return toRecords(decodeBatch(buffer, { kernel, verifyChecksum: false }));
  return decodeValue(new Uint8Array(buffer), where) as unknown[];
}

function isFlat(records: readonly unknown[]): boolean {
  if (records.length === 0) return false;
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    if (r === null || typeof r !== 'object' || Object.getPrototypeOf(r) !== Object.prototype) return false;
  }
  return true;
}
