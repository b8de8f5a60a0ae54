import type { Sink } from '../io/sink';
import type { Partitioning } from './partitioning';
import type { Source } from '../io/source';
import type { StatelessStage } from '../operators/stateless-chain';
import type { KeySelector } from '../runtime/key-selector';
import type { WindowCombiner } from '../windowing/window-combiner';
import type { Operator } from '../types';

let nextId = 1;

/**
 * A node of the lazy job graph a program builds. Nothing runs until a job is executed; then the
 * transformations reachable from the sinks are translated into a plan (`job-graph.ts`).
 */
export abstract class Transformation {
  readonly id = nextId++;
  uid: string | undefined = undefined;

  constructor(
    public name: string,
    readonly inputs: readonly Transformation[],
  ) {}
}

export class SourceTransformation extends Transformation {
  constructor(readonly source: Source<unknown>) {
    super(source.name, []);
  }
}

/** An operator with one or more inputs. `stage` marks a stateless operator that can be fused. */
export class OperatorTransformation extends Transformation {
  constructor(
    name: string,
    inputs: readonly Transformation[],
    readonly createOperator: () => Operator<unknown, unknown>,
    readonly stage?: StatelessStage,
  ) {
    super(name, inputs);
  }

  /** Side outputs this operator may emit: `'any'` for user process functions. */
  sideOutputs: 'any' | ReadonlySet<string> | undefined = undefined;

  /**
   * How the operator reacts to when a watermark arrives between records (see `job-graph.ts`):
   * `'transparent'` not at all, `'window'` a built-in event-time window (`'merging-window'` for
   * sessions), `'generator'` a watermarks operator (it replaces upstream watermarks),
   * `'sensitive'` anything else.
   */
  watermarkRole: WatermarkRole = 'sensitive';

  /** For a window aggregation whose input may be pre-aggregated before its keyBy exchange. */
  combine: CombinableAggregation | undefined = undefined;
}

/**
 * A window aggregation that producers may pre-aggregate (see `WindowCombiner`): the combiner each
 * producer subtask runs, the operator that takes the partial aggregates instead of the records,
 * and the key of a partial aggregate, by which the exchange then partitions.
 */
export interface CombinableAggregation {
  createCombiner(): WindowCombiner<unknown>;
  createMerger(): Operator<unknown, unknown>;
  readonly partialKey: KeySelector<unknown, unknown>;
}

export type WatermarkRole = 'transparent' | 'window' | 'merging-window' | 'generator' | 'sensitive';

/** `keyBy`: no operator of its own; the keyed operator downstream reads the key selector. */
export class KeyByTransformation extends Transformation {
  constructor(
    input: Transformation,
    readonly selector: KeySelector<unknown, unknown>,
  ) {
    super(selector.name, [input]);
  }
}

/** An explicit exchange (`rebalance()`, `broadcast()`, …): no operator, only how records travel. */
export class PartitionTransformation extends Transformation {
  constructor(
    input: Transformation,
    readonly partitioning: Partitioning,
  ) {
    super(partitioning.kind, [input]);
  }
}

/** The side output `tagId` of the operator behind `input`. */
export class SideOutputTransformation extends Transformation {
  constructor(
    input: Transformation,
    readonly tagId: string,
  ) {
    super(`sideOutput(${tagId})`, [input]);
  }
}

export class SinkTransformation extends Transformation {
  constructor(
    input: Transformation,
    readonly sink: Sink<unknown>,
  ) {
    super(sink.name ?? 'sink', [input]);
  }
}
