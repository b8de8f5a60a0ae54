/**
 * `npx tsx bench/codec.ts [--records N] [--rounds R]`: the batch codec on ~1M Nexmark-bid-like
 * records — encode and decode through the WebAssembly and the JavaScript kernels — against
 * `JSON.stringify`/`JSON.parse` and `structuredClone` of the same records.
 *
 * Every variant runs R times (default 5; rounds interleave the variants, each round starting at a
 * different one, after one warm-up round); the table shows medians. A full garbage collection runs (untimed) before each run, so that no
 * variant pays for the garbage of the one before. Throughput is given on two sizes: the encoded batch's bytes, and the
 * JSON text's bytes (the same data as JSON: a size every variant can be compared on). Results are
 * checked (row counts, sampled records) so no line can be fast by doing less.
 *
 * Variants:
 * - `encodeBatch`: columns → bytes (the columns built once, untimed, by `fromRecords`);
 * - `decodeBatch`: bytes → columns, everything validated; numeric columns are views and strings are
 *   made on first read, so `decodeBatch + strings` also reads every dictionary; `no checksum` skips
 *   the CRC (for buffers that never left memory) and still checks everything else;
 * - `encodeRecords` / `decodeRecords`: plain object records ⇄ bytes, all the way;
 * - `fromRecords` / `toRecords`: the records ⇄ columns conversions alone.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { decodeBatch, decodeRecords, encodeBatch, encodeRecords } from '../src/codec/batch-codec';
import { median, mulberry32, parseOptions } from './support';
import { CodecKernel } from '../src/codec/codec-kernel';
import { type ColumnBatch, Utf8Column } from '../src/columnar/column-batch';
import { fromRecords, toRecords } from '../src/columnar/records';

interface Bid {
  auction: number;
  bidder: number;
  price: number;
  channel: string;
  url: string;
  dateTime: number;
  extra: string;
}



/**
 * Bids shaped like the Nexmark generator's: four hot channels and 10 000 channel/url pairs, an
 * epoch-ms dateTime, and a random `extra` of 10..60 characters (distinct per bid).
 */
function generate(n: number): Bid[] {
  const random = mulberry32(6);
  const int = (k: number) => Math.floor(random() * k);
  const word = (len: number) => Array.from({ length: len }, () => String.fromCharCode(97 + int(26))).join('');
  const hot = ['Google', 'Facebook', 'Baidu', 'Apple'];
  const channels = Array.from({ length: 10_000 }, (_, k) => ({
    channel: `channel-${k}`,
    url: `https://www.nexmark.com/${word(5)}/${word(7)}/${word(5)}/item.htm?query=1&channel_id=${k}`,
  }));
  const t0 = Date.UTC(2025, 0, 1);
  const bids = new Array<Bid>(n);
  for (let i = 0; i < n; i++) {
    const h = int(100);
    const c = h < 40 ? { channel: hot[h % 4], url: `https://www.nexmark.com/${hot[h % 4].toLowerCase()}/item.htm?query=1` } : channels[int(channels.length)];
    bids[i] = {
      auction: 1000 + int(10_000),
      bidder: 1000 + int(100_000),
      price: 100 + int(10_000_000),
      channel: c.channel,
      url: c.url,
      dateTime: t0 + Math.floor(i / 10),
      extra: word(10 + int(51)),
    };
  }
  return bids;
}


function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`bench check failed: ${what}`);
}

/** Reads every string of every dictionary (what a consumer of all strings pays). */
function materialize(batch: ColumnBatch): number {
  let n = 0;
  for (const c of batch.columns) if (c instanceof Utf8Column) n += c.dictionary.length;
  return n;
}

async function main(): Promise<void> {
  const { records: n, rounds } = parseOptions(process.argv.slice(2), { records: 1_000_000, rounds: 5 }, 'npx tsx bench/codec.ts [--records N] [--rounds R]');
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  execFileSync(process.execPath, [resolve(root, 'assembly/build.mjs')], { stdio: 'inherit' });
  const wasm = await CodecKernel.load({ wasm: true });
  const js = CodecKernel.js;

  const bids = generate(n);
  const json = JSON.stringify(bids);
  const jsonBytes = json.length; // ASCII
  const batch = fromRecords(bids);
  const encoded = encodeBatch(batch, { kernel: wasm });
  const encodedBytes = encoded.byteLength;
  const sample = [0, 1, n >> 1, n - 1];
  const sameBid = (r: Record<string, unknown>, b: Bid) =>
    r.auction === b.auction && r.bidder === b.bidder && r.price === b.price && r.channel === b.channel && r.url === b.url && r.dateTime === b.dateTime && r.extra === b.extra;

  type Variant = { name: string; run: () => unknown; verify: (out: unknown) => void };
  const variants: Variant[] = [];
  for (const [path, kernel] of [['wasm', wasm], ['js', js]] as const) {
    variants.push(
      {
        name: `encodeBatch (${path})`,
        run: () => encodeBatch(batch, { kernel }),
        verify: (out) => check((out as ArrayBuffer).byteLength === encodedBytes, 'encoded size'),
      },
      {
        name: `decodeBatch (${path})`,
        run: () => decodeBatch(encoded, { kernel }),
        verify: (out) => check((out as ColumnBatch).rowCount === n, 'row count'),
      },
      {
        name: `decodeBatch, no checksum (${path})`,
        run: () => decodeBatch(encoded, { kernel, verifyChecksum: false }),
        verify: (out) => check((out as ColumnBatch).rowCount === n, 'row count'),
      },
      {
        name: `decodeBatch + strings (${path})`,
        run: () => {
          const b = decodeBatch(encoded, { kernel });
          materialize(b);
          return b;
        },
        verify: (out) => {
          const back = out as ColumnBatch;
          for (const i of sample) check(back.value(3, i) === bids[i].channel && back.value(6, i) === bids[i].extra, `strings of row ${i}`);
        },
      },
      {
        name: `encodeRecords (${path})`,
        run: () => encodeRecords(bids, { kernel }),
        verify: (out) => check((out as ArrayBuffer).byteLength === encodedBytes, 'encoded size'),
      },
      {
        name: `decodeRecords (${path})`,
        run: () => decodeRecords(encoded, { kernel }),
        verify: (out) => {
          const rs = out as Record<string, unknown>[];
          check(rs.length === n, 'record count');
          for (const i of sample) check(sameBid(rs[i], bids[i]), `record ${i}`);
        },
      },
    );
  }
  variants.push(
    { name: 'fromRecords', run: () => fromRecords(bids), verify: (out) => check((out as ColumnBatch).rowCount === n, 'rows') },
    {
      name: 'toRecords',
      run: () => toRecords(batch),
      verify: (out) => {
        for (const i of sample) check(sameBid((out as Record<string, unknown>[])[i], bids[i]), `record ${i}`);
      },
    },
    { name: 'JSON.stringify', run: () => JSON.stringify(bids), verify: (out) => check((out as string).length === jsonBytes, 'JSON length') },
    {
      name: 'JSON.parse',
      run: () => JSON.parse(json) as unknown,
      verify: (out) => {
        for (const i of sample) check(sameBid((out as Record<string, unknown>[])[i], bids[i]), `parsed ${i}`);
      },
    },
    {
      name: 'structuredClone',
      run: () => structuredClone(bids),
      verify: (out) => {
        for (const i of sample) check(sameBid((out as Record<string, unknown>[])[i] as Record<string, unknown>, bids[i]), `clone ${i}`);
      },
    },
  );

  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const times = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  for (let round = -1; round < rounds; round++) {
    // Each round starts at another variant, so none is always the one after structuredClone.
    const start = round < 0 ? 0 : (round * 3) % variants.length;
    for (const v of [...variants.slice(start), ...variants.slice(0, start)]) {
      gc();
      await new Promise((r) => setTimeout(r, 50)); // let concurrent sweeping finish
      const t = performance.now();
      const out = v.run();
      const ms = performance.now() - t;
      v.verify(out);
      if (round >= 0) times.get(v.name)!.push(ms);
    }
  }

  const ms = (name: string) => median(times.get(name)!);
  const mbps = (bytes: number, t: number) => (bytes / 1e6 / (t / 1000)).toFixed(0);
  console.log(
    `\n${n.toLocaleString('en')} bids; encoded ${(encodedBytes / 1e6).toFixed(1)} MB (${(encodedBytes / n).toFixed(1)} B/record), ` +
      `JSON ${(jsonBytes / 1e6).toFixed(1)} MB (${(jsonBytes / n).toFixed(1)} B/record); median of ${rounds} rounds; ` +
      `Node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, load average ${os.loadavg()[0].toFixed(1)}\n`,
  );
  const rows: string[][] = [['variant', 'ms', 'MB/s (encoded)', 'MB/s (JSON size)', 'vs JSON']];
  for (const v of variants) {
    const t = ms(v.name);
    const peer = v.name.startsWith('decode') || v.name === 'toRecords' ? 'JSON.parse' : v.name.startsWith('encode') || v.name === 'fromRecords' ? 'JSON.stringify' : undefined;
    rows.push([
      v.name,
      t.toFixed(1),
      v.name.startsWith('JSON') || v.name === 'structuredClone' ? '' : mbps(encodedBytes, t),
      mbps(jsonBytes, t),
      peer === undefined ? '' : `${(ms(peer) / t).toFixed(1)}× ${peer}`,
    ]);
  }
  printTable(rows);
  kernels(encoded, wasm, js, rounds);
}

function printTable(rows: string[][]): void {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const [i, r] of rows.entries()) {
    console.log(`| ${r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join(' | ')} |`);
    if (i === 0) console.log(`|${widths.map((w, c) => (c === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
  }
}

/**
 * The kernel primitives alone, WebAssembly vs JS, on the sections of the encoded bids: what each
 * costs, and whether WebAssembly wins (the WebAssembly path first copies the buffer into its
 * memory: `attach`).
 */
function kernels(encoded: ArrayBuffer, wasm: CodecKernel, js: CodecKernel, rounds: number): void {
  const bytes = new Uint8Array(encoded);
  const batch = decodeBatch(encoded);
  const extra = batch.column('extra') as Utf8Column;
  const url = batch.column('url') as Utf8Column;
  const dict = extra.encoded!;
  const at = (a: ArrayBufferView) => a.byteOffset;
  const ops: { name: string; size: number; run: (k: CodecKernel) => () => unknown }[] = [
    { name: 'attach (copy into linear memory)', size: bytes.length, run: (k) => () => k.scan(bytes).checkIndices(0, 0, 0, -1) },
    { name: 'crc32c (whole batch)', size: bytes.length, run: (k) => { const s = k.scan(bytes); s.crc32c(0, 8); return () => s.crc32c(12, bytes.length); } },
    { name: 'validateUtf8 ("extra" strings)', size: dict.bytes.length, run: (k) => { const s = k.scan(bytes); s.crc32c(0, 8); return () => s.validateUtf8(at(dict.bytes), at(dict.bytes) + dict.bytes.length); } },
    { name: `checkOffsets ("extra", ${dict.offsets.length - 1} ASCII)`, size: dict.offsets.byteLength, run: (k) => { const s = k.scan(bytes); s.crc32c(0, 8); return () => s.checkOffsets(at(dict.offsets), dict.offsets.length - 1, at(dict.bytes), dict.bytes.length, true); } },
    { name: `checkOffsets ("extra", not known ASCII)`, size: dict.offsets.byteLength, run: (k) => { const s = k.scan(bytes); s.crc32c(0, 8); return () => s.checkOffsets(at(dict.offsets), dict.offsets.length - 1, at(dict.bytes), dict.bytes.length, false); } },
    { name: `checkIndices ("url", ${url.indices.length} rows)`, size: url.indices.byteLength, run: (k) => { const s = k.scan(bytes); s.crc32c(0, 8); return () => s.checkIndices(at(url.indices), url.indices.length, url.dictionarySize, -1); } },
  ];
  const rows: string[][] = [['kernel primitive', 'MB', 'wasm ms', 'js ms', 'wasm MB/s', 'js MB/s', 'wasm/js']];
  for (const op of ops) {
    const t: Record<string, number[]> = { wasm: [], js: [] };
    for (let r = -1; r < rounds * 3; r++) {
      for (const [name, k] of [['wasm', wasm], ['js', js]] as const) {
        const f = op.run(k);
        const start = performance.now();
        f();
        if (r >= 0) t[name].push(performance.now() - start);
      }
    }
    const w = median(t.wasm);
    const j = median(t.js);
    const mb = op.size / 1e6;
    rows.push([op.name, mb.toFixed(1), w.toFixed(2), j.toFixed(2), (mb / (w / 1000)).toFixed(0), (mb / (j / 1000)).toFixed(0), `${(j / w).toFixed(1)}×`]);
  }
  console.log('');
  printTable(rows);
}

await main();
