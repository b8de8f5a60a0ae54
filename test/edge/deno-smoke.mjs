// Runs under Deno against the built package (dist/): the WASM kernels load and agree with their
// JavaScript twins. Invoked by test/edge/deno.node.test.ts; prints one JSON line. Plain JavaScript:
// Deno runs it as is, and the project's tsc (which has no Deno globals) does not check it.
import {
  CodecKernel,
  NexmarkKernel,
  StreamEnvironment,
  aggregate,
  count,
  decodeRecords,
  encodeRecords,
  keyBy,
  max,
  nexmark,
  nexmarkColumnar,
  q5,
  q5Columnar,
  resolveNexmarkConfig,
  sliding,
  sum,
  tumbling,
  watermarks,
  webWorkers,
  window,
} from '../../dist/index.js';

/** @type {Array<{ k: string, ts: number, v: number }>} */
const events = Array.from({ length: 5000 }, (_, i) => ({ k: `k${i % 17}`, ts: i * 3 - (i % 7), v: (i * 7919) % 101 }));

async function windows(wasm, slidingWindows) {
  const env = new StreamEnvironment({ wasm });
  const rows = [];
  const result = await env
    .fromArray(events)
    .pipe(
      watermarks({ timestamp: (e) => e.ts, outOfOrderness: 10 }),
      keyBy((e) => e.k),
      window(slidingWindows ? sliding(300, 100) : tumbling(250)),
      aggregate({ n: count(), total: sum((e) => e.v), top: max((e) => e.v) }),
    )
    .forEach((r) => rows.push(r));
  const op = result.metrics.operators.find((o) => o.name.startsWith('window'));
  return { wasm: op.extra.wasm, rows: JSON.stringify(rows) };
}

const tumblingWasm = await windows(true, false);
const tumblingJs = await windows(false, false);
const slidingWasm = await windows(true, true);
const slidingJs = await windows(false, true);
// A job module on two Deno module workers equals the same job on this thread.
const job = new URL('./deno-job.mjs', import.meta.url);
const sorted = (rows) => rows.map((r) => JSON.stringify(r)).sort();
const onThread = sorted(await new StreamEnvironment({ parallelism: 1 }).collectJob(job, { events: 20000 }));
const pool = webWorkers();
const onWorkers = sorted(await new StreamEnvironment({ parallelism: 2, workers: pool }).collectJob(job, { events: 20000 }));
// The Nexmark source (objects and columns) and q5 on each: the same rows as in Node (the test compares).
const nexmarkConfig = { events: 20000, seed: 3 };
const q5Objects = sorted(await q5(nexmark(nexmarkConfig)).collect());
const q5Columns = sorted(await q5Columnar(nexmarkColumnar(nexmarkConfig)).collect());
const generator = await NexmarkKernel.load(resolveNexmarkConfig(nexmarkConfig));
const codec = await CodecKernel.load({ wasm: true });
const bytes = encodeRecords(events.slice(0, 100), { kernel: codec });
const back = decodeRecords(bytes, { kernel: codec });

console.log(
  JSON.stringify({
    runtime: `deno ${Deno.version.deno}`,
    windowKernelLoaded: tumblingWasm.wasm === 1 && slidingWasm.wasm === 1,
    jsTwinUsed: tumblingJs.wasm === 0,
    tumblingAgree: tumblingWasm.rows === tumblingJs.rows,
    slidingAgree: slidingWasm.rows === slidingJs.rows,
    windowRows: JSON.parse(tumblingWasm.rows).length,
    codecWasm: codec.usesWasm,
    codecRoundTrip: JSON.stringify(back) === JSON.stringify(events.slice(0, 100)),
    workerRows: onWorkers.length,
    workersAgree: onWorkers.length > 100 && JSON.stringify(onWorkers) === JSON.stringify(onThread),
    workersLeft: pool.live.size,
    nexmarkWasm: generator.usesWasm,
    nexmarkAgree: q5Objects.length > 0 && JSON.stringify(q5Objects) === JSON.stringify(q5Columns),
    nexmarkQ5: q5Objects,
  }),
);
