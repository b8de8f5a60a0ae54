import { crc32c } from './crc32c';
import { instantiateKernel } from '../wasm/loader';

/**
 * The byte-level checks of one encoded batch: its CRC-32C and the validation of its string
 * columns. Positions are byte offsets into the bytes given to {@link CodecKernel.scan}. Valid until
 * the next `scan` of the same kernel (the WebAssembly kernel reuses one region of its memory).
 */
export interface ByteScan {
  /** CRC-32C (Castagnoli) of bytes [start, end). */
  crc32c(start: number, end: number): number;
  /**
   * Validates bytes [start, end) as UTF-8: {@link UTF8_ASCII}, {@link UTF8_VALID}, or the offset
   * (from `start`) of the first byte of the first ill-formed sequence.
   */
  validateUtf8(start: number, end: number): number;
  /**
   * Checks the `d + 1` i32 dictionary offsets at `offsetsAt` against the `bytesLen` string bytes at
   * `bytesAt` (o[0] = 0, non-decreasing, o[d] = bytesLen, no offset on a UTF-8 continuation byte):
   * -1, or the index of the first offset that breaks a rule. `ascii` promises that the bytes are
   * ASCII (as `validateUtf8` found), which skips looking at them.
   */
  checkOffsets(offsetsAt: number, d: number, bytesAt: number, bytesLen: number, ascii: boolean): number;
  /**
   * Checks the `n` i32 dictionary indices at `indicesAt` against a dictionary of `d` strings: -1,
   * or the first non-null row (per the validity bitmap at `validityAt`; -1 for none) whose index
   * is outside [0, d).
   */
  checkIndices(indicesAt: number, n: number, d: number, validityAt: number): number;
}

/** {@link ByteScan.validateUtf8}: valid, and all ASCII. */
export const UTF8_ASCII = -1;
/** {@link ByteScan.validateUtf8}: valid, with at least one multi-byte sequence. */
export const UTF8_VALID = -2;

interface CodecExports {
  readonly memory: WebAssembly.Memory;
  reserve(bytes: number): number;
  crc32c(crc: number, ptr: number, len: number): number;
  validateUtf8(ptr: number, len: number): number;
  checkOffsets(offsetsPtr: number, d: number, bytesPtr: number, bytesLen: number, ascii: number): number;
  checkIndices(indicesPtr: number, n: number, d: number, validityPtr: number): number;
}

/**
 * The kernel's URL, made only when it is needed: where a caller hands in a precompiled module
 * (workerd), `import.meta.url` need not be a valid base.
 */
const wasmUrl = (): URL => new URL('../../build/wasm/codec.wasm', import.meta.url);

/**
 * The hot loops of the batch codec — CRC-32C and the validation of string columns — in
 * WebAssembly (`assembly/codec.ts`) or in JavaScript, with identical results. The codec writes and
 * reads the format itself; a kernel only scans bytes, so both paths encode byte-identical buffers.
 *
 * @example
 * const kernel = await CodecKernel.load();          // WebAssembly where it loads, else JS
 * const buffer = encodeBatch(batch, { kernel });
 */
export class CodecKernel {
  private static jsKernel: CodecKernel | undefined;

  private constructor(private readonly exports: CodecExports | undefined) {}

  /**
   * A kernel: WebAssembly unless `wasm: false`. With `wasm: true` a failure to load throws; by
   * default it falls back to JavaScript. `module` is a precompiled `codec.wasm` (workerd, where
   * compiling bytes at run time is forbidden: `import codecWasm from 'sluice/codec.wasm'`).
   */
  static async load(options: { wasm?: boolean; module?: WebAssembly.Module } = {}): Promise<CodecKernel> {
    if (options.wasm === false) return CodecKernel.js;
    try {
      const instance = await instantiateKernel(wasmUrl, options.module);
      const exports = instance.exports as unknown as CodecExports;
      for (const name of ['reserve', 'crc32c', 'validateUtf8', 'checkOffsets', 'checkIndices'] as const) {
        if (typeof exports[name] !== 'function') throw new TypeError(`The codec kernel module does not export ${name}() (is it build/wasm/codec.wasm?)`);
      }
      if (!(exports.memory instanceof WebAssembly.Memory)) throw new TypeError('The codec kernel module does not export its memory');
      return new CodecKernel(exports);
    } catch (error) {
      if (options.wasm === true) throw error;
      return CodecKernel.js;
    }
  }

  /** The JavaScript kernel; the codec's default. */
  static get js(): CodecKernel {
    return (CodecKernel.jsKernel ??= new CodecKernel(undefined));
  }

  get usesWasm(): boolean {
    return this.exports !== undefined;
  }

  /** Starts the checks of one buffer (the WebAssembly kernel copies it into its memory on first use). */
  scan(bytes: Uint8Array): ByteScan {
    return this.exports === undefined ? new JsScan(bytes) : new WasmScan(this.exports, bytes);
  }

  /** CRC-32C (Castagnoli) of `bytes`, continuing `crc` (0 to start). */
  crc32c(bytes: Uint8Array, crc = 0): number {
    if (this.exports === undefined || bytes.length === 0) return crc32cJs(crc, bytes, 0, bytes.length);
    return new WasmScan(this.exports, bytes).crc32c(0, bytes.length, crc);
  }
}

// ---------------------------------------------------------------------------------------------
// WebAssembly
// ---------------------------------------------------------------------------------------------

class WasmScan implements ByteScan {
  /** Address of byte 0 of `bytes` in linear memory; -1 until copied; -2 if it did not fit. */
  private base = -1;
  private js: JsScan | undefined;

  constructor(
    private readonly exports: CodecExports,
    private readonly bytes: Uint8Array,
  ) {}

  private attach(): number {
    if (this.base === -1) {
      const base = this.exports.reserve(this.bytes.length) >>> 0;
      if (base === 0) {
        this.base = -2; // beyond 4 GiB of linear memory: the JS twin takes this buffer
        this.js = new JsScan(this.bytes);
      } else {
        new Uint8Array(this.exports.memory.buffer, base, this.bytes.length).set(this.bytes);
        this.base = base;
      }
    }
    return this.base;
  }

  crc32c(start: number, end: number, crc = 0): number {
    const base = this.attach();
    if (base < 0) return crc32cJs(crc, this.bytes, start, end);
    return this.exports.crc32c(crc, base + start, end - start) >>> 0;
  }

  validateUtf8(start: number, end: number): number {
    const base = this.attach();
    if (base < 0) return this.js!.validateUtf8(start, end);
    const r = this.exports.validateUtf8(base + start, end - start);
    return r === UTF8_ASCII || r === UTF8_VALID ? r : r >>> 0;
  }

  checkOffsets(offsetsAt: number, d: number, bytesAt: number, bytesLen: number, ascii: boolean): number {
    const base = this.attach();
    if (base < 0) return this.js!.checkOffsets(offsetsAt, d, bytesAt, bytesLen, ascii);
    return this.exports.checkOffsets(base + offsetsAt, d, base + bytesAt, bytesLen, ascii ? 1 : 0);
  }

  checkIndices(indicesAt: number, n: number, d: number, validityAt: number): number {
    const base = this.attach();
    if (base < 0) return this.js!.checkIndices(indicesAt, n, d, validityAt);
    return this.exports.checkIndices(base + indicesAt, n, d, validityAt < 0 ? 0 : base + validityAt);
  }
}

// ---------------------------------------------------------------------------------------------
// JavaScript twins (same results as assembly/lib/codec-*.ts)
// ---------------------------------------------------------------------------------------------

class JsScan implements ByteScan {
  private words: Int32Array | undefined;

  constructor(private readonly bytes: Uint8Array) {}

  /** Int32 view whose element k covers bytes [4k - misalign, ...) of `bytes`. */
  private i32(at: number, count: number): Int32Array {
    const abs = this.bytes.byteOffset + at;
    if ((abs & 3) === 0) return new Int32Array(this.bytes.buffer, abs, count);
    // Unaligned (only through the public `scan` of arbitrary bytes; the codec aligns): copy.
    const copy = new Uint8Array(count * 4);
    copy.set(this.bytes.subarray(at, at + count * 4));
    return new Int32Array(copy.buffer);
  }

  crc32c(start: number, end: number): number {
    return crc32cJs(0, this.bytes, start, end);
  }

  validateUtf8(start: number, end: number): number {
    const b = this.bytes;
    let i = start;
    let ascii = true;
    // words[w] holds bytes [4w - wordBase, 4w - wordBase + 4) of `b`.
    const wordBase = b.byteOffset % 4;
    const words = (this.words ??= new Int32Array(b.buffer, b.byteOffset - wordBase, Math.floor((wordBase + b.length) / 4)));
    while (i < end) {
      if (((i + wordBase) & 3) === 0) {
        // ASCII runs, 8 bytes per step.
        let w = (i + wordBase) >>> 2;
        const wEnd = (end + wordBase) >>> 2;
        while (w + 1 < wEnd && ((words[w] | words[w + 1]) & 0x80808080) === 0) w += 2;
        i = (w << 2) - wordBase;
        if (i >= end) break;
      }
      const b0 = b[i];
      if (b0 < 0x80) {
        i++;
        continue;
      }
      ascii = false;
      const rest = end - i;
      if (b0 >= 0xc2 && b0 <= 0xdf) {
        if (rest < 2 || (b[i + 1] & 0xc0) !== 0x80) return i - start;
        i += 2;
      } else if (b0 >= 0xe0 && b0 <= 0xef) {
        if (rest < 3) return i - start;
        const b1 = b[i + 1];
        const lo = b0 === 0xe0 ? 0xa0 : 0x80;
        const hi = b0 === 0xed ? 0x9f : 0xbf;
        if (b1 < lo || b1 > hi || (b[i + 2] & 0xc0) !== 0x80) return i - start;
        i += 3;
      } else if (b0 >= 0xf0 && b0 <= 0xf4) {
        if (rest < 4) return i - start;
        const b1 = b[i + 1];
        const lo = b0 === 0xf0 ? 0x90 : 0x80;
        const hi = b0 === 0xf4 ? 0x8f : 0xbf;
        if (b1 < lo || b1 > hi || (b[i + 2] & 0xc0) !== 0x80 || (b[i + 3] & 0xc0) !== 0x80) return i - start;
        i += 4;
      } else {
        return i - start;
      }
    }
    return ascii ? UTF8_ASCII : UTF8_VALID;
  }

  checkOffsets(offsetsAt: number, d: number, bytesAt: number, bytesLen: number, ascii: boolean): number {
    const o = this.i32(offsetsAt, d + 1);
    const b = this.bytes;
    if (o[0] !== 0) return 0;
    let prev = 0;
    for (let k = 1; k <= d; k++) {
      const x = o[k];
      if (x < prev || x > bytesLen) return k;
      if (!ascii && x < bytesLen && (b[bytesAt + x] & 0xc0) === 0x80) return k;
      prev = x;
    }
    return prev === bytesLen ? -1 : d;
  }

  checkIndices(indicesAt: number, n: number, d: number, validityAt: number): number {
    const idx = this.i32(indicesAt, n);
    const b = this.bytes;
    if (validityAt < 0) {
      for (let i = 0; i < n; i++) if (idx[i] >>> 0 >= d) return i;
      return -1;
    }
    for (let i = 0; i < n; i++) {
      if ((b[validityAt + (i >>> 3)] & (1 << (i & 7))) !== 0 && idx[i] >>> 0 >= d) return i;
    }
    return -1;
  }
}

/** CRC-32C of bytes [start, end), continuing `crc`; the JS twin of assembly/lib/codec-crc32c.ts. */
export function crc32cJs(crc: number, bytes: Uint8Array, start: number, end: number): number {
  return crc32c(bytes.subarray(start, end), crc);
}
