import { decodeValue, encodeValue } from '../codec/value-codec';
import { KernelSnapshotError, openKernelSnapshot, sealKernelSnapshot } from './kernel-snapshot-envelope';
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

// The bytes: the kernel snapshot envelope (kernel-snapshot-envelope.ts) with magic "SLKS"
// (53 4C 4B 53), version 1, around the value codec:
//   { signature, watermark, keys,
//     windows: [key, start, end, bits, count, ...accumulators],   every column a Float64Array,
//     entries: [key, time, seq, raw, count] }                      one length per table

const MAGIC = 0x534b4c53;
const VERSION = 1;

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
  return sealKernelSnapshot(MAGIC, VERSION, payload);
}

/** Decodes a snapshot, checking the envelope, the checksum and the tables; `what` names it in errors. */
export function decodeSessionKernelSnapshot(bytes: Uint8Array, what: string): SessionKernelSnapshot {
  const payload = openKernelSnapshot(bytes, MAGIC, VERSION, 'session window', what);
  let v: Record<string, unknown>;
  try {
    v = decodeValue(payload, what) as Record<string, unknown>;
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
