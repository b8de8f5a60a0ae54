/**
 * The user function object a parallel subtask calls. In Flink every subtask deserializes its own
 * copy, so state a function keeps on `this` (set in `open`) is per subtask. Here subtask 0 uses
 * the object itself and every other subtask an object inheriting from it: assignments to `this`
 * stay per subtask, methods and constants are shared. (Variables captured by a closure are shared
 * by all subtasks of one thread; keep per-subtask data on `this` or in keyed state.)
 */
export function functionInstance<F extends object>(fn: F, subtaskIndex: number): F {
  return subtaskIndex === 0 ? fn : (Object.create(fn) as F);
}
