import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { wrap } from 'comlink';
import nodeEndpoint from 'comlink/dist/umd/node-adapter.js';
import type { TaskManagerApi } from '../parallel/protocol';
import { workerPool, type WorkerPool, type WorkerPoolOptions } from '../parallel/worker-pool';

/**
 * `worker_threads` running sluice's worker entry. From the published package the entry is plain
 * JavaScript; when sluice itself runs from TypeScript sources (its tests, `tsx`), each worker
 * registers tsx first, because Node cannot start a `.ts` worker by itself (RUNTIMES.md §2) — the
 * same loader then also imports a job module written in TypeScript.
 *
 * @example
 * const env = new StreamEnvironment({ parallelism: 2, workers: nodeWorkers() });
 * const rows = await env.collectJob(new URL('./jobs/counts.ts', import.meta.url));
 *
 * // A session cluster: a job after the first runs on the workers already started; close() ends them.
 * const cluster = nodeWorkers({ keepAlive: true });
 */
export interface NodeWorkersOptions extends WorkerPoolOptions {
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
  return workerPool(
    true,
    (index) => {
      const worker = startWorker(index, options);
      return {
        api: wrap<TaskManagerApi>(nodeEndpoint(worker)),
        terminate: () => void worker.terminate(),
        watch: (died) => {
          worker.on('error', died);
          worker.on('exit', (code) => died(new Error(`worker ${index} exited with code ${code}`)));
        },
        // An idle worker of a kept-alive pool does not keep the process running.
        hold: (held) => (held ? worker.ref() : worker.unref()),
      };
    },
    options,
  );
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
