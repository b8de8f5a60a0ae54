import type { Sink } from '../io/sink';
import {
  OperatorTransformation,
  SideOutputTransformation,
  SinkTransformation,
  type Transformation,
  type WatermarkRole,
} from '../graph/transformation';
import type { StatelessStage } from '../operators/stateless-chain';
import type { JobHandle, JobResult } from '../runtime/job-handle';
import type { Operator, OutputTag, Timestamp } from '../types';
import type { StreamEnvironment } from './environment';
import { pipeFromArray, type UnaryFunction } from './pipe';

/** Options every operator takes: a display name and a stable id for state (Flink's `name`/`uid`). */
export interface OperatorOptions {
  readonly name?: string;
  readonly uid?: string;
}

/**
 * A stream of records of type `T`: a node of the lazy job graph. Transform it with `pipe` and
 * pipeable operators; run it with `collect()`, `execute()` or `forEach()`.
 *
 * @example
 * const rows = await env.fromArray(bids)
 *   .pipe(watermarks({ timestamp: b => b.ts }), keyBy(b => b.auction), window(tumbling(10_000)), aggregate({ n: count() }))
 *   .collect();
 */
export class Stream<T> {
  declare readonly __element?: T;

  /** @internal */
  constructor(
    readonly environment: StreamEnvironment,
    /** @internal */ readonly transformation: Transformation,
  ) {}

  pipe(): this;
  pipe<A>(op1: UnaryFunction<this, A>): A;
  pipe<A, B>(op1: UnaryFunction<this, A>, op2: UnaryFunction<A, B>): B;
  pipe<A, B, C>(op1: UnaryFunction<this, A>, op2: UnaryFunction<A, B>, op3: UnaryFunction<B, C>): C;
  pipe<A, B, C, D>(op1: UnaryFunction<this, A>, op2: UnaryFunction<A, B>, op3: UnaryFunction<B, C>, op4: UnaryFunction<C, D>): D;
  pipe<A, B, C, D, E>(
    op1: UnaryFunction<this, A>,
    op2: UnaryFunction<A, B>,
    op3: UnaryFunction<B, C>,
    op4: UnaryFunction<C, D>,
    op5: UnaryFunction<D, E>,
  ): E;
  pipe<A, B, C, D, E, F>(
    op1: UnaryFunction<this, A>,
    op2: UnaryFunction<A, B>,
    op3: UnaryFunction<B, C>,
    op4: UnaryFunction<C, D>,
    op5: UnaryFunction<D, E>,
    op6: UnaryFunction<E, F>,
  ): F;
  pipe<A, B, C, D, E, F, G>(
    op1: UnaryFunction<this, A>,
    op2: UnaryFunction<A, B>,
    op3: UnaryFunction<B, C>,
    op4: UnaryFunction<C, D>,
    op5: UnaryFunction<D, E>,
    op6: UnaryFunction<E, F>,
    op7: UnaryFunction<F, G>,
  ): G;
  pipe<A, B, C, D, E, F, G, H>(
    op1: UnaryFunction<this, A>,
    op2: UnaryFunction<A, B>,
    op3: UnaryFunction<B, C>,
    op4: UnaryFunction<C, D>,
    op5: UnaryFunction<D, E>,
    op6: UnaryFunction<E, F>,
    op7: UnaryFunction<F, G>,
    op8: UnaryFunction<G, H>,
  ): H;
  pipe<A, B, C, D, E, F, G, H, I>(
    op1: UnaryFunction<this, A>,
    op2: UnaryFunction<A, B>,
    op3: UnaryFunction<B, C>,
    op4: UnaryFunction<C, D>,
    op5: UnaryFunction<D, E>,
    op6: UnaryFunction<E, F>,
    op7: UnaryFunction<F, G>,
    op8: UnaryFunction<G, H>,
    op9: UnaryFunction<H, I>,
  ): I;
  pipe(...steps: Array<UnaryFunction<never, unknown>>): unknown {
    return pipeFromArray(steps as Array<UnaryFunction<unknown, unknown>>)(this);
  }

  /** Sets the name of the operator that produces this stream (shown in errors and metrics). */
  name(name: string): this {
    this.transformation.name = name;
    return this;
  }

  /** Sets the stable id of the operator that produces this stream (matches state on restore). */
  uid(uid: string): this {
    this.transformation.uid = uid;
    return this;
  }

  /**
   * The records the producing operator sent to side output `tag` (Flink's `getSideOutput`). Looks
   * through stateless operators piped after it, so `getSideOutput` works after `aggregate(...), map(...)`.
   */
  getSideOutput<X>(tag: OutputTag<X>): Stream<X> {
    let t: Transformation = this.transformation;
    while (t instanceof OperatorTransformation && t.stage !== undefined && t.inputs.length === 1) t = t.inputs[0]!;
    const producer = t instanceof OperatorTransformation && t.sideOutputs !== undefined ? t : this.transformation;
    return new Stream<X>(this.environment, new SideOutputTransformation(producer, tag.id));
  }

  /**
   * Sends the stream to `sink` when the environment's job runs (Flink's `sinkTo`). A transactional
   * sink has state (its pre-committed transactions): give it a `uid`, as Flink's
   * `sinkTo(sink).uid(...)`, so that a savepoint still restores after operators are added or removed
   * upstream. Returns this stream, not the sink.
   */
  sinkTo(sink: Sink<T>, options: OperatorOptions = {}): this {
    const t = new SinkTransformation(this.transformation, sink as Sink<unknown>);
    if (options.name !== undefined) t.name = options.name;
    t.uid = options.uid;
    this.environment.addSink(t);
    return this;
  }

  /** Prints every record with `console.log` when the job runs. */
  print(prefix = ''): this {
    return this.sinkTo({
      name: 'print',
      write(batch) {
        for (let i = 0; i < batch.length; i++) console.log(prefix, batch.values[i]);
      },
    });
  }

  /** Runs the job and resolves with every record of this stream, in order (bounded input). */
  async collect(): Promise<T[]> {
    const [values] = await this.environment.collect(this as Stream<T>);
    return values;
  }

  /** Runs the job, calling `fn` for each record; resolves when the job ends. */
  async forEach(fn: (value: T, timestamp: Timestamp | undefined) => void): Promise<JobResult> {
    const job = this.environment.startJob([
      new SinkTransformation(this.transformation, {
        name: 'forEach',
        write(batch) {
          for (let i = 0; i < batch.length; i++) {
            const ts = batch.timestamps[i]!;
            fn(batch.values[i] as T, Number.isNaN(ts) ? undefined : ts);
          }
        },
      }),
    ]);
    return job.done;
  }

  /** Starts the job (this stream and every sink registered on the environment) and returns its handle. */
  async execute(jobName?: string): Promise<JobHandle> {
    const sunk = this.environment.hasSinkFor(this.transformation);
    return this.environment.startJob(sunk ? [] : [new SinkTransformation(this.transformation, { name: 'discard', write() {} })], jobName).started;
  }

  /** @internal Adds an operator after this stream. */
  transform<O>(
    name: string,
    /** Called once per parallel subtask (and again on a restart). */
    createOperator: () => Operator<T, O>,
    options: OperatorOptions = {},
    extra: {
      inputs?: readonly Transformation[];
      stage?: StatelessStage;
      sideOutputs?: 'any' | ReadonlySet<string>;
      watermarkRole?: WatermarkRole;
    } = {},
  ): Stream<O> {
    const t = new OperatorTransformation(
      options.name ?? name,
      extra.inputs ?? [this.transformation],
      createOperator as () => Operator<unknown, unknown>,
      extra.stage,
    );
    t.uid = options.uid;
    t.sideOutputs = extra.sideOutputs;
    if (extra.watermarkRole !== undefined) t.watermarkRole = extra.watermarkRole;
    return new Stream<O>(this.environment, t);
  }
}
