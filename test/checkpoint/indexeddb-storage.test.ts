import { describe, expect, it } from 'vitest';
import {
  CheckpointError,
  type CheckpointKind,
  type CheckpointMetadata,
  type CheckpointStorage,
  type FileInfo,
} from '../../src/checkpoint/checkpoint-storage';
import { IndexedDBCheckpointStorage } from '../../src/checkpoint/indexeddb-storage';

// Node: fake-indexeddb, a fresh IDBFactory per test (idb also needs the IDB classes as globals, which
// 'fake-indexeddb/auto' installs). Chromium: the real indexedDB, a fresh database name per test. The
// specifiers are variables so that the browser build never sees (or pre-bundles) fake-indexeddb.
const inNode = typeof indexedDB === 'undefined';
const fakeIndexedDB = 'fake-indexeddb';
if (inNode) await import(/* @vite-ignore */ `${fakeIndexedDB}/auto`);

async function newFactory(): Promise<IDBFactory> {
  if (!inNode) return indexedDB;
  const { IDBFactory } = (await import(/* @vite-ignore */ fakeIndexedDB)) as typeof import('fake-indexeddb');
  return new IDBFactory();
}

let databases = 0;

async function idbHarness() {
  const factory = await newFactory();
  const dbName = `sluice-checkpoints-test-${Date.now()}-${databases++}`;
  const make = () => new IndexedDBCheckpointStorage(dbName, { indexedDB: factory });
  return { factory, dbName, storage: make(), reopen: async () => make() };
}

// ── Helpers (each backend's test file has its own copy of the contract) ─────────────────────────

function metadataFor(id: number, files: readonly FileInfo[], kind: CheckpointKind = 'checkpoint'): CheckpointMetadata {
  const parallelism = Math.max(1, files.length);
  return {
    formatVersion: 1,
    checkpointId: id,
    kind,
    timestamp: 1_700_000_000_000 + id,
    jobName: 'contract-job',
    operators: [
      {
        uid: 'window-1',
        name: 'Window(TumblingEventTimeWindows(10000))',
        parallelism,
        maxParallelism: 128,
        files: files.map((f, i) => ({
          ...f,
          subtask: i,
          keyGroups: [Math.ceil((i * 128) / parallelism), Math.ceil(((i + 1) * 128) / parallelism) - 1] as const,
        })),
      },
    ],
    sources: [{ uid: 'source-1', positions: [id * 100, `offset-${id}`] }],
    pendingCommits: { sink: [`txn-${id}`] },
  };
}

function bytesFor(id: number, subtask: number, size = 1000 + id * 17 + subtask): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + id * 7 + subtask * 13) & 0xff;
  return out;
}

async function writeCheckpoint(storage: CheckpointStorage, id: number, kind: CheckpointKind = 'checkpoint', subtasks = 2) {
  const writer = await storage.begin(id, kind);
  const files = await Promise.all(Array.from({ length: subtasks }, (_, s) => writer.write(`window-1-${s}`, bytesFor(id, s))));
  const metadata = metadataFor(id, files, kind);
  await writer.commit(metadata);
  return metadata;
}

async function rejection(promise: Promise<unknown>): Promise<CheckpointError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CheckpointError);
  return error as CheckpointError;
}

interface Harness {
  readonly storage: CheckpointStorage;
  /** A new instance over the same stored data, as after a process restart (not possible in memory). */
  readonly reopen?: () => Promise<CheckpointStorage>;
}

function storageContract(name: string, create: () => Promise<Harness>): void {
  describe(`${name}: storage contract`, () => {
    it('returns the newest of two checkpoints, with its metadata and files intact', async () => {
      const { storage } = await create();
      await writeCheckpoint(storage, 1);
      const second = await writeCheckpoint(storage, 2);
      const latest = await storage.latest();
      expect(latest?.metadata).toEqual(second);
      expect(latest?.skipped).toEqual([]);
      expect(await latest?.read('window-1-0')).toEqual(bytesFor(2, 0));
      expect(await latest?.read('window-1-1')).toEqual(bytesFor(2, 1));
      expect((await storage.open(1)).metadata.checkpointId).toBe(1);
      await storage.dispose();
    });

    it('retains the newest n complete checkpoints (default 1)', async () => {
      const { storage } = await create();
      for (let id = 1; id <= 4; id++) await writeCheckpoint(storage, id);
      await storage.retain(2);
      expect((await storage.open(3)).metadata.checkpointId).toBe(3);
      expect((await storage.open(4)).metadata.checkpointId).toBe(4);
      expect((await rejection(storage.open(2))).code).toBe('not-found');
      await storage.retain();
      expect((await rejection(storage.open(3))).code).toBe('not-found');
      expect((await storage.latest())?.metadata.checkpointId).toBe(4);
      await expect(storage.retain(0)).rejects.toThrow('≥ 1');
      await storage.dispose();
    });

    it('never returns a checkpoint that was begun and written but not committed', async () => {
      const { storage } = await create();
      await writeCheckpoint(storage, 1);
      const writer = await storage.begin(2, 'checkpoint');
      await writer.write('window-1-0', bytesFor(2, 0));
      // "crash": the writer is dropped
      const latest = await storage.latest();
      expect(latest?.metadata.checkpointId).toBe(1);
      expect(latest?.skipped.map((s) => s.id)).toEqual([2]);
      expect(latest?.skipped[0].error.code).toBe('incomplete');
      expect(latest?.skipped[0].reason).toContain('never committed');
      expect((await rejection(storage.open(2))).code).toBe('incomplete');
      await storage.dispose();
    });

    it('abort deletes what was written; abort after commit does nothing', async () => {
      const { storage } = await create();
      const writer = await storage.begin(1, 'checkpoint');
      await writer.write('a', bytesFor(1, 0));
      await writer.abort();
      await writer.abort();
      expect(await storage.latest()).toBeUndefined();
      expect((await rejection(storage.open(1))).code).toBe('not-found');
      await expect(writer.write('b', bytesFor(1, 1))).rejects.toThrow('aborted');
      await writeCheckpoint(storage, 1); // the id can be used again
      const committed = await storage.begin(2, 'checkpoint');
      await committed.commit(metadataFor(2, []));
      await committed.abort();
      expect((await storage.latest())?.metadata.checkpointId).toBe(2);
      await storage.dispose();
    });

    it('replaces an unfinished leftover with the same id, and refuses to overwrite a complete one', async () => {
      const { storage, reopen } = await create();
      await writeCheckpoint(storage, 1);
      const dangling = await storage.begin(2, 'checkpoint');
      await dangling.write('stale', bytesFor(9, 9));
      await expect(storage.begin(2, 'checkpoint')).rejects.toThrow('already being written');
      await expect(storage.begin(1, 'checkpoint')).rejects.toThrow('already complete');
      await expect(storage.begin(1, 'savepoint')).rejects.toThrow('already complete');
      let after = storage;
      if (reopen === undefined) {
        await dangling.abort();
      } else {
        await storage.dispose(); // a crash: the writer never commits nor aborts
        after = await reopen();
      }
      expect((await after.latest())?.skipped.map((s) => s.id)).toEqual(reopen === undefined ? [] : [2]);
      const again = await after.begin(2, 'checkpoint');
      const file = await again.write('window-1-0', bytesFor(2, 0));
      await again.commit(metadataFor(2, [file]));
      const latest = await after.latest();
      expect(latest?.metadata.checkpointId).toBe(2);
      expect(await latest?.read('window-1-0')).toEqual(bytesFor(2, 0));
      await after.retain(5);
      await after.dispose();
    });

    it('checks the metadata against what was written before committing', async () => {
      const { storage } = await create();
      const writer = await storage.begin(5, 'checkpoint');
      const a = await writer.write('a', bytesFor(5, 0));
      await expect(writer.write('a', bytesFor(5, 0))).rejects.toThrow('written twice');
      await expect(writer.write('../escape', bytesFor(5, 0))).rejects.toThrow('invalid file name');
      await expect(writer.write('_metadata', bytesFor(5, 0))).rejects.toThrow('invalid file name');
      const neverWritten = await rejection(writer.commit(metadataFor(5, [a, { name: 'b', bytes: 3, crc32c: 1 }])));
      expect(neverWritten.message).toContain('b: named in the metadata but never written');
      const wrongCrc = await rejection(writer.commit(metadataFor(5, [{ ...a, crc32c: a.crc32c ^ 1 }])));
      expect(wrongCrc.message).toContain('were written');
      await expect(writer.commit(metadataFor(6, [a]))).rejects.toThrow('this writer writes checkpoint 5');
      await expect(writer.commit({ ...metadataFor(5, [a]), formatVersion: 2 as 1 })).rejects.toThrow('formatVersion must be 1, got 2');
      await expect(writer.commit({ ...metadataFor(5, [a]), sources: [{ uid: 's', positions: [NaN] }] })).rejects.toThrow(
        'sources[0].positions[0] must be a string or a finite number, got NaN',
      );
      await expect(writer.commit({ ...metadataFor(5, [a]), pendingCommits: { at: new Date(0) } })).rejects.toThrow('pendingCommits');
      expect(await storage.latest()).toBeUndefined(); // nothing was committed by the failed attempts
      await writer.commit(metadataFor(5, [a]));
      await expect(writer.commit(metadataFor(5, [a]))).rejects.toThrow('committed');
      expect((await storage.latest())?.metadata.checkpointId).toBe(5);
      await storage.dispose();
    });

    it('keeps savepoints out of recovery and retention, but opens them by id', async () => {
      const { storage } = await create();
      await writeCheckpoint(storage, 1);
      const savepoint = await writeCheckpoint(storage, 2, 'savepoint');
      expect((await storage.latest())?.metadata.checkpointId).toBe(1);
      await writeCheckpoint(storage, 3);
      await writeCheckpoint(storage, 4);
      await storage.retain(1);
      expect((await storage.open(2)).metadata).toEqual(savepoint);
      expect(await (await storage.open(2)).read('window-1-1')).toEqual(bytesFor(2, 1));
      expect((await rejection(storage.open(3))).code).toBe('not-found');
      await storage.dispose();
    });

    it('retention removes unfinished leftovers older than the newest complete checkpoint, never one being written or newer', async () => {
      const { storage, reopen } = await create();
      const old = await storage.begin(1, 'checkpoint');
      await old.write('x', bytesFor(1, 0));
      await writeCheckpoint(storage, 2);
      const running = await storage.begin(3, 'checkpoint');
      const x = await running.write('x', bytesFor(3, 0));
      await storage.retain(1);
      expect((await rejection(storage.open(1))).code).toBe('incomplete'); // its writer is still open
      await running.commit(metadataFor(3, [x]));
      expect((await storage.latest())?.metadata.checkpointId).toBe(3);
      let after = storage;
      if (reopen === undefined) {
        await old.abort();
      } else {
        const newer = await storage.begin(4, 'checkpoint');
        await newer.write('x', bytesFor(4, 0));
        await storage.dispose(); // a crash: writers 1 and 4 never finish
        after = await reopen();
      }
      await after.retain(1);
      expect((await rejection(after.open(1))).code).toBe('not-found');
      expect((await rejection(after.open(2))).code).toBe('not-found');
      const latest = await after.latest();
      expect(latest?.metadata.checkpointId).toBe(3);
      if (reopen !== undefined) {
        expect(latest?.skipped.map((s) => s.id)).toEqual([4]);
        expect((await rejection(after.open(4))).code).toBe('incomplete');
      }
      await after.dispose();
    });

    it('names an unknown file, and is unusable after dispose', async () => {
      const { storage } = await create();
      await writeCheckpoint(storage, 1);
      const latest = await storage.latest();
      const error = await rejection(latest!.read('nope'));
      expect(error.code).toBe('not-found');
      expect(error.message).toContain('nope');
      expect(await storage.latest().then((l) => l?.skipped)).toEqual([]);
      await storage.dispose();
      await expect(storage.latest()).rejects.toThrow('disposed');
    });

    it('returns undefined when there is nothing, and rejects bad arguments', async () => {
      const { storage } = await create();
      expect(await storage.latest()).toBeUndefined();
      await expect(storage.begin(-1, 'checkpoint')).rejects.toThrow('non-negative integer');
      await expect(storage.begin(1.5, 'checkpoint')).rejects.toThrow('non-negative integer');
      await expect(storage.begin(1, 'snapshot' as CheckpointKind)).rejects.toThrow('kind');
      await storage.dispose();
    });
  });
}

// ── IndexedDB backend ────────────────────────────────────────────────────────────────────────────

storageContract(`IndexedDBCheckpointStorage (${inNode ? 'fake-indexeddb' : 'real IndexedDB'})`, idbHarness);

type Stores = { files: IDBObjectStore; checkpoints: IDBObjectStore };

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

/** Changes the database behind the storage's back, with a raw (non-idb) transaction. */
async function tamper(factory: IDBFactory, dbName: string, change: (stores: Stores) => Promise<unknown>): Promise<void> {
  const db = await request(factory.open(dbName));
  try {
    const tx = db.transaction(['files', 'checkpoints'], 'readwrite');
    const done = new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onabort = () => reject(tx.error);
    });
    await change({ files: tx.objectStore('files'), checkpoints: tx.objectStore('checkpoints') });
    await done;
  } finally {
    db.close();
  }
}

async function flipByte(store: IDBObjectStore, key: IDBValidKey, at: (length: number) => number): Promise<void> {
  const value = (await request(store.get(key))) as Uint8Array;
  const copy = value.slice();
  copy[at(copy.length)] ^= 0x20;
  await request(store.put(copy, key));
}

describe('IndexedDBCheckpointStorage', () => {
  it('stores files under [checkpointId, name] and a SLMD metadata envelope under the id', async () => {
    const { storage, factory, dbName } = await idbHarness();
    await writeCheckpoint(storage, 1);
    await storage.dispose();
    await tamper(factory, dbName, async ({ files, checkpoints }) => {
      expect(await request(files.getAllKeys())).toEqual([
        [1, 'window-1-0'],
        [1, 'window-1-1'],
      ]);
      expect(await request(files.get([1, 'window-1-1']))).toEqual(bytesFor(1, 1));
      expect(await request(checkpoints.getAllKeys())).toEqual([1]);
      const envelope = (await request(checkpoints.get(1))) as Uint8Array;
      expect(new TextDecoder().decode(envelope.subarray(0, 4))).toBe('SLMD');
    });
  });

  const corruptions: Array<{ what: string; change: (s: Stores) => Promise<unknown>; names: string; says: string; code: string }> = [
    {
      what: 'a flipped byte in a file record',
      change: ({ files }) => flipByte(files, [2, 'window-1-1'], (n) => n >> 1),
      names: 'files record [2, "window-1-1"]',
      says: 'checksum mismatch',
      code: 'corrupt',
    },
    {
      what: 'a truncated file record',
      change: async ({ files }) => {
        const value = (await request(files.get([2, 'window-1-0']))) as Uint8Array;
        await request(files.put(value.slice(0, 100), [2, 'window-1-0']));
      },
      names: 'files record [2, "window-1-0"]',
      says: 'size is 100 bytes, the metadata says 1034 (truncated)',
      code: 'corrupt',
    },
    {
      what: 'garbage in a file record',
      change: ({ files }) => request(files.put('garbage', [2, 'window-1-0'])),
      names: 'files record [2, "window-1-0"]',
      says: 'not a byte array (found "garbage")',
      code: 'corrupt',
    },
    {
      what: 'a deleted file record',
      change: ({ files }) => request(files.delete([2, 'window-1-1'])),
      names: 'files record [2, "window-1-1"]',
      says: 'missing',
      code: 'corrupt',
    },
    {
      what: 'a flipped byte in the metadata record',
      change: ({ checkpoints }) => flipByte(checkpoints, 2, (n) => n - 5),
      names: 'checkpoints record 2',
      says: 'checksum mismatch',
      code: 'corrupt',
    },
    {
      what: 'garbage in the metadata record',
      change: ({ checkpoints }) => request(checkpoints.put({ hello: 'world' }, 2)),
      names: 'checkpoints record 2',
      says: 'not a metadata envelope (found an object)',
      code: 'corrupt',
    },
    {
      what: 'a deleted metadata record',
      change: ({ checkpoints }) => request(checkpoints.delete(2)),
      names: 'checkpoints record 2',
      says: 'missing: the checkpoint was never committed',
      code: 'incomplete',
    },
  ];

  for (const { what, change, names, says, code } of corruptions) {
    it(`detects ${what}: latest() falls back and says why, open() names the record`, async () => {
      const { storage, reopen, factory, dbName } = await idbHarness();
      await writeCheckpoint(storage, 1);
      await writeCheckpoint(storage, 2);
      await storage.dispose();
      await tamper(factory, dbName, change);
      const restarted = await reopen();
      const latest = await restarted.latest();
      expect(latest?.metadata.checkpointId).toBe(1);
      expect(latest?.skipped).toHaveLength(1);
      expect(latest?.skipped[0].id).toBe(2);
      expect(latest?.skipped[0].reason).toContain(`IndexedDB "${dbName}" ${names}: ${says}`);
      const error = await rejection(restarted.open(2));
      expect(error.code).toBe(code);
      expect(error.message).toBe(`Checkpoint 2: IndexedDB "${dbName}" ${names}: ${error.problem}`);
      expect(error.message).toContain(says);
      // The job goes on from checkpoint 1 and completes 3; retention then drops 1 and the broken 2.
      await writeCheckpoint(restarted, 3);
      await restarted.retain(1);
      await tamper(factory, dbName, async ({ checkpoints, files }) => {
        expect(await request(checkpoints.getAllKeys())).toEqual([3]);
        expect((await request(files.getAllKeys())).map((k) => (k as [number, string])[0])).toEqual([3, 3]);
      });
      expect((await restarted.latest())?.skipped).toEqual([]);
      await restarted.dispose();
    });
  }

  it('fails loudly when every committed checkpoint is corrupt, rather than starting from nothing', async () => {
    const { storage, reopen, factory, dbName } = await idbHarness();
    await writeCheckpoint(storage, 1);
    await storage.dispose();
    await tamper(factory, dbName, ({ files }) => flipByte(files, [1, 'window-1-0'], () => 0));
    const restarted = await reopen();
    const error = await rejection(restarted.latest());
    expect(error.message).toContain('none of the 1 stored checkpoints can be used');
    expect(error.message).toContain('files record [1, "window-1-0"]: checksum mismatch');
    await restarted.dispose();
  });

  it('checks a file again when it is read', async () => {
    const { storage, factory, dbName } = await idbHarness();
    await writeCheckpoint(storage, 1);
    const checkpoint = await storage.open(1);
    await tamper(factory, dbName, ({ files }) => flipByte(files, [1, 'window-1-1'], () => 3));
    expect(await checkpoint.read('window-1-0')).toEqual(bytesFor(1, 0));
    await expect(checkpoint.read('window-1-1')).rejects.toThrow(`Checkpoint 1: IndexedDB "${dbName}" files record [1, "window-1-1"]: checksum mismatch`);
    await storage.dispose();
  });

  it('retention deletes older records and files, corrupt ones included, in one transaction', async () => {
    const { storage, factory, dbName } = await idbHarness();
    await writeCheckpoint(storage, 1);
    await writeCheckpoint(storage, 2);
    await tamper(factory, dbName, ({ checkpoints }) => request(checkpoints.put('garbage', 2)));
    await writeCheckpoint(storage, 3);
    await writeCheckpoint(storage, 4, 'savepoint');
    await writeCheckpoint(storage, 5);
    await storage.retain(1);
    await tamper(factory, dbName, async ({ files, checkpoints }) => {
      expect(await request(checkpoints.getAllKeys())).toEqual([4, 5]);
      expect((await request(files.getAllKeys())).map((k) => (k as [number, string])[0])).toEqual([4, 4, 5, 5]);
    });
    await storage.dispose();
  });

  it.runIf(inNode)('says what to do when there is no IndexedDB', () => {
    const saved = Object.getOwnPropertyDescriptor(globalThis, 'indexedDB')!;
    delete (globalThis as { indexedDB?: unknown }).indexedDB;
    try {
      expect(() => new IndexedDBCheckpointStorage('x')).toThrow('IndexedDB is not available in this runtime');
    } finally {
      Object.defineProperty(globalThis, 'indexedDB', saved);
    }
  });
});
