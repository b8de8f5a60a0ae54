// Savepoint restore rules, pinned against Apache Flink's documented behaviour (Node: file storage).
//
// https://nightlies.apache.org/flink/flink-docs-stable/docs/ops/state/savepoints/#faq
// - "What happens if I add a new operator that requires state to my job? ... it will be initialized
//   without any state."
// - "What happens if I add, delete or reorder operators that have no state in my job? If you assigned
//   IDs to your stateful operators, the stateless operators will not influence the savepoint restore."
// - "What happens if I reorder stateful operators in my job? If you assigned IDs to these operators,
//   they will be restored as usual."
// State is matched to operators by uid (StateAssignmentOperation, apache/flink). A sink is an operator
// like any other and takes a uid (`stream.sinkTo(sink).uid(...)` in Flink); a two-phase-commit sink has
// state (its pre-committed transactions, TwoPhaseCommitSinkFunction#snapshotState).
// `state.checkpoints.num-retained` (CheckpointingOptions.java, default 1) subsumes older checkpoints;
// savepoints are neither counted nor subsumed (FLINK-6328).
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CollectingTwoPhaseCommitSink,
  ManualClock,
  StreamEnvironment,
  ValueStateDescriptor,
  aggregate,
  count,
  keyBy,
  map,
  process,
  sum,
  tap,
  tumbling,
  watermarks,
  window,
  type CheckpointStorage,
  type CompletedCheckpoint,
  type JobHandle,
  type ValueState,
} from '../../src/index';
import { FileCheckpointStorage } from '../../src/node/index';

interface Ev {
  readonly k: string;
  readonly ts: number;
  readonly v: number;
}

const COUNT = 400;
const event = (i: number): Ev => ({ k: `k${i % 5}`, ts: i * 3, v: i % 7 });

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-flink-sp-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const yieldToJob = (): Promise<void> => new Promise<void>((resolve) => setTimeout(resolve, 0));

interface Variant {
  /** v2 inserts a stateless map before the watermarks and a new stateful operator after the windows. */
  readonly v2: boolean;
}

/**
 * Windowed sums over a generator paced by a ManualClock (1 event per ms). Returns the running job and
 * its clock. Stateful operators and the transactional sink carry uids.
 */
async function start(
  sink: CollectingTwoPhaseCommitSink<string>,
  storage: CheckpointStorage,
  variant: Variant,
  options: { restoreFrom?: CompletedCheckpoint; retain?: number; interval?: number } = {},
): Promise<{ job: JobHandle; clock: ManualClock; seen: () => number }> {
  const clock = new ManualClock(0);
  const env = new StreamEnvironment({
    clock,
    checkpoint: { interval: options.interval ?? 1_000_000, storage, retain: options.retain },
    restart: { strategy: 'none' },
    restoreFrom: options.restoreFrom,
  });
  let seen = 0;
  const counts = new ValueStateDescriptor<number>('seen', { defaultValue: 0 });
  let counter!: ValueState<number>;
  let stream = env.fromGenerator(event, { count: COUNT, eventsPerSecond: 1000 }).pipe(tap(() => seen++));
  if (variant.v2) stream = stream.pipe(map((e: Ev) => ({ ...e })));
  const windows = stream.pipe(
    watermarks({ timestamp: (e: Ev) => e.ts }, { uid: 'time' }),
    keyBy((e) => e.k),
    window(tumbling(60)),
    aggregate({ n: count(), total: sum((e) => e.v) }, { uid: 'windows' }),
    map((r) => `${String(r.key)} ${r.start} ${r.n} ${r.total}`),
  );
  const lines = variant.v2
    ? windows.pipe(
        keyBy((line: string) => line.split(' ')[0]!),
        process<string, string, string>(
          {
            open(rc) {
              counter = rc.getState(counts);
            },
            processElement(line, _ctx, out) {
              counter.update(counter.value()! + 1);
              out.collect(`${line} #${counter.value()}`);
            },
          },
          { uid: 'fresh' },
        ),
      )
    : windows;
  lines.sinkTo(sink, { uid: 'out' });
  const job = await env.execute('savepoint-semantics');
  return { job, clock, seen: () => seen };
}

/** Advances the clock until the job ends. */
async function finish(job: JobHandle, clock: ManualClock): Promise<void> {
  while (job.status === 'running') {
    clock.advance(50);
    await yieldToJob();
  }
  await job.done;
}

/** Runs until `records` have passed the source, waits for the job to go idle, takes a savepoint, cancels. */
async function savepointAt(sink: CollectingTwoPhaseCommitSink<string>, storage: CheckpointStorage, records: number, target?: string) {
  const { job, clock, seen } = await start(sink, storage, { v2: false });
  clock.advanceTo(records);
  while (seen() < records) await yieldToJob();
  const savepoint = await job.savepoint(target);
  await job.cancel();
  return savepoint;
}

describe('savepoint restore rules (Flink savepoints FAQ)', () => {
  it('stateful operators are matched by uid: a stateless operator inserted upstream does not disturb the restore, a new stateful operator starts empty', async () => {
    const dir = tempDir();
    const reference = new CollectingTwoPhaseCommitSink<string>();
    const uninterrupted = await start(reference, new FileCheckpointStorage(join(dir, 'ref')), { v2: false });
    await finish(uninterrupted.job, uninterrupted.clock);
    expect(reference.committed.length).toBeGreaterThan(20);

    // One output for both jobs, as one external system: the restore commits the savepoint's
    // transaction again, and the sink recognises it.
    const output = new CollectingTwoPhaseCommitSink<string>();
    const savepoint = await savepointAt(output, new FileCheckpointStorage(join(dir, 'a')), 150, join(dir, 'savepoints'));
    const committedByFirst = output.committed.length;
    expect(committedByFirst).toBeGreaterThan(0);

    const resumed = await start(output, new FileCheckpointStorage(join(dir, 'b')), { v2: true }, { restoreFrom: await FileCheckpointStorage.openPath(savepoint.location) });
    await finish(resumed.job, resumed.clock);

    const second = output.committed.slice(committedByFirst);
    // The windows' state came back: together, exactly the uninterrupted output.
    expect([...output.committed.slice(0, committedByFirst), ...second.map((line) => line.replace(/ #\d+$/, ''))]).toEqual(reference.committed);
    // The new operator had no state in the savepoint: its per-key counts start at 1.
    const perKey = new Map<string, number[]>();
    for (const line of second) {
      const key = line.split(' ')[0]!;
      perKey.set(key, [...(perKey.get(key) ?? []), Number(/#(\d+)$/.exec(line)![1])]);
    }
    expect(perKey.size).toBe(5);
    for (const [key, ns] of perKey) expect(ns, key).toEqual(ns.map((_, i) => i + 1));
  });

  it('num-retained subsumes older checkpoints on disk, never a savepoint', async () => {
    const dir = tempDir();
    const storage = new FileCheckpointStorage(join(dir, 'chk'));
    const { job, clock, seen } = await start(new CollectingTwoPhaseCommitSink<string>(), storage, { v2: false }, { interval: 20, retain: 1 });
    clock.advanceTo(100);
    while (seen() < 100) await yieldToJob();
    const savepoint = await job.savepoint(); // into the storage's own directory, next to the checkpoints
    await finish(job, clock);
    const entries = readdirSync(join(dir, 'chk')).filter((e) => /^(chk|savepoint)-\d+$/.test(e));
    const checkpoints = entries.filter((e) => e.startsWith('chk-'));
    const latest = (await storage.latest())!.metadata.checkpointId;
    expect(latest).toBeGreaterThan(savepoint.checkpointId + 1);
    expect(checkpoints).toEqual([`chk-${latest}`]);
    expect(entries).toContain(`savepoint-${savepoint.checkpointId}`);
    expect((await FileCheckpointStorage.openPath(savepoint.location)).metadata.kind).toBe('savepoint');
  });
});
