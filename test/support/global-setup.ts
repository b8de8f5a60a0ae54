import { execFileSync } from 'node:child_process';

/** Builds the WebAssembly kernels (a build product, not committed) before any test loads one. */
export default function setup(): void {
  execFileSync(process.execPath, ['assembly/build.mjs'], { stdio: 'inherit' });
}
