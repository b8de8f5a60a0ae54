// The engine inside Cloudflare workerd (@cloudflare/workerd-linux-64): a bundled worker runs window
// aggregations on the WASM kernel, handed in as a precompiled module because workerd forbids
// compiling WebAssembly at run time, and on the JavaScript twin, with identical results.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import { afterAll, describe, expect, it } from 'vitest';
import { nexmark, q5 } from '../../src/index';

const root = join(import.meta.dirname, '..', '..');
const workerd = join(root, 'node_modules', '@cloudflare', 'workerd-linux-64', 'bin', 'workerd');
let server: ChildProcess | undefined;

afterAll(() => {
  server?.kill('SIGKILL');
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/**
 * Resolves once workerd accepts connections on `port` (it announces nothing), or rejects with its
 * output if it exits first. A refused connection is retried a bounded number of times.
 */
function listening(child: ChildProcess, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    let done = false;
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (code) => {
      if (!done) reject(new Error(`workerd exited with ${code}: ${output}`));
    });
    const attempt = (left: number): void => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        done = true;
        socket.end();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (left === 0) reject(new Error(`workerd is not listening on ${port}: ${output}`));
        else setTimeout(() => attempt(left - 1), 50);
      });
    };
    attempt(400);
  });
}

describe('Cloudflare workerd', () => {
  it('runs window aggregation and Nexmark on the precompiled WASM kernels and the JS twins alike', { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-workerd-'));
    await build({
      configFile: false,
      logLevel: 'silent',
      root,
      build: {
        outDir: dir,
        emptyOutDir: false,
        minify: false,
        target: 'es2022',
        lib: { entry: join(root, 'test/edge/workerd-worker.ts'), formats: ['es'], fileName: () => 'worker.js' },
        rolldownOptions: { external: [/\.wasm$/] },
      },
    });
    copyFileSync(join(root, 'build', 'wasm', 'window-aggregate.wasm'), join(dir, 'window-aggregate.wasm'));
    copyFileSync(join(root, 'build', 'wasm', 'session-aggregate.wasm'), join(dir, 'session-aggregate.wasm'));
    copyFileSync(join(root, 'build', 'wasm', 'nexmark-generator.wasm'), join(dir, 'nexmark-generator.wasm'));
    const port = await freePort();
    writeFileSync(
      join(dir, 'config.capnp'),
      `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = .w)],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const w :Workerd.Worker = (
  compatibilityDate = "2026-11-01",
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "window-aggregate.wasm", wasm = embed "window-aggregate.wasm"),
    (name = "session-aggregate.wasm", wasm = embed "session-aggregate.wasm"),
    (name = "nexmark-generator.wasm", wasm = embed "nexmark-generator.wasm"),
  ],
);
`,
    );
    server = spawn(workerd, ['serve', join(dir, 'config.capnp'), '--verbose'], { stdio: ['ignore', 'pipe', 'pipe'] });
    await listening(server, port);
    const response = await fetch(`http://127.0.0.1:${port}/`);
    const report = (await response.json()) as Record<string, unknown>;
    expect(report).toMatchObject({ windowKernelLoaded: true, jsTwinUsed: true, tumblingAgree: true, slidingAgree: true });
    expect(report.windowRows).toBeGreaterThan(100);
    expect(report).toMatchObject({ sessionKernelLoaded: true, sessionsAgree: true });
    expect(report.sessionRows).toBeGreaterThan(100);
    // No Worker in workerd: parallelism 3 runs its subtasks in-process, with a warning, same rows.
    expect(report.parallelAgrees).toBe(true);
    expect(String(report.parallelWarning)).toContain('has no workers');
    // The reason the module must be precompiled: workerd refuses to compile bytes.
    expect(String(report.compileFromBytes)).toContain('disallowed');
    // The Nexmark generator from its precompiled module writes its twin's columns, and q5 gives
    // Node's rows on objects and on columns.
    expect(report).toMatchObject({ nexmarkWasm: true, nexmarkTwinAgrees: true, nexmarkAgree: true });
    const inNode = (await q5(nexmark({ events: 20000, seed: 3 })).collect()).map((r) => JSON.stringify(r)).sort();
    expect(report.nexmarkQ5).toEqual(inNode);
  });
});
