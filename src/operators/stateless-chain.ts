import { operatorFailure } from '../errors';
import { AbstractOperator } from '../runtime/abstract-operator';
import type { Batch } from '../types';

/** One stateless step: what it does, and the name its errors are reported under. */
export type StatelessStage =
  | { readonly kind: 'map'; readonly fn: (value: unknown) => unknown; readonly name: string; readonly uid: string | undefined }
  | { readonly kind: 'filter'; readonly fn: (value: unknown) => unknown; readonly name: string; readonly uid: string | undefined }
  | { readonly kind: 'tap'; readonly fn: (value: unknown) => void; readonly name: string; readonly uid: string | undefined }
  | {
      readonly kind: 'flatMap';
      readonly fn: (value: unknown) => Iterable<unknown> | null | undefined;
      readonly name: string;
      readonly uid: string | undefined;
    };

const MAP = 0;
const FILTER = 1;
const TAP = 2;
const FLAT_MAP = 3;
const KIND = { map: MAP, filter: FILTER, tap: TAP, flatMap: FLAT_MAP } as const;

/**
 * Consecutive stateless operators (map, filter, tap, flatMap) fused at graph-building time into one
 * loop over each batch: a record runs through every stage before the next record starts, and
 * nothing is allocated per record. An error names the stage that threw and shows its input.
 */
export class StatelessChainOperator extends AbstractOperator<unknown, unknown> {
  private readonly kinds: Uint8Array;
  private readonly fns: Array<(value: unknown) => unknown>;
  private readonly hasFlatMap: boolean;
  private stage = 0;
  private stageInput: unknown = undefined;

  constructor(readonly stages: readonly StatelessStage[]) {
    super();
    this.kinds = Uint8Array.from(stages, (s) => KIND[s.kind]);
    this.fns = stages.map((s) => s.fn);
    this.hasFlatMap = stages.some((s) => s.kind === 'flatMap');
  }

  processBatch(batch: Batch<unknown>): void {
    const { values, timestamps } = batch;
    const n = batch.length;
    try {
      if (this.hasFlatMap) {
        for (let i = 0; i < n; i++) this.runFrom(0, values[i], timestamps[i]!);
      } else {
        this.runFlat(values, timestamps, n);
      }
    } catch (cause) {
      const s = this.stages[this.stage]!;
      throw operatorFailure(s.name, s.uid, this.stageInput, cause);
    }
  }

  /**
   * The stage and its input live in locals, and reach the fields only when a stage throws: a store
   * of each record into this long-lived operator, per stage, costs a write barrier every time.
   */
  private runFlat(values: unknown[], timestamps: Float64Array, n: number): void {
    const kinds = this.kinds;
    const fns = this.fns;
    const stages = kinds.length;
    const output = this.output;
    let s = 0;
    let v: unknown = undefined;
    try {
      outer: for (let i = 0; i < n; i++) {
        v = values[i];
        for (s = 0; s < stages; s++) {
          const kind = kinds[s];
          if (kind === MAP) v = fns[s]!(v);
          else if (kind === FILTER) {
            if (!fns[s]!(v)) continue outer;
          } else fns[s]!(v);
        }
        output.collect(v, timestamps[i]!);
      }
    } catch (cause) {
      this.stage = Math.min(s, stages - 1);
      this.stageInput = v;
      throw cause;
    }
  }

  private runFrom(from: number, value: unknown, timestamp: number): void {
    let v = value;
    for (let s = from; s < this.kinds.length; s++) {
      this.stage = s;
      this.stageInput = v;
      switch (this.kinds[s]) {
        case MAP:
          v = this.fns[s]!(v);
          break;
        case FILTER:
          if (!this.fns[s]!(v)) return;
          break;
        case TAP:
          this.fns[s]!(v);
          break;
        default: {
          const out = this.fns[s]!(v) as Iterable<unknown> | null | undefined;
          if (out === null || out === undefined) return;
          if (typeof (out as Iterable<unknown>)[Symbol.iterator] !== 'function') {
            throw new TypeError(`flatMap must return an iterable (or null/undefined), got ${typeof out}`);
          }
          for (const x of out) this.runFrom(s + 1, x, timestamp);
          return;
        }
      }
    }
    this.output.collect(v, timestamp);
  }
}
