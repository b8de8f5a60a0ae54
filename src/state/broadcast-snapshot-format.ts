import { decodeValue, encodeValue } from '../codec/value-codec';
import type { BroadcastStatesSnapshot } from './broadcast-state';

/**
 * The snapshot of a broadcast process operator subtask: its broadcast states (operator state, the
 * same on every subtask) and, after `keyBy`, its keyed state and timers in the keyed operators'
 * own format. One value-codec object:
 * ```
 *   { format: 'sluice.broadcast', version: 1, broadcast: u8array, keyed: u8array | undefined }
 *   broadcast := value-codec of [[stateName, [[key, value], ...]], ...]
 * ```
 * The broadcast part is encoded when the barrier arrives (a later `put` may change a value the
 * user shares with the state); the keyed part may be encoded later, as keyed operators do.
 */
const FORMAT = 'sluice.broadcast';
const VERSION = 1;

/** Encodes broadcast states now, to be framed with the keyed part once it is ready. */
export function encodeBroadcastStates(states: BroadcastStatesSnapshot): Uint8Array {
  return encodeValue(states);
}

export function frameBroadcastSnapshot(broadcast: Uint8Array, keyed: Uint8Array | undefined): Uint8Array {
  return encodeValue({ format: FORMAT, version: VERSION, broadcast, keyed });
}

export interface BroadcastOperatorSnapshot {
  readonly broadcast: BroadcastStatesSnapshot;
  readonly keyed: Uint8Array | undefined;
}

/** Reads a snapshot of `frameBroadcastSnapshot`; `source` names it in errors. */
export function readBroadcastSnapshot(bytes: Uint8Array, source: string): BroadcastOperatorSnapshot {
  const frame = decodeValue(bytes, source) as { format?: unknown; version?: unknown; broadcast?: unknown; keyed?: unknown } | null;
  if (frame === null || typeof frame !== 'object' || frame.format !== FORMAT || !(frame.broadcast instanceof Uint8Array)) {
    throw new Error(`${source} is not the state of a broadcast process operator (was the uid given to another operator?)`);
  }
  if (frame.version !== VERSION) {
    throw new Error(`${source}: broadcast state snapshot version ${String(frame.version)} is not supported (this sluice reads version ${VERSION})`);
  }
  return {
    broadcast: decodeValue(frame.broadcast, `${source}, broadcast state`) as BroadcastStatesSnapshot,
    keyed: frame.keyed instanceof Uint8Array ? frame.keyed : undefined,
  };
}
