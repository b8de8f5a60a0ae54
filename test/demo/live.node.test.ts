// The live demo (`npm start`) runs end to end: a child process runs it for 3 s at 20 000 events/s
// and must exit 0 after printing at least one fired window and progress lines (stdout is a pipe,
// so the demo prints one progress line per second instead of redrawing one line).
import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function runDemo(args: readonly string[], timeoutMs: number): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('npx', ['tsx', 'demo/live.ts', ...args], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
  });
}

describe('demo/live.ts', () => {
  it('runs a live windowed job for --seconds 3 and exits 0', { timeout: 40_000 }, async () => {
    const run = await runDemo(['--seconds', '3', '--rate', '20000'], 30_000);
    const context = `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
    expect(run.signal, context).toBeNull();
    expect(run.code, context).toBe(0);

    // At least one fired window: its header and a ranked row of the top auctions.
    expect(run.stdout, context).toMatch(/^window \d\d:\d\d:\d\d\.\d{3} – \d\d:\d\d:\d\d\.\d{3}.*[\d,]+ bids/m);
    expect(run.stdout, context).toMatch(/^ {2}1 +\d+ +[\d,]+ +\$[\d,.]+ +\$[\d,.]+$/m);

    // Progress lines with events/s and a watermark (a time of day once the first one arrived).
    const progress = run.stdout.split('\n').filter((l) => /events\/s/.test(l) && /watermark/.test(l));
    expect(progress.length, context).toBeGreaterThan(0);
    expect(progress.some((l) => /[1-9][\d,]* events\/s \| .*watermark \d\d:\d\d:\d\d\.\d{3}/.test(l)), context).toBe(true);

    // The summary after the cancel.
    expect(run.stdout, context).toMatch(/Stopped after 3\.\d s: [\d,]+ events .*job canceled\./);
  });
});
