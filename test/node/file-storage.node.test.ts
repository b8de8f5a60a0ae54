import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileCheckpointStorage } from '../../src/node/file-storage';
import { bytesFor, metadataFor, rejection, storageContract, writeCheckpoint } from '../support/storage-contract';

const root = await mkdtemp(join(tmpdir(), 'sluice-checkpoints-'));
let dirs = 0;
afterAll(() => rm(root, { recursive: true, force: true }));

async function fileHarness() {
  const dir = join(root, `storage-${dirs++}`);
  return { dir, storage: new FileCheckpointStorage(dir), reopen: async () => new FileCheckpointStorage(dir) };
}

// ── File backend ─────────────────────────────────────────────────────────────────────────────────

storageContract('FileCheckpointStorage', fileHarness);

async function flipByte(path: string, at: (length: number) => number): Promise<void> {
  const bytes = await readFile(path);
  bytes[at(bytes.length)] ^= 0x20;
  await writeFile(path, bytes);
}

describe('FileCheckpointStorage', () => {
  it("uses Flink's layout: chk-<id>/ with the state files and a _metadata envelope", async () => {
    const { dir, storage } = await fileHarness();
    const writer = await storage.begin(1, 'checkpoint');
    expect(writer.location).toBe(join(dir, 'chk-1'));
    const files = [await writer.write('window-1-0', bytesFor(1, 0)), await writer.write('window-1-1', bytesFor(1, 1))];
    expect(await readdir(join(dir, 'chk-1'))).toEqual(['window-1-0', 'window-1-1']); // no _metadata before commit
    await writer.commit(metadataFor(1, files));
    expect((await readdir(join(dir, 'chk-1'))).sort()).toEqual(['_metadata', 'window-1-0', 'window-1-1']);
    expect(new Uint8Array(await readFile(join(dir, 'chk-1', 'window-1-1')))).toEqual(bytesFor(1, 1));
    expect((await readFile(join(dir, 'chk-1', '_metadata'))).subarray(0, 4).toString()).toBe('SLMD');
    expect((await storage.latest())?.location).toBe(join(dir, 'chk-1'));
    await expect(storage.begin(2, 'checkpoint', { target: root })).rejects.toThrow('a target directory is for savepoints');
  });

  it('ignores a checkpoint whose process was killed before _metadata was written (a real crash)', async () => {
    const { dir, storage } = await fileHarness();
    await writeCheckpoint(storage, 1);
    const child = join(root, 'crash-child.mts');
    await writeFile(
      child,
      `import { FileCheckpointStorage } from ${JSON.stringify(resolve('src/node/file-storage.ts'))};
       const storage = new FileCheckpointStorage(process.argv[2]);
       const writer = await storage.begin(2, 'checkpoint');
       await writer.write('window-1-0', new Uint8Array(100_000).fill(7));
       await writer.write('window-1-1', new Uint8Array(100_000).fill(9));
       process.stdout.write('written\\n');
       process.kill(process.pid, 'SIGKILL');`,
    );
    const { signal, stdout } = await new Promise<{ signal: NodeJS.Signals | null; stdout: string }>((done, fail) => {
      const proc = spawn(process.execPath, ['--import', 'tsx', child, dir], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      proc.on('error', fail);
      proc.on('exit', (_code, sig) => done({ signal: sig, stdout: out }));
    });
    expect(signal).toBe('SIGKILL');
    expect(stdout).toBe('written\n');
    expect((await readdir(join(dir, 'chk-2'))).sort()).toEqual(['window-1-0', 'window-1-1']);
    const restarted = new FileCheckpointStorage(dir);
    const latest = await restarted.latest();
    expect(latest?.metadata.checkpointId).toBe(1);
    expect(latest?.skipped.map((s) => [s.id, s.error.code])).toEqual([[2, 'incomplete']]);
    expect(latest?.skipped[0].reason).toBe(
      `Checkpoint 2: ${join(dir, 'chk-2', '_metadata')}: missing: the checkpoint was never committed (or its metadata was deleted)`,
    );
    await writeCheckpoint(restarted, 3);
    await restarted.retain(1);
    expect(await readdir(dir)).toEqual(['chk-3']);
  }, 30_000);

  it('ignores a crash during the metadata write (a _metadata.tmp but no _metadata)', async () => {
    const { dir, storage } = await fileHarness();
    await writeCheckpoint(storage, 1);
    const metadata = await writeCheckpoint(storage, 2);
    const envelope = await readFile(join(dir, 'chk-2', '_metadata'));
    await unlink(join(dir, 'chk-2', '_metadata'));
    await writeFile(join(dir, 'chk-2', '_metadata.tmp'), envelope.subarray(0, 40));
    const latest = await new FileCheckpointStorage(dir).latest();
    expect(latest?.metadata.checkpointId).toBe(1);
    expect(latest?.skipped[0].error.code).toBe('incomplete');
    expect(metadata.checkpointId).toBe(2);
  });

  const corruptions: Array<{ what: string; change: (chk: string) => Promise<void>; file: string; says: string; code: string }> = [
    {
      what: 'a truncated state file',
      change: (chk) => truncate(join(chk, 'window-1-0'), 100),
      file: 'window-1-0',
      says: 'size is 100 bytes, the metadata says 1034 (truncated)',
      code: 'corrupt',
    },
    {
      what: 'a flipped byte in a state file',
      change: (chk) => flipByte(join(chk, 'window-1-1'), (n) => n - 1),
      file: 'window-1-1',
      says: 'checksum mismatch: CRC-32C is 0x',
      code: 'corrupt',
    },
    {
      what: 'a deleted state file',
      change: (chk) => unlink(join(chk, 'window-1-1')),
      file: 'window-1-1',
      says: 'missing',
      code: 'corrupt',
    },
    {
      what: 'a flipped byte in _metadata',
      change: (chk) => flipByte(join(chk, '_metadata'), (n) => n >> 1),
      file: '_metadata',
      says: 'checksum mismatch: CRC-32C is 0x',
      code: 'corrupt',
    },
    {
      what: 'a flipped byte in the _metadata header',
      change: (chk) => flipByte(join(chk, '_metadata'), () => 4),
      file: '_metadata',
      says: 'checksum mismatch',
      code: 'corrupt',
    },
    {
      what: 'a truncated _metadata',
      change: async (chk) => truncate(join(chk, '_metadata'), 30),
      file: '_metadata',
      says: 'the header says',
      code: 'corrupt',
    },
    {
      what: 'a missing _metadata',
      change: (chk) => unlink(join(chk, '_metadata')),
      file: '_metadata',
      says: 'missing: the checkpoint was never committed',
      code: 'incomplete',
    },
  ];

  for (const { what, change, file, says, code } of corruptions) {
    it(`detects ${what}: latest() falls back and says why, open() names the file`, async () => {
      const { dir, storage } = await fileHarness();
      await writeCheckpoint(storage, 1);
      await writeCheckpoint(storage, 2);
      const path = join(dir, 'chk-2', file);
      await change(join(dir, 'chk-2'));
      const restarted = new FileCheckpointStorage(dir);
      const latest = await restarted.latest();
      expect(latest?.metadata.checkpointId).toBe(1);
      expect(await latest?.read('window-1-0')).toEqual(bytesFor(1, 0));
      expect(latest?.skipped.map((s) => s.id)).toEqual([2]);
      expect(latest?.skipped[0].reason).toContain(`Checkpoint 2: ${path}: ${says}`);
      const error = await rejection(restarted.open(2));
      expect(error.code).toBe(code);
      expect(error.file).toBe(path);
      expect(error.message).toContain(`Checkpoint 2: ${path}: ${says}`);
      // The job goes on from 1 and completes 3; retention then removes 1 and the broken 2.
      await writeCheckpoint(restarted, 3);
      await restarted.retain(1);
      expect(await readdir(dir)).toEqual(['chk-3']);
    });
  }

  it('checks a state file again when it is read', async () => {
    const { dir, storage } = await fileHarness();
    await writeCheckpoint(storage, 1);
    const checkpoint = await storage.open(1);
    await flipByte(join(dir, 'chk-1', 'window-1-0'), () => 0);
    await expect(checkpoint.read('window-1-0')).rejects.toThrow(`Checkpoint 1: ${join(dir, 'chk-1', 'window-1-0')}: checksum mismatch`);
    expect(await checkpoint.read('window-1-1')).toEqual(bytesFor(1, 1));
  });

  it('fails loudly when every committed checkpoint is corrupt, rather than starting from nothing', async () => {
    const { dir, storage } = await fileHarness();
    await writeCheckpoint(storage, 1);
    await truncate(join(dir, 'chk-1', 'window-1-1'), 0);
    const error = await rejection(storage.latest());
    expect(error.message).toBe(
      `${dir}: none of the 1 stored checkpoints can be used:\n  - Checkpoint 1: ${join(dir, 'chk-1', 'window-1-1')}: size is 0 bytes, the metadata says 1018 (truncated)`,
    );
  });

  it('relocates a savepoint: copied elsewhere, it opens there by path', async () => {
    const { dir, storage } = await fileHarness();
    await writeCheckpoint(storage, 1);
    const target = join(root, `savepoints-${dirs++}`);
    const writer = await storage.begin(2, 'savepoint', { target });
    expect(writer.location).toBe(join(target, 'savepoint-2'));
    const files = [await writer.write('window-1-0', bytesFor(2, 0)), await writer.write('window-1-1', bytesFor(2, 1))];
    const metadata = metadataFor(2, files, 'savepoint');
    await writer.commit(metadata);
    expect(await readdir(dir)).toEqual(['chk-1']); // the savepoint is not in the checkpoint directory

    const moved = join(root, `moved-${dirs++}`, 'my-savepoint');
    await cp(join(target, 'savepoint-2'), moved, { recursive: true });
    await rm(target, { recursive: true });
    for (const path of [moved, join(moved, '_metadata')]) {
      const savepoint = await FileCheckpointStorage.openPath(path);
      expect(savepoint.location).toBe(moved);
      expect(savepoint.metadata).toEqual(metadata);
      expect(await savepoint.read('window-1-0')).toEqual(bytesFor(2, 0));
      expect(await savepoint.read('window-1-1')).toEqual(bytesFor(2, 1));
    }
    await flipByte(join(moved, 'window-1-1'), () => 7);
    await expect(FileCheckpointStorage.openPath(moved)).rejects.toThrow(`${join(moved, 'window-1-1')}: checksum mismatch`);
    await expect(FileCheckpointStorage.openPath(join(root, 'nowhere'))).rejects.toThrow(`${join(root, 'nowhere', '_metadata')}: missing`);
  });

  it('keeps savepoints next to checkpoints through retention', async () => {
    const { dir, storage } = await fileHarness();
    await writeCheckpoint(storage, 1);
    await writeCheckpoint(storage, 2, 'savepoint');
    await writeCheckpoint(storage, 3);
    await mkdir(join(dir, 'unrelated'));
    await storage.retain(1);
    expect((await readdir(dir)).sort()).toEqual(['chk-3', 'savepoint-2', 'unrelated']);
    expect((await FileCheckpointStorage.openPath(join(dir, 'savepoint-2'))).metadata.kind).toBe('savepoint');
  });

  it('refuses a savepoint target that already holds that savepoint', async () => {
    const { storage } = await fileHarness();
    const target = join(root, `savepoints-${dirs++}`);
    const first = await storage.begin(4, 'savepoint', { target });
    await first.commit(metadataFor(4, [], 'savepoint'));
    await expect(storage.begin(4, 'savepoint', { target })).rejects.toThrow(`Checkpoint 4: ${join(target, 'savepoint-4')}: already complete`);
  });
});
