// The kernel window operator stands in for non-integer keys and non-numeric values with ids and
// codes; once no window holds them they are swept and reused, so a long job with churning string
// keys and values keeps a bounded dictionary — and its results stay right across the reuse.
import { describe, expect, it } from 'vitest';
import { KeySelector } from '../../src/runtime/key-selector';
import { KernelWindowOperator } from '../../src/windowing/kernel-window-operator';
import { OperatorHarness } from '../support/operator-harness';

interface Ev {
  readonly k: string;
  readonly x: string;
}

describe('kernel window operator dictionaries', () => {
  for (const wasm of [true, false]) {
    it(`sweeps the ids and codes of closed windows and reuses them (${wasm ? 'WebAssembly' : 'JS twin'})`, async () => {
      const op = new KernelWindowOperator<Ev>({
        size: 10,
        slide: 10,
        offset: 0,
        allowedLateness: 10,
        lateOutput: undefined,
        keySelector: new KeySelector<Ev, unknown>((e) => e.k, 'keyBy', undefined),
        aggregates: [
          { name: 'n', kind: 'count', field: undefined },
          { name: 'f', kind: 'first', field: (e) => e.x },
          { name: 'l', kind: 'last', field: (e) => e.x },
          { name: 'd', kind: 'countDistinct', field: (e) => e.x },
        ],
      });
      const h = await new OperatorHarness(op, { wasm }).prepare();
      const windows = 40;
      const keys = 400;
      let peak = 0;
      for (let w = 0; w < windows; w++) {
        // Every window has new keys and new values: 800 fresh dictionary entries each.
        // And a late element for the previous window, still within the allowed lateness: its
        // window (fired, not yet closed) holds ids and codes that a sweep must keep.
        const records: Array<[Ev, number]> = w === 0 ? [] : [[{ k: `w${w - 1}k0`, x: 'late' }, w * 10 - 5]];
        for (let k = 0; k < keys; k++) {
          for (let j = 0; j < 3; j++) records.push([{ k: `w${w}k${k}`, x: `w${w}v${(k + j) % (keys + 1)}` }, w * 10 + j]);
        }
        h.process(records).watermark(w * 10 + 9);
        peak = Math.max(peak, op.metrics().dictionaryEntries!);
      }
      // Without sweeping: 40 × 800 = 32 000 entries.
      expect(peak).toBeLessThan(10_000);
      const rows = h.values();
      expect(rows).toHaveLength(windows * keys + windows - 1);
      let late = 0;
      for (const r of rows) {
        const [, w, k] = /^w(\d+)k(\d+)$/.exec(r.key as string)!.map(Number);
        if (r.n === 4) {
          late++;
          expect(r).toEqual({ key: `w${w}k0`, start: w! * 10, end: w! * 10 + 10, n: 4, f: `w${w}v0`, l: 'late', d: 4 });
        } else {
          expect(r).toEqual({ key: `w${w}k${k}`, start: w! * 10, end: w! * 10 + 10, n: 3, f: `w${w}v${k}`, l: `w${w}v${(k! + 2) % (keys + 1)}`, d: 3 });
        }
      }
      expect(late).toBe(windows - 1);
    });
  }
});
