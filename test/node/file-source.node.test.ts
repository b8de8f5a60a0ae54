import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OperatorError, StreamEnvironment, map } from '../../src/index';
import { fileSource } from '../../src/node/index';

const dir = mkdtempSync(join(tmpdir(), 'sluice-file-'));

describe('fileSource (sluice/node)', () => {
  it('reads every line, with \\n or \\r\\n and without a final newline, across chunk boundaries', async () => {
    const lines = Array.from({ length: 500 }, (_, i) => `{"i":${i},"s":"ünïcödé ${'x'.repeat(i % 37)}"}`);
    const path = join(dir, 'lines.jsonl');
    writeFileSync(path, lines.map((l, i) => (i % 3 === 0 ? `${l}\r\n` : `${l}\n`)).join('').trimEnd());
    const env = new StreamEnvironment({ batchSize: 64 });
    const out = await env.fromSource(fileSource(path, { chunkSize: 100 })).pipe(map((l) => JSON.parse(l) as { i: number })).collect();
    expect(out.map((o) => o.i)).toEqual(lines.map((_, i) => i));
  });

  it('resumes at a byte offset', async () => {
    const path = join(dir, 'resume.txt');
    writeFileSync(path, 'alpha\nbeta\ngamma\n');
    const reader = fileSource(path).createReader({ clock: { now: () => 0, schedule: () => () => {} }, restoreFrom: 6 });
    const seen: string[] = [];
    let r;
    do r = await reader.read({ collect: (v) => seen.push(v) }, 10);
    while (r === 'more');
    expect(seen).toEqual(['beta', 'gamma']);
    expect(reader.position()).toBe(17);
  });

  it('names the file and byte offset of a line that is not UTF-8', async () => {
    const path = join(dir, 'bad.txt');
    writeFileSync(path, Buffer.concat([Buffer.from('ok\n'), Buffer.from([0xff, 0xfe, 0x0a])]));
    const error = await new StreamEnvironment()
      .fromSource(fileSource(path))
      .collect()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OperatorError);
    expect((error as Error).message).toContain(`${path}: the line at byte 3 is not valid UTF-8`);
  });

  it('fails clearly on a missing file', async () => {
    await expect(new StreamEnvironment().fromSource(fileSource(join(dir, 'nope.txt'))).collect()).rejects.toThrow('ENOENT');
  });
});
