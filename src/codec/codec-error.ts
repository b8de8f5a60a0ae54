import { SluiceError } from '../errors';

/**
 * What is wrong with an encoded batch (or with a batch that cannot be encoded):
 * - `truncated`: the buffer is shorter than its header or its header's total length says;
 * - `magic`, `version`: not a sluice batch, or a format version this build cannot read;
 * - `length`: the buffer is longer than the header's total length, or a length inside it is too
 *   large for the format (4 GiB);
 * - `checksum`: the CRC-32C of the body does not match the header (a flipped bit);
 * - `structure`: a count, length, offset, type code, flag or padding inside the body is impossible,
 *   or runs past the end of the buffer;
 * - `value`: a value is invalid — ill-formed UTF-8, a dictionary index out of range;
 * - `unencodable`: `encodeBatch` was given something the format cannot carry (a lone surrogate, an
 *   inconsistent batch).
 */
export type CodecErrorKind =
  | 'truncated'
  | 'magic'
  | 'version'
  | 'length'
  | 'checksum'
  | 'structure'
  | 'value'
  | 'unencodable';

/**
 * A batch could not be decoded (the buffer is truncated, corrupted or not a batch) or encoded. The
 * message says what is wrong and, when decoding, at which byte; `offset` holds that byte offset.
 *
 * @example
 * try { decodeBatch(buffer) } catch (e) { if (e instanceof CodecError && e.kind === 'checksum') … }
 */
export class CodecError extends SluiceError {
  override readonly name = 'CodecError';

  constructor(
    /** The class of problem, for callers that react to it (a restore may try an older checkpoint). */
    readonly kind: CodecErrorKind,
    message: string,
    /** The byte offset in the encoded buffer where the problem is, when there is one. */
    readonly offset?: number,
  ) {
    super(offset === undefined ? message : `${message} (at byte ${offset})`);
  }
}
