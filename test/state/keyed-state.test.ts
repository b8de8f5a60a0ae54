import { describe, expect, it } from 'vitest';
import {
  AggregatingStateDescriptor,
  ConfigurationError,
  ListStateDescriptor,
  ManualClock,
  MapStateDescriptor,
  OperatorError,
  ReducingStateDescriptor,
  StreamEnvironment,
  ValueStateDescriptor,
  keyBy,
  process,
  type AggregateFunction,
  type Collector,
  type KeyedProcessContext,
  type RuntimeContext,
  type StateTtlConfig,
  type ValueState,
} from '../../src/index';

/**
 * One step of a test script: for key `k`, at processing time `t` (the shared ManualClock is moved
 * there before the state is touched), do `op` with `arg`.
 */
interface Step {
  readonly k: string;
  readonly op: string;
  readonly arg?: unknown;
  readonly t?: number;
}

function fmt(v: unknown): string {
  return v === undefined ? 'undefined' : JSON.stringify(v);
}

/**
 * Runs `steps` through `keyBy(k)` and a keyed process function whose `open` obtains the state
 * handles (`open(rc)`), then applies each step with `apply`. Emits `"<key> <op> → <result>"` per
 * step. Processing time moves inside `processElement`, before the state is read or written, so the
 * time each state access sees does not depend on how records are batched.
 */
async function runScript<S>(
  steps: readonly Step[],
  open: (rc: RuntimeContext) => S,
  apply: (state: S, step: Step) => unknown,
  clock = new ManualClock(0),
): Promise<string[]> {
  let state: S;
  return new StreamEnvironment({ clock })
    .fromArray(steps)
    .pipe(
      keyBy((s) => s.k),
      process<Step, string, string>({
        open(rc) {
          state = open(rc);
        },
        processElement(step: Step, ctx: KeyedProcessContext<string>, out: Collector<string>) {
          if (step.t !== undefined) clock.advanceTo(step.t);
          out.collect(`${ctx.getCurrentKey()} ${step.op} → ${fmt(apply(state, step))}`);
        },
      }),
    )
    .collect();
}

/** Steps that read and write a ValueState<string>: get / set / clear. */
function valueOps(descriptor: ValueStateDescriptor<string>) {
  return [
    (rc: RuntimeContext) => rc.getState(descriptor),
    (s: ValueState<string>, step: Step): unknown => {
      if (step.op === 'set') s.update(step.arg as string);
      else if (step.op === 'clear') s.clear();
      else return s.value();
      return undefined;
    },
  ] as const;
}

describe('ValueState', () => {
  it('is undefined until updated, and each key sees only its own value', async () => {
    const out = await runScript(
      [
        { k: 'a', op: 'get' },
        { k: 'a', op: 'set', arg: 'a1' },
        { k: 'b', op: 'get' },
        { k: 'a', op: 'get' },
        { k: 'b', op: 'set', arg: 'b1' },
        { k: 'a', op: 'get' },
        { k: 'b', op: 'get' },
        { k: 'a', op: 'set', arg: 'a2' },
        { k: 'a', op: 'clear' },
        { k: 'a', op: 'get' },
        { k: 'b', op: 'get' },
      ],
      ...valueOps(new ValueStateDescriptor<string>('v')),
    );
    expect(out).toEqual([
      'a get → undefined',
      'a set → undefined',
      'b get → undefined',
      'a get → "a1"',
      'b set → undefined',
      'a get → "a1"',
      'b get → "b1"',
      'a set → undefined',
      'a clear → undefined',
      'a get → undefined',
      'b get → "b1"',
    ]);
  });

  it('returns the descriptor default for a key without a value (handles stored on the function object)', async () => {
    const desc = new ValueStateDescriptor<number>('count', { defaultValue: 0 });
    const counter = {
      count: undefined as ValueState<number> | undefined,
      open(rc: RuntimeContext) {
        this.count = rc.getState(desc);
      },
      processElement(user: string, ctx: KeyedProcessContext<string>, out: Collector<string>) {
        const state = this.count!;
        if (user.endsWith('!')) {
          state.clear(); // back to the default
          out.collect(`${ctx.getCurrentKey()} reset → ${state.value()}`);
          return;
        }
        const n = state.value()! + 1;
        state.update(n);
        out.collect(`${ctx.getCurrentKey()} ${n}`);
      },
    };
    const out = await new StreamEnvironment()
      .fromArray(['ann', 'bob', 'ann', 'ann', 'bob', 'ann!', 'ann', 'cat'])
      .pipe(
        keyBy((u) => u.replace('!', '')),
        process<string, string, string>(counter),
      )
      .collect();
    expect(out).toEqual(['ann 1', 'bob 1', 'ann 2', 'ann 3', 'bob 2', 'ann reset → 0', 'ann 1', 'cat 1']);
  });

  it('is scoped per composite (tuple) key; equal tuples built separately are one key', async () => {
    interface Hit {
      readonly user: string;
      readonly region: string;
    }
    const desc = new ValueStateDescriptor<number>('hits', { defaultValue: 0 });
    let hits!: ValueState<number>;
    const out = await new StreamEnvironment()
      .fromArray<Hit>([
        { user: 'ann', region: 'eu' },
        { user: 'ann', region: 'us' },
        { user: 'ann', region: 'eu' },
        { user: 'bob', region: 'eu' },
      ])
      .pipe(
        keyBy((h) => [h.user, h.region] as const),
        process<Hit, string, readonly [string, string]>({
          open(rc) {
            hits = rc.getState(desc);
          },
          processElement(_h: Hit, ctx: KeyedProcessContext<readonly [string, string]>, out: Collector<string>) {
            hits.update(hits.value()! + 1);
            out.collect(`${ctx.getCurrentKey().join('/')} ${hits.value()}`);
          },
        }),
      )
      .collect();
    expect(out).toEqual(['ann/eu 1', 'ann/us 1', 'ann/eu 2', 'bob/eu 1']);
  });
  // BUG (see report): the backend stores object keys under their canonical JSON text in the same
  // Map as string keys, so the string key '["a",1]' and the tuple key ['a', 1] share one state.
  // Remove `.fails` once fixed.
  it('a string key never shares state with a tuple key of the same JSON text', async () => {
    const desc = new ValueStateDescriptor<number>('n', { defaultValue: 0 });
    let n!: ValueState<number>;
    const out = await new StreamEnvironment()
      .fromArray<string | readonly [string, number]>(['["a",1]', ['a', 1]])
      .pipe(
        keyBy((k) => k),
        process<string | readonly [string, number], number>({
          open(rc) {
            n = rc.getState(desc);
          },
          processElement(_k: unknown, _ctx: unknown, out: Collector<number>) {
            n.update(n.value()! + 1);
            out.collect(n.value()!);
          },
        }),
      )
      .collect();
    expect(out).toEqual([1, 1]);
  });
});

describe('ListState', () => {
  const desc = new ListStateDescriptor<string>('l');
  const open = (rc: RuntimeContext) => rc.getListState(desc);
  type L = ReturnType<typeof open>;
  const apply = (s: L, step: Step): unknown => {
    switch (step.op) {
      case 'add':
        return s.add(step.arg as string);
      case 'addAll':
        return s.addAll(step.arg as string[]);
      case 'update':
        return s.update(step.arg as string[]);
      case 'clear':
        return s.clear();
      default:
        return s.get();
    }
  };

  it('get() is [] when empty; add, addAll, update and clear; per key', async () => {
    const out = await runScript(
      [
        { k: 'a', op: 'get' },
        { k: 'a', op: 'add', arg: 'x' },
        { k: 'a', op: 'add', arg: 'y' },
        { k: 'b', op: 'get' },
        { k: 'b', op: 'addAll', arg: ['p', 'q'] },
        { k: 'a', op: 'get' },
        { k: 'a', op: 'addAll', arg: ['z', 'x'] }, // duplicates are kept
        { k: 'a', op: 'get' },
        { k: 'b', op: 'get' },
        { k: 'a', op: 'update', arg: ['only'] },
        { k: 'a', op: 'get' },
        { k: 'a', op: 'update', arg: [] },
        { k: 'a', op: 'get' },
        { k: 'b', op: 'clear' },
        { k: 'b', op: 'get' },
        { k: 'b', op: 'addAll', arg: [] },
        { k: 'b', op: 'get' },
      ],
      open,
      apply,
    );
    expect(out).toEqual([
      'a get → []',
      'a add → undefined',
      'a add → undefined',
      'b get → []',
      'b addAll → undefined',
      'a get → ["x","y"]',
      'a addAll → undefined',
      'a get → ["x","y","z","x"]',
      'b get → ["p","q"]',
      'a update → undefined',
      'a get → ["only"]',
      'a update → undefined',
      'a get → []',
      'b clear → undefined',
      'b get → []',
      'b addAll → undefined',
      'b get → []',
    ]);
  });
});

describe('MapState', () => {
  it('put, get, contains, remove, putAll, entries, keys, values, isEmpty and clear; per key', async () => {
    const desc = new MapStateDescriptor<string, number>('m');
    const out = await runScript(
      [
        { k: 'a', op: 'empty?' },
        { k: 'a', op: 'put', arg: ['x', 1] },
        { k: 'a', op: 'put', arg: ['y', 2] },
        { k: 'b', op: 'empty?' },
        { k: 'b', op: 'put', arg: ['x', 100] },
        { k: 'a', op: 'get', arg: 'x' },
        { k: 'a', op: 'get', arg: 'nope' },
        { k: 'a', op: 'contains', arg: 'y' },
        { k: 'a', op: 'contains', arg: 'nope' },
        { k: 'a', op: 'put', arg: ['x', 10] }, // overwrite
        { k: 'a', op: 'entries' },
        { k: 'a', op: 'keys' },
        { k: 'a', op: 'values' },
        { k: 'a', op: 'empty?' },
        { k: 'b', op: 'entries' },
        { k: 'a', op: 'remove', arg: 'x' },
        { k: 'a', op: 'remove', arg: 'nope' }, // no-op
        { k: 'a', op: 'contains', arg: 'x' },
        { k: 'a', op: 'entries' },
        { k: 'a', op: 'remove', arg: 'y' },
        { k: 'a', op: 'empty?' },
        { k: 'a', op: 'putAll', arg: [['p', 7], ['q', 8]] },
        { k: 'a', op: 'entries' },
        { k: 'a', op: 'clear' },
        { k: 'a', op: 'empty?' },
        { k: 'a', op: 'entries' },
        { k: 'b', op: 'get', arg: 'x' },
      ],
      (rc) => rc.getMapState(desc),
      (m, step) => {
        const sortedByKey = <T extends [string, number]>(es: T[]) => es.sort((p, q) => p[0].localeCompare(q[0]));
        switch (step.op) {
          case 'put': {
            const [k, v] = step.arg as [string, number];
            return m.put(k, v);
          }
          case 'putAll':
            return m.putAll(step.arg as Array<[string, number]>);
          case 'get':
            return m.get(step.arg as string);
          case 'contains':
            return m.contains(step.arg as string);
          case 'remove':
            return m.remove(step.arg as string);
          case 'entries': // Flink's MapState has no iteration order: compare sorted
            return sortedByKey(m.entries());
          case 'keys':
            return m.keys().sort();
          case 'values':
            return m.values().sort((p, q) => p - q);
          case 'clear':
            return m.clear();
          default:
            return m.isEmpty();
        }
      },
    );
    expect(out).toEqual([
      'a empty? → true',
      'a put → undefined',
      'a put → undefined',
      'b empty? → true',
      'b put → undefined',
      'a get → 1',
      'a get → undefined',
      'a contains → true',
      'a contains → false',
      'a put → undefined',
      'a entries → [["x",10],["y",2]]',
      'a keys → ["x","y"]',
      'a values → [2,10]',
      'a empty? → false',
      'b entries → [["x",100]]',
      'a remove → undefined',
      'a remove → undefined',
      'a contains → false',
      'a entries → [["y",2]]',
      'a remove → undefined',
      'a empty? → true',
      'a putAll → undefined',
      'a entries → [["p",7],["q",8]]',
      'a clear → undefined',
      'a empty? → true',
      'a entries → []',
      'b get → 100',
    ]);
  });

  it('takes composite (object and tuple) user keys by value', async () => {
    type Endpoint = { host: string; port: number } | [string, number];
    const desc = new MapStateDescriptor<Endpoint, string>('endpoints');
    const out = await runScript(
      [
        { k: 'a', op: 'put', arg: [{ host: 'h', port: 80 }, 'web'] },
        { k: 'a', op: 'put', arg: [['h', 80], 'tuple'] },
        { k: 'a', op: 'put', arg: [{ host: 'h', port: 443 }, 'tls'] },
        { k: 'b', op: 'put', arg: [{ host: 'h', port: 80 }, 'b-web'] },
        // Fresh objects with equal content address the same entries.
        { k: 'a', op: 'get', arg: { host: 'h', port: 80 } },
        { k: 'a', op: 'get', arg: ['h', 80] },
        { k: 'a', op: 'contains', arg: { host: 'h', port: 443 } },
        { k: 'a', op: 'contains', arg: { host: 'h', port: 8080 } },
        { k: 'a', op: 'put', arg: [{ host: 'h', port: 80 }, 'web2'] }, // overwrite through an equal key
        { k: 'a', op: 'entries' },
        { k: 'a', op: 'remove', arg: { host: 'h', port: 443 } },
        { k: 'a', op: 'keys' },
        { k: 'b', op: 'entries' },
      ],
      (rc) => rc.getMapState(desc),
      (m, step) => {
        const sorted = <T>(xs: T[]) => xs.map((x) => JSON.stringify(x)).sort();
        switch (step.op) {
          case 'put': {
            const [k, v] = step.arg as [Endpoint, string];
            return m.put(k, v);
          }
          case 'get':
            return m.get(step.arg as Endpoint);
          case 'contains':
            return m.contains(step.arg as Endpoint);
          case 'remove':
            return m.remove(step.arg as Endpoint);
          case 'keys':
            return sorted(m.keys());
          default:
            return sorted(m.entries());
        }
      },
    );
    expect(out).toEqual([
      'a put → undefined',
      'a put → undefined',
      'a put → undefined',
      'b put → undefined',
      'a get → "web"',
      'a get → "tuple"',
      'a contains → true',
      'a contains → false',
      'a put → undefined',
      // entries() hands back the keys as objects/arrays, not as their string form
      `a entries → ${fmt(['[["h",80],"tuple"]', '[{"host":"h","port":443},"tls"]', '[{"host":"h","port":80},"web2"]'])}`,
      'a remove → undefined',
      `a keys → ${fmt(['["h",80]', '{"host":"h","port":80}'])}`,
      `b entries → ${fmt(['[{"host":"h","port":80},"b-web"]'])}`,
    ]);
  });

  // BUG (see report): MapState turns object keys into JSON.stringify strings in the same Map as
  // primitive keys, so the string '[1,2]' and the array [1,2] are one entry, and {n: NaN} collides
  // with {n: null}. Flink compares user keys with equals(): a String never equals a tuple.
  // Remove `.fails` once fixed.
  it('keeps a string key apart from an array/object key with the same JSON text', async () => {
    const desc = new MapStateDescriptor<unknown, string>('mixed');
    const out = await runScript(
      [{ k: 'a', op: 'fill' }],
      (rc) => rc.getMapState(desc),
      (m) => {
        m.put('[1,2]', 'string');
        m.put([1, 2], 'array');
        m.put({ n: Number.NaN }, 'nan');
        m.put({ n: null }, 'null');
        return [m.get('[1,2]'), m.get([1, 2]), m.get({ n: Number.NaN }), m.get({ n: null }), m.entries().length];
      },
    );
    expect(out).toEqual(['a fill → ["string","array","nan","null",4]']);
  });

  // BUG (see report): stream keys are canonicalised (object fields sorted, bigints supported, see
  // canonicalKey in src/state/key-groups.ts) but MapState user keys use plain JSON.stringify, so
  // {x, y} and {y, x} are two entries and a bigint field throws "Do not know how to serialize a BigInt".
  // Remove `.fails` once fixed.
  it('compares object user keys like stream keys (field order irrelevant, bigints allowed)', async () => {
    const desc = new MapStateDescriptor<object, string>('canon');
    const out = await runScript(
      [{ k: 'a', op: 'fill' }],
      (rc) => rc.getMapState(desc),
      (m) => {
        m.put({ x: 1, y: 2 }, 'xy');
        m.put({ y: 2, x: 1 }, 'yx');
        m.put({ id: 1n }, 'big');
        return [m.entries().length, m.get({ x: 1, y: 2 }), m.get({ id: 1n })];
      },
    );
    expect(out).toEqual(['a fill → [2,"yx","big"]']);
  });
});

describe('ReducingState', () => {
  it('reduces added values per key in arrival order (reduce(accumulated, new))', async () => {
    const desc = new ReducingStateDescriptor<string>('concat', (acc, v) => `${acc}${v}`);
    const out = await runScript(
      [
        { k: 'a', op: 'get' },
        { k: 'a', op: 'add', arg: 'x' },
        { k: 'b', op: 'add', arg: 'p' },
        { k: 'a', op: 'add', arg: 'y' },
        { k: 'a', op: 'add', arg: 'z' },
        { k: 'a', op: 'get' },
        { k: 'b', op: 'get' },
        { k: 'a', op: 'clear' },
        { k: 'a', op: 'get' },
        { k: 'a', op: 'add', arg: 'w' },
        { k: 'a', op: 'get' },
        { k: 'b', op: 'get' },
      ],
      (rc) => rc.getReducingState(desc),
      (s, step) => (step.op === 'add' ? s.add(step.arg as string) : step.op === 'clear' ? s.clear() : s.get()),
    );
    expect(out).toEqual([
      'a get → undefined',
      'a add → undefined',
      'b add → undefined',
      'a add → undefined',
      'a add → undefined',
      'a get → "xyz"',
      'b get → "p"',
      'a clear → undefined',
      'a get → undefined',
      'a add → undefined',
      'a get → "w"',
      'b get → "p"',
    ]);
  });
});

const average: AggregateFunction<number, { sum: number; count: number }, number> = {
  createAccumulator: () => ({ sum: 0, count: 0 }),
  add: (v, acc) => ({ sum: acc.sum + v, count: acc.count + 1 }),
  getResult: (acc) => acc.sum / acc.count,
  merge: (a, b) => ({ sum: a.sum + b.sum, count: a.count + b.count }),
};

describe('AggregatingState', () => {
  it('aggregates added values per key and returns getResult of the accumulator', async () => {
    const desc = new AggregatingStateDescriptor('avg', average);
    const out = await runScript(
      [
        { k: 'a', op: 'get' },
        { k: 'a', op: 'add', arg: 1 },
        { k: 'a', op: 'add', arg: 2 },
        { k: 'b', op: 'add', arg: 10 },
        { k: 'a', op: 'add', arg: 6 },
        { k: 'a', op: 'get' },
        { k: 'b', op: 'get' },
        { k: 'b', op: 'clear' },
        { k: 'b', op: 'get' },
        { k: 'a', op: 'get' },
      ],
      (rc) => rc.getAggregatingState(desc),
      (s, step) => (step.op === 'add' ? s.add(step.arg as number) : step.op === 'clear' ? s.clear() : s.get()),
    );
    expect(out).toEqual([
      'a get → undefined',
      'a add → undefined',
      'a add → undefined',
      'b add → undefined',
      'a add → undefined',
      'a get → 3',
      'b get → 10',
      'b clear → undefined',
      'b get → undefined',
      'a get → 3',
    ]);
  });
});

describe('state TTL (processing time, Flink StateTtlConfig)', () => {
  const ttl1s = (extra: Partial<StateTtlConfig> = {}): StateTtlConfig => ({ ttl: 1000, ...extra });

  it('a value expires when lastUpdate + ttl <= now', async () => {
    const out = await runScript(
      [
        { k: 'a', op: 'set', arg: 'v', t: 0 },
        { k: 'a', op: 'get', t: 999 },
        { k: 'a', op: 'get', t: 1000 },
        // a new write starts a new lifetime
        { k: 'a', op: 'set', arg: 'w', t: 5000 },
        { k: 'a', op: 'get', t: 5999 },
        { k: 'a', op: 'get', t: 6000 },
      ],
      ...valueOps(new ValueStateDescriptor<string>('v', { ttl: ttl1s() })),
    );
    expect(out.filter((l) => l.includes('get'))).toEqual(['a get → "v"', 'a get → undefined', 'a get → "w"', 'a get → undefined']);
  });

  it('an expired value reads as the descriptor default', async () => {
    const out = await runScript(
      [
        { k: 'a', op: 'get', t: 0 },
        { k: 'a', op: 'set', arg: 'v', t: 0 },
        { k: 'a', op: 'get', t: 999 },
        { k: 'a', op: 'get', t: 1000 },
      ],
      ...valueOps(new ValueStateDescriptor<string>('v', { defaultValue: 'dflt', ttl: ttl1s() })),
    );
    expect(out.filter((l) => l.includes('get'))).toEqual(['a get → "dflt"', 'a get → "v"', 'a get → "dflt"']);
  });

  it('OnCreateAndWrite (the default): reads do not extend the lifetime, writes do', async () => {
    const steps: Step[] = [
      { k: 'a', op: 'set', arg: 'v', t: 0 },
      { k: 'b', op: 'set', arg: 'v', t: 0 },
      { k: 'a', op: 'get', t: 600 }, // a read: no refresh
      { k: 'b', op: 'set', arg: 'v2', t: 600 }, // a write: lifetime now ends at 1600
      { k: 'a', op: 'get', t: 1000 },
      { k: 'b', op: 'get', t: 1000 },
      { k: 'b', op: 'get', t: 1599 },
      { k: 'b', op: 'get', t: 1600 },
    ];
    for (const config of [ttl1s(), ttl1s({ updateType: 'OnCreateAndWrite' })]) {
      const out = await runScript(steps, ...valueOps(new ValueStateDescriptor<string>('v', { ttl: config })));
      expect(out.filter((l) => l.includes('get'))).toEqual([
        'a get → "v"',
        'a get → undefined',
        'b get → "v2"',
        'b get → "v2"',
        'b get → undefined',
      ]);
    }
  });

  it('OnReadAndWrite: every successful read extends the lifetime', async () => {
    const out = await runScript(
      [
        { k: 'a', op: 'set', arg: 'v', t: 0 },
        { k: 'a', op: 'get', t: 600 }, // live until 1600
        { k: 'a', op: 'get', t: 1500 }, // until 2500
        { k: 'a', op: 'get', t: 2499 }, // until 3499
        { k: 'a', op: 'get', t: 3499 },
      ],
      ...valueOps(new ValueStateDescriptor<string>('v', { ttl: ttl1s({ updateType: 'OnReadAndWrite' }) })),
    );
    expect(out.filter((l) => l.includes('get'))).toEqual(['a get → "v"', 'a get → "v"', 'a get → "v"', 'a get → undefined']);
  });

  it('ReturnExpiredIfNotCleanedUp returns the stale value; NeverReturnExpired (the default) does not', async () => {
    const steps: Step[] = [
      { k: 'a', op: 'set', arg: 'stale', t: 0 },
      { k: 'a', op: 'get', t: 5000 },
    ];
    const visible = await runScript(
      steps,
      ...valueOps(new ValueStateDescriptor<string>('v', { ttl: ttl1s({ visibility: 'ReturnExpiredIfNotCleanedUp' }) })),
    );
    expect(visible[1]).toBe('a get → "stale"');
    for (const config of [ttl1s(), ttl1s({ visibility: 'NeverReturnExpired' })]) {
      const hidden = await runScript(steps, ...valueOps(new ValueStateDescriptor<string>('v', { ttl: config })));
      expect(hidden[1]).toBe('a get → undefined');
    }
  });

  // BUG (see report): Flink's AbstractTtlDecorator.getWrappedWithTtlCheckAndUpdate clears an
  // expired value when it reads it, even under ReturnExpiredIfNotCleanedUp: the stale value is
  // returned once and is then gone. sluice never cleans it up and returns it forever.
  // Remove `.fails` once fixed.
  it('ReturnExpiredIfNotCleanedUp: a read of an expired value also cleans it up (as in Flink)', async () => {
    const out = await runScript(
      [
        { k: 'a', op: 'set', arg: 'stale', t: 0 },
        { k: 'a', op: 'get', t: 5000 },
        { k: 'a', op: 'get', t: 5000 },
      ],
      ...valueOps(new ValueStateDescriptor<string>('v', { ttl: ttl1s({ visibility: 'ReturnExpiredIfNotCleanedUp' }) })),
    );
    expect(out.slice(1)).toEqual(['a get → "stale"', 'a get → undefined']);
  });

  it('TTL is tracked per key', async () => {
    const out = await runScript(
      [
        { k: 'a', op: 'set', arg: 'va', t: 0 },
        { k: 'b', op: 'set', arg: 'vb', t: 600 },
        { k: 'a', op: 'get', t: 1000 },
        { k: 'b', op: 'get', t: 1000 },
        { k: 'b', op: 'get', t: 1600 },
      ],
      ...valueOps(new ValueStateDescriptor<string>('v', { ttl: ttl1s() })),
    );
    expect(out.filter((l) => l.includes('get'))).toEqual(['a get → undefined', 'b get → "vb"', 'b get → undefined']);
  });

  describe('ListState: every element has its own lifetime', () => {
    const listScript = async (config: StateTtlConfig, steps: Step[]) => {
      const desc = new ListStateDescriptor<string>('l', { ttl: config });
      const out = await runScript(
        steps,
        (rc) => rc.getListState(desc),
        (s, step) => {
          if (step.op === 'add') s.add(step.arg as string);
          else if (step.op === 'addAll') s.addAll(step.arg as string[]);
          else if (step.op === 'update') s.update(step.arg as string[]);
          else return s.get();
          return undefined;
        },
      );
      return out.filter((l) => l.includes('get'));
    };

    it('elements expire one by one (OnCreateAndWrite)', async () => {
      const out = await listScript(ttl1s(), [
        { k: 'a', op: 'add', arg: 'x', t: 0 },
        { k: 'a', op: 'addAll', arg: ['y', 'z'], t: 500 },
        { k: 'a', op: 'get', t: 999 },
        { k: 'a', op: 'get', t: 1000 }, // x is gone
        { k: 'a', op: 'get', t: 1499 }, // reads did not refresh y, z
        { k: 'a', op: 'get', t: 1500 },
        { k: 'a', op: 'add', arg: 'w', t: 1500 },
        { k: 'a', op: 'get', t: 1500 },
      ]);
      expect(out).toEqual([
        'a get → ["x","y","z"]',
        'a get → ["y","z"]',
        'a get → ["y","z"]',
        'a get → []',
        'a get → ["w"]',
      ]);
    });

    it('update() gives every element a fresh timestamp', async () => {
      const out = await listScript(ttl1s(), [
        { k: 'a', op: 'add', arg: 'x', t: 0 },
        { k: 'a', op: 'update', arg: ['x', 'y'], t: 800 },
        { k: 'a', op: 'get', t: 1000 },
        { k: 'a', op: 'get', t: 1799 },
        { k: 'a', op: 'get', t: 1800 },
      ]);
      expect(out).toEqual(['a get → ["x","y"]', 'a get → ["x","y"]', 'a get → []']);
    });

    // BUG (see report): with OnReadAndWrite + ReturnExpiredIfNotCleanedUp, get() refreshes the
    // timestamps of EXPIRED elements too, resurrecting them for another ttl. Flink's
    // TtlListState.updateTs keeps only unexpired elements (and the read clears an all-expired list).
    // Remove `.fails` once fixed.
    it('OnReadAndWrite + ReturnExpiredIfNotCleanedUp: a read does not resurrect expired elements', async () => {
      const out = await listScript(ttl1s({ updateType: 'OnReadAndWrite', visibility: 'ReturnExpiredIfNotCleanedUp' }), [
        { k: 'a', op: 'add', arg: 'x', t: 0 },
        { k: 'a', op: 'get', t: 5000 }, // expired, returned once
        { k: 'a', op: 'get', t: 5500 },
      ]);
      expect(out).toEqual(['a get → ["x"]', 'a get → []']);
    });

    it('OnReadAndWrite: get() refreshes the live elements', async () => {
      const out = await listScript(ttl1s({ updateType: 'OnReadAndWrite' }), [
        { k: 'a', op: 'add', arg: 'x', t: 0 },
        { k: 'a', op: 'add', arg: 'y', t: 500 },
        { k: 'a', op: 'get', t: 900 }, // both live until 1900
        { k: 'a', op: 'get', t: 1899 }, // until 2899
        { k: 'a', op: 'get', t: 2899 },
      ]);
      expect(out).toEqual(['a get → ["x","y"]', 'a get → ["x","y"]', 'a get → []']);
    });
  });

  it('MapState: every entry has its own lifetime', async () => {
    const desc = new MapStateDescriptor<string, number>('m', { ttl: ttl1s() });
    const out = await runScript(
      [
        { k: 'a', op: 'put', arg: ['x', 1], t: 0 },
        { k: 'a', op: 'put', arg: ['y', 2], t: 500 },
        { k: 'a', op: 'put', arg: ['z', 3], t: 500 },
        { k: 'a', op: 'put', arg: ['z', 30], t: 900 }, // overwriting refreshes z
        { k: 'a', op: 'entries', t: 999 },
        { k: 'a', op: 'contains x', t: 1000 },
        { k: 'a', op: 'get x', t: 1000 },
        { k: 'a', op: 'entries', t: 1000 },
        { k: 'a', op: 'keys', t: 1000 },
        { k: 'a', op: 'values', t: 1000 },
        { k: 'a', op: 'empty?', t: 1000 },
        { k: 'a', op: 'get y', t: 1499 },
        { k: 'a', op: 'entries', t: 1500 },
        { k: 'a', op: 'empty?', t: 1899 },
        { k: 'a', op: 'empty?', t: 1900 },
        { k: 'a', op: 'entries', t: 1900 },
      ],
      (rc) => rc.getMapState(desc),
      (m, step) => {
        switch (step.op) {
          case 'put': {
            const [k, v] = step.arg as [string, number];
            return m.put(k, v);
          }
          case 'entries':
            return m.entries().sort((p, q) => p[0].localeCompare(q[0]));
          case 'contains x':
            return m.contains('x');
          case 'get x':
            return m.get('x');
          case 'get y':
            return m.get('y');
          case 'keys':
            return m.keys().sort();
          case 'values':
            return m.values().sort((p, q) => p - q);
          default:
            return m.isEmpty();
        }
      },
    );
    expect(out.slice(4)).toEqual([
      'a entries → [["x",1],["y",2],["z",30]]',
      'a contains x → false',
      'a get x → undefined',
      'a entries → [["y",2],["z",30]]',
      'a keys → ["y","z"]',
      'a values → [2,30]',
      'a empty? → false',
      'a get y → 2',
      'a entries → [["z",30]]',
      'a empty? → false',
      'a empty? → true',
      'a entries → []',
    ]);
  });

  it('ReducingState and AggregatingState: an expired accumulator is dropped and restarts', async () => {
    const sum = new ReducingStateDescriptor<number>('sum', (a, b) => a + b, { ttl: ttl1s() });
    const avg = new AggregatingStateDescriptor('avg', average, { ttl: ttl1s() });
    const out = await runScript(
      [
        { k: 'a', op: 'add', arg: 1, t: 0 },
        { k: 'a', op: 'add', arg: 3, t: 500 }, // the write refreshes: live until 1500
        { k: 'a', op: 'get', t: 1499 },
        { k: 'a', op: 'get', t: 1500 },
        { k: 'a', op: 'add', arg: 10, t: 1500 },
        { k: 'a', op: 'get', t: 1500 },
      ],
      (rc) => ({ sum: rc.getReducingState(sum), avg: rc.getAggregatingState(avg) }),
      (s, step) => {
        if (step.op === 'add') {
          s.sum.add(step.arg as number);
          s.avg.add(step.arg as number);
          return undefined;
        }
        return [s.sum.get(), s.avg.get()];
      },
    );
    expect(out.filter((l) => l.includes('get'))).toEqual(['a get → [4,2]', 'a get → [null,null]', 'a get → [10,10]']);
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('rejects ttl %s', (ttl) => {
    expect(() => new ValueStateDescriptor('v', { ttl: { ttl } })).toThrow(ConfigurationError);
    expect(() => new ListStateDescriptor('l', { ttl: { ttl } })).toThrow(/ttl must be a finite number of ms > 0/);
  });
});

describe('state registration errors', () => {
  it('getState on a non-keyed stream fails the job with a clear error', async () => {
    const kinds: Array<(rc: RuntimeContext) => unknown> = [
      (rc) => rc.getState(new ValueStateDescriptor('v')),
      (rc) => rc.getListState(new ListStateDescriptor('l')),
      (rc) => rc.getMapState(new MapStateDescriptor('m')),
      (rc) => rc.getReducingState(new ReducingStateDescriptor<number>('r', (a, b) => a + b)),
      (rc) => rc.getAggregatingState(new AggregatingStateDescriptor('a', average)),
    ];
    for (const getState of kinds) {
      const job = new StreamEnvironment()
        .fromArray([1, 2, 3])
        .pipe(
          process<number, number>({
            open(rc) {
              getState(rc);
            },
            processElement(v: number, _ctx: unknown, out: Collector<number>) {
              out.collect(v);
            },
          }),
        )
        .collect();
      const error: unknown = await job.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(OperatorError);
      expect((error as Error).message).toMatch(/Keyed state can only be used on a 'keyed stream', i\.e\., after a 'keyBy\(\)' operation/);
      expect((error as Error).cause).toBeInstanceOf(ConfigurationError);
    }
  });

  it('registering two different state kinds under one name is an error', async () => {
    const job = new StreamEnvironment()
      .fromArray(['a'])
      .pipe(
        keyBy((s) => s),
        process<string, string>({
          open(rc) {
            rc.getState(new ValueStateDescriptor<string>('shared'));
            rc.getListState(new ListStateDescriptor<string>('shared'));
          },
          processElement(v: string, _ctx: unknown, out: Collector<string>) {
            out.collect(v);
          },
        }),
      )
      .collect();
    await expect(job).rejects.toThrow(/State "shared" is already registered as value state, not list state/);
  });

  it('two descriptors of the same kind and name are one state (as in Flink)', async () => {
    const first = new ValueStateDescriptor<string>('same');
    const second = new ValueStateDescriptor<string>('same');
    const out = await runScript(
      [
        { k: 'a', op: 'set', arg: 'via-first' },
        { k: 'a', op: 'get' },
      ],
      (rc) => ({ one: rc.getState(first), two: rc.getState(second) }),
      (s, step) => (step.op === 'set' ? s.one.update(step.arg as string) : s.two.value()),
    );
    expect(out[1]).toBe('a get → "via-first"');
  });
});
