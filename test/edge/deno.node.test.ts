// The built package under Deno 2: the WASM kernels load there — from the `data:` URLs the library
// build inlines — and agree with their JavaScript twins. Deno comes from @deno/linux-x64-glibc:
// this registry carries only the linux-x64 build, which is what the project's machines run.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nexmark, q5 } from '../../src/index';

const root = join(import.meta.dirname, '..', '..');

describe('Deno', () => {
  it('runs window aggregation on the WASM kernels, the codec, Nexmark and a job on Deno workers from the built package', { timeout: 60_000 }, async () => {
    if (!existsSync(join(root, 'dist', 'index.js'))) {
      throw new Error('dist/index.js is missing: run `npm run build` before this test (`npm test` builds first)');
    }
    const out = execFileSync(join(root, 'node_modules', '@deno', 'linux-x64-glibc', 'deno'), ['run', '--allow-read', '--allow-env', 'test/edge/deno-smoke.mjs'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' },
    });
    const report = JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(report).toMatchObject({
      windowKernelLoaded: true,
      jsTwinUsed: true,
      tumblingAgree: true,
      slidingAgree: true,
      codecWasm: true,
      codecRoundTrip: true,
      // A job module on two Deno Workers (Comlink control, MessagePort data) equals one thread.
      workersAgree: true,
      workersLeft: 0,
      // The Nexmark generator's WebAssembly kernel loads, and q5 gives Node's rows on objects and columns.
      nexmarkWasm: true,
      nexmarkAgree: true,
    });
    const inNode = (await q5(nexmark({ events: 20000, seed: 3 })).collect()).map((r) => JSON.stringify(r)).sort();
    expect(report.nexmarkQ5).toEqual(inNode);
    expect(report.windowRows).toBeGreaterThan(100);
    expect(String(report.runtime)).toMatch(/^deno 2\./);
  });
});
