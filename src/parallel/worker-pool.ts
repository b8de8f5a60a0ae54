import type { Remote } from 'comlink';
import type { TaskManagerApi } from './protocol';

/** A worker running sluice's worker entry, with its Comlink proxy. */
export interface SpawnedWorker {
  readonly api: Remote<TaskManagerApi>;
  /** Stops the worker at once (a lost TaskManager, as far as the job is concerned). */
  terminate(): void;
  /** Called once if the worker dies on its own (an uncaught error, `process.exit`, an OOM). */
  onExit(listener: (error: Error) => void): void;
}

/**
 * Where a distributed job gets its workers: `webWorkers()` (browsers, Deno) or `nodeWorkers()`
 * from `sluice/node` (worker_threads). Each job attempt spawns fresh workers and terminates them
 * when it ends, so a pool leaks nothing.
 */
export interface WorkerPool {
  /** False where the runtime has no workers (Cloudflare workerd): jobs then run on this thread. */
  readonly available: boolean;
  spawn(index: number): SpawnedWorker;
  /** Every worker spawned and not yet terminated — for tests that kill one. */
  readonly live: ReadonlySet<SpawnedWorker>;
}
