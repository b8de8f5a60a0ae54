import { crc32c } from '../codec/crc32c';
import { decodeValue, encodeValue } from '../codec/value-codec';
import { KernelSnapshotError } from './kernel-window-snapshot';
import type { SessionAggregationState } from './session-aggregation';

/**
 * The checkpointed state of a `SessionKernelOperator`: its watermark, the kernel's windows and
 * timer entries as columns, and the original keys behind the key ids among them (`keys[i]` for id
 * i; see `KernelKeyIds.renumbering`).
 */
export interface SessionKernelSnapshot {
  /** The gap, lateness and aggregates, to refuse a restore into another configuration. */
  readonly signature: string;
  readonly watermark: number;
  readonly keys: readonly unknown[];
  readonly state: SessionAggregationState;
}

// The bytes: a checksummed envelope around the value codec (whose Float64Arrays carry the columns).
//
//  offset size
//  ┌─────┬────┬───────────────────────────────────────────────────────────────────────────┐
//  │   0 │  4 │ magic "SLKS" (53 4C 4B 53)                                                │
//  │   4 │  2 │ format version (1)                                                        │
//  │   6 │  2 │ reserved, 0                                                               │
//  │   8 │  4 │ CRC-32C of bytes [12, total length)                                       │
//  │  12 │  4 │ total length in bytes                                                     │
//  │  16 │  … │ value codec: { signature, watermark, keys, windows: [key, start, end,     │
//  │     │    │   bits, count, ...accumulators], entries: [key, time, seq, raw, count] }  │
//  │     │    │   — every column a Float64Array of one length per table                   │
//  └─────┴────┴───────────────────────────────────────────────────────────────────────────┘

const MAGIC = 0x534b4c53;
const VERSION = 1;
const HEADER = 16;
const CHECKED_FROM = 12;

/** Encodes a snapshot (see the layout above). */
export function encodeSessionKernelSnapshot(s: SessionKernelSnapshot): Uint8Array {
  const { windows: w, entries: e } = s.state;
  const payload = encodeValue({
    signature: s.signature,
    watermark: s.watermark,
    keys: s.keys,
    windows: [w.keys, w.starts, w.ends, w.bits, w.counts, ...w.accumulators],
    entries: [e.keys, e.times, e.seqs, e.raws, e.counts],
  });
  const out = new Uint8Array(HEADER + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint16(4, VERSION, true);
  view.setUint32(12, out.length, true);
  out.set(payload, HEADER);
  view.setUint32(8, crc32c(out.subarray(CHECKED_FROM)), true);
  return out;
}

/** Decodes a snapshot, checking the envelope, the checksum and the tables; `what` names it in errors. */
export function decodeSessionKernelSnapshot(bytes: Uint8Array, what: string): SessionKernelSnapshot {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < HEADER || view.getUint32(0, true) !== MAGIC) throw new KernelSnapshotError(`${what}: not a session window snapshot (bad magic or truncated)`);
  const version = view.getUint16(4, true);
  if (version !== VERSION) throw new KernelSnapshotError(`${what}: snapshot format version ${version} is not supported (expected ${VERSION})`);
  const length = view.getUint32(12, true);
  if (length !== bytes.length) throw new KernelSnapshotError(`${what}: ${bytes.length} bytes, but the header says ${length} (truncated?)`);
  const crc = crc32c(bytes.subarray(CHECKED_FROM));
  if (crc !== view.getUint32(8, true)) {
    throw new KernelSnapshotError(`${what}: checksum mismatch (CRC-32C ${crc.toString(16)}, header says ${view.getUint32(8, true).toString(16)}): the snapshot is corrupted`);
  }
  let v: Record<string, unknown>;
  try {
    v = decodeValue(bytes.subarray(HEADER), what) as Record<string, unknown>;
  } catch (e) {
    throw new KernelSnapshotError(`${what}: ${(e as Error).message}`);
  }
  const windows = columns(v.windows, 5, `${what} windows`);
  const entries = columns(v.entries, 5, `${what} timer entries`);
  if (typeof v.signature !== 'string' || typeof v.watermark !== 'number' || !Array.isArray(v.keys)) throw new KernelSnapshotError(`${what}: not a session window snapshot`);
  const [keys, starts, ends, bits, counts, ...accumulators] = windows as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, ...Float64Array[]];
  const [eKeys, times, seqs, raws, eCounts] = entries as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
  return {
    signature: v.signature,
    watermark: v.watermark,
    keys: v.keys as unknown[],
    state: { windows: { keys, starts, ends, bits, counts, accumulators }, entries: { keys: eKeys, times, seqs, raws, counts: eCounts } },
  };
}

/** At least `min` Float64Array columns of one length. */
function columns(value: unknown, min: number, what: string): Float64Array[] {
  if (!Array.isArray(value) || value.length < min || !value.every((c) => c instanceof Float64Array)) throw new KernelSnapshotError(`${what}: not a table of f64 columns`);
  const cs = value as Float64Array[];
  if (cs.some((c) => c.length !== cs[0]!.length)) throw new KernelSnapshotError(`${what}: columns of different lengths`);
  return cs;
}
