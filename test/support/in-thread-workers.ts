// A worker pool whose "workers" are TaskManagers on this thread, joined by real MessageChannels —
// the distributed protocol (ClusterExecutor, data plane, barriers, acknowledgements) as it runs on
// workers, but with the wire between two workers under the test's control: it can hold back what
// one worker sends another, watch it, and let it go. Interleavings that real threads produce only
// by chance (an end of input still on the wire when a checkpoint starts) happen on purpose.
import type { Remote } from 'comlink';
import type { DataMessage, DeploySpec, PlanSummary, TaskManagerApi } from '../../src/parallel/protocol';
import { TaskManager } from '../../src/parallel/task-manager';
import type { SpawnedWorker, WorkerPool } from '../../src/parallel/worker-pool';
import { Signal } from './signal';

/** The messages from one worker to another: passed on at once, or held until `release()`. */
export class Wire {
  /** Every message sent on this wire so far, held or not. */
  readonly sent: DataMessage[] = [];
  private readonly held: Array<{ message: DataMessage; transfer: Transferable[] | undefined }> = [];
  private holding = false;
  private readonly onSend = new Signal();
  private target: MessagePort | undefined;

  /** Holds what is sent from now on. */
  hold(): this {
    this.holding = true;
    return this;
  }

  /** Sends what was held, in order, and stops holding. */
  release(): void {
    this.holding = false;
    for (const { message, transfer } of this.held.splice(0)) this.target!.postMessage(message, transfer ?? []);
  }

  /** Resolves once `count` messages matching `predicate` have been sent on this wire. */
  async sentAtLeast(count: number, predicate: (m: DataMessage) => boolean): Promise<void> {
    while (this.sent.filter(predicate).length < count) await this.onSend.next();
  }

  /** @internal The port the sending worker's data plane gets. */
  wrap(port: MessagePort): MessagePort {
    this.target = port;
    const send = (message: DataMessage, transfer?: Transferable[]): void => {
      this.sent.push(message);
      if (this.holding) this.held.push({ message, transfer });
      else port.postMessage(message, transfer ?? []);
      this.onSend.fire();
    };
    return new Proxy(port, {
      get: (real, key) => {
        if (key === 'postMessage') return send;
        const value = Reflect.get(real, key, real) as unknown;
        // A port's own methods check their receiver: call them on the real port.
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(real) : value;
      },
    }) as MessagePort;
  }
}

/** `WorkerPool` on this thread; `wire(from, to)` is what worker `from` sends worker `to`. */
export class InThreadWorkers implements WorkerPool {
  readonly available = true;
  readonly live = new Set<SpawnedWorker>();
  private readonly wires = new Map<string, Wire>();
  private readonly ports: MessagePort[] = [];

  wire(from: number, to: number): Wire {
    const key = `${from}->${to}`;
    let wire = this.wires.get(key);
    if (wire === undefined) this.wires.set(key, (wire = new Wire()));
    return wire;
  }

  spawn(index: number): SpawnedWorker {
    const wrap = (spec: DeploySpec): DeploySpec => {
      const peers = spec.peers.map((port, to) => {
        if (port === undefined) return undefined;
        this.ports.push(port);
        return this.wire(index, to).wrap(port);
      });
      this.ports.push(spec.events);
      return { ...spec, peers };
    };
    const manager = new (class extends TaskManager {
      override deploy(spec: DeploySpec): Promise<PlanSummary> {
        return super.deploy(wrap(spec));
      }
    })();
    const worker: SpawnedWorker = {
      // As through Comlink, every call answers with a promise.
      api: new Proxy(manager, {
        get: (target, key) => {
          const method = Reflect.get(target, key) as unknown;
          return typeof method === 'function' ? async (...args: unknown[]) => (method as (...a: unknown[]) => unknown).apply(target, args) : method;
        },
      }) as unknown as Remote<TaskManagerApi>,
      terminate: () => {
        if (!this.live.delete(worker)) return;
        void manager.cancel();
        if (this.live.size === 0) for (const port of this.ports.splice(0)) port.close();
      },
      onExit: () => () => {},
    };
    this.live.add(worker);
    return worker;
  }

  release(worker: SpawnedWorker): void {
    worker.terminate();
  }

  close(): void {}
}
