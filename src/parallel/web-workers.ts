import { wrap } from 'comlink';
import type { TaskManagerApi } from './protocol';
import { workerPool, type WorkerPool, type WorkerPoolOptions } from './worker-pool';

/**
 * The worker entry next to this module: `worker-entry.ts` when sluice runs from its sources (the
 * Vite dev server, vitest browser mode: Vite compiles the `.ts` on request), `worker-entry.js`
 * in the built library (`dist/worker-entry.js`, an entry of the library build).
 *
 * Deliberately not the literal `new Worker(new URL('./worker-entry.ts', import.meta.url))`: Vite
 * would bundle that as a worker of its own, with a private copy of sluice, and the job module
 * (which imports `sluice`) would then build its graph from classes the worker's copy does not
 * know (`instanceof` fails: "The job graph has a cycle"). `dist/worker-entry.js` shares its
 * chunks with `dist/index.js`, so worker and job module use one copy.
 */
function defaultEntry(): URL {
  const here = new URL(import.meta.url);
  if (!here.pathname.endsWith('.ts')) return new URL('./worker-entry.js', here);
  // Served by Vite's dev server: ask for the module as a worker script (what Vite's own rewrite of
  // the literal form requests). Without the marker vitest's browser mode instruments the worker's
  // dynamic `import()` of the job module with a main-page helper the worker does not have.
  return new URL(here.protocol === 'file:' ? './worker-entry.ts' : './worker-entry.ts?worker_file&type=module', here);
}

export interface WebWorkersOptions extends WorkerPoolOptions {
  /** The worker script, in place of sluice's own entry. */
  readonly url?: URL | string;
}

/**
 * Module Web Workers (browsers, Deno) running sluice's worker entry. In runtimes without `Worker`
 * (Cloudflare workerd) the pool is unavailable and jobs run on the calling thread, with a warning.
 * `url` replaces the worker script: it must run `sluice/worker` (the entry) and share its sluice
 * module instances with the job module.
 *
 * @example
 * const env = new StreamEnvironment({ parallelism: 2, workers: webWorkers() });
 * // Or a session cluster, whose workers stay for the next job until close():
 * const cluster = webWorkers({ keepAlive: true });
 */
export function webWorkers(options: WebWorkersOptions = {}): WorkerPool {
  return workerPool(
    typeof Worker !== 'undefined',
    (index) => {
      const worker = new Worker(options.url ?? defaultEntry(), { type: 'module', name: `sluice-${index}` });
      return {
        api: wrap<TaskManagerApi>(worker),
        // A terminated Web Worker sends no event: the pool tells the job.
        terminate: () => worker.terminate(),
        watch: (died) => worker.addEventListener('error', (e) => died(new Error(e.message))),
      };
    },
    options,
  );
}
