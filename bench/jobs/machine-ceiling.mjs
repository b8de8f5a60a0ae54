// A worker for bench/parallel.ts: work with no engine in it — integer arithmetic in registers, or
// streaming reads and writes over 32 MB — so that one worker alone against two at once shows the
// speed-up this machine itself gives two threads.
import { parentPort, workerData } from 'node:worker_threads';

function arithmetic(n) {
  let x = 123456789 | 0;
  let acc = 0;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    acc = (acc + x) | 0;
  }
  return acc;
}

function memory(passes) {
  const a = new Float64Array(1 << 22);
  let s = 0;
  for (let r = 0; r < passes; r++) {
    for (let i = 0; i < a.length; i++) {
      a[i] += i;
      s += a[i];
    }
  }
  return s;
}

const { kind, size } = workerData;
const start = performance.now();
const result = kind === 'arithmetic' ? arithmetic(size) : memory(size);
parentPort.postMessage({ ms: performance.now() - start, result });
