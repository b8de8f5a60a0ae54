// A Cloudflare worker (workerd) that runs window aggregations through sluice. workerd forbids
// compiling WebAssembly at run time, so the kernel comes in as a precompiled module import and is
// handed to the environment (`wasm: { windowAggregate, sessionAggregate }`). Bundled by
// test/edge/workerd.node.test.ts.
import nexmarkGenerator from './nexmark-generator.wasm';
import sessionAggregate from './session-aggregate.wasm';
import windowAggregate from './window-aggregate.wasm';
import {
  NexmarkKernel,
  StreamEnvironment,
  aggregate,
  count,
  keyBy,
  max,
  nexmark,
  nexmarkColumnar,
  q5,
  q5Columnar,
  resolveNexmarkConfig,
  session,
  sliding,
  sum,
  tumbling,
  watermarks,
  webWorkers,
  window,
  type NexmarkBatch,
} from '../../src/index';

interface Ev {
  readonly k: string;
  readonly ts: number;
  readonly v: number;
}

const events: Ev[] = Array.from({ length: 5000 }, (_, i) => ({ k: `k${i % 17}`, ts: i * 3 - (i % 7), v: (i * 7919) % 101 }));

/**
 * Keyed windows, count + sum + max. Session windows of 50 ms: a key's next event comes 48 or 55 ms
 * later, so some sessions merge and others end.
 */
async function windows(wasm: boolean, kind: 'tumbling' | 'sliding' | 'session', parallelism = 1): Promise<{ wasm: number | undefined; rows: string }> {
  // workerd has no Worker: asking for web workers runs the subtasks here, with a warning.
  const env = new StreamEnvironment({ wasm: wasm ? { windowAggregate, sessionAggregate } : false, parallelism, workers: parallelism > 1 ? webWorkers() : undefined });
  const rows: unknown[] = [];
  const result = await env
    .fromArray(events)
    .pipe(
      watermarks({ timestamp: (e) => e.ts, outOfOrderness: 10 }),
      keyBy((e) => e.k),
      window(kind === 'sliding' ? sliding<Ev>(300, 100) : kind === 'session' ? session<Ev>(50) : tumbling<Ev>(250), { allowedLateness: kind === 'session' ? 5 : 0 }),
      aggregate({ n: count(), total: sum((e) => e.v), top: max((e) => e.v) }),
    )
    .forEach((r) => rows.push(r));
  const op = result.metrics.operators.find((o) => o.name.startsWith('window'));
  return { wasm: op?.extra.wasm, rows: JSON.stringify(rows) };
}

const sorted = (rows: readonly unknown[]): string[] => rows.map((r) => JSON.stringify(r)).sort();

/** A batch's rows as plain arrays (the columns may be longer), to compare the WebAssembly generator's with its twin's. */
function columns(b: NexmarkBatch): string {
  const { bids, persons, auctions } = b;
  const rows = (c: Float64Array, n: number): number[] => Array.from(c.subarray(0, n));
  return JSON.stringify([
    rows(bids.auction, bids.length),
    rows(bids.bidder, bids.length),
    rows(bids.price, bids.length),
    rows(bids.dateTime, bids.length),
    rows(persons.id, persons.length),
    rows(auctions.id, auctions.length),
    rows(auctions.reserve, auctions.length),
  ]);
}

/** The Nexmark generator from the precompiled module, and q5 on its objects and columns. */
async function nexmarkReport(): Promise<Record<string, unknown>> {
  const config = { events: 20000, seed: 3 };
  const resolved = resolveNexmarkConfig(config);
  const kernel = await NexmarkKernel.load(resolved, { wasm: nexmarkGenerator });
  const objects = sorted(await q5(nexmark({ ...config, wasm: nexmarkGenerator })).collect());
  const columnar = sorted(await q5Columnar(nexmarkColumnar({ ...config, wasm: nexmarkGenerator })).collect());
  return {
    nexmarkWasm: kernel.usesWasm,
    nexmarkTwinAgrees: columns(kernel.batch(0, 4096)) === columns(NexmarkKernel.js(resolved).batch(0, 4096)),
    nexmarkAgree: objects.length > 0 && JSON.stringify(objects) === JSON.stringify(columnar),
    nexmarkQ5: objects,
  };
}

export default {
  async fetch(): Promise<Response> {
    const tumblingWasm = await windows(true, 'tumbling');
    const tumblingJs = await windows(false, 'tumbling');
    const slidingWasm = await windows(true, 'sliding');
    const slidingJs = await windows(false, 'sliding');
    const sessionWasm = await windows(true, 'session');
    const sessionJs = await windows(false, 'session');
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => void warnings.push(args.map(String).join(' '));
    const parallel = await windows(true, 'tumbling', 3).finally(() => (console.warn = warn));
    let compileFromBytes = 'allowed';
    try {
      await WebAssembly.compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
    } catch (e) {
      compileFromBytes = (e as Error).message;
    }
    return Response.json({
      ...(await nexmarkReport()),
      windowKernelLoaded: tumblingWasm.wasm === 1 && slidingWasm.wasm === 1,
      jsTwinUsed: tumblingJs.wasm === 0,
      tumblingAgree: tumblingWasm.rows === tumblingJs.rows,
      slidingAgree: slidingWasm.rows === slidingJs.rows,
      windowRows: (JSON.parse(tumblingWasm.rows) as unknown[]).length,
      sessionKernelLoaded: sessionWasm.wasm === 1 && sessionJs.wasm === 0,
      sessionsAgree: sessionWasm.rows === sessionJs.rows,
      sessionRows: (JSON.parse(sessionWasm.rows) as unknown[]).length,
      // The same multiset of rows at parallelism 3, in-process (order may interleave by subtask).
      parallelAgrees: JSON.stringify((JSON.parse(parallel.rows) as unknown[]).map((r) => JSON.stringify(r)).sort()) === JSON.stringify((JSON.parse(tumblingWasm.rows) as unknown[]).map((r) => JSON.stringify(r)).sort()),
      parallelWarning: warnings.join('\n'),
      compileFromBytes,
    });
  },
};
