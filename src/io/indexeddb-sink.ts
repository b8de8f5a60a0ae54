import { wrap, type DBSchema, type IDBPDatabase } from 'idb';
import { ConfigurationError, SluiceError } from '../errors';
import type { Batch } from '../types';
import { TwoPhaseCommitSink } from './two-phase-commit-sink';

/**
 * The database layout of an `IndexedDBSink`. Records are staged per transaction at the checkpoint
 * barrier and moved into `committed` when the checkpoint completes.
 */
export interface IndexedDBSinkSchema extends DBSchema {
  /** Pre-committed transactions: durable, not yet visible. Keyed by `[session, seq]`. */
  staged: { key: [string, number]; value: { records: unknown[] } };
  /**
   * Committed transactions in commit order (auto-incremented key), one entry per transaction. The
   * unique `txn` index (`[session, seq]`) is what makes a repeated commit a no-op.
   */
  committed: { key: number; value: { session: string; seq: number; records: unknown[] }; indexes: { txn: [string, number] } };
}

const DB_VERSION = 1;

export interface IndexedDBSinkOptions {
  /** The IndexedDB to use (default: `globalThis.indexedDB`); in Node tests, `new IDBFactory()` from fake-indexeddb. */
  readonly indexedDB?: IDBFactory;
}

/**
 * An `IndexedDBSink` transaction — plain data, as it is written into checkpoints. Records are held
 * in memory until the checkpoint barrier; `preCommit` moves them into the database's `staged` store,
 * so a checkpoint holds only the id and a count.
 */
export interface IndexedDBSinkTransaction<T> {
  /**
   * A random id of the sink instance and job attempt that began the transaction (a new one after a
   * failure or a page load). `[session, seq]` identifies the transaction.
   */
  readonly session: string;
  /** The order in which the session began its transactions. */
  readonly seq: number;
  /** Records not (yet) staged in IndexedDB. Emptied by `preCommit`. */
  records: T[];
  /** How many records `preCommit` staged in IndexedDB under `id` (0: none). */
  staged: number;
}

/**
 * The browser's exactly-once sink: records are committed to an IndexedDB database, each exactly once,
 * through failures, restarts and page reloads — given checkpointing and a replayable source (Flink's
 * `TwoPhaseCommitSinkFunction`, with IndexedDB as the transactional store).
 *
 * - Between checkpoints, records collect in an in-memory transaction.
 * - At the checkpoint barrier (`preCommit`) they are written, in one IndexedDB transaction with
 *   `durability: 'strict'`, to a staging record keyed by the transaction id; the checkpoint
 *   completes only once that write has. The checkpoint itself holds just `{ id, staged }`.
 * - When the checkpoint completes (`commit`), one IndexedDB transaction moves the staged records into
 *   the `committed` store, under the transaction id, and deletes the staging record. Because the id is
 *   a unique index of `committed`, committing the same transaction again — as the runtime does for the
 *   transactions of the checkpoint it restores — is a no-op.
 * - That IndexedDB transaction also commits any transaction still staged that the same session
 *   pre-committed earlier: its checkpoint completed too (or it would be part of this one), but its own
 *   commit never landed — the page was reloaded while it was in flight, after a newer checkpoint had
 *   already been taken without it.
 * - Transactions begun after the restored checkpoint are never committed: their records are replayed
 *   by the source. A job attempt (a page load, a restart after a failure) begins a new session, so
 *   they are never taken for earlier transactions of a later attempt. `abort` deletes a transaction's
 *   staging record.
 * - The checkpoint also holds the transaction begun right after its barrier. A restore aborts it
 *   (`recoverAndAbort`): if a later checkpoint staged it and never completed (the page died first),
 *   its staging record — keyed by `[session, seq]`, fixed when it began — is deleted.
 *
 * Readers see only committed records (`IndexedDBSink.readCommitted`), in commit order, each exactly
 * once. Records must be structured-cloneable. A staging record of a checkpoint that never completed
 * (the page was closed or reloaded between the barrier and the checkpoint's completion) is never
 * visible; a restore deletes the one of the transaction open at the restored checkpoint, and any of
 * still later transactions (two checkpoints in a row that never completed) stay in the `staged` store
 * until the database is deleted (`IndexedDBSink.deleteDatabase`). One job per database name.
 *
 * Uses `idb`, which needs the IndexedDB classes as globals: present in browsers and their workers;
 * in Node, `import 'fake-indexeddb/auto'`.
 *
 * @example
 * const storage = new IndexedDBCheckpointStorage('totals-checkpoints');
 * const env = new StreamEnvironment({ checkpoint: { interval: 1000, storage }, restoreFrom: storage });
 * totals.sinkTo(new IndexedDBSink('totals'));
 * await env.execute();
 * // elsewhere, or after a reload:
 * const rows = await IndexedDBSink.readCommitted<Total>('totals');
 */
export class IndexedDBSink<T> extends TwoPhaseCommitSink<T, IndexedDBSinkTransaction<T>> {
  override readonly name: string;
  private readonly factory: IDBFactory;
  private session = sessionId();
  private sequence = 0;
  /** Set by `preCommit`: the runtime begins the next transaction of the same attempt right after. */
  private continuing = false;
  private connection: Promise<IDBPDatabase<IndexedDBSinkSchema>> | undefined;

  constructor(
    readonly dbName: string,
    options: IndexedDBSinkOptions = {},
  ) {
    super();
    this.name = `indexeddb(${dbName})`;
    this.factory = factoryOf(options);
  }

  /**
   * Every committed record of database `dbName`, in commit order (transactions in the order they were
   * committed, records in the order they were written).
   */
  static async readCommitted<T = unknown>(dbName: string, options: IndexedDBSinkOptions = {}): Promise<T[]> {
    const db = await connect(factoryOf(options), dbName);
    try {
      const entries = await db.getAll('committed');
      return entries.flatMap((e) => e.records as T[]);
    } finally {
      db.close();
    }
  }

  /** Deletes database `dbName` — committed and staged records. Open connections of sinks let go of it. */
  static async deleteDatabase(dbName: string, options: IndexedDBSinkOptions = {}): Promise<void> {
    const request = factoryOf(options).deleteDatabase(dbName);
    await new Promise<void>((resolve, reject) => {
      request.onsuccess = () => resolve();
      request.onerror = () => reject(request.error ?? new SluiceError(`IndexedDB "${dbName}" could not be deleted`));
    });
  }

  beginTransaction(): IndexedDBSinkTransaction<T> {
    // Not right after a pre-commit: a job attempt opens the sink. Its transactions are a new lineage.
    if (!this.continuing) this.newSession();
    this.continuing = false;
    return { session: this.session, seq: this.sequence++, records: [], staged: 0 };
  }

  invoke(txn: IndexedDBSinkTransaction<T>, batch: Batch<T>): void {
    for (let i = 0; i < batch.length; i++) txn.records.push(batch.values[i]!);
  }

  async preCommit(txn: IndexedDBSinkTransaction<T>): Promise<void> {
    // Synchronously, so that the checkpoint taken right after the barrier holds no records.
    this.continuing = true;
    const records = txn.records;
    if (records.length === 0) return;
    if (txn.staged > 0) throw new SluiceError(`IndexedDBSink "${this.dbName}": transaction ${idOf(txn)} was pre-committed twice`);
    txn.records = [];
    txn.staged = records.length;
    try {
      const db = await this.db();
      const tx = db.transaction('staged', 'readwrite', { durability: 'strict' });
      await Promise.all([tx.store.put({ records }, [txn.session, txn.seq]), tx.done]);
    } catch (error) {
      // The checkpoint fails; the transaction stays pending and carries its records in later checkpoints.
      txn.records = records;
      txn.staged = 0;
      throw error;
    }
  }

  async commit(txn: IndexedDBSinkTransaction<T>): Promise<void> {
    const db = await this.db();
    const tx = db.transaction(['staged', 'committed'], 'readwrite', { durability: 'strict' });
    const staged = tx.objectStore('staged');
    const committed = tx.objectStore('committed');
    const key: [string, number] = [txn.session, txn.seq];
    try {
      // Earlier transactions of the session whose commit never landed (they are still staged).
      const earlier = IDBKeyRange.bound([txn.session, -Infinity], key, false, true);
      const [earlierKeys, earlierValues] = await Promise.all([staged.getAllKeys(earlier), staged.getAll(earlier)]);
      for (let i = 0; i < earlierKeys.length; i++) {
        const [session, seq] = earlierKeys[i]!;
        if ((await committed.index('txn').getKey([session, seq])) === undefined) {
          await committed.add({ session, seq, records: earlierValues[i]!.records });
        }
        await staged.delete(earlierKeys[i]!);
      }
      if (txn.staged > 0 || txn.records.length > 0) {
        if ((await committed.index('txn').getKey(key)) === undefined) {
          let records: unknown[] = txn.records;
          if (txn.staged > 0) {
            const stagedRecord = await staged.get(key);
            if (stagedRecord === undefined) {
              throw new SluiceError(
                `IndexedDBSink "${this.dbName}": transaction ${idOf(txn)} is neither staged nor committed (its ${txn.staged} records are lost; was the database deleted?)`,
              );
            }
            records = stagedRecord.records.concat(txn.records);
          }
          await committed.add({ session: txn.session, seq: txn.seq, records });
        }
        await staged.delete(key);
      }
      await tx.done;
    } catch (error) {
      abortQuietly(tx);
      throw error;
    }
  }

  async abort(txn: IndexedDBSinkTransaction<T> | undefined): Promise<void> {
    // The attempt failed or was canceled: what it staged and did not commit must not be committed by a
    // later attempt's commits.
    this.newSession();
    if (txn === undefined) return; // the sink never opened
    txn.records = [];
    if (txn.staged === 0) return;
    await this.deleteStaged(txn);
  }

  /**
   * Deletes the staging record of the transaction that was open when the restored checkpoint was
   * taken. The handle is from the checkpoint (`staged: 0`: it had just begun), but a later checkpoint
   * may have staged it before the page died, so the record is deleted whether or not it exists —
   * which also makes this idempotent. The sink keeps its session: it has begun the transaction of the
   * restored attempt already.
   */
  override async recoverAndAbort(txn: IndexedDBSinkTransaction<T>): Promise<void> {
    await this.deleteStaged(txn);
  }

  private async deleteStaged(txn: IndexedDBSinkTransaction<T>): Promise<void> {
    const db = await this.db();
    const tx = db.transaction('staged', 'readwrite');
    await Promise.all([tx.store.delete([txn.session, txn.seq]), tx.done]);
  }

  /** Closes the sink's database connection (it reopens on next use). */
  async dispose(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    if (connection !== undefined) (await connection.catch(() => undefined))?.close();
  }

  private newSession(): void {
    this.session = sessionId();
    this.sequence = 0;
    this.continuing = false;
  }

  private db(): Promise<IDBPDatabase<IndexedDBSinkSchema>> {
    if (this.connection === undefined) {
      const connection = connect(this.factory, this.dbName, () => {
        if (this.connection === connection) this.connection = undefined;
      });
      this.connection = connection;
      connection.catch(() => {
        if (this.connection === connection) this.connection = undefined;
      });
    }
    return this.connection;
  }
}

function factoryOf(options: IndexedDBSinkOptions): IDBFactory {
  const factory = options.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (factory === undefined) {
    throw new ConfigurationError('IndexedDB is not available in this runtime (workerd, Node): pass { indexedDB } or use another sink');
  }
  if (typeof (globalThis as { IDBDatabase?: unknown }).IDBDatabase === 'undefined') {
    throw new ConfigurationError(
      "the IndexedDB classes (IDBDatabase, IDBTransaction, …) are not globals in this runtime; in Node, import 'fake-indexeddb/auto' first",
    );
  }
  return factory;
}

/** Opens (creating or upgrading) the sink's database; `lost` runs when the connection is closed under it. */
async function connect(factory: IDBFactory, dbName: string, lost: () => void = () => {}): Promise<IDBPDatabase<IndexedDBSinkSchema>> {
  const request = factory.open(dbName, DB_VERSION);
  request.addEventListener('upgradeneeded', () => {
    const db = wrap(request.result) as unknown as IDBPDatabase<IndexedDBSinkSchema>;
    if (!db.objectStoreNames.contains('staged')) db.createObjectStore('staged');
    if (!db.objectStoreNames.contains('committed')) {
      db.createObjectStore('committed', { autoIncrement: true }).createIndex('txn', ['session', 'seq'], { unique: true });
    }
  });
  let db: IDBPDatabase<IndexedDBSinkSchema>;
  try {
    db = (await wrap(request)) as unknown as IDBPDatabase<IndexedDBSinkSchema>;
  } catch (cause) {
    throw new SluiceError(`IndexedDB "${dbName}" cannot be opened: ${String(cause)}`, { cause });
  }
  // Another connection wants to upgrade or delete the database, or the browser closed it: let go.
  const forget = (): void => {
    db.close();
    lost();
  };
  db.addEventListener('versionchange', forget);
  db.addEventListener('close', forget);
  return db;
}

function idOf(txn: IndexedDBSinkTransaction<unknown>): string {
  return `${txn.session}#${txn.seq}`;
}

function abortQuietly(tx: { abort(): void; done: Promise<void> }): void {
  tx.done.catch(() => {});
  try {
    tx.abort();
  } catch {
    // Already finished or aborted.
  }
}

/** A random session id, so that transaction ids never repeat across attempts, pages and sink instances. */
function sessionId(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (typeof c?.randomUUID === 'function') return c.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-${Math.random().toString(36).slice(2)}`;
}
