import { ConfigurationError } from '../errors';
import { MapStateDescriptor } from '../state/descriptors';

/**
 * The checks on the descriptors given to `broadcast(...)`, made while the graph is built: broadcast
 * state is a map per descriptor (Flink allows only `MapStateDescriptor`s), found by name.
 */
export function checkBroadcastDescriptors(descriptors: readonly unknown[]): void {
  const names = new Set<string>();
  for (const d of descriptors) {
    if (!(d instanceof MapStateDescriptor)) {
      throw new ConfigurationError(`broadcast(...) takes MapStateDescriptors (broadcast state is a map), got ${describe(d)}`);
    }
    if (d.ttl !== undefined) {
      // Every subtask must hold the same copy; entries expiring by each subtask's clock would not.
      throw new ConfigurationError(`Broadcast state "${d.name}" cannot have a ttl: broadcast state is operator state, without TTL (as in Flink)`);
    }
    if (names.has(d.name)) throw new ConfigurationError(`broadcast(...): two descriptors are named "${d.name}"; broadcast states are found by name`);
    names.add(d.name);
  }
}

function describe(value: unknown): string {
  if (value === null || typeof value !== 'object') return String(value);
  return (value as { constructor?: { name?: string } }).constructor?.name ?? 'an object';
}
