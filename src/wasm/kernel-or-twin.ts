/**
 * A kernel's WebAssembly build where it loads (and `enabled`), else its JavaScript twin, which gives
 * identical results: the fallback of every kernel user, with one warning naming `who`.
 */
export async function kernelOrTwin<K>(
  enabled: boolean,
  who: string,
  load: () => Promise<K>,
  twin: () => K,
): Promise<{ readonly kernel: K; readonly wasm: boolean }> {
  if (enabled) {
    try {
      return { kernel: await load(), wasm: true };
    } catch (e) {
      console.warn(`sluice: ${who}: WebAssembly unavailable (${(e as Error).message}); using the JavaScript kernel`);
    }
  }
  return { kernel: twin(), wasm: false };
}
