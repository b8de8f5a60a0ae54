// A Cloudflare worker (workerd) that runs window aggregations through sluice. workerd forbids
// compiling WebAssembly at run time, so the kernel comes in as a precompiled module import and is
// handed to the environment (`wasm: { windowAggregate }`). Bundled by test/edge/workerd.node.test.ts.
import windowAggregate from './window-aggregate.wasm';
import { StreamEnvironment, aggregate, count, keyBy, max, sliding, sum, tumbling, watermarks, window } from '../../src/index';

interface Ev {
  readonly k: string;
  readonly ts: number;
  readonly v: number;
}

const events: Ev[] = Array.from({ length: 5000 }, (_, i) => ({ k: `k${i % 17}`, ts: i * 3 - (i % 7), v: (i * 7919) % 101 }));

async function windows(wasm: boolean, slidingWindows: boolean): Promise<{ wasm: number | undefined; rows: string }> {
  const env = new StreamEnvironment({ wasm: wasm ? { windowAggregate } : false });
  const rows: unknown[] = [];
  const result = await env
    .fromArray(events)
    .pipe(
      watermarks({ timestamp: (e) => e.ts, outOfOrderness: 10 }),
      keyBy((e) => e.k),
      window(slidingWindows ? sliding<Ev>(300, 100) : tumbling<Ev>(250)),
      aggregate({ n: count(), total: sum((e) => e.v), top: max((e) => e.v) }),
    )
    .forEach((r) => rows.push(r));
  const op = result.metrics.operators.find((o) => o.name.startsWith('window'));
  return { wasm: op?.extra.wasm, rows: JSON.stringify(rows) };
}

export default {
  async fetch(): Promise<Response> {
    const tumblingWasm = await windows(true, false);
    const tumblingJs = await windows(false, false);
    const slidingWasm = await windows(true, true);
    const slidingJs = await windows(false, true);
    let compileFromBytes = 'allowed';
    try {
      await WebAssembly.compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
    } catch (e) {
      compileFromBytes = (e as Error).message;
    }
    return Response.json({
      windowKernelLoaded: tumblingWasm.wasm === 1 && slidingWasm.wasm === 1,
      jsTwinUsed: tumblingJs.wasm === 0,
      tumblingAgree: tumblingWasm.rows === tumblingJs.rows,
      slidingAgree: slidingWasm.rows === slidingJs.rows,
      windowRows: (JSON.parse(tumblingWasm.rows) as unknown[]).length,
      compileFromBytes,
    });
  },
};
