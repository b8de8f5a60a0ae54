import { wrap } from 'comlink';
import type { TaskManagerApi } from './protocol';
import type { SpawnedWorker, WorkerPool } from './worker-pool';

/**
 * Module Web Workers (browsers, Deno) running sluice's worker entry. Vite bundles the entry as a
 * worker chunk of its own. In runtimes without `Worker` (Cloudflare workerd) the pool is
 * unavailable and jobs run on the calling thread, with a warning.
 *
 * @example
 * const env = new StreamEnvironment({ parallelism: 2, workers: webWorkers() });
 */
export function webWorkers(options: { readonly url?: URL | string } = {}): WorkerPool {
  const live = new Set<SpawnedWorker>();
  return {
    available: typeof Worker !== 'undefined',
    live,
    spawn(index: number): SpawnedWorker {
      const worker =
        options.url === undefined
          ? new Worker(new URL('./worker-entry.ts', import.meta.url), { type: 'module', name: `sluice-${index}` })
          : new Worker(options.url, { type: 'module', name: `sluice-${index}` });
      const listeners: Array<(e: Error) => void> = [];
      const spawned: SpawnedWorker = {
        api: wrap<TaskManagerApi>(worker),
        terminate: () => {
          if (!live.delete(spawned)) return;
          worker.terminate();
          // A terminated Web Worker sends no event: tell the job here.
          for (const l of listeners) l(new Error(`worker ${index} was terminated`));
        },
        onExit: (listener) => listeners.push(listener),
      };
      worker.addEventListener('error', (e) => {
        for (const l of listeners) l(new Error(e.message));
      });
      live.add(spawned);
      return spawned;
    },
  };
}
