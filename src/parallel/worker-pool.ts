import type { Remote } from 'comlink';
import type { TaskManagerApi } from './protocol';

/** A worker running sluice's worker entry, with its Comlink proxy. */
export interface SpawnedWorker {
  readonly api: Remote<TaskManagerApi>;
  /** Stops the worker at once (a lost TaskManager, as far as the job is concerned). */
  terminate(): void;
  /**
   * Calls `listener` once if the worker dies (an uncaught error, `process.exit`, an OOM, or
   * `terminate`). Returns what stops listening — a job lets go of a worker it hands back.
   */
  onExit(listener: (error: Error) => void): () => void;
}

/**
 * Where a distributed job gets its workers: `webWorkers()` (browsers, Deno) or `nodeWorkers()`
 * from `sluice/node` (worker_threads). By default each job attempt spawns fresh workers and
 * terminates them when it ends, so a pool leaks nothing. With `keepAlive: true` the pool is a
 * session cluster (Flink's session mode): a job that finishes hands its workers back, and the next
 * job on the pool runs on them, without starting threads or loading sluice and its WebAssembly
 * again. A job that fails or is canceled still terminates its workers.
 */
export interface WorkerPool {
  /** False where the runtime has no workers (Cloudflare workerd): jobs then run on this thread. */
  readonly available: boolean;
  /** A worker for subtask index `index`: an idle one kept for that index, else a new one. */
  spawn(index: number): SpawnedWorker;
  /** Takes back the worker of a job that finished: kept idle with `keepAlive`, else terminated. */
  release(worker: SpawnedWorker): void;
  /** Terminates the idle workers; a worker released later is terminated too. */
  close(): void;
  /** Every worker spawned and not yet terminated, idle ones included — for tests that kill one. */
  readonly live: ReadonlySet<SpawnedWorker>;
}

export interface WorkerPoolOptions {
  /** Keep the workers of finished jobs for the next job (a session cluster); `close()` ends them. */
  readonly keepAlive?: boolean;
}

/** What a runtime's worker gives the pool. */
export interface WorkerHandle {
  readonly api: Remote<TaskManagerApi>;
  /** Stops the thread; the pool tells the worker's listeners. */
  terminate(): void;
  /** Calls `died` when the worker dies on its own (possibly more than once: the first counts). */
  watch(died: (error: Error) => void): void;
  /** Whether the worker keeps the runtime alive while idle in the pool (Node's ref/unref). */
  hold?(held: boolean): void;
}

/** The pool over a runtime's way to start a worker: shared by `nodeWorkers` and `webWorkers`. */
export function workerPool(available: boolean, start: (index: number) => WorkerHandle, options: WorkerPoolOptions = {}): WorkerPool {
  const live = new Set<SpawnedWorker>();
  const idle = new Map<number, SpawnedWorker[]>();
  const spawnedAs = new WeakMap<SpawnedWorker, { readonly index: number; readonly handle: WorkerHandle }>();
  let closed = false;
  const unidle = (worker: SpawnedWorker): void => {
    const list = idle.get(spawnedAs.get(worker)!.index);
    const at = list?.indexOf(worker) ?? -1;
    if (at >= 0) list!.splice(at, 1);
  };
  const spawnNew = (index: number): SpawnedWorker => {
    const handle = start(index);
    const listeners = new Set<(e: Error) => void>();
    let dead = false;
    const die = (error: Error): void => {
      if (dead) return;
      dead = true;
      live.delete(spawned);
      unidle(spawned);
      for (const l of [...listeners]) l(error);
      listeners.clear();
    };
    const spawned: SpawnedWorker = {
      api: handle.api,
      terminate: () => {
        if (dead) return;
        handle.terminate();
        die(new Error(`worker ${index} was terminated`));
      },
      onExit: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    };
    handle.watch(die);
    spawnedAs.set(spawned, { index, handle });
    live.add(spawned);
    return spawned;
  };
  return {
    available,
    live,
    spawn(index: number): SpawnedWorker {
      const worker = idle.get(index)?.pop();
      if (worker === undefined) return spawnNew(index);
      spawnedAs.get(worker)!.handle.hold?.(true);
      return worker;
    },
    release(worker: SpawnedWorker): void {
      if (!options.keepAlive || closed || !live.has(worker)) {
        worker.terminate();
        return;
      }
      const { index, handle } = spawnedAs.get(worker)!;
      handle.hold?.(false);
      idle.set(index, [...(idle.get(index) ?? []), worker]);
    },
    close(): void {
      closed = true;
      for (const list of [...idle.values()]) for (const w of [...list]) w.terminate();
      idle.clear();
    },
  };
}
