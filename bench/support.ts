// What every benchmark shares: command-line options, a seeded PRNG, medians, the results file.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Parses `--name N` / `--name=N` options: each numeric option a positive integer (defaults given),
 * each text option passed through; anything else is an error showing `usage`.
 */
export function parseOptions<N extends string, S extends string = never>(
  argv: readonly string[],
  numeric: Record<N, number>,
  usage: string,
  text: readonly S[] = [],
): Record<N, number> & Partial<Record<S, string>> {
  const out: Record<string, number | string> = { ...numeric };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split('=', 2) as [string, string | undefined];
    const raw = inline ?? argv[++i];
    const name = flag.replace(/^--/, '');
    if ((text as readonly string[]).includes(name)) {
      out[name] = String(raw);
      continue;
    }
    if (!(name in numeric)) throw new Error(`unknown option ${flag}; usage: ${usage}`);
    const n = Number(raw);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag} needs a positive integer, got ${String(raw)}`);
    out[name] = n;
  }
  return out as Record<N, number> & Partial<Record<S, string>>;
}

export { mulberry32 } from './random';

/** The median (the mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** What a run was measured on, for the printed header and the results file. */
export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGB: number;
  readonly node: string;
  readonly platform: string;
  readonly loadAverage: number[];
  /** Whether `gc()` is there (`node --expose-gc`), for steadier memory figures. */
  readonly gcExposed: boolean;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGB: Math.round(os.totalmem() / 1024 ** 3),
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    loadAverage: os.loadavg().map((x) => Math.round(x * 10) / 10),
    gcExposed: typeof (globalThis as { gc?: unknown }).gc === 'function',
  };
}

/**
 * Stores `value` under `key` in bench-results.json, keeping what the other benchmarks stored
 * under theirs. Returns the file's path.
 */
export function saveResults(key: string, value: unknown): string {
  const file = resolve(dirname(fileURLToPath(import.meta.url)), '../bench-results.json');
  let all: Record<string, unknown> = {};
  try {
    all = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    // Missing or unreadable: start a new file.
  }
  all[key] = value;
  writeFileSync(file, `${JSON.stringify(all, null, 2)}\n`);
  return file;
}

/**
 * Runs `script` (a bench file, usually the caller's own `import.meta.url`) again in a child Node
 * process with `args` and returns the JSON it prints on stdout: a fresh heap for memory figures.
 * `process.execArgv` carries tsx's loader, so the child runs TypeScript as the parent does.
 */
export function runInChild<T>(script: string, args: readonly string[], nodeArgs: readonly string[] = []): Promise<T> {
  const file = script.startsWith('file:') ? fileURLToPath(script) : script;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, ...nodeArgs, file, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`${file} ${args.join(' ')} exited with ${code}`));
      else resolvePromise(JSON.parse(out) as T);
    });
  });
}

/**
 * The CPU time the hypervisor gave other guests ("steal", Linux's /proc/stat) since `start()`, as
 * a fraction of all CPU time: on a shared VM, how much of the cores a run did not get to use.
 * `undefined` where /proc/stat is not there.
 */
export function stealMeter(): { readonly fraction: () => number | undefined } {
  const read = (): { steal: number; total: number } | undefined => {
    try {
      const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
      // user nice system idle iowait irq softirq steal guest guest_nice; guest time is inside user.
      const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
      return { steal: fields[7] ?? 0, total };
    } catch {
      return undefined;
    }
  };
  const start = read();
  return {
    fraction: () => {
      const now = read();
      if (start === undefined || now === undefined || now.total === start.total) return undefined;
      return (now.steal - start.steal) / (now.total - start.total);
    },
  };
}
