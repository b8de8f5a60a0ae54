// A killed process leaves its open transaction behind; the restore aborts it. Flink's
// TwoPhaseCommitSinkFunction keeps the transaction begun after the barrier in the snapshot and, on
// restore, calls recoverAndAbort on it (and recoverAndCommit on the pending ones):
// https://nightlies.apache.org/flink/flink-docs-stable/api/java/org/apache/flink/streaming/api/functions/sink/TwoPhaseCommitSinkFunction.html
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileSink, type FileTransaction } from '../../src/node/index';
import type { Batch } from '../../src/types';

const fixture = join(import.meta.dirname, 'fixtures', 'killed-file-sink-job.ts');
const tsx = join(import.meta.dirname, '..', '..', 'node_modules', '.bin', 'tsx');
const COUNT = 60;

/** Runs the fixture; in `fresh` mode kills it with SIGKILL as soon as it prints "ready". */
function runJob(out: string, checkpoints: string, mode: 'fresh' | 'restore'): Promise<'done' | 'killed'> {
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, [fixture, out, checkpoints, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (mode === 'fresh' && stdout.split('\n').includes('ready')) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve('killed');
      else if (code === 0) resolve('done');
      else reject(new Error(`killed-file-sink-job (${mode}) exited with ${code}: ${stderr}`));
    });
  });
}

const inProgress = (out: string) => readdirSync(out).filter((f) => f.includes('.inprogress'));

/** Every visible part file's lines, in part order. */
function committed(out: string): string[] {
  const parts = readdirSync(out)
    .filter((f) => /^part-0-\d+$/.test(f))
    .sort((a, b) => Number(a.split('-')[2]) - Number(b.split('-')[2]));
  return parts.flatMap((f) => readFileSync(join(out, f), 'utf8').split('\n').filter((l) => l.length > 0));
}

describe('FileSink: a restore aborts the transaction a killed process left open (Flink recoverAndAbort)', () => {
  it('removes the in-progress part files of the killed run and commits each record once', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-killed-'));
    const out = join(dir, 'out');
    const chk = join(dir, 'chk');
    expect(await runJob(out, chk, 'fresh')).toBe('killed');
    // Checkpoint 1 committed records 0..9; records 10..19 sit in the killed run's open transaction,
    // written and fsynced into in-progress part files that nothing closed or aborted.
    expect(committed(out)).toEqual(Array.from({ length: 10 }, (_, i) => String(i)));
    expect(inProgress(out).length).toBeGreaterThan(0);

    // A new process: a new environment and a new sink, restored from checkpoint 1.
    expect(await runJob(out, chk, 'restore')).toBe('done');
    expect(inProgress(out)).toEqual([]);
    expect(committed(out)).toEqual(Array.from({ length: COUNT }, (_, i) => String(i)));
  });
});

describe('FileSink.recoverAndAbort (unit)', () => {
  const batch = (...values: string[]): Batch<string> => ({ values, timestamps: new Float64Array(values.length).fill(NaN), length: values.length });

  it('a new sink instance deletes every in-progress part of the transaction from its begin-time handle, and only those', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'sluice-abort-')), 'out');
    const sink = new FileSink<string>(out, { encode: (s) => s, maxPartSize: 4 });
    const kept = sink.beginTransaction();
    sink.invoke(kept, batch('kept'));
    await sink.preCommit();
    const open = sink.beginTransaction();
    const handle = JSON.parse(JSON.stringify(open)) as FileTransaction; // as the checkpoint holds it
    sink.invoke(open, batch('a', 'b', 'c', 'd'));
    sink.invoke(open, batch('e', 'f', 'g', 'h')); // rolls over into a second part
    await sink.preCommit();
    expect(open.parts).toHaveLength(2);
    expect(inProgress(out)).toHaveLength(3);
    // An unrelated file with a similar name stays.
    writeFileSync(join(out, '.part-0-99.inprogress'), 'not ours');

    const restored = new FileSink<string>(out, { encode: (s) => s });
    await restored.recoverAndAbort(handle);
    await restored.recoverAndAbort(handle); // idempotent
    expect(inProgress(out).sort()).toEqual(['.part-0-99.inprogress', kept.parts[0]![0]].sort());
    await restored.recoverAndCommit(JSON.parse(JSON.stringify(kept)) as FileTransaction);
    expect(committed(out)).toEqual(['kept']);
  });

  it('tolerates a transaction that never wrote anything', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'sluice-abort-')), 'out');
    const sink = new FileSink<string>(out);
    const txn = sink.beginTransaction();
    await sink.abort(txn);
    await new FileSink<string>(out).recoverAndAbort(JSON.parse(JSON.stringify(txn)) as FileTransaction);
    expect(readdirSync(out)).toEqual([]);
  });
});
