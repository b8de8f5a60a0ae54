import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { wrap } from 'comlink';
import nodeEndpoint from 'comlink/dist/umd/node-adapter.js';
import type { TaskManagerApi } from '../parallel/protocol';
import type { SpawnedWorker, WorkerPool } from '../parallel/worker-pool';

/**
 * `worker_threads` running sluice's worker entry. From the published package the entry is plain
 * JavaScript; when sluice itself runs from TypeScript sources (its tests, `tsx`), each worker
 * registers tsx first, because Node cannot start a `.ts` worker by itself (RUNTIMES.md §2) — the
 * same loader then also imports a job module written in TypeScript.
 *
 * @example
 * const env = new StreamEnvironment({ parallelism: 2, workers: nodeWorkers() });
 * const rows = await env.collectJob(new URL('./jobs/counts.ts', import.meta.url));
 */
export interface NodeWorkersOptions {
  readonly resourceLimits?: { readonly maxOldGenerationSizeMb?: number };
  /**
   * Node options of each worker; by default the process's own (`process.execArgv`), so that a
   * loader such as `--import tsx` also loads a job module written in TypeScript. Pass `[]` when
   * the job module is JavaScript: a worker then starts without running the loader (under tsx, a
   * second or more saved per worker).
   */
  readonly execArgv?: readonly string[];
}

export function nodeWorkers(options: NodeWorkersOptions = {}): WorkerPool {
  const live = new Set<SpawnedWorker>();
  return {
    available: true,
    live,
    spawn(index: number): SpawnedWorker {
      const worker = startWorker(index, options);
      const listeners: Array<(e: Error) => void> = [];
      let terminated = false;
      const spawned: SpawnedWorker = {
        api: wrap<TaskManagerApi>(nodeEndpoint(worker)),
        terminate: () => {
          if (terminated) return;
          terminated = true;
          live.delete(spawned);
          void worker.terminate();
        },
        onExit: (listener) => listeners.push(listener),
      };
      worker.on('error', (e) => {
        for (const l of listeners) l(e);
      });
      worker.on('exit', (code) => {
        live.delete(spawned);
        const reason = terminated ? 'was terminated' : `exited with code ${code}`;
        terminated = true;
        for (const l of listeners) l(new Error(`worker ${index} ${reason}`));
      });
      live.add(spawned);
      return spawned;
    },
  };
}

function startWorker(index: number, options: NodeWorkersOptions): Worker {
  const here = import.meta.url;
  const settings = {
    name: `sluice-${index}`,
    resourceLimits: options.resourceLimits,
    ...(options.execArgv === undefined ? {} : { execArgv: [...options.execArgv] }),
  };
  if (!here.endsWith('.ts')) return new Worker(new URL('./worker-entry.js', here), settings);
  const entry = new URL('../parallel/worker-entry.ts', here).href;
  // The ESM build of tsx's API (require.resolve would find the CommonJS one).
  const tsx = pathToFileURL(createRequire(here).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const bootstrap = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(bootstrap, { ...settings, eval: true });
}
