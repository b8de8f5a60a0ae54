// A job module for the Deno worker check in deno-smoke.mjs: every worker imports it.
import { aggregate, count, defineJob, keyBy, sum, tumbling, watermarks, window } from '../../dist/index.js';

export default defineJob((env, p) =>
  env
    .fromGenerator((i) => ({ k: `k${(i * 7919) % 23}`, ts: i * 3 - (i % 5), v: i % 101 }), { count: p.events })
    .pipe(
      watermarks({ timestamp: (e) => e.ts, outOfOrderness: 10 }),
      keyBy((e) => e.k),
      window(tumbling(250)),
      aggregate({ n: count(), total: sum((e) => e.v) }),
    ),
);
