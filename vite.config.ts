import { builtinModules } from 'node:module';
import { playwright } from '@vitest/browser-playwright';
import { configDefaults, defineConfig } from 'vitest/config';

// Test-file naming convention (both projects glob test/**/*.test.ts):
//   *.node.test.ts     -> Node only (may use node:* APIs)
//   *.browser.test.ts  -> Chromium only
//   any other *.test.ts -> BOTH Node and Chromium

// Runtime dependencies stay external (consumers install them); so does every Node builtin,
// with or without the `node:` prefix, so that `dist/node.js` can use them.
const externalPackages = ['rxjs', 'comlink', 'idb'];
const nodeBuiltins = new Set(builtinModules);

function isExternal(id: string): boolean {
  if (id.startsWith('node:')) return true;
  if (nodeBuiltins.has(id)) return true;
  return externalPackages.some((pkg) => id === pkg || id.startsWith(`${pkg}/`));
}

const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export default defineConfig({
  // Relative asset/worker URLs in the library bundle (`new URL('./assets/…', import.meta.url)`),
  // so they resolve next to dist/index.js wherever the package is installed. Dev/test serving
  // still uses '/'.
  base: './',
  server: { host: '127.0.0.1' },
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    minify: false,
    lib: {
      entry: {
        index: 'src/index.ts',
        node: 'src/node/index.ts',
        // The script `nodeWorkers()` starts (`dist/worker-entry.js`, next to `dist/node.js`). As an
        // entry of this build it shares its chunks with `index.js`, so a job module that imports
        // `sluice` gets the same module instances as the worker entry inside each worker.
        'worker-entry': 'src/parallel/worker-entry.ts',
      },
      formats: ['es'],
      fileName: (_format, entryName) => `${entryName}.js`,
    },
    rolldownOptions: {
      external: isExternal,
    },
  },
  worker: {
    format: 'es',
  },
  test: {
    globalSetup: ['test/support/global-setup.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          environment: 'node',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/**/*.browser.test.ts'],
        },
      },
      {
        extends: true,
        // Pre-bundle runtime/test deps up front so a late dependency discovery cannot force a
        // mid-run page reload in Chromium on a cold cache (fresh `npm ci`).
        optimizeDeps: { include: ['rxjs', 'comlink', 'idb', 'fast-check'] },
        test: {
          name: 'browser',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/**/*.node.test.ts'],
          browser: {
            enabled: true,
            headless: true,
            // Default port 63315; strictPort false lets vite pick the next free port on collision.
            api: { host: '127.0.0.1', strictPort: false },
            provider: playwright({
              launchOptions: {
                executablePath: '/usr/bin/chromium',
                args: chromiumArgs,
              },
            }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
    ],
  },
});
