import { describe, expect, it } from 'vitest';
import {
  CheckpointError,
  checkMetadata,
  decodeMetadata,
  encodeMetadata,
  planRetention,
  type CheckpointKind,
  type RetentionEntry,
} from '../../src/checkpoint/checkpoint-storage';
import { crc32c } from '../../src/codec/crc32c';
import { MemoryCheckpointStorage } from '../../src/checkpoint/memory-storage';
import { bytesFor, metadataFor, storageContract } from '../support/storage-contract';

// ── Memory backend ───────────────────────────────────────────────────────────────────────────────

storageContract('MemoryCheckpointStorage', async () => ({ storage: new MemoryCheckpointStorage() }));

describe('MemoryCheckpointStorage', () => {
  it('copies bytes in and out, so callers cannot change a stored checkpoint', async () => {
    const storage = new MemoryCheckpointStorage();
    const writer = await storage.begin(1, 'checkpoint');
    const bytes = bytesFor(1, 0);
    const file = await writer.write('f', bytes);
    bytes.fill(0);
    await writer.commit(metadataFor(1, [file]));
    const latest = await storage.latest();
    const read = await latest!.read('f');
    read.fill(0);
    expect(await latest!.read('f')).toEqual(bytesFor(1, 0));
  });

  it('has no savepoint target directories', async () => {
    await expect(new MemoryCheckpointStorage().begin(1, 'savepoint', { target: '/x' })).rejects.toThrow('target');
  });
});

// ── CRC-32C ──────────────────────────────────────────────────────────────────────────────────────

describe('crc32c', () => {
  const bitwise = (bytes: Uint8Array): number => {
    let c = ~0;
    for (const b of bytes) {
      c ^= b;
      for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    }
    return ~c >>> 0;
  };

  it('matches the check value and known vectors', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa); // RFC 3720 B.4: 32 bytes of zeros
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43); // RFC 3720 B.4: 32 bytes of 0xff
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e); // RFC 3720 B.4: incrementing
  });

  it('agrees with a bit-at-a-time reference at every length and alignment, and continues incrementally', () => {
    const data = Uint8Array.from({ length: 300 }, (_, i) => (i * 167 + 13) & 0xff);
    for (let start = 0; start < 9; start++) {
      for (let end = start; end <= data.length; end += 7) {
        const slice = data.subarray(start, end);
        expect(crc32c(slice)).toBe(bitwise(slice));
      }
    }
    for (const cut of [0, 1, 7, 8, 9, 150, 300]) {
      expect(crc32c(data.subarray(cut), crc32c(data.subarray(0, cut)))).toBe(crc32c(data));
    }
  });
});

// ── Metadata envelope and validation ─────────────────────────────────────────────────────────────

describe('metadata envelope', () => {
  const metadata = metadataFor(7, [
    { name: 'a', bytes: 10, crc32c: 0xdeadbeef },
    { name: 'b', bytes: 0, crc32c: 0 },
  ]);

  it('round-trips, starting with the SLMD magic', () => {
    const envelope = encodeMetadata(metadata);
    expect(new TextDecoder().decode(envelope.subarray(0, 4))).toBe('SLMD');
    expect(decodeMetadata(envelope)).toEqual({ ok: true, metadata });
    expect(decodeMetadata(envelope.buffer)).toEqual({ ok: true, metadata });
  });

  it('detects a flipped bit anywhere, and truncation at any length', () => {
    const envelope = encodeMetadata(metadata);
    for (let i = 0; i < envelope.length; i++) {
      const bad = envelope.slice();
      bad[i] ^= 1 << (i % 8);
      const decoded = decodeMetadata(bad);
      expect(decoded.ok, `flip at byte ${i}`).toBe(false);
      if (!decoded.ok) expect(decoded.code).toBe('corrupt');
    }
    for (let n = 0; n < envelope.length; n++) expect(decodeMetadata(envelope.subarray(0, n)).ok).toBe(false);
    expect(decodeMetadata(envelope.subarray(0, 20))).toMatchObject({ problem: expect.stringContaining('truncated') });
    expect(decodeMetadata('garbage')).toMatchObject({ ok: false, problem: 'not a metadata envelope (found "garbage")' });
  });

  it('reports a newer format version clearly, not as corruption', () => {
    const json = new TextEncoder().encode(JSON.stringify({ ...metadata, formatVersion: 3 }));
    const envelope = new Uint8Array(16 + json.length);
    const view = new DataView(envelope.buffer);
    envelope.set(new TextEncoder().encode('SLMD'));
    view.setUint32(4, 1, true);
    view.setUint32(8, json.length, true);
    envelope.set(json, 16);
    view.setUint32(12, crc32c(json, crc32c(envelope.subarray(0, 12))), true);
    expect(decodeMetadata(envelope)).toEqual({
      ok: false,
      code: 'unsupported',
      problem: 'metadata format version 3 is not supported (this sluice reads versions 1 and 2)',
    });
    view.setUint32(4, 3, true);
    view.setUint32(12, crc32c(json, crc32c(envelope.subarray(0, 12))), true);
    expect(decodeMetadata(envelope)).toMatchObject({ code: 'unsupported', problem: expect.stringContaining('envelope version 3') });
  });

  it('validates shape with a path to the offending field', () => {
    const op = metadata.operators[0];
    expect(checkMetadata(metadata)).toBeUndefined();
    expect(checkMetadata(null)).toBe('metadata must be an object, got null');
    expect(checkMetadata({ ...metadata, kind: 'snap' })).toContain('kind must be');
    expect(checkMetadata({ ...metadata, operators: [op, op] })).toContain('appears twice');
    expect(checkMetadata({ ...metadata, operators: [{ ...op, parallelism: 200 }] })).toContain('operators[0].parallelism');
    expect(checkMetadata({ ...metadata, operators: [{ ...op, files: [{ ...op.files[0], subtask: 2 }] }] })).toContain(
      'operators[0].files[0].subtask must be an integer from 0 to 1, got 2',
    );
    expect(checkMetadata({ ...metadata, operators: [{ ...op, files: [{ ...op.files[0], keyGroups: [5, 128] }] }] })).toContain(
      'operators[0].files[0].keyGroups',
    );
    expect(checkMetadata({ ...metadata, operators: [{ ...op, files: [{ ...op.files[0], name: 'a/b' }] }] })).toContain('invalid file name');
    expect(checkMetadata({ ...metadata, operators: [{ ...op, files: [{ ...op.files[0], crc32c: -1 }] }] })).toContain('crc32c');
  });

  it('refuses metadata JSON cannot carry', () => {
    expect(() => encodeMetadata({ ...metadata, pendingCommits: { n: 1n } })).toThrow(CheckpointError);
    expect(() => encodeMetadata({ ...metadata, pendingCommits: { x: undefined } })).toThrow('pendingCommits');
    expect(() => encodeMetadata({ ...metadata, timestamp: Infinity })).toThrow('timestamp must be a finite number');
  });
});

describe('planRetention', () => {
  const entry = (id: number, kind: CheckpointKind | undefined, complete: boolean, active = false): RetentionEntry => ({ id, kind, complete, active });

  it('keeps the newest n complete checkpoints, every savepoint, and anything newer or being written', () => {
    const entries = [
      entry(1, 'checkpoint', true),
      entry(2, undefined, false), // crashed leftover
      entry(3, 'savepoint', true),
      entry(4, 'checkpoint', true),
      entry(5, 'checkpoint', false), // corrupt metadata
      entry(6, 'checkpoint', true),
      entry(7, undefined, false, true), // being written
      entry(8, undefined, false), // newer than every complete one: maybe in progress elsewhere
    ];
    expect(planRetention(entries, 1).map((e) => e.id)).toEqual([1, 2, 4, 5]);
    expect(planRetention(entries, 2).map((e) => e.id)).toEqual([1, 2, 5]);
    expect(planRetention(entries, 10).map((e) => e.id)).toEqual([2, 5]);
    expect(planRetention([entry(1, undefined, false), entry(2, 'savepoint', true)], 1)).toEqual([]);
  });
});
