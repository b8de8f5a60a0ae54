// A `.wasm` import in a Cloudflare worker is a precompiled WebAssembly.Module.
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}
