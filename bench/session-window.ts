/**
 * `npx tsx bench/session-window.ts [--events N] [--rounds R]`: does a session-window kernel pay?
 * Keyed session windows (gap 300 ms), count + sum, 10 000 keys, 100 events per ms, 10% of events up
 * to 50 ms late, periodic watermarks 100 ms behind:
 *
 * - the public API today (`window(session(300))`: Flink's merging-window algorithm on keyed state);
 * - a columnar JavaScript prototype of the per-event work a session kernel would do: one open
 *   session per key in typed arrays, extended in place, and closed sessions found through a FIFO
 *   of (key, end) candidates. It handles only what this data needs (a late element that would
 *   bridge two sessions closes the older one instead of merging), so its row count may differ a
 *   little: it measures the cost of the algorithm, not a correct implementation;
 * - the public API with tumbling 10 s windows on the WASM kernel and its JS twin, for scale.
 *
 * Medians of wall time per variant; rounds interleave the variants.
 */
import { StreamEnvironment, aggregate, count, keyBy, session, sum, tumbling, watermarks, window } from '../src/index';
import { median, mulberry32, parseOptions } from './support';

const KEYS = 10_000;
const GAP_MS = 300;
const EVENTS_PER_MS = 100;
const T0 = Date.UTC(2025, 0, 1);

interface Bid {
  readonly key: number;
  readonly ts: number;
  readonly price: number;
}

function generate(n: number): Bid[] {
  const random = mulberry32(7);
  const bids = new Array<Bid>(n);
  for (let i = 0; i < n; i++) {
    const disorder = random() < 0.1 ? Math.floor(random() * 50) : 0;
    bids[i] = { key: Math.floor(random() * KEYS), ts: T0 + Math.floor(i / EVENTS_PER_MS) - disorder, price: 1 + Math.floor(random() * 1000) };
  }
  return bids;
}

async function api(bids: Bid[], kind: 'session' | 'tumbling', wasm = true): Promise<number> {
  const rows = await new StreamEnvironment({ wasm })
    .fromArray(bids)
    .pipe(
      watermarks({ timestamp: (b: Bid) => b.ts, outOfOrderness: 100, emit: 'periodic' }),
      keyBy((b: Bid) => b.key),
      window(kind === 'session' ? session(GAP_MS) : tumbling(10_000)),
      aggregate({ n: count(), total: sum((b: Bid) => b.price) }),
    )
    .collect();
  return rows.length;
}

/** The columnar prototype (see the header): returns the number of sessions emitted. */
function prototype(bids: Bid[]): number {
  const slotOf = new Map<number, number>();
  const keyOf: number[] = [];
  const free: number[] = [];
  let cap = 1 << 14;
  let start: Float64Array = new Float64Array(cap);
  let end: Float64Array = new Float64Array(cap);
  let count: Float64Array = new Float64Array(cap);
  let total: Float64Array = new Float64Array(cap);
  let used = 0;
  // FIFO of (slot, end) candidates: ends arrive nearly in order, so the head is the next to close.
  let queue = new Float64Array(1 << 16);
  let head = 0;
  let tail = 0;
  const out: Array<{ key: number; start: number; end: number; n: number; total: number }> = [];
  let maxTs = Number.NEGATIVE_INFINITY;
  let watermark = Number.NEGATIVE_INFINITY;
  const push = (s: number, e: number): void => {
    if (tail - head + 2 > queue.length) {
      const grown = new Float64Array(queue.length * 2);
      for (let i = head; i < tail; i++) grown[i - head] = queue[i & (queue.length - 1)]!;
      tail -= head;
      head = 0;
      queue = grown;
    }
    const mask = queue.length - 1;
    queue[tail++ & mask] = s;
    queue[tail++ & mask] = e;
  };
  const emit = (s: number): void => {
    out.push({ key: keyOf[s]!, start: start[s]!, end: end[s]!, n: count[s]!, total: total[s]! });
  };
  const fire = (): void => {
    const mask = queue.length - 1;
    while (head < tail) {
      const s = queue[head & mask]!;
      const e = queue[(head + 1) & mask]!;
      if (e - 1 > watermark) break;
      head += 2;
      if (count[s]! > 0 && end[s] === e) {
        emit(s);
        count[s] = 0;
        slotOf.delete(keyOf[s]!);
        free.push(s);
      }
    }
  };
  const grow = (a: Float64Array): Float64Array => {
    const g = new Float64Array(cap);
    g.set(a);
    return g;
  };
  for (let i = 0; i < bids.length; i++) {
    const b = bids[i]!;
    const ts = b.ts;
    let s = slotOf.get(b.key);
    if (s !== undefined && ts >= start[s]! - GAP_MS && ts < end[s]!) {
      if (ts < start[s]!) start[s] = ts;
      if (ts + GAP_MS > end[s]!) {
        end[s] = ts + GAP_MS;
        push(s, ts + GAP_MS);
      }
      count[s]++;
      total[s] += b.price;
    } else {
      if (s !== undefined) emit(s);
      else {
        s = free.pop() ?? used++;
        if (s >= cap) {
          cap *= 2;
          start = grow(start);
          end = grow(end);
          count = grow(count);
          total = grow(total);
        }
        slotOf.set(b.key, s);
        keyOf[s] = b.key;
      }
      start[s] = ts;
      end[s] = ts + GAP_MS;
      count[s] = 1;
      total[s] = b.price;
      push(s, ts + GAP_MS);
    }
    if (ts > maxTs) {
      maxTs = ts;
      watermark = ts - 101;
      if ((i & 1023) === 0) fire();
    }
  }
  watermark = Number.POSITIVE_INFINITY;
  fire();
  return out.length;
}

async function main(): Promise<void> {
  const { events, rounds } = parseOptions(process.argv.slice(2), { events: 1_000_000, rounds: 3 }, 'npx tsx bench/session-window.ts [--events N] [--rounds R]');
  const bids = generate(events);
  const variants: Record<string, () => number | Promise<number>> = {
    'API session(300), keyed state': () => api(bids, 'session'),
    'columnar JS session prototype': () => prototype(bids),
    'API tumbling(10 s), WASM kernel': () => api(bids, 'tumbling'),
    'API tumbling(10 s), JS kernel': () => api(bids, 'tumbling', false),
  };
  const times = new Map<string, number[]>();
  const rows = new Map<string, number>();
  for (let r = 0; r < rounds; r++) {
    for (const [name, run] of Object.entries(variants)) {
      const t0 = performance.now();
      rows.set(name, await run());
      const ms = performance.now() - t0;
      times.set(name, [...(times.get(name) ?? []), ms]);
      console.error(`round ${r + 1}/${rounds}: ${name} ${ms.toFixed(0)} ms`);
    }
  }
  console.log(`${events.toLocaleString('en')} events, ${KEYS.toLocaleString('en')} keys, gap ${GAP_MS} ms; median of ${rounds}\n`);
  console.log('| variant | events/s | median ms | rows |\n|---|--:|--:|--:|');
  for (const [name, t] of times) {
    const ms = median(t);
    console.log(`| ${name} | ${Math.round((events / ms) * 1000).toLocaleString('en')} | ${ms.toFixed(0)} | ${rows.get(name)} |`);
  }
}

await main();
