// Compiles every kernel entry in assembly/ (a top-level *.ts file) to build/wasm/<name>.wasm with
// asc: -O3, no runtime (the kernels manage their own linear memory), no `env.abort` import (so the
// module needs no imports at all — required by Deno's wasm imports and convenient everywhere), and
// SIMD where the kernel uses it. Skips kernels whose .wasm is newer than every assembly source.
import { readdirSync, statSync, mkdirSync, existsSync } from 'node:fs';
import { join, dirname, basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const assemblyDir = join(root, 'assembly');
const outDir = join(root, 'build', 'wasm');
mkdirSync(outDir, { recursive: true });

const sources = [];
const walk = (dir) => {
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith('.ts')) sources.push(p);
  }
};
walk(assemblyDir);
const newestSource = Math.max(...sources.map((s) => statSync(s).mtimeMs), statSync(fileURLToPath(import.meta.url)).mtimeMs);
const entries = readdirSync(assemblyDir).filter((f) => f.endsWith('.ts'));
const asc = join(root, 'node_modules', '.bin', 'asc');

for (const entry of entries) {
  const name = basename(entry, '.ts');
  const out = join(outDir, `${name}.wasm`);
  if (!process.argv.includes('--force') && existsSync(out) && statSync(out).mtimeMs >= newestSource) continue;
  const args = [join(assemblyDir, entry), '--runtime', 'stub', '-O3', '--noAssert', '--use', 'abort=', '--enable', 'simd', '-o', out];
  execFileSync(asc, args, { stdio: 'inherit', cwd: root });
  console.log(`wasm: ${name}.wasm (${statSync(out).size} bytes)`);
}
