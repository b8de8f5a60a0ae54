import type { StreamEnvironment } from '../api/environment';
import type { Stream } from '../api/stream';

const JOB_DEFINITION = Symbol.for('sluice.jobDefinition');

/**
 * A job that can run on workers. Closures cannot cross `postMessage`, so a job with user functions
 * lives in a module that every worker imports — as Flink ships the user jar to every TaskManager.
 * The module's default export is `defineJob(build)`; each worker calls `build` to make the same
 * graph and runs its share of the subtasks. The stream `build` returns (if any) is collected back
 * to the caller.
 */
export interface JobDefinition<P = undefined, T = unknown> {
  readonly [JOB_DEFINITION]: true;
  readonly build: (env: StreamEnvironment, params: P) => Stream<T> | void;
}

/**
 * Defines a job for `env.executeJob(url, params)` / `env.collectJob(url, params)`.
 *
 * @example
 * // jobs/counts.ts
 * export default defineJob((env, p: { events: number }) =>
 *   env.fromGenerator((i) => ({ user: i % 100, ts: i }), { count: p.events }).pipe(
 *     watermarks({ timestamp: (e) => e.ts }), keyBy((e) => e.user), window(tumbling(1000)), aggregate({ n: count() })));
 * // main
 * const env = new StreamEnvironment({ parallelism: 2, workers: nodeWorkers() });
 * const rows = await env.collectJob(new URL('./jobs/counts.ts', import.meta.url), { events: 1e6 });
 */
export function defineJob<P = undefined, T = unknown>(build: (env: StreamEnvironment, params: P) => Stream<T> | void): JobDefinition<P, T> {
  return { [JOB_DEFINITION]: true, build };
}

export function isJobDefinition(value: unknown): value is JobDefinition<unknown, unknown> {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[JOB_DEFINITION] === true;
}
