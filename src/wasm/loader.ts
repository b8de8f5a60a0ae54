/**
 * Loads a WebAssembly kernel everywhere sluice runs:
 * - a precompiled `WebAssembly.Module` handed in by the caller — the only way in Cloudflare
 *   workerd, which forbids compiling bytes at run time (`import mod from './aggregate.wasm'`);
 * - Node: the `.wasm` file read through `process.getBuiltinModule('node:fs')`, so that this
 *   universal module never imports a `node:` specifier;
 * - browsers and Deno: `fetch` of the URL (a Vite build rewrites or inlines it as a `data:` URL).
 * Every kernel is built with no imports, so instantiation needs none.
 */
export async function instantiateKernel(url: () => URL, module?: WebAssembly.Module): Promise<WebAssembly.Instance> {
  if (module !== undefined) return WebAssembly.instantiate(module, {});
  const bytes = await readBytes(url());
  const { instance } = await WebAssembly.instantiate(bytes, {});
  return instance;
}

/**
 * Compiles a kernel once, for callers that instantiate it many times (one instance per source
 * reader): instances of one module share its compiled — and, once hot, optimized — code.
 */
export async function compileKernel(url: () => URL): Promise<WebAssembly.Module> {
  return WebAssembly.compile(await readBytes(url()));
}

interface NodeFs {
  readFileSync(path: URL): Uint8Array;
}

async function readBytes(url: URL): Promise<ArrayBuffer> {
  if (url.protocol === 'file:') {
    const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
    const fs = proc?.getBuiltinModule?.('node:fs') as NodeFs | undefined;
    if (fs !== undefined) {
      const b = fs.readFileSync(url);
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
    }
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`Cannot load WebAssembly kernel ${url.href}: HTTP ${response.status}`);
  return response.arrayBuffer();
}

/** A kernel's linear memory as typed-array views, re-made after the memory grows. */
export class KernelMemory {
  private buffer: ArrayBuffer;
  /** Views over the current buffer: call `refresh()` after any call into the kernel that may grow it. */
  f64: Float64Array;
  i32: Int32Array;

  constructor(private readonly memory: WebAssembly.Memory) {
    this.buffer = memory.buffer;
    this.f64 = new Float64Array(this.buffer);
    this.i32 = new Int32Array(this.buffer);
  }

  /** Re-makes the views if the memory grew (which detaches the old buffer); whether it did. */
  refresh(): boolean {
    if (this.memory.buffer === this.buffer) return false;
    this.buffer = this.memory.buffer;
    this.f64 = new Float64Array(this.buffer);
    this.i32 = new Int32Array(this.buffer);
    return true;
  }
}
