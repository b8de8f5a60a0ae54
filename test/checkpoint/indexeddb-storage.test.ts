import { describe, expect, it } from 'vitest';
import { IndexedDBCheckpointStorage } from '../../src/checkpoint/indexeddb-storage';
import { bytesFor, rejection, storageContract, writeCheckpoint } from '../support/storage-contract';
import { inNode, newFactory } from '../support/indexeddb';

// A fresh database name per test: in Chromium every test shares the real indexedDB.

let databases = 0;

async function idbHarness() {
  const factory = await newFactory();
  const dbName = `sluice-checkpoints-test-${Date.now()}-${databases++}`;
  const make = () => new IndexedDBCheckpointStorage(dbName, { indexedDB: factory });
  return { factory, dbName, storage: make(), reopen: async () => make() };
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
