// Copy-on-write snapshots of the heap backend: whatever processing does while a snapshot is being
// encoded — updates, in-place mutation of returned objects, TTL refreshes, deletes, new keys, new
// namespaces, a second barrier — the snapshot restores to exactly the state at its barrier, and the
// live state is never disturbed. Seeded property tests; the walk advances by explicit steps.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/time/clock';
import { AggregatingStateDescriptor, ListStateDescriptor, MapStateDescriptor, ValueStateDescriptor } from '../../src/state/descriptors';
import type { HeapAggregatingState, HeapListState, HeapMapState, HeapValueState } from '../../src/state/heap-state';
import { HeapKeyedStateBackend } from '../../src/state/keyed-state-backend';
import { AsyncKeyedSnapshot } from '../../src/state/async-keyed-snapshot';
import { readKeyedSnapshot } from '../../src/state/keyed-snapshot-format';

type Op =
  | { readonly op: 'bump' | 'clear' | 'listAdd' | 'listClear' | 'mapPut' | 'mapRemove' | 'ttlRead' | 'ttlWrite'; readonly key: number; readonly x: number }
  | { readonly op: 'aggAdd' | 'aggClear'; readonly key: number; readonly ns: number; readonly x: number }
  | { readonly op: 'advance'; readonly n: number }
  | { readonly op: 'barrier' };

const key = fc.integer({ min: 0, max: 40 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constantFrom('bump', 'clear', 'listAdd', 'listClear', 'mapPut', 'mapRemove', 'ttlRead', 'ttlWrite'), key, x: fc.integer({ min: -3, max: 3 }) }),
  fc.record({ op: fc.constantFrom('aggAdd', 'aggClear'), key, ns: fc.integer({ min: 0, max: 3 }), x: fc.integer({ min: 1, max: 9 }) }),
  fc.record({ op: fc.constant('advance'), n: fc.integer({ min: 1, max: 12 }) }),
  fc.constant({ op: 'barrier' } as const),
);

/** A backend with one state of each kind; the accumulator and the value objects are mutated in place. */
function makeBackend(clock: ManualClock) {
  const backend = new HeapKeyedStateBackend(128, clock);
  const value = backend.getState(new ValueStateDescriptor<{ n: number }>('value')) as HeapValueState<{ n: number }>;
  const list = backend.getState(new ListStateDescriptor<number>('list')) as HeapListState<number>;
  const map = backend.getState(new MapStateDescriptor<string, number>('map')) as HeapMapState<string, number>;
  const agg = backend.getState(
    new AggregatingStateDescriptor<number, number[], number>('agg', {
      createAccumulator: () => [0, 0],
      add: (v, acc) => {
        acc[0] += v;
        acc[1]! += 1;
        return acc;
      },
      getResult: (acc) => acc[0]!,
      merge: (a, b) => [a[0]! + b[0]!, a[1]! + b[1]!],
    }),
  ) as HeapAggregatingState<number, number[], number>;
  const ttl = backend.getState(new ValueStateDescriptor<number>('ttl', { ttl: { ttl: 50, updateType: 'OnReadAndWrite' } })) as HeapValueState<number>;
  return { backend, value, list, map, agg, ttl };
}

type Parts = ReturnType<typeof makeBackend>;

function apply(p: Parts, op: Op, clock: ManualClock): void {
  if (op.op === 'advance' || op.op === 'barrier') return;
  clock.advance(1);
  p.backend.setCurrentKey(op.key % 2 === 0 ? op.key : `k${op.key}`);
  switch (op.op) {
    case 'bump': {
      const v = p.value.value();
      if (v === undefined) p.value.update({ n: op.x });
      else v.n += op.x; // in place, without update(): the snapshot must not see it
      return;
    }
    case 'clear':
      return p.value.clear();
    case 'listAdd':
      return p.list.add(op.x);
    case 'listClear':
      return p.list.clear();
    case 'mapPut':
      return p.map.put(`m${op.x}`, op.key);
    case 'mapRemove':
      return p.map.remove(`m${op.x}`);
    case 'ttlRead':
      p.ttl.value(); // refreshes the stamp in place (or expires the value)
      return;
    case 'ttlWrite':
      return p.ttl.update(op.x);
    case 'aggAdd':
      p.agg.setCurrentNamespace(op.ns);
      return p.agg.add(op.x);
    case 'aggClear':
      p.agg.setCurrentNamespace(op.ns);
      return p.agg.clear();
  }
}

/** The backend's state as plain data, in a canonical order, deep-copied. */
function dump(backend: HeapKeyedStateBackend): unknown {
  const out: unknown[] = [];
  for (const table of ['value', 'list', 'map', 'agg', 'ttl'].map((name) => backend.table(name))) {
    const entries = [...table.entries.values()]
      .map((e) => {
        const byNs = e.more !== undefined ? [...e.more] : e.value === undefined ? [] : [[e.ns, e.value]];
        return [String(e.mapKey), e.mapKey, byNs.sort((a, b) => String(a[0]).localeCompare(String(b[0])))] as const;
      })
      .filter((e) => e[2].length > 0)
      .sort((a, b) => a[0].localeCompare(b[0]));
    out.push([table.name, entries]);
  }
  return structuredClone(out);
}

function restored(bytes: Uint8Array, clock: ManualClock): HeapKeyedStateBackend {
  const { backend } = makeBackend(clock);
  readKeyedSnapshot(bytes, 'test', { table: (name) => backend.table(name), owns: () => true, ownsAll: true, timer: () => {} });
  return backend;
}

describe('asynchronous copy-on-write keyed snapshots', () => {
  it('restore exactly the state at their barrier, whatever happens while they are encoded', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 120 }), fc.array(opArb, { maxLength: 40 }), async (before, during) => {
        const clock = new ManualClock(0);
        const live = makeBackend(clock);
        const shadowClock = new ManualClock(0);
        const shadow = makeBackend(shadowClock); // the same operations, never snapshotted
        const taken: Array<{ snapshot: AsyncKeyedSnapshot; expected: unknown }> = [];
        const barrier = (): void => {
          taken.at(-1)?.snapshot.finishNow();
          const { version, tables } = live.backend.beginSnapshot();
          const expected = dump(live.backend);
          taken.push({ snapshot: new AsyncKeyedSnapshot(taken.length + 1, version, tables, 0, { event: [], processing: [] }, (ns) => ns, 0), expected });
        };
        for (const op of [...before, { op: 'barrier' } as const, ...during]) {
          if (op.op === 'barrier') barrier();
          else if (op.op === 'advance') taken.at(-1)?.snapshot.advance(op.n);
          else {
            apply(live, op, clock);
            apply(shadow, op, shadowClock);
          }
        }
        taken.at(-1)!.snapshot.finishNow();
        for (const { snapshot, expected } of taken) {
          const bytes = await snapshot.done;
          expect(dump(restored(bytes, new ManualClock(0)))).toEqual(expected);
        }
        // Copy-on-write never changes the live state.
        expect(dump(live.backend)).toEqual(dump(shadow.backend));
      }),
      { seed: 3, numRuns: 300 },
    );
  });

  it('stops copying on write once complete or canceled', async () => {
    const clock = new ManualClock(0);
    const p = makeBackend(clock);
    for (let k = 0; k < 10; k++) apply(p, { op: 'bump', key: k, x: 1 }, clock);
    const { version, tables } = p.backend.beginSnapshot();
    const snapshot = new AsyncKeyedSnapshot(1, version, tables, 0, { event: [], processing: [] }, (ns) => ns, 0);
    expect(tables.every((t) => t.cowVersion === version)).toBe(true);
    snapshot.cancel(new Error('canceled'));
    await expect(snapshot.done).rejects.toThrow('canceled');
    expect(tables.every((t) => t.cowVersion === 0 && t.capture === undefined)).toBe(true);
    // An entry touched after the cancel is not encoded anywhere: its version stays.
    p.backend.setCurrentKey(0);
    p.value.value();
    expect(tables.find((t) => t.name === 'value')!.entries.get(0)!.version).toBeLessThan(version);
  });

  it('fails the snapshot, not processing, when a touched entry cannot be encoded', async () => {
    const clock = new ManualClock(0);
    const backend = new HeapKeyedStateBackend(128, clock);
    const state = backend.getState(new ValueStateDescriptor<unknown>('v')) as HeapValueState<unknown>;
    backend.setCurrentKey('a');
    state.update(new (class Point {})());
    const { version, tables } = backend.beginSnapshot();
    const snapshot = new AsyncKeyedSnapshot(1, version, tables, 0, { event: [], processing: [] }, (ns) => ns, 0);
    expect(() => state.update(1)).not.toThrow();
    await expect(snapshot.done).rejects.toThrow('instance of Point');
    expect(state.value()).toBe(1);
  });
});
