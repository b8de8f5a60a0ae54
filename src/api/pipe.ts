/** A pipeable step: a plain function from one stream shape to another (RxJS's `UnaryFunction`). */
export type UnaryFunction<A, B> = (source: A) => B;

/** Composes steps left to right: `pipeFromArray([f, g])(x) === g(f(x))`. */
export function pipeFromArray<A, B>(steps: ReadonlyArray<UnaryFunction<unknown, unknown>>): UnaryFunction<A, B> {
  if (steps.length === 0) return (x) => x as unknown as B;
  if (steps.length === 1) return steps[0] as UnaryFunction<A, B>;
  return (input) => steps.reduce<unknown>((acc, step) => step(acc), input) as B;
}
