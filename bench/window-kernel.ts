/**
 * `npx tsx bench/window-kernel.ts [--events N] [--rounds R]`: the keyed window-aggregation kernels
 * on their own — the WebAssembly kernel (`WasmWindowAggregation`) and its JavaScript twin
 * (`PaneAggregation`), tumbling 10 s and sliding 10 s / 1 s, count + sum over one column.
 *
 * Input, columnar (Float64Array keys / timestamps / values), generated like bench/run.ts: 10 000
 * keys, 100 events per ms, so ~100 events per key and 10 s window; 10% of the events up to 50 ms
 * late, within a 100 ms bounded out-of-orderness. The stream goes through each kernel in batches of
 * 1024 — add, then fire at the watermark (max timestamp so far − 100 − 1) and evict at it (no
 * allowed lateness), as the window operator would — and ends with fire/evict at +∞.
 *
 * Every variant runs R times (rounds interleave the variants); the table shows medians of the wall
 * time and, since this machine may be shared, of the process's CPU time (user + system), with the
 * load average before and after. The fired
 * rows are consumed (Σcount, Σsum) and checked: the same totals from both kernels, and Σcount =
 * events × windows per event. Memory is measured apart, untimed: each variant runs once more in a
 * fresh child process, which samples process.memoryUsage() every 256 batches and reports the peaks
 * beyond what it held once the input was generated.
 */
import os from 'node:os';
import { WasmWindowAggregation } from '../src/wasm/window-aggregate-kernel';
import { median, mulberry32, parseOptions, runInChild } from './support';
import { PaneAggregation } from '../src/windowing/pane-aggregation';
import type { FiredWindows, WindowAggregation, WindowAggregationConfig } from '../src/windowing/window-aggregation';

// ---------------------------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------------------------

const KEYS = 10_000;
const EVENTS_PER_MS = 100;
const WINDOW_MS = 10_000;
const SLIDE_MS = 1_000;
const OUT_OF_ORDERNESS_MS = 100;
const MAX_DISORDER_MS = 50;
const T0 = Date.UTC(2025, 0, 1);
const BATCH = 1024;
const SAMPLE_EVERY_BATCHES = 256;
const MB = 1024 * 1024;


// ---------------------------------------------------------------------------------------------
// Data
// ---------------------------------------------------------------------------------------------

interface Input {
  readonly keys: Float64Array;
  readonly timestamps: Float64Array;
  readonly values: Float64Array;
  /** The watermark after each batch. */
  readonly watermarks: Float64Array;
}


function generate(n: number): Input {
  const random = mulberry32(20_251_121);
  const keys = new Float64Array(n);
  const timestamps = new Float64Array(n);
  const values = new Float64Array(n);
  const watermarks = new Float64Array(Math.ceil(n / BATCH));
  let maxTs = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    keys[i] = Math.floor(random() * KEYS);
    const disorder = random() < 0.1 ? Math.floor(random() * MAX_DISORDER_MS) : 0;
    timestamps[i] = T0 + Math.floor(i / EVENTS_PER_MS) - disorder;
    values[i] = 1 + Math.floor(random() * 1000);
    if (timestamps[i]! > maxTs) maxTs = timestamps[i]!;
    if ((i + 1) % BATCH === 0 || i === n - 1) watermarks[Math.floor(i / BATCH)] = maxTs - OUT_OF_ORDERNESS_MS - 1;
  }
  return { keys, timestamps, values, watermarks };
}

// ---------------------------------------------------------------------------------------------
// Variants
// ---------------------------------------------------------------------------------------------

interface Variant {
  readonly id: string;
  readonly label: string;
  readonly wasm: boolean;
  readonly slide: number;
}

const variants: readonly Variant[] = [
  { id: 'wasm-tumbling', label: 'WASM tumbling 10 s', wasm: true, slide: WINDOW_MS },
  { id: 'wasm-sliding', label: 'WASM sliding 10 s / 1 s', wasm: true, slide: SLIDE_MS },
  { id: 'js-tumbling', label: 'JS twin tumbling 10 s', wasm: false, slide: WINDOW_MS },
  { id: 'js-sliding', label: 'JS twin sliding 10 s / 1 s', wasm: false, slide: SLIDE_MS },
];

function configOf(v: Variant): WindowAggregationConfig {
  return {
    size: WINDOW_MS,
    slide: v.slide,
    offset: 0,
    columns: 1,
    aggregates: [
      { kind: 'count', column: 0 },
      { kind: 'sum', column: 0 },
    ],
  };
}

async function make(v: Variant): Promise<WindowAggregation> {
  return v.wasm ? WasmWindowAggregation.load(configOf(v)) : new PaneAggregation(configOf(v));
}

interface Totals {
  rows: number;
  count: number;
  sum: number;
}

function consume(f: FiredWindows, totals: Totals): void {
  const counts = f.results[0]!;
  const sums = f.results[1]!;
  for (let r = 0; r < f.count; r++) {
    totals.count += counts[r]!;
    totals.sum += sums[r]!;
  }
  totals.rows += f.count;
}

/** The whole stream through `k`, batch by batch; `probe` is called every SAMPLE_EVERY_BATCHES batches. */
function runStream(k: WindowAggregation, input: Input, probe?: () => void): Totals {
  const totals: Totals = { rows: 0, count: 0, sum: 0 };
  const { keys, timestamps, watermarks } = input;
  const columns = [input.values];
  const n = keys.length;
  for (let b = 0, i = 0; i < n; b++, i += BATCH) {
    k.add(keys, timestamps, columns, i, Math.min(n, i + BATCH));
    const wm = watermarks[b]!;
    consume(k.fire(wm), totals);
    k.evict(wm);
    if (probe !== undefined && b % SAMPLE_EVERY_BATCHES === 0) probe();
  }
  consume(k.fire(Number.POSITIVE_INFINITY), totals);
  k.evict(Number.POSITIVE_INFINITY);
  if (k.size !== 0) throw new Error(`the kernel still holds ${k.size} entries`);
  return totals;
}

// ---------------------------------------------------------------------------------------------
// Memory, in a child process per variant
// ---------------------------------------------------------------------------------------------

interface MemoryReport {
  rssMB: number;
  heapUsedMB: number;
  arrayBuffersMB: number;
  /** The WebAssembly memory at the end (it never shrinks); 0 for the JS twin. */
  wasmMemoryMB: number;
  maxRssMB: number;
}

async function memoryChild(id: string, events: number): Promise<void> {
  const variant = variants.find((v) => v.id === id);
  if (variant === undefined) throw new Error(`unknown variant ${id}`);
  const input = generate(events);
  (globalThis as { gc?: () => void }).gc?.();
  const base = process.memoryUsage();
  const peak = { rss: base.rss, heapUsed: base.heapUsed, arrayBuffers: base.arrayBuffers };
  const probe = (): void => {
    const m = process.memoryUsage();
    peak.rss = Math.max(peak.rss, m.rss);
    peak.heapUsed = Math.max(peak.heapUsed, m.heapUsed);
    peak.arrayBuffers = Math.max(peak.arrayBuffers, m.arrayBuffers);
  };
  const kernel = await make(variant);
  runStream(kernel, input, probe);
  probe();
  const report: MemoryReport = {
    rssMB: (peak.rss - base.rss) / MB,
    heapUsedMB: (peak.heapUsed - base.heapUsed) / MB,
    arrayBuffersMB: (peak.arrayBuffers - base.arrayBuffers) / MB,
    wasmMemoryMB: kernel instanceof WasmWindowAggregation ? kernel.memoryBytes / MB : 0,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(JSON.stringify(report));
}

function measureInChild(id: string, events: number): Promise<MemoryReport> {
  return runInChild<MemoryReport>(import.meta.url, ['--events', String(events), '--memory', id], ['--expose-gc']);
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------


async function main(): Promise<void> {
  const { events, rounds, memory } = parseOptions(process.argv.slice(2), { events: 10_000_000, rounds: 5 }, 'npx tsx bench/window-kernel.ts [--events N] [--rounds R]', ['memory']);
  if (memory !== undefined) return memoryChild(memory, events);

  console.log(`${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, Node ${process.version}`);
  console.log(`${events.toLocaleString('en')} events, ${KEYS.toLocaleString('en')} keys, batches of ${BATCH}, ${rounds} rounds\n`);
  const input = generate(events);
  const load0 = os.loadavg();
  const times = new Map<string, number[]>(variants.map((v) => [v.id, []]));
  const cpuTimes = new Map<string, number[]>(variants.map((v) => [v.id, []]));
  const totals = new Map<string, Totals>();
  for (let round = 0; round < rounds; round++) {
    for (const v of variants) {
      const kernel = await make(v);
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const t = runStream(kernel, input);
      times.get(v.id)!.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpuTimes.get(v.id)!.push((c.user + c.system) / 1000);
      const seen = totals.get(v.id);
      if (seen === undefined) totals.set(v.id, t);
      else if (seen.rows !== t.rows || seen.count !== t.count || seen.sum !== t.sum) throw new Error(`${v.id}: results differ between rounds`);
    }
  }
  for (const v of variants) {
    const t = totals.get(v.id)!;
    const twin = totals.get(variants.find((o) => o.slide === v.slide && o.wasm !== v.wasm)!.id)!;
    if (t.rows !== twin.rows || t.count !== twin.count || t.sum !== twin.sum) throw new Error(`${v.id}: results differ from its twin's`);
    if (t.count !== events * (WINDOW_MS / v.slide)) throw new Error(`${v.id}: Σcount ${t.count}, expected ${events * (WINDOW_MS / v.slide)}`);
  }

  const load1 = os.loadavg();
  const mem = new Map<string, MemoryReport>();
  for (const v of variants) mem.set(v.id, await measureInChild(v.id, events));

  const baseline = median(times.get('wasm-tumbling')!);
  const rows = variants.map((v) => {
    const ms = median(times.get(v.id)!);
    const cpu = median(cpuTimes.get(v.id)!);
    const m = mem.get(v.id)!;
    const wasmTwin = median(times.get(variants.find((o) => o.slide === v.slide && o.wasm)!.id)!);
    return {
      variant: v.label,
      'median ms': Math.round(ms),
      'M events/s': +(events / ms / 1000).toFixed(1),
      'CPU ms': Math.round(cpu),
      'M events/CPU-s': +(events / cpu / 1000).toFixed(1),
      'vs WASM tumbling': +(ms / baseline).toFixed(2),
      'vs WASM twin': +(ms / wasmTwin).toFixed(2),
      'fired rows': totals.get(v.id)!.rows,
      'Δrss MB': Math.round(m.rssMB),
      'ΔheapUsed MB': Math.round(m.heapUsedMB),
      'ΔarrayBuffers MB': Math.round(m.arrayBuffersMB),
      'wasm memory MB': Math.round(m.wasmMemoryMB),
    };
  });
  console.table(rows);
  console.log(`load average (1 min) ${load0[0]!.toFixed(1)} before, ${load1[0]!.toFixed(1)} after the timed rounds`);
  console.log('wall times (ms) per round:');
  for (const v of variants) console.log(`  ${v.label.padEnd(28)} ${times.get(v.id)!.map((t) => Math.round(t)).join('  ')}`);
}

await main();
