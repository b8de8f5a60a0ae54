import { mkdirSync, readdirSync } from 'node:fs';
import { open, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
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

/** A transaction: the part files it wrote, each `[inProgressName, finalName]`. */
interface FileTransaction {
  readonly parts: Array<[string, string]>;
}

/**
 * Flink's `FileSink` in STREAMING mode, exactly-once: records are appended to in-progress part
 * files hidden by a leading dot (`.part-0-3.inprogress`); at a checkpoint the open part is flushed
 * and fsynced (pre-commit), and when the checkpoint completes it is renamed to its final name
 * `part-0-3` (commit) — so readers of the directory see only committed data. Parts also roll by
 * size and age. After a failure, parts of the restored checkpoint are committed again (a rename
 * that already happened is recognised), and in-progress files of later transactions are ignored
 * and overwritten. Node only: import from `sluice/node`.
 *
 * @example
 * rows.sinkTo(new FileSink('out/', { encode: (r) => JSON.stringify(r) }));
 */
export class FileSink<T> extends TwoPhaseCommitSink<T, FileTransaction> {
  override readonly name: string;
  private readonly encode: (value: T) => string;
  private readonly prefix: string;
  private counter: number;
  private current: { handle: Promise<FileHandle>; inProgress: string; bytes: number; openedAt: number; writes: Promise<unknown> } | undefined;
  private readonly encoder = new TextEncoder();

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
    const pattern = new RegExp(`^\\.?${this.prefix}-0-(\\d+)(\\.inprogress)?$`);
    let max = -1;
    for (const f of readdirSync(directory)) {
      const m = pattern.exec(f);
      if (m !== null) max = Math.max(max, Number(m[1]));
    }
    this.counter = max + 1;
  }

  beginTransaction(): FileTransaction {
    this.current = undefined;
    return { parts: [] };
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
      void this.closePart();
    }
  }

  async preCommit(): Promise<void> {
    await this.closePart();
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

  async abort(txn: FileTransaction): Promise<void> {
    await this.closePart();
    for (const [inProgress] of txn.parts) await unlink(join(this.directory, inProgress)).catch(() => {});
  }

  private openPart(txn: FileTransaction) {
    if (this.current !== undefined) return this.current;
    const n = this.counter++;
    const inProgress = `.${this.prefix}-0-${n}.inprogress`;
    txn.parts.push([inProgress, `${this.prefix}-0-${n}`]);
    this.current = { handle: open(join(this.directory, inProgress), 'w'), inProgress, bytes: 0, openedAt: Date.now(), writes: Promise.resolve() };
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
