import { assignToKeyGroup } from '../state/key-groups';
import { instantiateKernel, KernelMemory } from './loader';

interface HashExports {
  readonly memory: WebAssembly.Memory;
  keyGroups(keysPtr: number, n: number, maxParallelism: number, outPtr: number): void;
  reserve(bytes: number): number;
}

/**
 * The kernel's URL, made only when it is needed: where a caller hands in a precompiled module
 * (workerd), `import.meta.url` need not be a valid base.
 */
const wasmUrl = (): URL => new URL('../../build/wasm/hash.wasm', import.meta.url);

/**
 * Assigns numeric keys to key groups a whole batch at a time, in WebAssembly (`assembly/hash.ts`)
 * or — with `wasm: false`, or where WebAssembly cannot load — in JavaScript, with identical results.
 */
export class KeyGroupKernel {
  private constructor(
    private readonly exports: HashExports | undefined,
    private readonly memory: KernelMemory | undefined,
  ) {}

  static async load(options: { wasm?: boolean; module?: WebAssembly.Module } = {}): Promise<KeyGroupKernel> {
    if (options.wasm === false) return new KeyGroupKernel(undefined, undefined);
    const instance = await instantiateKernel(wasmUrl, options.module);
    const exports = instance.exports as unknown as HashExports;
    return new KeyGroupKernel(exports, new KernelMemory(exports.memory));
  }

  get usesWasm(): boolean {
    return this.exports !== undefined;
  }

  /** The key group of each key (Flink's `assignToKeyGroup`). */
  keyGroups(keys: Float64Array, maxParallelism: number, out: Int32Array = new Int32Array(keys.length)): Int32Array {
    const n = keys.length;
    if (this.exports === undefined) {
      for (let i = 0; i < n; i++) out[i] = assignToKeyGroup(keys[i], maxParallelism);
      return out;
    }
    const base = this.exports.reserve(n * 12);
    const memory = this.memory!;
    memory.refresh();
    memory.f64.set(keys, base >>> 3);
    const outPtr = base + n * 8;
    this.exports.keyGroups(base, n, maxParallelism, outPtr);
    out.set(memory.i32.subarray(outPtr >>> 2, (outPtr >>> 2) + n));
    return out;
  }
}
