/** What the pool needs of a kernel: to be made as new, and the memory it holds. */
export interface PoolableKernel {
  reset(): void;
  readonly memoryBytes: number;
}

/**
 * WebAssembly kernels that finished operators left behind, reset, for the next operator of the
 * same configuration in this thread — as a Flink TaskManager keeps its managed memory from job to
 * job. At most `budget` bytes of kernel memory are kept idle; beyond it, the longest idle go.
 *
 * Why: a kernel's linear memory is external memory to the JavaScript engine, and a new kernel
 * growing a fresh one (tens of MB for a sliding window over 10k keys) makes V8 run a full
 * mark-compact of the whole heap for "external memory pressure" — every job, however little
 * garbage there is. A reused kernel grows nothing. Only a kernel whose operator finished its input
 * comes back: one that failed may have stopped half-way through a call.
 */
export class KernelPool<K extends PoolableKernel> {
  /** Oldest first. */
  private readonly idle: Array<{ readonly signature: string; readonly kernel: K; readonly bytes: number }> = [];
  private bytes = 0;

  constructor(private readonly budget: number) {}

  /** Bytes of kernel memory held idle. */
  get idleBytes(): number {
    return this.bytes;
  }

  /** The most recently idle kernel made for `signature`, as new; undefined when there is none. */
  take(signature: string): K | undefined {
    for (let i = this.idle.length - 1; i >= 0; i--) {
      const entry = this.idle[i]!;
      if (entry.signature !== signature) continue;
      this.idle.splice(i, 1);
      this.bytes -= entry.bytes;
      return entry.kernel;
    }
    return undefined;
  }

  /** Resets `kernel` and keeps it for the next `take(signature)`, within the budget. */
  give(signature: string, kernel: K): void {
    const bytes = kernel.memoryBytes;
    if (bytes > this.budget) return;
    kernel.reset();
    this.idle.push({ signature, kernel, bytes });
    this.bytes += bytes;
    while (this.bytes > this.budget) this.bytes -= this.idle.shift()!.bytes;
  }
}
