import { ColumnBatch, type F64Column } from '../columnar/column-batch';
import { field, Schema } from '../columnar/schema';
import { decodeBatch, encodeBatch } from '../codec/batch-codec';
import { decodeValue, encodeValue } from '../codec/value-codec';
import { KernelSnapshotError, openKernelSnapshot, sealKernelSnapshot } from './kernel-snapshot-envelope';
import type { WindowAggregationState } from './window-aggregation';

export { KernelSnapshotError };

/**
 * The checkpointed state of a `KernelWindowOperator`: its watermark, the kernel's state as columns,
 * and the original keys and values behind the kernel's f64 stand-ins (`keys[i]` for key id i,
 * `values[i]` for value code i; see the operator).
 */
export interface KernelWindowSnapshot {
  /** The window and aggregate configuration, to refuse a restore into another one. */
  readonly signature: string;
  readonly watermark: number;
  readonly keys: readonly unknown[];
  readonly values: readonly unknown[];
  /** (window start, 1 if its first element had the key −0 else 0) pairs, for the key 0/−0. */
  readonly zeroWindows: readonly number[];
  readonly state: WindowAggregationState;
}

// The bytes: a checksummed envelope around the value codec, whose three tables are batch-codec
// batches (columns of f64, so that a restore reads them as views, without a per-row decode).
//
//  offset size
//  ┌─────┬────┬───────────────────────────────────────────────────────────────────────────┐
//  │   0 │  4 │ magic "SLKW" (53 4C 4B 57)                                                │
//  │   4 │  2 │ format version (1)                                                        │
//  │   6 │  2 │ reserved, 0                                                               │
//  │   8 │  4 │ CRC-32C of bytes [12, total length)                                       │
//  │  12 │  4 │ total length in bytes                                                     │
//  │  16 │  … │ value codec: { signature, watermark, fire, retired, arrivals, layout,     │
//  │     │    │   keys, values, zero, slots, distinct, flags } — slots/distinct/flags are │
//  │     │    │   batch-codec buffers: slots = paneStart, key, firstSeq, count, one column │
//  │     │    │   per accumulator; distinct = value; flags = key, start, state            │
//  └─────┴────┴───────────────────────────────────────────────────────────────────────────┘

const MAGIC = 0x574b4c53;
const VERSION = 1;

function table(names: readonly string[], columns: readonly Float64Array[]): Uint8Array {
  const n = columns[0]?.length ?? 0;
  const batch = new ColumnBatch(
    new Schema(names.map((name) => field(name, 'f64'))),
    n,
    columns.map((values): F64Column => ({ type: 'f64', values })),
  );
  return new Uint8Array(encodeBatch(batch));
}

function columnsOf(bytes: unknown, names: readonly string[], what: string): Float64Array[] {
  if (!(bytes instanceof Uint8Array)) throw new KernelSnapshotError(`${what}: not a table`);
  // The envelope's checksum covers these bytes already.
  const batch = decodeBatch(bytes, { verifyChecksum: false, copy: true });
  const got = batch.schema.fields.map((f) => f.name);
  if (got.join() !== names.join() || batch.columns.some((c) => c.type !== 'f64')) {
    throw new KernelSnapshotError(`${what}: columns [${got.join(', ')}], expected [${names.join(', ')}]`);
  }
  return batch.columns.map((c) => (c as F64Column).values);
}

function layoutNames(state: Pick<WindowAggregationState, 'accumulators'>): string[] {
  return state.accumulators.map((a) => `${a.kind}(${a.column})`);
}

/** Encodes a snapshot (see the layout above). */
export function encodeKernelWindowSnapshot(s: KernelWindowSnapshot): Uint8Array {
  const { state } = s;
  const { slots, flags } = state;
  const layout = layoutNames(state);
  const payload = encodeValue({
    signature: s.signature,
    watermark: s.watermark,
    fire: state.fireWatermark,
    retired: state.retiredWatermark,
    arrivals: state.arrivals,
    layout,
    keys: s.keys,
    values: s.values,
    zero: s.zeroWindows,
    slots: table(['paneStart', 'key', 'firstSeq', 'count', ...layout], [slots.paneStarts, slots.keys, slots.firstSeqs, slots.counts, ...slots.accumulators]),
    distinct: table(['value'], [state.distinctValues]),
    flags: table(['key', 'start', 'state'], [flags.keys, flags.starts, flags.states]),
  });
  return sealKernelSnapshot(MAGIC, VERSION, payload);
}

/** Decodes a snapshot, checking the envelope, the checksum and every table; `what` names it in errors. */
export function decodeKernelWindowSnapshot(bytes: Uint8Array, what: string): KernelWindowSnapshot {
  const payload = openKernelSnapshot(bytes, MAGIC, VERSION, 'kernel window', what);
  try {
    const v = decodeValue(payload, what) as Record<string, unknown>;
    const layout = v.layout as string[];
    const accumulators = layout.map((name) => {
      const m = /^(\w+)\((-?\d+)\)$/.exec(name);
      if (m === null) throw new KernelSnapshotError(`${what}: bad accumulator ${name}`);
      return { kind: m[1] as WindowAggregationState['accumulators'][number]['kind'], column: Number(m[2]) };
    });
    const [paneStarts, keys, firstSeqs, counts, ...accs] = columnsOf(v.slots, ['paneStart', 'key', 'firstSeq', 'count', ...layout], `${what} slots`);
    const [distinctValues] = columnsOf(v.distinct, ['value'], `${what} distinct values`);
    const [flagKeys, flagStarts, flagStates] = columnsOf(v.flags, ['key', 'start', 'state'], `${what} flags`);
    return {
      signature: v.signature as string,
      watermark: v.watermark as number,
      keys: v.keys as unknown[],
      values: v.values as unknown[],
      zeroWindows: v.zero as number[],
      state: {
        fireWatermark: v.fire as number,
        retiredWatermark: v.retired as number,
        arrivals: v.arrivals as number,
        accumulators,
        slots: { paneStarts: paneStarts!, keys: keys!, firstSeqs: firstSeqs!, counts: counts!, accumulators: accs },
        distinctValues: distinctValues!,
        flags: { keys: flagKeys!, starts: flagStarts!, states: flagStates! },
      },
    };
  } catch (e) {
    if (e instanceof KernelSnapshotError) throw e;
    throw new KernelSnapshotError(`${what}: ${(e as Error).message}`);
  }
}
