import { ConfigurationError } from '../errors';
import { StatelessChainOperator, type StatelessStage } from '../operators/stateless-chain';
import type { Operator } from '../types';
import {
  KeyByTransformation,
  OperatorTransformation,
  PartitionTransformation,
  SideOutputTransformation,
  SinkTransformation,
  SourceTransformation,
  type Transformation,
  type WatermarkRole,
} from './transformation';
import type { Partitioning } from './partitioning';

/** An input of a vertex: which vertex feeds it, through which output (main or a side output tag). */
export interface VertexInput {
  readonly from: JobVertex;
  readonly tagId: string | undefined;
  /** How records reach the subtasks of the consumer; absent = Flink's default (forward or rebalance). */
  readonly partitioning?: Partitioning;
}

/** A vertex of the translated plan: a source, a (possibly fused) operator, or a sink. */
export interface JobVertex {
  readonly id: number;
  readonly name: string;
  readonly uid: string | undefined;
  readonly kind: 'source' | 'operator' | 'sink';
  readonly inputs: VertexInput[];
  readonly transformation: Transformation;
  createOperator?: () => Operator<unknown, unknown>;
  /** The fused stateless stages, when this vertex is a chain of them. */
  stages?: StatelessStage[];
  readonly watermarkRole: WatermarkRole;
  /** For watermark generators: whether and how per-record watermarks may be coalesced (see below). */
  coalesceWatermarks?: WatermarkCoalescing;
}

/**
 * `'strict'`: a held watermark goes out before a record with `ts <= watermark + 1`; `'relaxed'`:
 * before a record with `ts <= watermark` (no session window downstream); `false`: never held.
 */
export type WatermarkCoalescing = false | 'strict' | 'relaxed';

export interface JobGraph {
  /** Vertices in topological order: every vertex after all its inputs. */
  readonly vertices: JobVertex[];
}

/**
 * Translates the transformations reachable from `sinks` into a plan: virtual nodes (keyBy, side
 * outputs) become edges, and consecutive stateless operators are fused into one vertex when the
 * first feeds only the second (Flink's operator chaining, restricted to stateless operators).
 */
export function buildJobGraph(sinks: readonly SinkTransformation[]): JobGraph {
  if (sinks.length === 0) throw new ConfigurationError('The job has no sinks: add collect(), sinkTo(...) or forEach(...)');
  const vertices: JobVertex[] = [];
  const byId = new Map<number, JobVertex>();
  const visiting = new Set<number>();

  // The partitioning closest to the consumer wins: keyBy(a) after rebalance() is a hash exchange.
  const resolve = (t: Transformation): VertexInput => {
    if (t instanceof KeyByTransformation) return { ...resolve(t.inputs[0]!), partitioning: { kind: 'hash', selector: t.selector } };
    if (t instanceof PartitionTransformation) return { ...resolve(t.inputs[0]!), partitioning: t.partitioning };
    if (t instanceof SideOutputTransformation) {
      const upstream = resolve(t.inputs[0]!);
      if (upstream.tagId !== undefined) throw new ConfigurationError(`A side output of a side output (${t.name}) is not a stream`);
      if (upstream.partitioning !== undefined) throw new ConfigurationError(`Take the side output ${t.tagId} before ${upstream.partitioning.kind === 'hash' ? 'keyBy' : upstream.partitioning.kind}()`);
      return { from: upstream.from, tagId: t.tagId };
    }
    return { from: visit(t), tagId: undefined };
  };

  const visit = (t: Transformation): JobVertex => {
    const existing = byId.get(t.id);
    if (existing !== undefined) return existing;
    if (visiting.has(t.id)) throw new ConfigurationError(`The job graph has a cycle at ${t.name}`);
    visiting.add(t.id);
    const inputs = t.inputs.map(resolve);
    const vertex: JobVertex = {
      id: t.id,
      name: t.name,
      uid: t.uid,
      kind: t instanceof SourceTransformation ? 'source' : t instanceof SinkTransformation ? 'sink' : 'operator',
      inputs,
      transformation: t,
      watermarkRole:
        t instanceof SinkTransformation || (t instanceof OperatorTransformation && t.stage !== undefined)
          ? 'transparent'
          : t instanceof OperatorTransformation
            ? t.watermarkRole
            : 'sensitive',
    };
    if (t instanceof OperatorTransformation) {
      vertex.createOperator = t.createOperator;
      if (t.stage !== undefined) vertex.stages = [{ ...t.stage, name: t.name, uid: t.uid }];
    }
    visiting.delete(t.id);
    byId.set(t.id, vertex);
    vertices.push(vertex);
    return vertex;
  };

  for (const sink of sinks) visit(sink);
  const fused = fuseStatelessChains(vertices);
  markWatermarkCoalescing(fused);
  return { vertices: fused };
}

/**
 * A watermark generator emitting per record may hold a watermark back until the batch ends, or
 * until a record arrives that is not ahead of it, when that is invisible downstream: a record
 * with `ts > watermark` is never late for a tumbling or sliding window and never makes an
 * event-time trigger fire at once (each of its windows ends after it), so a built-in event-time
 * window treats it the same either way. A session window needs `ts > watermark + 1`: a record at
 * `watermark + 1` starts a session that touches — and so merges with — one ending there, which
 * the watermark is about to close. Stateless operators, unions and sinks ignore watermarks.
 * A window's results are stamped with their window's last millisecond, which the watermark that
 * fired them has reached; but the one before it had not (else it would have fired them). So when a
 * held watermark W1 and a later W2 become one, the results fired in between carry `W1 < ts <= W2`
 * and reach the next operator before W2, as elements did at the first window: a second tumbling or
 * sliding window treats them the same either way. Not a session window: a result at exactly
 * `W1 + 1` would merge with a session ending there. Anything else — process functions, custom
 * triggers — sees every per-record watermark.
 */
function markWatermarkCoalescing(vertices: readonly JobVertex[]): void {
  const consumers = new Map<JobVertex, JobVertex[]>();
  for (const v of vertices) {
    for (const i of v.inputs) {
      const list = consumers.get(i.from) ?? [];
      list.push(v);
      consumers.set(i.from, list);
    }
  }
  /** `undefined` when coalescing is visible downstream of `v`, else whether a session window is. */
  const downstream = (v: JobVertex, afterWindow: boolean): { merging: boolean } | undefined => {
    let merging = false;
    for (const c of consumers.get(v) ?? []) {
      switch (c.watermarkRole) {
        case 'generator':
          break;
        case 'transparent': {
          const d = downstream(c, afterWindow);
          if (d === undefined) return undefined;
          merging ||= d.merging;
          break;
        }
        case 'window':
        case 'merging-window': {
          if (afterWindow && c.watermarkRole === 'merging-window') return undefined;
          const d = downstream(c, true);
          if (d === undefined) return undefined;
          merging ||= d.merging || c.watermarkRole === 'merging-window';
          break;
        }
        default:
          return undefined;
      }
    }
    return { merging };
  };
  for (const v of vertices) {
    if (v.watermarkRole !== 'generator') continue;
    const d = downstream(v, false);
    v.coalesceWatermarks = d === undefined ? false : d.merging ? 'strict' : 'relaxed';
  }
}

function fuseStatelessChains(vertices: JobVertex[]): JobVertex[] {
  const consumers = new Map<JobVertex, number>();
  for (const v of vertices) for (const i of v.inputs) consumers.set(i.from, (consumers.get(i.from) ?? 0) + 1);

  const fusedInto = new Map<JobVertex, JobVertex>();
  const result: JobVertex[] = [];
  for (const v of vertices) {
    const input = v.inputs[0];
    // Only across a plain edge: an exchange (keyBy, rebalance, …) ends a chain, as in Flink.
    if (v.stages !== undefined && v.inputs.length === 1 && input!.tagId === undefined && input!.partitioning === undefined) {
      const head = fusedInto.get(input!.from) ?? input!.from;
      if (input!.from.stages !== undefined && consumers.get(input!.from) === 1) {
        head.stages!.push(...v.stages);
        fusedInto.set(v, head);
        continue;
      }
    }
    result.push(v);
  }
  // Inputs that pointed at a fused-away vertex now point at the chain's head.
  for (const v of result) {
    v.inputs.forEach((input, i) => {
      const head = fusedInto.get(input.from);
      if (head !== undefined) v.inputs[i] = { ...input, from: head };
    });
    if (v.stages !== undefined) {
      const stages = v.stages;
      v.createOperator = () => new StatelessChainOperator(stages);
    }
  }
  return result;
}
