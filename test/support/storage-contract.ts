// The contract every checkpoint storage backend meets (memory, IndexedDB, files): one suite, run
// by each backend's test file with a factory for that backend.
import { describe, expect, it } from 'vitest';
import {
  CheckpointError,
  type CheckpointKind,
  type CheckpointMetadata,
  type CheckpointStorage,
  type FileInfo,
} from '../../src/checkpoint/checkpoint-storage';


export function metadataFor(id: number, files: readonly FileInfo[], kind: CheckpointKind = 'checkpoint'): CheckpointMetadata {
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

export function bytesFor(id: number, subtask: number, size = 1000 + id * 17 + subtask): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + id * 7 + subtask * 13) & 0xff;
  return out;
}

export async function writeCheckpoint(storage: CheckpointStorage, id: number, kind: CheckpointKind = 'checkpoint', subtasks = 2) {
  const writer = await storage.begin(id, kind);
  const files = await Promise.all(Array.from({ length: subtasks }, (_, s) => writer.write(`window-1-${s}`, bytesFor(id, s))));
  const metadata = metadataFor(id, files, kind);
  await writer.commit(metadata);
  return metadata;
}

export async function rejection(promise: Promise<unknown>): Promise<CheckpointError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CheckpointError);
  return error as CheckpointError;
}

export interface Harness {
  readonly storage: CheckpointStorage;
  /** A new instance over the same stored data, as after a process restart (not possible in memory). */
  readonly reopen?: () => Promise<CheckpointStorage>;
}

export function storageContract(name: string, create: () => Promise<Harness>): void {
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
      await expect(writer.commit({ ...metadataFor(5, [a]), formatVersion: 3 as 1 })).rejects.toThrow('formatVersion must be 1 or 2, got 3');
      await expect(writer.commit({ ...metadataFor(5, [a]), sources: [{ uid: 's', positions: [NaN] }] })).rejects.toThrow(
        'sources[0].positions[0] must be a string or a finite number, got NaN',
      );
      // Format 2: a split source's entry lists, per subtask, its splits (JSON values).
      await expect(writer.commit({ ...metadataFor(5, [a]), formatVersion: 2, sources: [{ uid: 's', positions: [], splits: [[{ next: NaN }]] }] })).rejects.toThrow(
        'sources[0].splits[0][0] must be a JSON value',
      );
      await expect(writer.commit({ ...metadataFor(5, [a]), formatVersion: 2, sources: [{ uid: 's', positions: [], splits: [{ next: 1 } as never] }] })).rejects.toThrow(
        'sources[0].splits[0] must be an array of splits',
      );
      await expect(writer.commit({ ...metadataFor(5, [a]), formatVersion: 2, sources: [{ uid: 's', positions: [3], splits: [[]] }] })).rejects.toThrow(
        'sources[0] has both positions and splits',
      );
      await expect(writer.commit({ ...metadataFor(5, [a]), sources: [{ uid: 's', positions: [], splits: [[]] }] })).rejects.toThrow(
        'sources[0].splits must be absent in format version 1',
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

