// Savepoints through the public API (Node, file storage): take one mid-run, stop, start a new job
// from it; relocation; operators matched by uid; corrupt checkpoints detected.
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CheckpointError,
  CollectingTwoPhaseCommitSink,
  StreamEnvironment,
  aggregate,
  count,
  keyBy,
  map,
  sum,
  tap,
  tumbling,
  watermarks,
  window,
  type CompletedCheckpoint,
  type CheckpointStorage,
} from '../../src/index';
import { FileCheckpointStorage } from '../../src/node/index';
import { Signal } from '../support/signal';

interface Ev {
  readonly k: string;
  readonly ts: number;
  readonly v: number;
}

const event = (i: number): Ev => ({ k: `k${i % 9}`, ts: i * 5, v: i % 13 });
const COUNT = 3000;

describe('savepoints', () => {
  it('stop with a savepoint, move it, resume from it: together the output equals an uninterrupted run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-sp-'));
    const expectedSink = new CollectingTwoPhaseCommitSink<string>();
    const expected = await run(expectedSink, new FileCheckpointStorage(join(dir, 'a')));

    const storage = new FileCheckpointStorage(join(dir, 'b'));
    // One output for both jobs, as a real sink writes to one external system: a restore commits
    // the savepoint's transactions again, and the sink recognises them.
    const output = new CollectingTwoPhaseCommitSink<string>();
    const reached = new Signal();
    const job = await start(output, storage, { onRecord: (n) => n === 1000 && reached.fire() });
    await reached.next();
    const savepoint = await job.savepoint(join(dir, 'savepoints'));
    await job.cancel();
    expect(savepoint.location).toContain('savepoint-');
    const committedByFirst = output.committed.length;

    // Savepoints are relocatable: move the directory and resume from the copy.
    const moved = join(dir, 'moved');
    cpSync(savepoint.location, moved, { recursive: true });
    await run(output, new FileCheckpointStorage(join(dir, 'c')), { restoreFrom: await FileCheckpointStorage.openPath(moved) });
    expect(output.committed).toEqual(expected);
    expect(committedByFirst).toBeGreaterThan(0);
    expect(committedByFirst).toBeLessThan(expected.length);
  });

  it('refuses state for an operator uid the job lacks, unless allowNonRestoredState', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-sp-'));
    const storage = new FileCheckpointStorage(join(dir, 'chk'));
    const reached = new Signal();
    const job = await start(new CollectingTwoPhaseCommitSink(), storage, { onRecord: (n) => n === 500 && reached.fire() });
    await reached.next();
    const savepoint = await job.savepoint();
    await job.cancel();
    const from = await storage.open(savepoint.checkpointId);
    await expect(run(new CollectingTwoPhaseCommitSink(), new FileCheckpointStorage(join(dir, 'x')), { restoreFrom: from, windowUid: 'renamed' })).rejects.toThrow(
      'has state for operator uid "windows", which this job does not have',
    );
    const lenient = new CollectingTwoPhaseCommitSink<string>();
    await run(lenient, new FileCheckpointStorage(join(dir, 'y')), { restoreFrom: from, windowUid: 'renamed', allowNonRestoredState: true });
    expect(lenient.committed.length).toBeGreaterThan(0);
  });

  it('a flipped byte in the only checkpoint fails the restore with an error naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-sp-'));
    const storage = new FileCheckpointStorage(join(dir, 'chk'));
    const reached = new Signal();
    const job = await start(new CollectingTwoPhaseCommitSink(), storage, { onRecord: (n) => n === 500 && reached.fire() });
    await reached.next();
    const savepoint = await job.savepoint();
    await job.cancel();
    const stateFile = readdirSync(savepoint.location).find((f) => f.startsWith('windows'))!;
    const path = join(savepoint.location, stateFile);
    const bytes = readFileSync(path);
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    writeFileSync(path, bytes);
    const error = await FileCheckpointStorage.openPath(savepoint.location)
      .then((restoreFrom) => run(new CollectingTwoPhaseCommitSink(), new FileCheckpointStorage(join(dir, 'z')), { restoreFrom }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointError);
    expect((error as Error).message).toContain(stateFile);
    expect((error as Error).message).toContain('checksum mismatch');
  });
});

interface JobOptions {
  readonly restoreFrom?: CompletedCheckpoint | CheckpointStorage;
  readonly windowUid?: string;
  readonly allowNonRestoredState?: boolean;
  readonly onRecord?: (n: number) => void;
}

/** Windowed counts over a replayable, rate-limited source into the exactly-once collecting sink. */
function start(sink: CollectingTwoPhaseCommitSink<string>, storage: CheckpointStorage, options: JobOptions = {}) {
  const env = new StreamEnvironment({
    checkpoint: { interval: 60_000, storage },
    restart: { strategy: 'none' },
    restoreFrom: options.restoreFrom,
    allowNonRestoredState: options.allowNonRestoredState,
  });
  let n = 0;
  env
    .fromGenerator(event, { count: COUNT, eventsPerSecond: 30_000 })
    .pipe(
      tap(() => options.onRecord?.(++n)),
      watermarks({ timestamp: (e: Ev) => e.ts }, { uid: 'time' }),
      keyBy((e) => e.k),
      window(tumbling(500)),
      aggregate({ n: count(), total: sum((e) => e.v) }, { uid: options.windowUid ?? 'windows' }),
      map((r) => `${String(r.key)} ${r.start} ${r.n} ${r.total}`),
    )
    .sinkTo(sink);
  return env.execute('savepoint-job');
}

async function run(sink: CollectingTwoPhaseCommitSink<string>, storage: CheckpointStorage, options: JobOptions = {}): Promise<string[]> {
  const job = await start(sink, storage, options);
  await job.done;
  return sink.committed;
}
