import { mkdir, open, readFile, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import {
  AbstractCheckpointWriter,
  CheckpointError,
  WriterRegistry,
  checkRetained,
  decodeMetadata,
  entryName,
  findLatest,
  loadCheckpoint,
  planRetention,
  requireCheckpointId,
  requireKind,
  type BeginOptions,
  type CheckpointKind,
  type CheckpointSource,
  type CheckpointStorage,
  type CheckpointWriter,
  type CompletedCheckpoint,
  type RetentionEntry,
} from '../checkpoint/checkpoint-storage';

const METADATA = '_metadata';
const METADATA_TEMP = '_metadata.tmp';
const ENTRY = /^(chk|savepoint)-(0|[1-9][0-9]{0,15})$/;

interface DirectoryEntry {
  readonly id: number;
  readonly kind: CheckpointKind;
  readonly path: string;
}

/**
 * Checkpoints as directories, in Flink's layout:
 *
 * ```text
 * <dir>/chk-<id>/<state files…>        each written, then fsynced
 * <dir>/chk-<id>/_metadata             written last: temp file + fsync + rename + fsync(dir)
 * <dir>/savepoint-<id>/…               same format; or <target>/savepoint-<id>/ with `{ target }`
 * ```
 *
 * A directory without `_metadata` (a crash mid-checkpoint) is never used. The metadata names files
 * relatively, so a savepoint directory can be copied or moved and opened where it lands
 * (`FileCheckpointStorage.openPath`). Node only: import from `sluice/node`.
 *
 * @example
 * const storage = new FileCheckpointStorage('/var/lib/bids/checkpoints');
 * const restored = await storage.latest();
 * const savepoint = await FileCheckpointStorage.openPath('/backups/savepoint-42');
 */
export class FileCheckpointStorage implements CheckpointStorage {
  /** The checkpoint directory, absolute. */
  readonly dir: string;
  private readonly writers = new WriterRegistry();

  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  /**
   * Opens and verifies the checkpoint or savepoint in `path` (its directory, or its `_metadata`), wherever
   * it was moved to — Flink's `restoreFrom` / `-s <path>`.
   */
  static async openPath(path: string): Promise<CompletedCheckpoint> {
    let dir = resolve(path);
    if (basename(dir) === METADATA) dir = dirname(dir);
    return loadCheckpoint(directorySource(dir), {});
  }

  async begin(id: number, kind: CheckpointKind, options: BeginOptions = {}): Promise<CheckpointWriter> {
    requireCheckpointId(id);
    requireKind(kind);
    if (options.target !== undefined && kind !== 'savepoint') {
      throw new CheckpointError('invalid', id, undefined, 'a target directory is for savepoints; checkpoints go to the storage directory');
    }
    const parent = options.target === undefined ? this.dir : resolve(options.target);
    const path = join(parent, entryName(kind, id));
    const release = this.writers.claim(String(id), id);
    try {
      // Never overwrite a complete checkpoint. Ids are shared by checkpoints and savepoints, as in Flink.
      const taken = parent === this.dir ? [this.path('checkpoint', id), this.path('savepoint', id)] : [path];
      for (const dir of taken) {
        if (await exists(join(dir, METADATA))) throw new CheckpointError('conflict', id, dir, 'already complete');
      }
      await rm(path, { recursive: true, force: true }); // a leftover of a crashed attempt with the same id
      await mkdir(path, { recursive: true });
      await syncDirectory(parent); // the new directory's entry survives a crash
    } catch (error) {
      release();
      throw error;
    }
    return new FileCheckpointWriter(path, id, kind, release);
  }

  async latest(): Promise<CompletedCheckpoint | undefined> {
    this.writers.checkUsable();
    const candidates = (await this.list())
      .filter((e) => e.kind === 'checkpoint')
      .map((e) => ({ id: e.id, load: (skipped: Parameters<typeof loadCheckpoint>[2]) => loadCheckpoint(directorySource(e.path), e, skipped) }));
    return findLatest(candidates, this.dir);
  }

  async open(id: number): Promise<CompletedCheckpoint> {
    this.writers.checkUsable();
    requireCheckpointId(id);
    for (const kind of ['checkpoint', 'savepoint'] as const) {
      const path = this.path(kind, id);
      if (await isDirectory(path)) return loadCheckpoint(directorySource(path), { id, kind });
    }
    throw new CheckpointError('not-found', id, undefined, `no chk-${id} or savepoint-${id} directory in ${this.dir}`);
  }

  async retain(n = 1): Promise<void> {
    this.writers.checkUsable();
    checkRetained(n);
    const entries: Array<RetentionEntry & DirectoryEntry> = [];
    for (const entry of await this.list()) {
      const decoded = decodeMetadata(await readIfExists(join(entry.path, METADATA)));
      const complete = decoded.ok && decoded.metadata.checkpointId === entry.id && decoded.metadata.kind === entry.kind;
      entries.push({ ...entry, complete, active: this.writers.has(String(entry.id)) });
    }
    for (const entry of planRetention(entries, n)) {
      // `_metadata` first: a crash mid-deletion leaves an incomplete directory, never a checkpoint with holes.
      await unlink(join(entry.path, METADATA)).catch(ignoreMissing);
      await syncDirectory(entry.path);
      await rm(entry.path, { recursive: true, force: true });
    }
  }

  async dispose(): Promise<void> {
    this.writers.dispose();
  }

  private path(kind: CheckpointKind, id: number): string {
    return join(this.dir, entryName(kind, id));
  }

  private async list(): Promise<DirectoryEntry[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if (codeOf(error) === 'ENOENT') return [];
      throw error;
    }
    const entries: DirectoryEntry[] = [];
    for (const name of names) {
      const match = ENTRY.exec(name);
      if (match === null) continue;
      const path = join(this.dir, name);
      if (!(await isDirectory(path))) continue;
      entries.push({ id: Number(match[2]), kind: match[1] === 'chk' ? 'checkpoint' : 'savepoint', path });
    }
    return entries;
  }
}

class FileCheckpointWriter extends AbstractCheckpointWriter {
  constructor(
    private readonly path: string,
    id: number,
    kind: CheckpointKind,
    release: () => void,
  ) {
    super(id, kind, path, release);
  }

  protected async store(name: string, bytes: Uint8Array): Promise<void> {
    await writeDurably(join(this.path, name), bytes, 'wx');
  }

  protected async storeMetadata(envelope: Uint8Array): Promise<void> {
    const target = join(this.path, METADATA);
    if (await exists(target)) throw new CheckpointError('conflict', this.checkpointId, target, 'already complete');
    const temp = join(this.path, METADATA_TEMP);
    await writeDurably(temp, envelope, 'w');
    await rename(temp, target); // atomic: before it, no _metadata; after it, the whole of it
    await syncDirectory(this.path);
  }

  protected async discard(): Promise<void> {
    await rm(this.path, { recursive: true, force: true });
  }
}

function directorySource(dir: string): CheckpointSource {
  return {
    location: dir,
    metadataName: join(dir, METADATA),
    fileName: (name) => join(dir, name),
    readMetadata: () => readIfExists(join(dir, METADATA)),
    readFile: (name) => readIfExists(join(dir, name)),
  };
}

async function writeDurably(path: string, bytes: Uint8Array, flags: 'w' | 'wx'): Promise<void> {
  const handle = await open(path, flags);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** fsync of a directory makes its entries (created, renamed, deleted files) durable. Not possible everywhere (Windows). */
async function syncDirectory(path: string): Promise<void> {
  let handle;
  try {
    handle = await open(path, 'r');
    await handle.sync();
  } catch (error) {
    if (!['EISDIR', 'EPERM', 'EINVAL', 'EBADF', 'EACCES', 'ENOTSUP'].includes(codeOf(error) ?? '')) throw error;
  } finally {
    await handle?.close();
  }
}

async function readIfExists(path: string): Promise<Uint8Array | undefined> {
  try {
    const buffer = await readFile(path);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return undefined;
    throw error;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return false;
    throw error;
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return false;
    throw error;
  }
}

function ignoreMissing(error: unknown): void {
  if (codeOf(error) !== 'ENOENT') throw error;
}

function codeOf(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}
