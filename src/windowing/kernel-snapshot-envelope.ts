import { crc32c } from '../codec/crc32c';
import { SluiceError } from '../errors';

/** Why a kernel snapshot could not be read: truncated, corrupted, or not one. */
export class KernelSnapshotError extends SluiceError {
  override readonly name = 'KernelSnapshotError';
}

// The envelope every kernel snapshot shares (the window kernel's "SLKW", the session kernel's
// "SLKS"): a header with a checksum over everything after it.
//
//  offset size
//  ┌─────┬────┬────────────────────────────────────────┐
//  │   0 │  4 │ magic                                  │
//  │   4 │  2 │ format version                         │
//  │   6 │  2 │ reserved, 0                            │
//  │   8 │  4 │ CRC-32C of bytes [12, total length)    │
//  │  12 │  4 │ total length in bytes                  │
//  │  16 │  … │ payload                                │
//  └─────┴────┴────────────────────────────────────────┘

const HEADER = 16;
const CHECKED_FROM = 12;

/** `payload` in an envelope of `magic` and `version`. */
export function sealKernelSnapshot(magic: number, version: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, magic, true);
  view.setUint16(4, version, true);
  view.setUint32(12, out.length, true);
  out.set(payload, HEADER);
  view.setUint32(8, crc32c(out.subarray(CHECKED_FROM)), true);
  return out;
}

/**
 * The payload of an envelope, after checking its magic (`kind` names what it should be), version,
 * length and checksum; `what` names the snapshot in errors.
 */
export function openKernelSnapshot(bytes: Uint8Array, magic: number, version: number, kind: string, what: string): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < HEADER || view.getUint32(0, true) !== magic) throw new KernelSnapshotError(`${what}: not a ${kind} snapshot (bad magic or truncated)`);
  const got = view.getUint16(4, true);
  if (got !== version) throw new KernelSnapshotError(`${what}: snapshot format version ${got} is not supported (expected ${version})`);
  const length = view.getUint32(12, true);
  if (length !== bytes.length) throw new KernelSnapshotError(`${what}: ${bytes.length} bytes, but the header says ${length} (truncated?)`);
  const crc = crc32c(bytes.subarray(CHECKED_FROM));
  if (crc !== view.getUint32(8, true)) {
    throw new KernelSnapshotError(`${what}: checksum mismatch (CRC-32C ${crc.toString(16)}, header says ${view.getUint32(8, true).toString(16)}): the snapshot is corrupted`);
  }
  return bytes.subarray(HEADER);
}
