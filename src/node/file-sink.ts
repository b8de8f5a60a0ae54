import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync } from 'node:fs';
import { open, readdir, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { TwoPhaseCommitSink } from '../io/two-phase-commit-sink';
import type { Batch } from '../types';

export interface FileSinkOptions<T> {
  /** One line per record (without the newline); default `JSON.stringify`. */
  readonly encode?: (value: T) => string;
  /** Starts a new part file once the current one has this many bytes (Flink's `withMaxPartSize`). */
  readonly maxPartSize?: number;
  /** Starts a new part file once the current one is this many ms old (`withRolloverInterval`). */
  readonly rolloverInterval?: number;
  /** Distinguishes the sink's files when several jobs write into one directory. */
  readonly prefix?: string;
}

/** A transaction: its id and the part files it wrote, each `[inProgressName, finalName]`. */
export interface FileTransaction {
  /**
   * Unique across sink instances and processes; every in-progress file of the transaction ends in
   * `.inprogress.<id>`, so that a restore in a new process finds them from the handle as it was at
   * `beginTransaction` (when `parts` was still empty). Absent in transactions of checkpoints taken
   * before ids were given: those are only ever committed.
   */
  readonly id?: string;
  readonly parts: Array<[string, string]>;
}

/**
 * Flink's `FileSink` in STREAMING mode, exactly-once: records are appended to in-progress part
 * files hidden by a leading dot and tagged with their transaction's id, as Flink tags them with a
 * uuid (`.part-0-3.inprogress.<id>`); at a checkpoint the open part is flushed and fsynced
 * (pre-commit), and when the checkpoint completes it is renamed to its final name `part-0-3`
 * (commit) — so readers of the directory see only committed data. Parts also roll by size and age.
 * On restore, parts of the restored checkpoint are committed again (a rename that already happened
 * is recognised), and the in-progress files of the transaction that was open at the checkpoint —
 * left behind by a crash, or written by a later checkpoint that never completed — are deleted
 * (`recoverAndAbort`, found by the transaction's id). Node only: import from `sluice/node`.
 *
 * @example
 * rows.sinkTo(new FileSink('out/', { encode: (r) => JSON.stringify(r) }));
 */
export class FileSink<T> extends TwoPhaseCommitSink<T, FileTransaction> {
  override readonly name: string;
  private readonly encode: (value: T) => string;
  private readonly prefix: string;
  private counter: number;
  /** Transaction ids: this instance's random session (never repeated by another process), then a sequence number. */
  private readonly session = randomUUID();
  private sequence = 0;
  private current:
    | { handle: Promise<FileHandle>; txn: FileTransaction; inProgress: string; bytes: number; openedAt: number; writes: Promise<unknown> }
    | undefined;
  private readonly encoder = new TextEncoder();
  /** Closes (flush, fsync) of parts that rolled over since the last pre-commit. */
  private readonly rolled: Array<Promise<void>> = [];

  constructor(
    private readonly directory: string,
    private readonly options: FileSinkOptions<T> = {},
  ) {
    super();
    this.name = `file(${directory})`;
    this.encode = options.encode ?? ((v) => JSON.stringify(v));
    this.prefix = options.prefix ?? 'part';
    mkdirSync(directory, { recursive: true });
    // Continue numbering after every part already there, committed or in progress.
    const pattern = new RegExp(`^\\.?${this.prefix}-0-(\\d+)(\\.inprogress(\\..+)?)?$`);
    let max = -1;
    for (const f of readdirSync(directory)) {
      const m = pattern.exec(f);
      if (m !== null) max = Math.max(max, Number(m[1]));
    }
    this.counter = max + 1;
  }

  beginTransaction(): FileTransaction {
    this.current = undefined;
    return { id: `${this.session}-${this.sequence++}`, parts: [] };
  }

  invoke(txn: FileTransaction, batch: Batch<T>): void {
    let text = '';
    for (let i = 0; i < batch.length; i++) text += `${this.encode(batch.values[i]!)}\n`;
    if (text.length === 0) return;
    const part = this.openPart(txn);
    const bytes = this.encoder.encode(text);
    part.bytes += bytes.length;
    part.writes = part.writes.then(() => part.handle.then((h) => h.write(bytes)));
    const { maxPartSize, rolloverInterval } = this.options;
    if ((maxPartSize !== undefined && part.bytes >= maxPartSize) || (rolloverInterval !== undefined && Date.now() - part.openedAt >= rolloverInterval)) {
      const closing = this.closePart();
      closing.catch(() => {}); // reported by the next pre-commit
      this.rolled.push(closing);
    }
  }

  async preCommit(): Promise<void> {
    // Every part of the transaction must be durable before its checkpoint may complete, also those
    // that rolled over (their closes run in the background).
    const rolled = this.rolled.splice(0);
    await Promise.all([this.closePart(), ...rolled]);
  }

  async commit(txn: FileTransaction): Promise<void> {
    for (const [inProgress, final] of txn.parts) {
      try {
        await rename(join(this.directory, inProgress), join(this.directory, final));
      } catch (e) {
        // Committed before the failure: the rename happened and the in-progress file is gone.
        if ((e as NodeJS.ErrnoException).code === 'ENOENT' && (await exists(join(this.directory, final)))) continue;
        throw e;
      }
    }
  }

  /**
   * Deletes the transaction's in-progress files: those it lists, and — for a handle from a checkpoint,
   * which lists none — every file tagged with its id. Idempotent; files never created are no error.
   */
  async abort(txn: FileTransaction): Promise<void> {
    if (this.current?.txn === txn) await this.closePart();
    const names = new Set(txn.parts.map(([inProgress]) => inProgress));
    if (txn.id !== undefined) {
      const suffix = `.inprogress.${txn.id}`;
      const files = await readdir(this.directory).catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT') return []; // nothing was ever written here
        throw e;
      });
      for (const f of files) if (f.startsWith(`.${this.prefix}-0-`) && f.endsWith(suffix)) names.add(f);
    }
    for (const name of names) {
      await unlink(join(this.directory, name)).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw e;
      });
    }
  }

  private openPart(txn: FileTransaction) {
    if (this.current !== undefined) return this.current;
    const n = this.counter++;
    const inProgress = `.${this.prefix}-0-${n}.inprogress.${txn.id}`;
    txn.parts.push([inProgress, `${this.prefix}-0-${n}`]);
    this.current = { handle: open(join(this.directory, inProgress), 'w'), txn, inProgress, bytes: 0, openedAt: Date.now(), writes: Promise.resolve() };
    return this.current;
  }

  private async closePart(): Promise<void> {
    const part = this.current;
    if (part === undefined) return;
    this.current = undefined;
    await part.writes;
    const handle = await part.handle;
    await handle.sync();
    await handle.close();
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
