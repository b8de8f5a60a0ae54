// Exactly-once across a process crash: a job writing through the exactly-once FileSink with file
// checkpoints is killed with SIGKILL at a seeded point, restarted with restoreFrom, and the
// committed part files equal those of a run that never failed.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const fixture = join(import.meta.dirname, 'fixtures', 'crash-job.ts');
const tsx = join(import.meta.dirname, '..', '..', 'node_modules', '.bin', 'tsx');

/** Runs the job; with `kill`, kills it with SIGKILL at the first progress report `kill` accepts. */
function runJob(out: string, checkpoints: string, mode: 'fresh' | 'restore', kill?: (records: number) => boolean): Promise<'done' | 'killed'> {
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, [fixture, out, checkpoints, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let buffered = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        const m = /^progress (\d+)$/.exec(line);
        if (kill !== undefined && m !== null && kill(Number(m[1]))) child.kill('SIGKILL');
      }
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve('killed');
      else if (code === 0) resolve('done');
      else reject(new Error(`crash-job exited with ${code}: ${stderr}`));
    });
  });
}

/** The committed output: every visible part file, in part order. */
function committed(out: string): string[] {
  if (!existsSync(out)) return [];
  const parts = readdirSync(out)
    .filter((f) => /^part-0-\d+$/.test(f))
    .sort((a, b) => Number(a.split('-')[2]) - Number(b.split('-')[2]));
  return parts.flatMap((f) => readFileSync(join(out, f), 'utf8').split('\n').filter((l) => l.length > 0));
}

describe('exactly-once across SIGKILL and restoreFrom (FileSink, file checkpoints)', () => {
  it('commits exactly the failure-free output', { timeout: 120_000 }, async () => {
    const fresh = mkdtempSync(join(tmpdir(), 'sluice-crash-'));
    expect(await runJob(join(fresh, 'out'), join(fresh, 'chk'), 'fresh')).toBe('done');
    const expected = committed(join(fresh, 'out'));
    expect(expected.length).toBeGreaterThan(50);

    for (const killAt of [750, 2000, 3250, 4500]) {
      const dir = mkdtempSync(join(tmpdir(), 'sluice-crash-'));
      const out = join(dir, 'out');
      const chk = join(dir, 'chk');
      // Each kill waits until some output is committed (on a loaded machine the first checkpoints
      // may come late), so only a restore from the checkpoint — not a rerun from scratch — gives
      // the expected files.
      expect(await runJob(out, chk, 'fresh', (n) => n >= killAt && committed(out).length > 0)).toBe('killed');
      const beforeRestart = committed(out).length;
      expect(beforeRestart).toBeGreaterThan(0);
      expect(await runJob(out, chk, 'restore')).toBe('done');
      expect(committed(out), `killed at ${killAt} (${beforeRestart} lines committed before)`).toEqual(expected);
    }
  });
});
