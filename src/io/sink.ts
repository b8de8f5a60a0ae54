import type { Batch } from '../types';

/**
 * A sink. `write` receives each batch (read it, never keep it); returning a promise asks the job to
 * wait for it before reading more input (backpressure). `finish` runs at the end of a bounded input.
 * Built-in sinks in this module are at-least-once; exactly-once sinks take part in checkpoints.
 */
export interface Sink<T> {
  readonly name?: string;
  /**
   * A sink whose `write` may be called by several subtasks at once (one per parallel instance of
   * the job); otherwise the sink is one subtask that every upstream subtask feeds.
   */
  readonly parallel?: boolean;
  open?(): void | Promise<void>;
  write(batch: Batch<T>): void | Promise<void>;
  finish?(): void | Promise<void>;
  close?(): void;
}
