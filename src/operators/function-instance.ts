/**
 * The user function object a subtask calls. In Flink every subtask deserializes its own copy, so
 * state a function keeps on `this` is per subtask and the user's object is never changed. Here
 * each subtask gets an object inheriting from the user's: assignments to `this` stay on that
 * subtask's object, methods and fields set before the job are shared. (Variables captured by a
 * closure are shared by all subtasks of one thread; keep per-subtask data on `this` or in keyed
 * state.)
 */
export function functionInstance<F extends object>(fn: F): F {
  return Object.create(fn) as F;
}
