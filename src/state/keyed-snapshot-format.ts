/**
 * The byte layout of a keyed operator's snapshot (keyed state, timers, watermark), version 2, and
 * its reader, which restores straight into the backend's tables: no intermediate arrays, one pass.
 * The checksum is the checkpoint storage's (every state file is CRC-32C'd in the metadata).
 *
 * ```
 *   0        4        8                16
 *   ┌────────┬────────┬────────────────┬────────┬─────────────┬─────────┬─────────┬─────────┐
 *   │ 'SLKS' │ ver 2  │ watermark f64  │ tables │ table names │ entries │ event   │ process │
 *   │  u32   │  u32   │                │ varuint│ T × string  │  u32 E  │ u32 Te  │ u32 Tp  │
 *   └────────┴────────┴────────────────┴────────┴─────────────┴─────────┴─────────┴─────────┘
 *   then E entries, in no particular order (a snapshot encodes an entry early when processing
 *   touches it first):   table varuint │ mapKey value │ n varuint │ n × (namespace value, stored value)
 *   then Te event-time timers, then Tp processing-time timers, in firing order:
 *                         time f64 │ key value │ mapKey value │ nsId value │ namespace value
 * ```
 * Integers are little-endian; `value` is the value codec's tagged encoding; `string` a value that
 * must be a string. Key groups are not stored: a restore that keeps only some key groups computes
 * them from the map keys (a restore that keeps all computes nothing).
 *
 * Version 1 (one value-codec object `{ version: 1, watermark, state, timers }`) starts with the
 * object tag, 10, never with 'S'; `KeyedOperator` still reads it.
 */
import { ValueReader } from '../codec/value-codec';
import { KeyEntry, type StateTable } from './state-table';

/** 'S' 'L' 'K' 'S' read as a little-endian u32. */
export const KEYED_SNAPSHOT_MAGIC = 0x534b4c53;
export const KEYED_SNAPSHOT_VERSION = 2;

/** Whether `bytes` start like a version-2 (or later) snapshot rather than a version-1 value. */
export function isFramedKeyedSnapshot(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x53 && bytes[1] === 0x4c && bytes[2] === 0x4b && bytes[3] === 0x53;
}

/** Where a restore puts what it reads. */
export interface KeyedRestoreTarget {
  /** The table that state `name` restores into. */
  table(name: string): StateTable;
  /** Whether this subtask keeps the state and timers of `mapKey` (its key group is in range). */
  owns(mapKey: unknown): boolean;
  /** Whether every key is kept, so that `owns` need not be asked. */
  readonly ownsAll: boolean;
  timer(eventTime: boolean, time: number, key: unknown, mapKey: unknown, nsId: unknown, namespace: unknown): void;
}

/**
 * Restores a version-2 snapshot into `target`; returns its watermark. Throws a `ValueCodecError`
 * naming `source` and the byte offset when the bytes are not a well-formed snapshot, and an
 * `Error` for a version this sluice does not read.
 */
export function readKeyedSnapshot(bytes: Uint8Array, source: string, target: KeyedRestoreTarget): number {
  const r: ValueReader = new ValueReader(bytes, source);
  if (r.readU32() !== KEYED_SNAPSHOT_MAGIC) r.fail('not a keyed state snapshot (no SLKS magic)');
  const version = r.readU32();
  if (version !== KEYED_SNAPSHOT_VERSION) {
    throw new Error(`${source}: keyed state snapshot version ${version} is not supported (this sluice reads versions 1 and ${KEYED_SNAPSHOT_VERSION})`);
  }
  const watermark = r.readF64();
  const tableCount = r.readVarUint();
  if (tableCount > r.remaining) r.fail(`a count of ${tableCount} tables exceeds the ${r.remaining} bytes left`);
  const tables: StateTable[] = [];
  for (let i = 0; i < tableCount; i++) {
    const at = r.position;
    const name = r.read();
    if (typeof name !== 'string') r.fail(`the name of table ${i} at byte ${at} is not a string`);
    tables.push(target.table(name));
  }
  const entries = r.readU32();
  const eventTimers = r.readU32();
  const processingTimers = r.readU32();
  // Each entry takes at least 3 bytes, each timer at least 12: damaged counts fail here, not after
  // a long loop or a huge allocation.
  if (entries * 3 + (eventTimers + processingTimers) * 12 > r.remaining) {
    r.fail(`${entries} entries and ${eventTimers + processingTimers} timers cannot fit in the ${r.remaining} bytes left`);
  }
  const ownsAll = target.ownsAll;
  for (let i = 0; i < entries; i++) {
    const at = r.position;
    const index = r.readVarUint();
    if (index >= tableCount) r.fail(`the entry at byte ${at} names table ${index}, the snapshot has ${tableCount}`);
    const mapKey = r.read();
    const n = r.readVarUint();
    if (n > r.remaining) r.fail(`the entry at byte ${at} has ${n} namespaces, more than the bytes left`);
    let entry: KeyEntry;
    if (n === 1) {
      const ns = r.read();
      entry = new KeyEntry(mapKey, 0, ns, r.read());
    } else {
      entry = new KeyEntry(mapKey, 0, undefined, undefined);
      for (let k = 0; k < n; k++) {
        const ns = r.read();
        entry.set(ns, r.read());
      }
    }
    if (n > 0 && (ownsAll || target.owns(mapKey))) tables[index]!.entries.set(mapKey, entry);
  }
  for (let domain = 0; domain < 2; domain++) {
    const count = domain === 0 ? eventTimers : processingTimers;
    for (let i = 0; i < count; i++) {
      const time = r.readF64();
      const key = r.read();
      const mapKey = r.read();
      const nsId = r.read();
      const namespace = r.read();
      if (ownsAll || target.owns(mapKey)) target.timer(domain === 0, time, key, mapKey, nsId, namespace);
    }
  }
  if (!r.done) r.fail(`${bytes.length} bytes, but the snapshot ended at byte ${r.position}`);
  return watermark;
}
