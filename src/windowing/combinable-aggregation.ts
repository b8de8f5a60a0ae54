import type { CombinableAggregation } from '../graph/transformation';
import { KeySelector } from '../runtime/key-selector';
import type { Operator } from '../types';
import { KernelWindowOperator, type KernelAggregateSpec, type KernelWindowSpec } from './kernel-window-operator';
import { partialColumn, WindowCombiner, type CombinableAggregate, type PartialAggregate } from './window-combiner';

const COMBINABLE = new Set<string>(['count', 'sum', 'min', 'max', 'avg']);

/**
 * How producers may pre-aggregate the input of a kernel window aggregation (see `WindowCombiner`),
 * or `undefined` when they may not: for an aggregate whose partials do not merge exactly (first,
 * last, countDistinct), or a late side output, which must receive the late elements themselves.
 */
export function combinableAggregation<T>(spec: KernelWindowSpec<T>, operator: string, uid: string | undefined): CombinableAggregation | undefined {
  if (spec.lateOutput !== undefined || !spec.aggregates.every((a) => COMBINABLE.has(a.kind))) return undefined;
  const partialKey = new KeySelector<PartialAggregate, unknown>((p) => p.key, spec.keySelector.name, spec.keySelector.uid);
  let column = 0;
  const merged = spec.aggregates.map((a): KernelAggregateSpec<PartialAggregate> => {
    if (a.field === undefined) return { name: a.name, kind: a.kind, field: undefined };
    const name = partialColumn(column++);
    return { name: a.name, kind: a.kind, field: (p) => p[name] };
  });
  const weight = (p: PartialAggregate): number => p.n as number;
  return {
    partialKey: partialKey as KeySelector<unknown, unknown>,
    createCombiner: () =>
      new WindowCombiner<T>({
        slide: spec.slide,
        offset: spec.offset,
        keySelector: spec.keySelector,
        aggregates: spec.aggregates.map((a) => ({ kind: a.kind as CombinableAggregate, field: a.field })),
        operator,
        uid,
      }) as WindowCombiner<unknown>,
    createMerger: () =>
      new KernelWindowOperator<PartialAggregate>({ ...spec, lateOutput: undefined, keySelector: partialKey, aggregates: merged, weight }) as Operator<unknown, unknown>,
  };
}
