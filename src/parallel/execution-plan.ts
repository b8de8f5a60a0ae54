import { ConfigurationError } from '../errors';
import type { JobGraph, JobVertex } from '../graph/job-graph';
import type { Partitioning, PartitioningKind } from '../graph/partitioning';
import { OperatorTransformation, type CombinableAggregation, type SinkTransformation, type SourceTransformation } from '../graph/transformation';

/**
 * The job graph expanded into subtasks (Flink's ExecutionGraph): how many subtasks each vertex
 * runs and, per edge, which producer subtask feeds which consumer subtask on which channel.
 *
 * A consumer subtask's inputs are *channels*: one per connected producer subtask of each logical
 * input, numbered input by input. Watermarks are combined and barriers aligned over channels; the
 * operator itself sees logical inputs.
 */
export interface ExecutionPlan {
  readonly vertices: readonly PlannedVertex[];
  readonly maxParallelism: number;
}

export interface PlannedVertex {
  readonly vertex: JobVertex;
  /** Position in topological order; doubles as the vertex's index in messages between workers. */
  readonly index: number;
  readonly uid: string;
  readonly parallelism: number;
  readonly inputs: readonly PlannedEdge[];
  /** Edges that leave this vertex, in the order of the consumers' inputs. */
  readonly outputs: PlannedEdge[];
}

export interface PlannedEdge {
  readonly from: PlannedVertex;
  readonly to: PlannedVertex;
  /** The logical input of `to` this edge feeds. */
  readonly input: number;
  readonly tagId: string | undefined;
  readonly partitioning: Partitioning;
  /** Per consumer subtask, the producer subtasks feeding it, in channel order. */
  readonly producers: readonly (readonly number[])[];
  /** Per consumer subtask, the channel number of this edge's first producer. */
  readonly channelBase: readonly number[];
  /**
   * The pre-aggregation each producer subtask runs before the exchange, if any; the consumer then
   * runs `combine.createMerger()`, which takes partial aggregates.
   */
  readonly combine: CombinableAggregation | undefined;
}

/** Per consumer subtask: for each channel, the logical input it belongs to. */
export function channelInputs(vertex: PlannedVertex, subtask: number): number[] {
  const inputs: number[] = [];
  for (const edge of vertex.inputs) for (let i = 0; i < edge.producers[subtask]!.length; i++) inputs.push(edge.input);
  return inputs;
}

/** The consumer subtasks producer subtask `subtask` sends to over `edge`, in round-robin order. */
export function consumersOf(edge: PlannedEdge, subtask: number): number[] {
  const consumers: number[] = [];
  edge.producers.forEach((list, consumer) => {
    if (list.includes(subtask)) consumers.push(consumer);
  });
  return consumers;
}

/** The channel on which consumer subtask `consumer` receives producer subtask `producer` over `edge`. */
export function channelOf(edge: PlannedEdge, producer: number, consumer: number): number {
  return edge.channelBase[consumer]! + edge.producers[consumer]!.indexOf(producer);
}

export interface PlanOptions {
  readonly parallelism: number;
  readonly maxParallelism: number;
}

/**
 * Sources run one subtask unless they are splittable (`parallel`), like Flink's non-parallel
 * `fromElements`; sinks one unless `parallel` (Flink's collect sink is a single subtask); every
 * other operator runs `parallelism` subtasks.
 */
export function planExecution(graph: JobGraph, options: PlanOptions): ExecutionPlan {
  const planned = new Map<JobVertex, PlannedVertex>();
  const vertices: PlannedVertex[] = [];
  graph.vertices.forEach((vertex, index) => {
    const parallelism = parallelismOf(vertex, options.parallelism);
    const combinable = vertex.transformation instanceof OperatorTransformation ? vertex.transformation.combine : undefined;
    const p: PlannedVertex = { vertex, index, uid: vertex.uid ?? `${index}:${vertex.name}`, parallelism, inputs: [], outputs: [] };
    const inputs = vertex.inputs.map((input, i): PlannedEdge => {
      const from = planned.get(input.from)!;
      let partitioning = input.partitioning ?? (from.parallelism === parallelism ? { kind: 'forward' as const } : { kind: 'rebalance' as const });
      // Pre-aggregate where records would otherwise cross between subtasks one by one.
      const combine = combinable !== undefined && partitioning.kind === 'hash' && (from.parallelism > 1 || parallelism > 1) ? combinable : undefined;
      if (combine !== undefined) partitioning = { kind: 'hash', selector: combine.partialKey };
      if (partitioning.kind === 'forward' && from.parallelism !== parallelism) {
        throw new ConfigurationError(
          `forward() from ${from.vertex.name} (parallelism ${from.parallelism}) to ${vertex.name} (parallelism ${parallelism}): forward partitioning does not allow a change of parallelism; use rebalance() or rescale()`,
        );
      }
      const producers = Array.from({ length: parallelism }, (_, consumer) => connectedProducers(partitioning.kind, from.parallelism, parallelism, consumer));
      const edge: PlannedEdge = { from, to: p, input: i, tagId: input.tagId, partitioning, producers, channelBase: [], combine };
      from.outputs.push(edge);
      return edge;
    });
    (p.inputs as PlannedEdge[]).push(...inputs);
    for (let s = 0; s < parallelism; s++) {
      let base = 0;
      for (const edge of inputs) {
        (edge.channelBase as number[])[s] = base;
        base += edge.producers[s]!.length;
      }
    }
    planned.set(vertex, p);
    vertices.push(p);
  });
  return { vertices, maxParallelism: options.maxParallelism };
}

function parallelismOf(vertex: JobVertex, parallelism: number): number {
  if (vertex.kind === 'source') return (vertex.transformation as SourceTransformation).source.parallel === true ? parallelism : 1;
  if (vertex.kind === 'sink') return (vertex.transformation as SinkTransformation).sink.parallel === true ? parallelism : 1;
  return parallelism;
}

/**
 * Which producer subtasks feed `consumer`: all of them (all-to-all exchanges), the same index
 * (forward), or — for rescale — Flink's POINTWISE pattern, where a smaller side's subtask is
 * connected to a contiguous range of the larger side's.
 */
function connectedProducers(kind: PartitioningKind, producers: number, consumers: number, consumer: number): number[] {
  if (kind === 'forward') return [consumer];
  if (kind !== 'rescale') return Array.from({ length: producers }, (_, i) => i);
  if (producers === consumers) return [consumer];
  const list: number[] = [];
  if (producers > consumers) {
    const start = Math.floor((consumer * producers) / consumers);
    const end = Math.floor(((consumer + 1) * producers) / consumers);
    for (let i = start; i < end; i++) list.push(i);
  } else {
    for (let i = 0; i < producers; i++) {
      const start = Math.floor((i * consumers) / producers);
      const end = Math.floor(((i + 1) * consumers) / producers);
      if (consumer >= start && consumer < end) list.push(i);
    }
  }
  return list;
}

/** Every edge of the plan, numbered in topological order — the same numbering on every worker. */
export function edgesOf(plan: ExecutionPlan): PlannedEdge[] {
  return plan.vertices.flatMap((v) => v.outputs);
}
