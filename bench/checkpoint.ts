/**
 * Checkpoint benchmarks: what checkpointing costs a job that holds N keys of keyed state.
 *
 *   npx tsx bench/checkpoint.ts [--keys N] [--rounds R]          # defaults: 1 000 000 keys, 3 rounds
 *   npx tsx --expose-gc bench/checkpoint.ts                     # steadier: gc() before every run
 *
 * 1. Throughput: a keyed process function with a ValueState<number> counter per key, over 3·N
 *    generated events, without checkpointing and with a checkpoint every second, to
 *    MemoryCheckpointStorage and to FileCheckpointStorage (a temp dir).
 * 2. Checkpoint duration and size: a savepoint of an unbounded job of the same shape once its state
 *    holds all N keys, timed from `job.savepoint()` to its completion; the bytes written; and how
 *    long processing stalled meanwhile.
 * 3. Restore: a new job with `restoreFrom` that savepoint, timed from opening the savepoint to the
 *    first record processed.
 *
 * Every figure is the median of R rounds in this one process. Every record checks its key's
 * counter (see `keyOf`), so state that is lost, doubled or not restored fails the bench.
 * Prints a markdown table on stdout and writes it under the `checkpoint` key of bench-results.json.
 * See bench/README.md.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import {
  MemoryCheckpointStorage,
  StreamEnvironment,
  ValueStateDescriptor,
  keyBy,
  process as processFn,
  type CheckpointKind,
  type CheckpointMetadata,
  type CheckpointStorage,
  type CheckpointWriter,
  type CompletedCheckpoint,
  type JobHandle,
  type ValueState,
} from '../src/index';
import { machineInfo, median, parseOptions, saveResults } from './support';
import { FileCheckpointStorage } from '../src/node/index';

// ---------------------------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------------------------

/** Events of the throughput job, per key: every key is counted this many times. */
const EVENTS_PER_KEY = 3;
const CHECKPOINT_INTERVAL_MS = 1_000;
/** A checkpoint interval that never fires during a run: the savepoint jobs checkpoint on request only. */
const NEVER_MS = 3_600_000;
/** Processing stops for at least this long = a stall (normal gaps: a batch, an event-loop turn). */
const STALL_MS = 20;
/** Records the restored job processes, each checked, before it is canceled. */
const RESTORE_CHECKED_RECORDS = 200_000;
const TARGETS = { throughputRatio: 0.9, restoreMs: 2_000 };


// ---------------------------------------------------------------------------------------------
// Data: event i goes to key keyOf(i). Events come in passes of N; each pass visits every key once,
// in a scrambled order that differs from pass to pass. So keys are uniform, the state holds all N
// keys after the first N events, and the counter of event i's key is exactly floor(i / N) before
// the event is counted — in every job, restored or not.
// ---------------------------------------------------------------------------------------------

interface Event {
  readonly i: number;
  readonly key: number;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** x ↦ (x·A + pass·C) mod N is a bijection of [0, N) when gcd(A, N) = 1; A ≈ N/φ scatters neighbours. */
function makeKeyOf(n: number): (i: number) => number {
  let a = Math.max(1, Math.round(n * 0.6180339887));
  while (gcd(a, n) !== 1) a++;
  const c = Math.max(1, Math.round(n * 0.3819660113));
  return (i) => {
    const pass = Math.floor(i / n);
    return ((i - pass * n) * a + pass * c) % n;
  };
}

// ---------------------------------------------------------------------------------------------
// The job, and a probe inside it
// ---------------------------------------------------------------------------------------------

/**
 * What the process function saw: records, the first and last record's time, wrong counters, and
 * stalls (gaps of ≥ STALL_MS between two probe points, a probe point every `every` records).
 */
class Probe {
  processed = 0;
  wrong = 0;
  firstIndex = -1;
  firstAt = Number.NaN;
  lastAt = Number.NaN;
  private lastTick = Number.NaN;
  readonly stalls: Array<{ at: number; ms: number }> = [];
  private waiters: Array<{ count: number; resolve: () => void }> = [];

  /** `lastAt` is also taken at record number `total`, the last one of a bounded job. */
  constructor(
    private readonly every: number,
    private readonly total = Number.POSITIVE_INFINITY,
  ) {}

  record(i: number, ok: boolean): void {
    if (!ok) this.wrong++;
    if (this.processed++ === 0) {
      this.firstIndex = i;
      this.firstAt = this.lastTick = performance.now();
    }
    if (this.processed % this.every === 0) {
      const now = performance.now();
      if (now - this.lastTick >= STALL_MS) this.stalls.push({ at: now, ms: now - this.lastTick });
      this.lastTick = this.lastAt = now;
      if (this.waiters.length > 0) this.wake();
    }
    if (this.processed === this.total) this.lastAt = performance.now();
  }

  /** Resolves once `count` records were processed (checked every `every` records); rejects if `job` ends first. */
  reach(count: number, job: JobHandle): Promise<void> {
    const reached = new Promise<void>((resolve) => {
      this.waiters.push({ count, resolve });
      this.wake();
    });
    const ended = job.done.then((r) => {
      throw new Error(`the job was ${r.status} after ${this.processed} records, waiting for ${count}`);
    });
    return Promise.race([reached, ended]);
  }

  private wake(): void {
    this.waiters = this.waiters.filter((w) => {
      if (this.processed < w.count) return true;
      w.resolve();
      return false;
    });
  }

  /** The longest stall that ended in [from, to]. */
  longestStall(from = Number.NEGATIVE_INFINITY, to = Number.POSITIVE_INFINITY): number {
    let max = 0;
    for (const s of this.stalls) if (s.at >= from && s.at <= to && s.ms > max) max = s.ms;
    return max;
  }

  stallTotal(): number {
    return this.stalls.reduce((sum, s) => sum + s.ms, 0);
  }
}

/** fromGenerator → keyBy(key) → process (a counter per key, uid 'counter') → discard. */
async function startJob(
  options: { keys: number; count?: number; storage?: CheckpointStorage; interval?: number; restoreFrom?: CompletedCheckpoint },
  probe: Probe,
): Promise<JobHandle> {
  const { keys } = options;
  const keyOf = makeKeyOf(keys);
  const env = new StreamEnvironment({
    checkpoint: options.storage === undefined ? undefined : { interval: options.interval ?? NEVER_MS, storage: options.storage },
    restart: { strategy: 'none' },
    restoreFrom: options.restoreFrom,
  });
  const counter = new ValueStateDescriptor<number>('count', { defaultValue: 0 });
  let count!: ValueState<number>;
  env
    .fromGenerator((i): Event => ({ i, key: keyOf(i) }), options.count === undefined ? {} : { count: options.count })
    .pipe(
      keyBy((e: Event) => e.key),
      processFn<Event, never, number>(
        {
          open(rc) {
            count = rc.getState(counter);
          },
          processElement(e) {
            const c = count.value()!;
            count.update(c + 1);
            probe.record(e.i, c === Math.floor(e.i / keys));
          },
        },
        { uid: 'counter' },
      ),
    )
    .sinkTo({ name: 'discard', write() {} });
  // env.execute resolves once the job runs: after a restore has been read, decoded and rebuilt.
  return env.execute('checkpoint bench');
}

/**
 * A CheckpointStorage that times the storage side of each checkpoint: from `begin` (every operator
 * has snapshotted by then) to the end of `commit`, and the bytes of its state files.
 */
class TimedStorage implements CheckpointStorage {
  readonly writes: Array<{ id: number; kind: CheckpointKind; ms: number; bytes: number }> = [];

  constructor(readonly inner: CheckpointStorage) {}

  async begin(id: number, kind: CheckpointKind, options?: { target?: string }): Promise<CheckpointWriter> {
    const t0 = performance.now();
    const writer = await this.inner.begin(id, kind, options);
    const writes = this.writes;
    return {
      checkpointId: writer.checkpointId,
      kind: writer.kind,
      location: writer.location,
      write: (name, bytes) => writer.write(name, bytes),
      abort: () => writer.abort(),
      async commit(metadata: CheckpointMetadata) {
        await writer.commit(metadata);
        writes.push({ id, kind, ms: performance.now() - t0, bytes: stateBytes(metadata) });
      },
    };
  }

  latest(): Promise<CompletedCheckpoint | undefined> {
    return this.inner.latest();
  }

  open(id: number): Promise<CompletedCheckpoint> {
    return this.inner.open(id);
  }

  retain(n?: number): Promise<void> {
    return this.inner.retain(n);
  }

  dispose(): Promise<void> {
    return this.inner.dispose();
  }
}

function stateBytes(metadata: CheckpointMetadata): number {
  let bytes = 0;
  for (const o of metadata.operators) for (const f of o.files) bytes += f.bytes;
  return bytes;
}

function directoryBytes(dir: string): number {
  let bytes = 0;
  for (const name of readdirSync(dir)) {
    const s = statSync(join(dir, name));
    bytes += s.isDirectory() ? directoryBytes(join(dir, name)) : s.size;
  }
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// The three measurements
// ---------------------------------------------------------------------------------------------

type StorageKind = 'memory' | 'file';
type Variant = 'none' | StorageKind;

interface ThroughputRun {
  /** From execute() to the last record processed. */
  ms: number;
  /** From execute() to job.done (with checkpointing: after the final checkpoint). */
  doneMs: number;
  eventsPerSecond: number;
  checkpoints: number;
  /** Median storage-side time (begin → commit) of its checkpoints. */
  writeMs: number;
  longestStallMs: number;
  stallTotalMs: number;
}

async function throughput(variant: Variant, keys: number, tmp: string): Promise<ThroughputRun> {
  const events = keys * EVENTS_PER_KEY;
  const dir = variant === 'file' ? mkdtempSync(join(tmp, 'tput-')) : undefined;
  const storage =
    variant === 'none' ? undefined : new TimedStorage(variant === 'memory' ? new MemoryCheckpointStorage() : new FileCheckpointStorage(dir!));
  const probe = new Probe(1024, events);
  const t0 = performance.now();
  const job = await startJob({ keys, count: events, storage, interval: CHECKPOINT_INTERVAL_MS }, probe);
  const result = await job.done;
  const doneMs = performance.now() - t0;
  if (result.status !== 'finished') throw new Error(`throughput ${variant}: job ${result.status}`);
  if (probe.processed !== events || probe.wrong !== 0) {
    throw new Error(`throughput ${variant}: processed ${probe.processed} of ${events} events, ${probe.wrong} with a wrong counter`);
  }
  const ms = probe.lastAt - t0;
  await storage?.dispose();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  return {
    ms,
    doneMs,
    eventsPerSecond: events / (ms / 1000),
    checkpoints: storage?.writes.length ?? 0,
    writeMs: storage === undefined || storage.writes.length === 0 ? 0 : median(storage.writes.map((w) => w.ms)),
    longestStallMs: probe.longestStall(),
    stallTotalMs: probe.stallTotal(),
  };
}

interface SavepointRun {
  /** job.savepoint() → resolved. */
  ms: number;
  /** The storage side of it: begin → commit done. */
  writeMs: number;
  /** The longest gap in processing between trigger and completion (+ 50 ms). */
  stallMs: number;
  /** The longest gap in processing in as long a window before the trigger. */
  baselineStallMs: number;
  /** State files, as the metadata lists them. */
  stateBytes: number;
  /** Everything on disk (file storage): state files and _metadata. */
  diskBytes: number | undefined;
  /** Records processed between trigger and completion. */
  recordsDuring: number;
}

/** Runs the unbounded job until its state holds every key, takes a savepoint and times it. */
async function savepoint(kind: StorageKind, keys: number, dir: string | undefined): Promise<{ run: SavepointRun; storage: CheckpointStorage; id: number }> {
  const storage = kind === 'memory' ? new MemoryCheckpointStorage() : new FileCheckpointStorage(dir!);
  const timed = new TimedStorage(storage);
  const probe = new Probe(64);
  const job = await startJob({ keys, storage: timed }, probe);
  // Every key has state after N records; go on for N/2 more, so that the job is in its steady state.
  await probe.reach(keys + (keys >> 1), job);
  // A baseline of normal gaps, as long as the savepoint is likely to take (at least 300 ms).
  const b0 = performance.now();
  await probe.reach(probe.processed + (keys >> 2), job);
  await sleep(Math.max(0, 300 - (performance.now() - b0)));
  const baselineFrom = performance.now();
  const before = probe.processed;
  const t0 = performance.now();
  const info = await job.savepoint();
  const t1 = performance.now();
  const during = probe.processed - before;
  await sleep(50);
  await job.cancel();
  if (probe.wrong !== 0) throw new Error(`savepoint ${kind}: ${probe.wrong} records saw a wrong counter`);
  const write = timed.writes.find((w) => w.id === info.checkpointId);
  if (write === undefined) throw new Error(`savepoint ${kind}: the storage saw no commit of ${info.checkpointId}`);
  const opened = await storage.open(info.checkpointId);
  const metaBytes = stateBytes(opened.metadata);
  return {
    storage,
    id: info.checkpointId,
    run: {
      ms: t1 - t0,
      writeMs: write.ms,
      stallMs: probe.longestStall(t0, t1 + 50),
      baselineStallMs: probe.longestStall(baselineFrom - Math.max(t1 - t0, 300), baselineFrom),
      stateBytes: metaBytes,
      diskBytes: kind === 'file' ? directoryBytes(info.location) : undefined,
      recordsDuring: during,
    },
  };
}

interface RestoreRun {
  /** storage.open(id): reads and verifies the metadata and every state file. */
  openMs: number;
  /** execute() with restoreFrom: reads the state again, decodes it, rebuilds the keyed state. */
  executeMs: number;
  /** open → the first record processed by the restored job. */
  firstRecordMs: number;
}

/** Starts a new job from the savepoint and times it until its first record; checks what it restored. */
async function restore(kind: StorageKind, keys: number, storage: CheckpointStorage, id: number, dir: string | undefined): Promise<RestoreRun> {
  // File storage: a new instance over the directory, as a restarted process would have.
  const from = kind === 'file' ? new FileCheckpointStorage(dir!) : storage;
  const probe = new Probe(64);
  const t0 = performance.now();
  const checkpoint = await from.open(id);
  const t1 = performance.now();
  const job = await startJob({ keys, storage: from, restoreFrom: checkpoint }, probe);
  const t2 = performance.now();
  await probe.reach(1, job);
  const t3 = probe.firstAt;
  await probe.reach(RESTORE_CHECKED_RECORDS, job);
  await job.cancel();
  const position = checkpoint.metadata.sources[0]?.positions[0];
  if (probe.firstIndex !== position) throw new Error(`restore ${kind}: started at record ${probe.firstIndex}, the savepoint is at ${String(position)}`);
  // The first record's counter is floor(position / N) ≥ 1 only if the state came back.
  if (probe.wrong !== 0) throw new Error(`restore ${kind}: ${probe.wrong} of ${probe.processed} records saw a wrong counter`);
  return { openMs: t1 - t0, executeMs: t2 - t1, firstRecordMs: t3 - t0 };
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const MB = 1024 * 1024;


/** The per-field medians of a list of runs. */
function medians<T extends object>(runs: readonly T[]): { [K in keyof T]: number } {
  const out: Record<string, number> = {};
  for (const key of Object.keys(runs[0]!)) {
    const values = runs.map((r) => (r as Record<string, unknown>)[key]).filter((v): v is number => typeof v === 'number');
    if (values.length > 0) out[key] = median(values);
  }
  return out as { [K in keyof T]: number };
}

async function main(): Promise<void> {
  const { keys, rounds } = parseOptions(process.argv.slice(2), { keys: 1_000_000, rounds: 3 }, 'npx tsx bench/checkpoint.ts [--keys N] [--rounds R]');
  const events = keys * EVENTS_PER_KEY;
  const machine = machineInfo();
  const tmp = mkdtempSync(join(os.tmpdir(), 'sluice-checkpoint-bench-'));
  console.error(`sluice checkpoint bench: ${keys.toLocaleString('en-US')} keys, ${events.toLocaleString('en-US')} events, ${rounds} rounds; files in ${tmp}`);
  console.error(`machine: ${machine.cores} × ${machine.cpu}, Node ${machine.node}, ${machine.platform}${machine.gcExposed ? '' : ' (no --expose-gc)'}`);

  const variants: Variant[] = ['none', 'memory', 'file'];
  const tput = new Map<Variant, ThroughputRun[]>(variants.map((v) => [v, []]));
  const saves = new Map<StorageKind, SavepointRun[]>([['memory', []], ['file', []]]);
  const restores = new Map<StorageKind, RestoreRun[]>([['memory', []], ['file', []]]);
  const started = performance.now();
  try {
    // Warm-up, untimed: every code path once on a small state, so that no variant pays for JIT alone.
    const small = Math.min(keys, 50_000);
    for (const v of variants) await throughput(v, small, tmp);
    for (const kind of ['memory', 'file'] as const) {
      const dir = kind === 'file' ? mkdtempSync(join(tmp, 'warm-')) : undefined;
      const s = await savepoint(kind, small, dir);
      await restore(kind, small, s.storage, s.id, dir);
      await s.storage.dispose();
    }
    for (let round = 0; round < rounds; round++) {
      process.stderr.write(`round ${round + 1}/${rounds}:`);
      // Rotate the order each round so no variant always runs right after a heavy one.
      for (let k = 0; k < variants.length; k++) {
        const v = variants[(k + round) % variants.length]!;
        gc();
        const r = await throughput(v, keys, tmp);
        tput.get(v)!.push(r);
        process.stderr.write(` ${v} ${fmt(r.eventsPerSecond)}/s (${r.checkpoints} chk),`);
      }
      for (const kind of round % 2 === 0 ? (['memory', 'file'] as const) : (['file', 'memory'] as const)) {
        gc();
        const dir = kind === 'file' ? mkdtempSync(join(tmp, 'save-')) : undefined;
        process.stderr.write(` ${kind}: savepoint`);
        const s = await savepoint(kind, keys, dir);
        saves.get(kind)!.push(s.run);
        gc();
        const r = await restore(kind, keys, s.storage, s.id, dir);
        restores.get(kind)!.push(r);
        await s.storage.dispose();
        if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
        process.stderr.write(` ${fmt(s.run.ms)} ms (${mb(s.run.stateBytes)}), restore ${fmt(r.firstRecordMs)} ms,`);
      }
      process.stderr.write('\n');
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  console.error(`(${((performance.now() - started) / 1000).toFixed(0)} s)`);

  // Report.
  const t = Object.fromEntries(variants.map((v) => [v, medians(tput.get(v)!)])) as Record<Variant, ReturnType<typeof medians<ThroughputRun>>>;
  const s = { memory: medians(saves.get('memory')!), file: medians(saves.get('file')!) };
  const r = { memory: medians(restores.get('memory')!), file: medians(restores.get('file')!) };
  // Ratios per round (same round, adjacent runs), then their median: steadier than a ratio of medians.
  const ratio = (v: StorageKind): number => median(tput.get(v)!.map((run, i) => run.eventsPerSecond / tput.get('none')![i]!.eventsPerSecond));
  const ratios = { memory: ratio('memory'), file: ratio('file') };
  const ok = (pass: boolean): string => (pass ? '✅' : '❌');
  const ms = (x: number): string => `${fmt(x)} ms`;
  const table = [
    `${keys.toLocaleString('en-US')} keys (ValueState<number> per key), ${events.toLocaleString('en-US')} events; median of ${rounds} rounds`,
    `${machine.cores} × ${machine.cpu}, Node ${machine.node}`,
    '',
    '| measure | none | MemoryCheckpointStorage | FileCheckpointStorage | target |',
    '|---|--:|--:|--:|---|',
    `| throughput, checkpoint every ${CHECKPOINT_INTERVAL_MS / 1000} s (events/s) | ${fmt(t.none.eventsPerSecond)} | ${fmt(t.memory.eventsPerSecond)} | ${fmt(t.file.eventsPerSecond)} | |`,
    `| vs no checkpointing | 1.00× | ${ratios.memory.toFixed(2)}× ${ok(ratios.memory >= TARGETS.throughputRatio)} | ${ratios.file.toFixed(2)}× ${ok(ratios.file >= TARGETS.throughputRatio)} | ≥ ${TARGETS.throughputRatio.toFixed(2)}× (≤ 10% slower) |`,
    `| checkpoints per run (incl. the final one) | – | ${fmt(t.memory.checkpoints)} | ${fmt(t.file.checkpoints)} | |`,
    `| storage side of a checkpoint (begin → commit), median | – | ${ms(t.memory.writeMs)} | ${ms(t.file.writeMs)} | |`,
    `| longest processing stall per run | ${ms(t.none.longestStallMs)} | ${ms(t.memory.longestStallMs)} | ${ms(t.file.longestStallMs)} | |`,
    `| run to job.done (incl. final checkpoint) | ${ms(t.none.doneMs)} | ${ms(t.memory.doneMs)} | ${ms(t.file.doneMs)} | |`,
    `| savepoint of ${keys.toLocaleString('en-US')} keys: trigger → complete | | ${ms(s.memory.ms)} | ${ms(s.file.ms)} | |`,
    `| … of which storage (begin → commit) | | ${ms(s.memory.writeMs)} | ${ms(s.file.writeMs)} | |`,
    `| … processing stall during it (before it: ${ms(Math.max(s.memory.baselineStallMs, s.file.baselineStallMs))}) | | ${ms(s.memory.stallMs)} | ${ms(s.file.stallMs)} | |`,
    `| … records processed meanwhile (the snapshot is encoded asynchronously) | | ${fmt(s.memory.recordsDuring)} | ${fmt(s.file.recordsDuring)} | |`,
    `| savepoint size: state files (on disk) | | ${mb(s.memory.stateBytes)} (${fmt(s.memory.stateBytes / keys)} B/key) | ${mb(s.file.stateBytes)} (${mb(s.file.diskBytes)}) | |`,
    `| restore ${keys.toLocaleString('en-US')} keys: open → first record | | ${ms(r.memory.firstRecordMs)} ${ok(r.memory.firstRecordMs < TARGETS.restoreMs)} | ${ms(r.file.firstRecordMs)} ${ok(r.file.firstRecordMs < TARGETS.restoreMs)} | < ${TARGETS.restoreMs / 1000} s |`,
    `| … of which open (read + verify) | | ${ms(r.memory.openMs)} | ${ms(r.file.openMs)} | |`,
    `| … of which execute (read, decode, rebuild state) | | ${ms(r.memory.executeMs)} | ${ms(r.file.executeMs)} | |`,
  ];
  console.log(table.join('\n'));

  const round1 = (x: number): number => Math.round(x * 10) / 10;
  const roundAll = <T extends object>(runs: readonly T[]): T[] =>
    runs.map((run) => Object.fromEntries(Object.entries(run).map(([k, v]) => [k, typeof v === 'number' ? round1(v) : v])) as T);
  const file = saveResults('checkpoint', {
    date: new Date().toISOString(),
    machine,
    params: { keys, events, rounds, checkpointIntervalMs: CHECKPOINT_INTERVAL_MS, stallThresholdMs: STALL_MS },
    targets: { throughputVsNoCheckpointing: TARGETS.throughputRatio, restoreMs: TARGETS.restoreMs },
    // Per line: the medians over the rounds, then every round's figures.
    throughput: Object.fromEntries(
      variants.map((v) => [
        v,
        { ...roundAll([t[v]])[0], vsNone: v === 'none' ? 1 : Math.round(ratios[v] * 1000) / 1000, rounds: roundAll(tput.get(v)!) },
      ]),
    ),
    savepoint: {
      memory: { ...roundAll([s.memory])[0], rounds: roundAll(saves.get('memory')!) },
      file: { ...roundAll([s.file])[0], rounds: roundAll(saves.get('file')!) },
    },
    restore: {
      memory: { ...roundAll([r.memory])[0], rounds: roundAll(restores.get('memory')!) },
      file: { ...roundAll([r.file])[0], rounds: roundAll(restores.get('file')!) },
    },
  });
  console.error(`\nwrote the checkpoint key of ${file}`);
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function mb(bytes: number): string {
  return `${(bytes / MB).toFixed(1)} MB`;
}

await main();
