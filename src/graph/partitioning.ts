import type { KeySelector } from '../runtime/key-selector';

/**
 * How the records of an edge are distributed over the subtasks of its consumer — Flink's stream
 * partitioners (https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/operators/overview/#physical-partitioning):
 * - `forward`: subtask i feeds subtask i only (the parallelism must not change);
 * - `rebalance`: round-robin over every consumer subtask;
 * - `rescale`: round-robin over a local group of consumer subtasks (Flink's POINTWISE pattern);
 * - `broadcast`: every record to every consumer subtask;
 * - `hash`: by key group, to the subtask that owns the key (`keyBy`).
 * An edge without an explicit partitioning is `forward` when both sides have the same parallelism,
 * else `rebalance`, as in Flink.
 */
export type Partitioning =
  | { readonly kind: 'forward' }
  | { readonly kind: 'rebalance' }
  | { readonly kind: 'rescale' }
  | { readonly kind: 'broadcast' }
  | { readonly kind: 'hash'; readonly selector: KeySelector<unknown, unknown> };

export type PartitioningKind = Partitioning['kind'];
