/**
 * The script every sluice worker runs: a browser or Deno module worker, or a Node worker_thread.
 * It exposes a TaskManager through Comlink at once — before any asynchronous set-up, since
 * Chromium and Deno drop messages that arrive before the listener exists (RUNTIMES.md).
 */
import { expose, type Endpoint } from 'comlink';
import { TaskManager } from './task-manager';

interface NodePort {
  postMessage(message: unknown, transfer?: readonly unknown[]): void;
  on(event: 'message', listener: (data: unknown) => void): void;
  off(event: 'message', listener: (data: unknown) => void): void;
}

interface NodeProcess {
  readonly versions?: { readonly node?: string };
  getBuiltinModule?(id: 'node:worker_threads'): { readonly parentPort: NodePort | null };
}

/** Comlink's node adapter, inlined: this file must not import Node modules statically. */
function nodeEndpoint(port: NodePort): Endpoint {
  const listeners = new WeakMap<EventListenerOrEventListenerObject, (data: unknown) => void>();
  return {
    postMessage: (message: unknown, transfer?: Transferable[]) => port.postMessage(message, transfer),
    addEventListener: (_type: string, handler: EventListenerOrEventListenerObject) => {
      const listener = (data: unknown): void => {
        const event = { data } as MessageEvent;
        if ('handleEvent' in handler) handler.handleEvent(event);
        else handler(event);
      };
      port.on('message', listener);
      listeners.set(handler, listener);
    },
    removeEventListener: (_type: string, handler: EventListenerOrEventListenerObject) => {
      const listener = listeners.get(handler);
      if (listener === undefined) return;
      port.off('message', listener);
      listeners.delete(handler);
    },
  };
}

function endpoint(): Endpoint {
  const scope = globalThis as { WorkerGlobalScope?: unknown; process?: NodeProcess };
  if (scope.WorkerGlobalScope === undefined) {
    const parentPort = scope.process?.getBuiltinModule?.('node:worker_threads').parentPort;
    if (parentPort !== null && parentPort !== undefined) return nodeEndpoint(parentPort);
  }
  return globalThis as unknown as Endpoint;
}

expose(new TaskManager(), endpoint());
