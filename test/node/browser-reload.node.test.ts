// The browser must-show: headless Chromium runs a job that checkpoints to IndexedDB, the page is
// reloaded mid-run, resumes from IndexedDB, and the committed output (an IndexedDBSink) is exactly that
// of a failure-free run. The page is test/e2e/reload, served by a vite dev server started here.
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const pageRoot = fileURLToPath(new URL('../e2e/reload/', import.meta.url));

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The records of the page's job (see main.ts). */
const COUNT = 3000;

let server: ViteDevServer | undefined;
let browser: Browser | undefined;
let baseUrl = '';

/** What main.ts puts on `window`. */
interface PageState {
  __progress: number;
  __seen: number;
  __checkpoints: number;
  __restoredFrom: number;
  __committedAtStart: number;
  __done: boolean;
  __error: string | undefined;
  __readCommitted: () => Promise<string[]>;
}
type PageWindow = Window & PageState;

beforeAll(async () => {
  server = await createServer({
    configFile: false,
    root: pageRoot,
    logLevel: 'error',
    clearScreen: false,
    // Its own dependency cache, so it never races vitest's browser project over node_modules/.vite.
    cacheDir: `${repoRoot}node_modules/.vite-e2e-reload`,
    // Everything the page imports is pre-bundled up front: a late discovery would reload the page.
    optimizeDeps: { include: ['idb', 'rxjs', 'comlink'] },
    server: {
      host: '127.0.0.1',
      port: 0,
      // Other files change while tests run: no watching, no HMR-triggered reloads.
      hmr: false,
      watch: null,
      fs: { allow: [repoRoot] },
    },
  });
  await server.listen();
  const address = server.httpServer?.address();
  if (address === null || address === undefined || typeof address === 'string') throw new Error(`vite listens on ${String(address)}`);
  baseUrl = `http://127.0.0.1:${address.port}/`;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
}, 30_000);

afterAll(async () => {
  await browser?.close().catch(() => {});
  await server?.close().catch(() => {});
}, 15_000);

async function newPage(): Promise<Page> {
  // A fresh context per run: its own (in-memory) IndexedDB, which survives reloads within it.
  const context = await browser!.newContext();
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`[page] ${error.message}`));
  return page;
}

async function waitForDone(page: Page): Promise<void> {
  await page.waitForFunction(() => (window as unknown as PageWindow).__done || (window as unknown as PageWindow).__error !== undefined, undefined, {
    polling: 20,
    timeout: 20_000,
  });
  const error = await page.evaluate(() => (window as unknown as PageWindow).__error);
  expect(error).toBeUndefined();
}

const state = (page: Page) =>
  page.evaluate(() => {
    const w = window as unknown as PageWindow;
    return { progress: w.__progress, seen: w.__seen, checkpoints: w.__checkpoints, restoredFrom: w.__restoredFrom, committedAtStart: w.__committedAtStart };
  });

const readCommitted = (page: Page) => page.evaluate(() => (window as unknown as PageWindow).__readCommitted());

/** The failure-free run's committed output (run once, by whichever test needs it first). */
let failureFree: Promise<{ committed: string[]; state: Awaited<ReturnType<typeof state>> }> | undefined;
function failureFreeRun() {
  failureFree ??= (async () => {
    const page = await newPage();
    try {
      await page.goto(`${baseUrl}?reset`);
      await waitForDone(page);
      return { committed: await readCommitted(page), state: await state(page) };
    } finally {
      await page.context().close();
    }
  })();
  return failureFree;
}

describe('a page reloaded mid-run resumes from its IndexedDB checkpoint (headless Chromium)', () => {
  it('failure-free run', async () => {
    const { committed, state: s } = await failureFreeRun();
    expect(s.restoredFrom).toBe(0);
    expect(s.progress).toBe(COUNT);
    expect(s.seen).toBe(COUNT);
    expect(s.checkpoints).toBeGreaterThan(3);
    expect(committed.length).toBeGreaterThan(100);
    expect(new Set(committed).size).toBe(committed.length); // every line names its key and window
  }, 30_000);

  for (const reloadAt of [600, 1500, 2400]) {
    it(`reloaded at record ${reloadAt}: commits exactly the failure-free output`, async () => {
      const expected = (await failureFreeRun()).committed;
      const page = await newPage();
      try {
        await page.goto(`${baseUrl}?reset`);
        await page.waitForFunction(
          (at) => (window as unknown as PageWindow).__progress >= at && (window as unknown as PageWindow).__checkpoints >= 2,
          reloadAt,
          { polling: 5, timeout: 20_000 },
        );
        const before = await state(page);
        expect(before.progress).toBeLessThan(COUNT); // really mid-run
        await page.reload(); // the page drops `?reset` from its URL once it has reset
        await waitForDone(page);
        const after = await state(page);
        const committed = await readCommitted(page);
        expect(committed).toEqual(expected);
        // It resumed from a checkpoint (not from scratch), with output committed before the reload.
        expect(after.restoredFrom).toBeGreaterThan(0);
        expect(after.committedAtStart).toBeGreaterThan(0);
        expect(after.seen).toBeLessThan(COUNT);
        // It read on to the last record — unless the reload landed after the source had ended (a
        // loaded machine can get there between the check above and the reload): nothing was left.
        if (after.seen > 0) expect(after.progress).toBe(COUNT);
      } finally {
        await page.context().close();
      }
    }, 45_000);
  }
});
