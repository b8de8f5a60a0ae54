import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeRecords, encodeRecords } from '../../src/codec/batch-codec';
import { CodecKernel } from '../../src/codec/codec-kernel';

// Node only: a precompiled module (how workerd loads kernels), and what happens with a wrong one.
describe('codec kernel from a precompiled module', () => {
  const compile = (name: string) => new WebAssembly.Module(readFileSync(new URL(`../../build/wasm/${name}.wasm`, import.meta.url)));

  it('runs from a WebAssembly.Module', async () => {
    const kernel = await CodecKernel.load({ module: compile('codec') });
    expect(kernel.usesWasm).toBe(true);
    const records = [{ a: 1, s: 'é' }];
    expect(decodeRecords(encodeRecords(records, { kernel }), { kernel })).toEqual(records);
  });

  it('refuses another kernel\'s module, or falls back to JS', async () => {
    await expect(CodecKernel.load({ wasm: true, module: compile('hash') })).rejects.toThrow(/does not export crc32c\(\)/);
    expect((await CodecKernel.load({ module: compile('hash') })).usesWasm).toBe(false);
  });
});
