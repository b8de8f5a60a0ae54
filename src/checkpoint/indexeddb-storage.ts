import { wrap, type DBSchema, type IDBPDatabase } from 'idb';
import {
  AbstractCheckpointWriter,
  CheckpointError,
  WriterRegistry,
  checkRetained,
  decodeMetadata,
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
  type LatestCandidate,
  type RetentionEntry,
} from './checkpoint-storage';

/**
 * The database layout. A record in `checkpoints` is what makes a checkpoint complete: it is written in
 * one transaction after every state file is in `files`. Values are typed for writing; everything read
 * back is checked (shape, size, CRC-32C) before it is trusted.
 */
export interface CheckpointDBSchema extends DBSchema {
  /** Metadata envelopes (`SLMD`, checksummed), keyed by checkpoint id. */
  checkpoints: { key: number; value: Uint8Array };
  /** State files, keyed by `[checkpointId, name]`. */
  files: { key: [number, string]; value: Uint8Array };
}

const DB_VERSION = 1;

export interface IndexedDBCheckpointStorageOptions {
  /** The IndexedDB to use (default: `globalThis.indexedDB`); in Node tests, `new IDBFactory()` from fake-indexeddb. */
  readonly indexedDB?: IDBFactory;
}

/**
 * Checkpoints in an IndexedDB database, for browsers and their workers. State files are stored as they
 * are written; one transaction (with `durability: 'strict'`) then writes the metadata record, which
 * makes the checkpoint complete; retention deletes old checkpoints' records and files in one
 * transaction. One job per database name.
 *
 * Uses `idb`, which needs the IndexedDB classes as globals (`IDBDatabase`, `IDBTransaction`, …): present
 * in browsers; in Node, `import 'fake-indexeddb/auto'`.
 *
 * @example
 * const storage = new IndexedDBCheckpointStorage('bids-job');
 * const restored = await storage.latest();
 */
export class IndexedDBCheckpointStorage implements CheckpointStorage {
  private readonly factory: IDBFactory;
  private readonly writers = new WriterRegistry();
  private connection: Promise<IDBPDatabase<CheckpointDBSchema>> | undefined;

  constructor(
    readonly dbName: string,
    options: IndexedDBCheckpointStorageOptions = {},
  ) {
    const factory = options.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
    if (factory === undefined) {
      throw new CheckpointError(
        'invalid',
        undefined,
        undefined,
        'IndexedDB is not available in this runtime (workerd, Node): pass { indexedDB } or use another checkpoint storage',
      );
    }
    if (typeof (globalThis as { IDBDatabase?: unknown }).IDBDatabase === 'undefined') {
      throw new CheckpointError(
        'invalid',
        undefined,
        undefined,
        "the IndexedDB classes (IDBDatabase, IDBTransaction, …) are not globals in this runtime; in Node, import 'fake-indexeddb/auto' first",
      );
    }
    this.factory = factory;
  }

  async begin(id: number, kind: CheckpointKind, options: BeginOptions = {}): Promise<CheckpointWriter> {
    requireCheckpointId(id);
    requireKind(kind);
    if (options.target !== undefined) {
      throw new CheckpointError('invalid', id, undefined, 'IndexedDB checkpoint storage has no savepoint target directories');
    }
    const release = this.writers.claim(String(id), id);
    try {
      const db = await this.db();
      const tx = db.transaction(['checkpoints', 'files'], 'readwrite');
      if ((await tx.objectStore('checkpoints').getKey(id)) !== undefined) {
        tx.abort();
        await tx.done.catch(() => {});
        throw new CheckpointError('conflict', id, this.metadataName(id), 'already complete');
      }
      // A leftover of a crashed attempt with the same id is replaced.
      await Promise.all([tx.objectStore('files').delete(filesOf(id)), tx.done]);
      return new IndexedDBCheckpointWriter(db, id, kind, this.location(id), release);
    } catch (error) {
      release();
      throw error;
    }
  }

  async latest(): Promise<CompletedCheckpoint | undefined> {
    const { committed, unfinished } = await this.scan();
    const candidates: LatestCandidate[] = [];
    for (const [id, raw] of committed) {
      const decoded = decodeMetadata(raw);
      if (decoded.ok && decoded.metadata.kind === 'savepoint') continue; // not used for recovery
      candidates.push({ id, load: (skipped) => loadCheckpoint(this.source(id, async () => raw), { id }, skipped) });
    }
    for (const id of unfinished) {
      candidates.push({ id, load: (skipped) => loadCheckpoint(this.source(id, async () => undefined), { id }, skipped) });
    }
    return findLatest(candidates, `IndexedDB "${this.dbName}"`);
  }

  async open(id: number): Promise<CompletedCheckpoint> {
    requireCheckpointId(id);
    const db = await this.db();
    const tx = db.transaction(['checkpoints', 'files'], 'readonly');
    const [raw, fileCount] = await Promise.all([
      tx.objectStore('checkpoints').get(id) as Promise<unknown>,
      tx.objectStore('files').count(filesOf(id)),
      tx.done,
    ]);
    if (raw === undefined && fileCount === 0) {
      throw new CheckpointError('not-found', id, undefined, `no such checkpoint in IndexedDB "${this.dbName}"`);
    }
    return loadCheckpoint(this.source(id, async () => raw), { id });
  }

  async retain(n = 1): Promise<void> {
    checkRetained(n);
    const db = await this.db();
    // One transaction: the listing, the decision and every deletion see (and leave) one consistent state.
    const tx = db.transaction(['checkpoints', 'files'], 'readwrite');
    const checkpoints = tx.objectStore('checkpoints');
    const files = tx.objectStore('files');
    const [ids, records, fileKeys] = await Promise.all([checkpoints.getAllKeys(), checkpoints.getAll(), files.getAllKeys()]);
    const entries = new Map<number, RetentionEntry>();
    ids.forEach((id, i) => {
      const decoded = decodeMetadata(records[i]);
      entries.set(id, {
        id,
        kind: decoded.ok ? decoded.metadata.kind : undefined,
        complete: decoded.ok,
        active: this.writers.has(String(id)),
      });
    });
    for (const [id] of fileKeys) {
      if (!entries.has(id)) entries.set(id, { id, kind: undefined, complete: false, active: this.writers.has(String(id)) });
    }
    const deletions = planRetention([...entries.values()], n).flatMap(({ id }) => [checkpoints.delete(id), files.delete(filesOf(id))]);
    await Promise.all([...deletions, tx.done]);
  }

  async dispose(): Promise<void> {
    this.writers.dispose();
    const connection = this.connection;
    this.connection = undefined;
    if (connection !== undefined) (await connection.catch(() => undefined))?.close();
  }

  // ── I/O helpers ──────────────────────────────────────────────────────────────────────────────

  private db(): Promise<IDBPDatabase<CheckpointDBSchema>> {
    this.writers.checkUsable();
    if (this.connection === undefined) {
      const connection = this.connect(() => {
        if (this.connection === connection) this.connection = undefined;
      });
      this.connection = connection;
    }
    return this.connection;
  }

  private async connect(lost: () => void): Promise<IDBPDatabase<CheckpointDBSchema>> {
    const request = this.factory.open(this.dbName, DB_VERSION);
    request.addEventListener('upgradeneeded', () => {
      const db = wrap(request.result) as unknown as IDBPDatabase<CheckpointDBSchema>;
      if (!db.objectStoreNames.contains('checkpoints')) db.createObjectStore('checkpoints');
      if (!db.objectStoreNames.contains('files')) db.createObjectStore('files');
    });
    let db: IDBPDatabase<CheckpointDBSchema>;
    try {
      db = (await wrap(request)) as unknown as IDBPDatabase<CheckpointDBSchema>;
    } catch (cause) {
      lost();
      throw new CheckpointError('conflict', undefined, `IndexedDB "${this.dbName}"`, `cannot be opened: ${String(cause)}`, { cause });
    }
    // Another connection wants to upgrade or delete the database, or the browser closed it: let go, and
    // reconnect on next use.
    const forget = (): void => {
      db.close();
      lost();
    };
    db.addEventListener('versionchange', forget);
    db.addEventListener('close', forget);
    return db;
  }

  private async scan(): Promise<{ committed: Map<number, unknown>; unfinished: Set<number> }> {
    const db = await this.db();
    const tx = db.transaction(['checkpoints', 'files'], 'readonly');
    const checkpoints = tx.objectStore('checkpoints');
    const [ids, records, fileKeys] = await Promise.all([
      checkpoints.getAllKeys(),
      checkpoints.getAll() as Promise<unknown[]>,
      tx.objectStore('files').getAllKeys(),
      tx.done,
    ]);
    const committed = new Map<number, unknown>(ids.map((id, i) => [id, records[i]]));
    const unfinished = new Set<number>();
    for (const [id] of fileKeys) if (!committed.has(id)) unfinished.add(id);
    return { committed, unfinished };
  }

  private source(id: number, readMetadata: () => Promise<unknown>): CheckpointSource {
    return {
      location: this.location(id),
      metadataName: this.metadataName(id),
      fileName: (name) => `IndexedDB "${this.dbName}" files record [${id}, ${JSON.stringify(name)}]`,
      readMetadata,
      readFile: async (name) => (await this.db()).get('files', [id, name]) as Promise<unknown>,
    };
  }

  private location(id: number): string {
    return `indexeddb:${this.dbName}/${id}`;
  }

  private metadataName(id: number): string {
    return `IndexedDB "${this.dbName}" checkpoints record ${id}`;
  }
}

class IndexedDBCheckpointWriter extends AbstractCheckpointWriter {
  constructor(
    private readonly db: IDBPDatabase<CheckpointDBSchema>,
    id: number,
    kind: CheckpointKind,
    location: string,
    release: () => void,
  ) {
    super(id, kind, location, release);
  }

  protected async store(name: string, bytes: Uint8Array): Promise<void> {
    // Structured clone stores a view's whole buffer: give it exactly the file's bytes.
    const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
    await this.db.put('files', own, [this.checkpointId, name]);
  }

  protected async storeMetadata(envelope: Uint8Array): Promise<void> {
    const tx = this.db.transaction('checkpoints', 'readwrite', { durability: 'strict' });
    try {
      await Promise.all([tx.store.add(envelope, this.checkpointId), tx.done]);
    } catch (error) {
      if (error instanceof Error && error.name === 'ConstraintError') {
        throw new CheckpointError('conflict', this.checkpointId, undefined, 'already complete', { cause: error });
      }
      throw error;
    }
  }

  protected async discard(): Promise<void> {
    await this.db.delete('files', filesOf(this.checkpointId));
  }
}

/** The key range of every file of checkpoint `id`: `[id]` sorts before `[id, name]`, arrays after strings. */
function filesOf(id: number): IDBKeyRange {
  return IDBKeyRange.bound([id], [id, []]);
}
