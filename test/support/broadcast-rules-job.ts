// The event-time job of the broadcast state tests: shape rules broadcast to items keyed by colour
// (the example of Flink's broadcast state page,
// https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/fault-tolerance/broadcast_state/),
// made independent of how the two inputs interleave: an item is judged when the watermark passes
// it, against the rule versions up to its timestamp — so in place, on workers, at any parallelism
// and across restores the output is the same.
import {
  ListStateDescriptor,
  MapStateDescriptor,
  ValueStateDescriptor,
  broadcast,
  connect,
  filter,
  keyBy,
  map,
  sideOutput,
  union,
  watermarks,
  type Collector,
  type KeyedBroadcastContext,
  type KeyedBroadcastOnTimerContext,
  type KeyedBroadcastProcessFunction,
  type KeyedReadOnlyBroadcastContext,
  type ListState,
  type RuntimeContext,
  type Stream,
  type ValueState,
} from '../../src/index';

export interface Rule {
  readonly kind: 'rule';
  readonly name: string;
  readonly shape: string;
  readonly bonus: number;
  readonly ts: number;
}

export interface Item {
  readonly kind: 'item';
  readonly color: string;
  readonly shape: string;
  readonly ts: number;
}

export type RuleEvent = Rule | Item;

const SHAPES = ['square', 'triangle', 'circle'] as const;

/** Event i, a pure function of i (each worker's generator computes its share): every 7th a rule. */
export function ruleEventAt(i: number, colors = 7): RuleEvent {
  const h = Math.imul(i + 1, 0x9e3779b1) >>> 0;
  if (i % 7 === 0) return { kind: 'rule', name: `r${(h >>> 3) % 3}`, shape: SHAPES[h % 3]!, bonus: (h >>> 8) % 10, ts: i * 10 };
  return { kind: 'item', color: `c${(h >>> 4) % colors}`, shape: SHAPES[(h >>> 12) % 3]!, ts: i * 10 };
}

/** Every version of each rule, by rule name: appended, never replaced, so that old items see old versions. */
export const RULES = new MapStateDescriptor<string, Rule[]>('rules');
export const UNMATCHED = sideOutput<string>('unmatched');

const PENDING = new ListStateDescriptor<Item>('pending');
const TOTAL = new ValueStateDescriptor<number>('total', { defaultValue: 0 });

/** The keyed broadcast function: buffers items until the watermark passes them, then matches. */
class RuleMatcher implements KeyedBroadcastProcessFunction<string, Item, Rule, string> {
  private pending!: ListState<Item>;
  private total!: ValueState<number>;
  private subtask = 0;

  constructor(private readonly observe: ((subtask: number, rules: number) => void) | undefined) {}

  open(rc: RuntimeContext): void {
    this.pending = rc.getListState(PENDING);
    this.total = rc.getState(TOTAL);
    this.subtask = rc.indexOfThisSubtask;
  }

  processElement(item: Item, ctx: KeyedReadOnlyBroadcastContext<string>): void {
    this.observe?.(this.subtask, ctx.getBroadcastState(RULES).keys().length);
    this.pending.add(item);
    ctx.timerService().registerEventTimeTimer(item.ts);
  }

  processBroadcastElement(rule: Rule, ctx: KeyedBroadcastContext<string>): void {
    const rules = ctx.getBroadcastState(RULES);
    // Kept in timestamp order: at parallelism > 1 rules from different source subtasks arrive in
    // different orders at different subtasks, and the state must not depend on that order.
    rules.put(rule.name, [...(rules.get(rule.name) ?? []), rule].sort((a, b) => a.ts - b.ts));
  }

  onTimer(time: number, ctx: KeyedBroadcastOnTimerContext<string>, out: Collector<string>): void {
    const rules = ctx.getBroadcastState(RULES).entries().sort((a, b) => (a[0] < b[0] ? -1 : 1));
    const later: Item[] = [];
    for (const item of this.pending.get()) {
      if (item.ts > time) {
        later.push(item);
        continue;
      }
      let matched = false;
      for (const [name, versions] of rules) {
        const seen = versions.filter((v) => v.ts <= item.ts);
        const rule = seen[seen.length - 1];
        if (rule === undefined || rule.shape !== item.shape) continue;
        matched = true;
        this.total.update(this.total.value()! + rule.bonus);
        // `#n`: how many versions of the rule the state holds up to the item — one too many (a
        // rule applied twice) or too few (a lost one) shows here.
        out.collect(`${ctx.getCurrentKey()} ${item.shape}@${item.ts} ${name}#${seen.length} +${rule.bonus} = ${this.total.value()}`);
      }
      if (!matched) ctx.output(UNMATCHED, `${ctx.getCurrentKey()} ${item.shape}@${item.ts}`);
    }
    this.pending.update(later);
  }
}

export interface RulesJobOptions {
  /** Called in processElement with the subtask and how many rules its broadcast state holds (in place only). */
  readonly observe?: (subtask: number, rules: number) => void;
}

/** Matches and unmatched items of `events` (event time: the `ts` of each), as lines. */
export function rulesJob(events: Stream<RuleEvent>, options: RulesJobOptions = {}): Stream<string> {
  const timed = events.pipe(watermarks({ timestamp: (e: RuleEvent) => e.ts, outOfOrderness: 0 }, { uid: 'time' }));
  const rules = timed.pipe(
    filter((e: RuleEvent): e is Rule => e.kind === 'rule'),
    broadcast(RULES),
  );
  const matches = timed.pipe(
    filter((e: RuleEvent): e is Item => e.kind === 'item'),
    keyBy((i: Item) => i.color),
    connect(rules, new RuleMatcher(options.observe), { uid: 'rules' }),
  );
  return matches.pipe(union(matches.getSideOutput(UNMATCHED).pipe(map((s: string) => `unmatched ${s}`))));
}
