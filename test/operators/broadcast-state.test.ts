// The broadcast state pattern through the public API, after Flink's documentation:
// https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/fault-tolerance/broadcast_state/
// - `broadcast(descriptor)` makes a BroadcastStream; `connect(broadcastStream, fn)` runs a
//   (Keyed)BroadcastProcessFunction with the broadcast state on every parallel subtask;
// - "the broadcast side has read-write access to the broadcast state, the non-broadcast side read-only";
// - `applyToKeyedState` reaches the keyed state of every key from the broadcast side;
// - broadcast state is checkpointed, and on restore "each task reads its own state, and the
//   remaining tasks read checkpoints of previous tasks in a round-robin manner" (rescaling).
import { describe, expect, it } from 'vitest';
import {
  CollectingTwoPhaseCommitSink,
  ConfigurationError,
  ListStateDescriptor,
  ManualClock,
  MapStateDescriptor,
  MemoryCheckpointStorage,
  OperatorError,
  StreamEnvironment,
  ValueStateDescriptor,
  broadcast,
  connect,
  count,
  filter,
  keyBy,
  map,
  sideOutput,
  tap,
  tumbling,
  watermarks,
  window,
  type BroadcastContext,
  type BroadcastProcessFunction,
  type BroadcastState,
  type Collector,
  type CompletedCheckpoint,
  type KeyedBroadcastProcessFunction,
  type ListState,
  type MapState,
  type ReadOnlyBroadcastContext,
  type RuntimeContext,
  type Stream,
  type ValueState,
} from '../../src/index';
import { ruleEventAt, rulesJob, type RuleEvent } from '../support/broadcast-rules-job';
import { Signal } from '../support/signal';

/** Splits one source of tagged events into its two sides, so that their order is the source's (batch size 1). */
type Tagged<A, B> = { readonly a: A } | { readonly b: B };
function sides<A, B>(all: Stream<Tagged<A, B>>): [Stream<A>, Stream<B>] {
  return [
    all.pipe(
      filter((e: Tagged<A, B>) => 'a' in e),
      map((e: Tagged<A, B>) => (e as { a: A }).a),
    ),
    all.pipe(
      filter((e: Tagged<A, B>) => 'b' in e),
      map((e: Tagged<A, B>) => (e as { b: B }).b),
    ),
  ];
}

interface Item {
  readonly color: string;
  readonly shape: string;
}
interface Rule {
  readonly name: string;
  readonly first: string;
  readonly second: string;
}

const item = (color: string, shape: string): Tagged<Item, Rule> => ({ a: { color, shape } });
const rule = (name: string, first: string, second: string): Tagged<Item, Rule> => ({ b: { name, first, second } });

describe('the broadcast state pattern (Flink docs: broadcast_state)', () => {
  it("rules broadcast to items keyed by colour: Flink's example, the output depends on the rules seen so far", async () => {
    // The KeyedBroadcastProcessFunction of the Flink page, line for line: a rule matches a pair of
    // items of one colour, `first` then `second`.
    const ruleState = new MapStateDescriptor<string, Rule>('RulesBroadcastState');
    const itemsState = new MapStateDescriptor<string, Item[]>('items');
    let stored!: MapState<string, Item[]>;
    const env = new StreamEnvironment({ batchSize: 1 });
    const [items, rules] = sides(
      env.fromArray([
        item('red', 'square'), // no rule yet: not kept
        rule('R1', 'square', 'triangle'),
        item('red', 'triangle'), // nothing kept to pair with
        item('red', 'square'),
        item('blue', 'square'),
        item('red', 'triangle'), // MATCH R1 red
        rule('R2', 'circle', 'circle'),
        item('blue', 'triangle'), // MATCH R1 blue
        item('blue', 'circle'),
        item('blue', 'circle'), // MATCH R2 blue
      ]),
    );
    const out = await items
      .pipe(
        keyBy((i: Item) => i.color),
        connect(rules.pipe(broadcast(ruleState)), {
          open(rc) {
            stored = rc.getMapState(itemsState);
          },
          processElement(value, ctx, collector) {
            for (const [ruleName, r] of ctx.getBroadcastState(ruleState).entries()) {
              const list = stored.get(ruleName) ?? [];
              if (value.shape === r.second && list.length > 0) {
                for (const i of list) collector.collect(`MATCH ${ruleName}: ${i.color} ${i.shape} - ${value.color} ${value.shape}`);
                list.length = 0;
              }
              if (value.shape === r.first) list.push(value);
              if (list.length === 0) stored.remove(ruleName);
              else stored.put(ruleName, list);
            }
          },
          processBroadcastElement(r, ctx) {
            ctx.getBroadcastState(ruleState).put(r.name, r);
          },
        }),
      )
      .collect();
    expect(out).toEqual([
      'MATCH R1: red square - red triangle',
      'MATCH R1: blue square - blue triangle',
      'MATCH R2: blue circle - blue circle',
    ]);
  });

  it('the non-broadcast side has read-only access: a write in processElement fails the job, naming the operator', async () => {
    const ruleState = new MapStateDescriptor<string, Rule>('rules');
    const env = new StreamEnvironment({ batchSize: 1 });
    const [items, rules] = sides(env.fromArray([rule('R1', 'a', 'b'), item('red', 'a')]));
    const job = items
      .pipe(
        keyBy((i: Item) => i.color),
        connect(
          rules.pipe(broadcast(ruleState)),
          {
            processElement(value, ctx) {
              // What the types forbid, a JavaScript caller may still try.
              (ctx.getBroadcastState(ruleState) as BroadcastState<string, Rule>).put('sneaky', { name: 'x', first: value.shape, second: '' });
            },
            processBroadcastElement(r, ctx) {
              ctx.getBroadcastState(ruleState).put(r.name, r);
            },
          },
          { name: 'matcher', uid: 'matcher-uid' },
        ),
      )
      .collect();
    const error = await job.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(OperatorError);
    expect((error as OperatorError).message).toMatch(/Operator "matcher" \(uid "matcher-uid"\) failed on record .*Broadcast state "rules" is read-only in processElement/);
  });

  it('read-only in onTimer too; the broadcast side reads what it wrote', async () => {
    const ruleState = new MapStateDescriptor<string, number>('limits');
    const env = new StreamEnvironment({ batchSize: 1 });
    const [items, rules] = sides<{ k: string; ts: number }, number>(env.fromArray([{ b: 5 }, { a: { k: 'x', ts: 1 } }]));
    const rejection = items
      .pipe(
        watermarks({ timestamp: (e) => e.ts }),
        keyBy((e) => e.k),
        connect(rules.pipe(broadcast(ruleState)), {
          processElement(e, ctx) {
            ctx.timerService().registerEventTimeTimer(e.ts);
          },
          processBroadcastElement(n, ctx) {
            const s = ctx.getBroadcastState(ruleState);
            s.put('n', n);
            expect(s.get('n')).toBe(5);
          },
          onTimer(_t, ctx) {
            (ctx.getBroadcastState(ruleState) as BroadcastState<string, number>).remove('n');
          },
        }),
      )
      .collect();
    await expect(rejection).rejects.toThrow(/onTimer\(1, event-time\) of key x: Broadcast state "limits" is read-only/);
  });

  it('applyToKeyedState visits every key with state for that descriptor, and may change or clear it', async () => {
    const counts = new ValueStateDescriptor<number>('count', { defaultValue: 0 });
    const notes = new ListStateDescriptor<string>('notes');
    const seen = new MapStateDescriptor<string, number>('reports');
    let countState!: ValueState<number>;
    let noteState!: ListState<string>;
    const env = new StreamEnvironment({ batchSize: 1 });
    const [items, commands] = sides<{ k: string; note?: string }, 'report' | 'notes'>(
      env.fromArray<Tagged<{ k: string; note?: string }, 'report' | 'notes'>>([
        { a: { k: 'a' } },
        { a: { k: 'b' } },
        { a: { k: 'a' } },
        { a: { k: 'c', note: 'only a note' } }, // c has notes, no count
        { b: 'report' },
        { a: { k: 'a' } },
        { b: 'notes' },
      ]),
    );
    const out = await items
      .pipe(
        keyBy((e) => e.k),
        connect(commands.pipe(broadcast(seen)), {
          open(rc) {
            countState = rc.getState(counts);
            noteState = rc.getListState(notes);
          },
          processElement(e, ctx, o) {
            if (e.note !== undefined) {
              noteState.add(e.note);
              return;
            }
            countState.update(countState.value()! + 1);
            o.collect(`${ctx.getCurrentKey()} count ${countState.value()}`);
          },
          processBroadcastElement(command, ctx, o) {
            const reports = ctx.getBroadcastState(seen);
            reports.put(command, (reports.get(command) ?? 0) + 1);
            if (command === 'report') {
              ctx.applyToKeyedState(counts, (key, state) => {
                o.collect(`report ${key}=${state.value()}`);
                state.clear();
              });
            } else {
              ctx.applyToKeyedState(notes, (key, state) => o.collect(`notes ${key}: ${state.get().join(',')}`));
            }
          },
        }),
      )
      .collect();
    expect(out).toEqual([
      'a count 1',
      'b count 1',
      'a count 2',
      // Keys a and b have a count; c has only notes and is not visited.
      'report a=2',
      'report b=1',
      // Cleared by the report: a starts again.
      'a count 1',
      'notes c: only a note',
    ]);
  });

  it('a BroadcastProcessFunction on a non-keyed stream, with side outputs from both sides', async () => {
    interface Reading {
      readonly sensor: string;
      readonly value: number;
    }
    interface Limit {
      readonly sensor: string;
      readonly max: number;
    }
    const limits = new MapStateDescriptor<string, number>('limits');
    const unchecked = sideOutput<Reading>('unchecked');
    const changes = sideOutput<string>('changes');
    const fn: BroadcastProcessFunction<Reading, Limit, string> = {
      processElement(r: Reading, ctx: ReadOnlyBroadcastContext, out: Collector<string>) {
        const max = ctx.getBroadcastState(limits).get(r.sensor);
        if (max === undefined) ctx.output(unchecked, r);
        else if (r.value > max) out.collect(`${r.sensor} ${r.value} > ${max}`);
      },
      processBroadcastElement(l: Limit, ctx: BroadcastContext) {
        ctx.getBroadcastState(limits).put(l.sensor, l.max);
        ctx.output(changes, `${l.sensor} max ${l.max}`);
      },
    };
    const env = new StreamEnvironment({ batchSize: 1 });
    const [readings, limitStream] = sides<Reading, Limit>(
      env.fromArray<Tagged<Reading, Limit>>([
        { a: { sensor: 's1', value: 5 } },
        { b: { sensor: 's1', max: 3 } },
        { a: { sensor: 's1', value: 5 } },
        { a: { sensor: 's2', value: 9 } },
        { b: { sensor: 's2', max: 8 } },
        { a: { sensor: 's2', value: 9 } },
        { a: { sensor: 's1', value: 2 } },
      ]),
    );
    const alerts = readings.pipe(connect(limitStream.pipe(broadcast(limits)), fn));
    const [main, side, changed] = await env.collect(alerts, alerts.getSideOutput(unchecked), alerts.getSideOutput(changes));
    expect(main).toEqual(['s1 5 > 3', 's2 9 > 8']);
    expect(side).toEqual([
      { sensor: 's1', value: 5 },
      { sensor: 's2', value: 9 },
    ]);
    expect(changed).toEqual(['s1 max 3', 's2 max 8']);
  });

  it('parallelism 2 in place: every subtask gets every rule; the output equals parallelism 1', async () => {
    const events = Array.from({ length: 600 }, (_, i) => ruleEventAt(i));
    const expected = (await rulesJob(new StreamEnvironment({ parallelism: 1 }).fromArray(events)).collect()).sort();
    expect(expected.filter((r) => !r.startsWith('unmatched')).length).toBeGreaterThan(100);
    const rulesSeen = new Map<number, number>();
    const actual = await rulesJob(new StreamEnvironment({ parallelism: 2 }).fromArray(events), {
      observe: (subtask, rules) => rulesSeen.set(subtask, Math.max(rulesSeen.get(subtask) ?? 0, rules)),
    }).collect();
    expect(actual.sort()).toEqual(expected);
    // Both subtasks processed items, and both hold all three rules.
    expect([...rulesSeen.entries()].sort()).toEqual([
      [0, 3],
      [1, 3],
    ]);
  });

  it('parallelism 2 non-keyed: the broadcast side reaches both subtasks, the other side is rebalanced', async () => {
    const limits = new MapStateDescriptor<string, number>('limits');
    const received: string[] = [];
    class Recorder implements BroadcastProcessFunction<number, number, string> {
      private subtask = -1;
      open(rc: RuntimeContext): void {
        this.subtask = rc.indexOfThisSubtask;
      }
      processElement(n: number, _ctx: ReadOnlyBroadcastContext, out: Collector<string>): void {
        out.collect(`${n}`);
      }
      processBroadcastElement(n: number, ctx: BroadcastContext): void {
        ctx.getBroadcastState(limits).put(`l${n}`, n);
        received.push(`${this.subtask}:${n}`);
      }
    }
    const env = new StreamEnvironment({ parallelism: 2 });
    const out = await env
      .fromArray([1, 2, 3, 4, 5, 6])
      .pipe(connect(env.fromArray([10, 20]).pipe(broadcast(limits)), new Recorder()))
      .collect();
    expect(out.sort()).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(received.sort()).toEqual(['0:10', '0:20', '1:10', '1:20']);
  });

  it('the watermark is the minimum of both inputs, as connect', async () => {
    // Were it the maximum, the broadcast side's elements re-emitted at 10 and 20 would be late
    // after the other side's 5000 (compare "Watermarks in Parallel Streams").
    const limits = new MapStateDescriptor<string, number>('limits');
    const env = new StreamEnvironment({ batchSize: 1 });
    const fast = env.fromArray([{ k: 'a', ts: 0 }, { k: 'a', ts: 5000 }]).pipe(watermarks({ timestamp: (e: { k: string; ts: number }) => e.ts }));
    const slow = env.fromArray([{ k: 'b', ts: 10 }, { k: 'b', ts: 20 }]).pipe(watermarks({ timestamp: (e: { k: string; ts: number }) => e.ts }));
    const rows = await fast
      .pipe(
        connect(slow.pipe(broadcast(limits)), {
          processElement(e, _ctx, out) {
            out.collect(e);
          },
          processBroadcastElement(e, _ctx, out) {
            out.collect(e);
          },
        }),
        keyBy(() => 'all'),
        window(tumbling(1000)),
        count(),
      )
      .collect();
    expect(rows.map((r) => [r.start, r.count])).toEqual([
      [0, 3],
      [5000, 1],
    ]);
  });

  it("in batch mode the broadcast side is processed first (Flink's BATCH execution)", async () => {
    const ruleState = new MapStateDescriptor<string, string>('rules');
    const env = new StreamEnvironment({ runtimeMode: 'batch' });
    const items = env.fromArray(['x', 'y']);
    const rules = env.fromArray(['r1', 'r2']);
    const out = await items
      .pipe(
        keyBy((s: string) => s),
        connect(rules.pipe(broadcast(ruleState)), {
          processElement(s, ctx, o) {
            o.collect(`${s}: ${ctx.getBroadcastState(ruleState).keys().sort().join(',')}`);
          },
          processBroadcastElement(r, ctx) {
            ctx.getBroadcastState(ruleState).put(r, r);
          },
        }),
      )
      .collect();
    expect(out.sort()).toEqual(['x: r1,r2', 'y: r1,r2']);
  });
});

describe('misuse and failures', () => {
  const ruleState = new MapStateDescriptor<string, number>('rules');
  const fn: KeyedBroadcastProcessFunction<unknown, number, number, number> = {
    processElement() {},
    processBroadcastElement() {},
  };

  it('connecting a broadcast()-partitioned stream without descriptors is a ConfigurationError', () => {
    const env = new StreamEnvironment();
    const plain = env.fromArray([1]).pipe(broadcast());
    expect(() => env.fromArray([1]).pipe(connect(plain as never, fn))).toThrow(ConfigurationError);
    expect(() => env.fromArray([1]).pipe(connect(plain as never, fn))).toThrow(/needs a BroadcastStream with its state descriptors/);
  });

  it('broadcast(...) takes only MapStateDescriptors, without ttl, with distinct names', () => {
    expect(() => broadcast(new ValueStateDescriptor<number>('v') as never)).toThrow(/takes MapStateDescriptors.*ValueStateDescriptor/);
    expect(() => broadcast(new MapStateDescriptor<string, number>('m', { ttl: { ttl: 10 } }))).toThrow(/cannot have a ttl/);
    expect(() => broadcast(ruleState, new MapStateDescriptor<string, number>('rules'))).toThrow(/two descriptors are named "rules"/);
  });

  it('a keyed function (onTimer) on a non-keyed stream, or a function without processBroadcastElement, is a ConfigurationError', () => {
    const env = new StreamEnvironment();
    const rules = env.fromArray([1]).pipe(broadcast(ruleState));
    expect(() => env.fromArray([1]).pipe(connect(rules, { ...fn, onTimer() {} }))).toThrow(/onTimer makes fn a KeyedBroadcastProcessFunction, which needs a keyed stream/);
    expect(() => env.fromArray([1]).pipe(connect(rules, { processElement() {} } as never))).toThrow(ConfigurationError);
  });

  it('keyed-only context methods fail clearly where they do not apply', async () => {
    const env = new StreamEnvironment({ batchSize: 1 });
    const noKey = env
      .fromArray([1])
      .pipe(keyBy((n: number) => n), connect(env.fromArray([7]).pipe(broadcast(ruleState)), { ...fn, processBroadcastElement: (_n, ctx) => void (ctx as unknown as { getCurrentKey(): unknown }).getCurrentKey() }))
      .collect();
    await expect(noKey).rejects.toThrow(/processBroadcastElement has no current key.*applyToKeyedState/);
    const env2 = new StreamEnvironment();
    const notKeyed = env2
      .fromArray([1])
      .pipe(
        connect(env2.fromArray([7]).pipe(broadcast(ruleState)), {
          ...fn,
          processBroadcastElement: (_n, ctx) => ctx.applyToKeyedState(new ValueStateDescriptor<number>('v'), () => {}),
        }),
      )
      .collect();
    await expect(notKeyed).rejects.toThrow(/applyToKeyedState needs keyed state: keyBy/);
  });

  it('a descriptor not given to broadcast(...) fails naming it; a throwing user function fails naming the operator', async () => {
    const env = new StreamEnvironment();
    const unknown = env
      .fromArray([1])
      .pipe(connect(env.fromArray([7]).pipe(broadcast(ruleState)), { ...fn, processBroadcastElement: (_n, ctx) => void ctx.getBroadcastState(new MapStateDescriptor('typo')) }))
      .collect();
    await expect(unknown).rejects.toThrow(/Broadcast state "typo" does not exist: pass its MapStateDescriptor to broadcast\(\.\.\.\) \(this operator has "rules"\)/);
    const env2 = new StreamEnvironment();
    const throwing = env2
      .fromArray([1])
      .pipe(
        connect(
          env2.fromArray([7]).pipe(broadcast(ruleState)),
          {
            ...fn,
            processBroadcastElement(n) {
              throw new Error(`bad rule ${n}`);
            },
          },
          { name: 'rule-engine' },
        ),
      )
      .collect();
    await expect(throwing).rejects.toThrow(/Operator "rule-engine" failed on record 7: bad rule 7/);
  });
});

/** The rules job from an array, through a user function that throws once at record `failAt`. */
async function runWithFailure(events: RuleEvent[], options: { failAt?: number; checkpointEvery: number; batchSize: number; parallelism: number }) {
  const clock = new ManualClock(0);
  const sink = new CollectingTwoPhaseCommitSink<string>();
  const env = new StreamEnvironment({
    clock,
    batchSize: options.batchSize,
    parallelism: options.parallelism,
    checkpoint: { interval: 10, storage: new MemoryCheckpointStorage() },
    restart: { strategy: 'fixed-delay', attempts: 3, delay: 0 },
  });
  let seen = 0;
  let failed = false;
  let committedBeforeFailure = 0;
  const source = env.fromArray(events).pipe(
    tap(() => {
      if (++seen % options.checkpointEvery === 0) clock.advance(10);
    }),
    map(
      (e: RuleEvent) => {
        if (!failed && seen === options.failAt) {
          failed = true;
          committedBeforeFailure = sink.committed.length;
          throw new Error(`injected failure at record ${seen}`);
        }
        return e;
      },
      { uid: 'chaos' },
    ),
  );
  rulesJob(source).sinkTo(sink, { uid: 'sink' });
  const job = await env.execute('broadcast-exactly-once');
  await job.done;
  return { committed: sink.committed, restarts: job.metrics().restarts ?? 0, committedBeforeFailure };
}

describe('broadcast state in checkpoints and savepoints (operator state)', () => {
  it('a failure after checkpoints restores the broadcast state exactly once: the committed output equals the failure-free run', { timeout: 60_000 }, async () => {
    let resumedFromACheckpoint = 0;
    for (let seed = 0; seed < 12; seed++) {
      const events = Array.from({ length: 400 + seed * 13 }, (_, i) => ruleEventAt(i + seed * 31));
      const options = { checkpointEvery: 15 + (seed % 4) * 10, batchSize: [1, 7, 64][seed % 3]!, parallelism: 1 + (seed % 2) };
      const expected = await runWithFailure(events, options);
      const failAt = Math.floor(events.length * (0.4 + (seed % 5) * 0.1));
      const recovered = await runWithFailure(events, { ...options, failAt });
      expect(recovered.restarts, `seed ${seed}`).toBe(1);
      // "#n" in each line counts the versions of a rule in broadcast state: a rule lost or applied
      // twice by the recovery changes it.
      expect([...recovered.committed].sort(), `seed ${seed}, failure at ${failAt}`).toEqual([...expected.committed].sort());
      expect(recovered.committed.length).toBe(expected.committed.length);
      if (recovered.committedBeforeFailure > 0) resumedFromACheckpoint++;
    }
    // Restarting from scratch would commit the output before the failure twice.
    expect(resumedFromACheckpoint).toBeGreaterThan(6);
  });

  const COUNT = 1_400;
  const HALF = 600;
  // 23 colours: enough keys that every subtask at parallelism 3 owns some.
  const EVENTS = Array.from({ length: COUNT }, (_, i) => ruleEventAt(i, 23));

  /** Yields the events; stops before `gateAt` for good (the job is then stopped with a savepoint). */
  async function* feed(gateAt: number, reached: Signal): AsyncGenerator<RuleEvent> {
    for (let i = 0; i < EVENTS.length; i++) {
      if (i === gateAt) {
        reached.fire();
        await new Promise<void>(() => {});
      }
      yield EVENTS[i]!;
    }
  }

  function start(
    sink: CollectingTwoPhaseCommitSink<string>,
    options: { parallelism: number; restoreFrom?: CompletedCheckpoint; gateAt?: number; observe?: (subtask: number, rules: number) => void },
    storage = new MemoryCheckpointStorage(),
  ) {
    const reached = new Signal();
    const processed = new Signal();
    const env = new StreamEnvironment({
      parallelism: options.parallelism,
      checkpoint: { interval: 3_600_000, storage },
      restart: { strategy: 'none' },
      restoreFrom: options.restoreFrom,
    });
    let n = 0;
    const events = env
      .fromAsyncIterable(feed(options.gateAt ?? -1, reached))
      .uid('events')
      .pipe(tap(() => ++n === HALF && processed.fire()));
    rulesJob(events, { observe: options.observe }).sinkTo(sink, { uid: 'sink' });
    return { started: env.execute('broadcast-rescaling'), reached, processed };
  }

  for (const to of [1, 3]) {
    it(`a savepoint taken at parallelism 2 restores at ${to}: every new subtask has the broadcast state`, { timeout: 30_000 }, async () => {
      const uninterrupted = new CollectingTwoPhaseCommitSink<string>();
      await (await start(uninterrupted, { parallelism: 1 }).started).done;
      const expected = [...uninterrupted.committed].sort();

      const sink = new CollectingTwoPhaseCommitSink<string>();
      const storage = new MemoryCheckpointStorage();
      const first = start(sink, { parallelism: 2, gateAt: HALF }, storage);
      const job = await first.started;
      await first.reached.next();
      await first.processed.next();
      const savepoint = await job.savepoint();
      await job.cancel();
      const beforeSavepoint = sink.committed.length;

      // What each subtask of the restored job holds when it sees its first item.
      const firstSeen = new Map<number, number>();
      const observe = (subtask: number, rules: number): void => {
        if (!firstSeen.has(subtask)) firstSeen.set(subtask, rules);
      };
      const restoreFrom = await storage.open(savepoint.checkpointId);
      await (await start(sink, { parallelism: to, restoreFrom, observe }).started).done;

      expect(beforeSavepoint).toBeGreaterThan(0);
      expect(beforeSavepoint).toBeLessThan(expected.length);
      expect([...sink.committed].sort()).toEqual(expected);
      // All three rules were broadcast before the savepoint; no rule is broadcast again after it.
      expect([...firstSeen.entries()].sort()).toEqual(Array.from({ length: to }, (_, s) => [s, 3]));
    });
  }
});
