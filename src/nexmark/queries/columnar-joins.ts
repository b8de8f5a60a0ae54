// q3 and q8 on the columnar source: the same results as the object versions (q3.ts, q8.ts). Both
// join persons with auctions, which are 4 in 50 events: one pass over a batch's event kinds picks
// the few person and auction rows a query needs, copied in stream order (a join's output order
// follows which side came first), and only those cross the `keyBy` to the one key whose value
// state holds the join — so checkpoints hold it. The copy also keeps them valid when the source
// reuses its batches (`objectReuse`) while the `keyBy` still queues one. No bid row is read.
import type { Stream } from '../../api/stream';
import { keyBy } from '../../operators/key-by';
import { map } from '../../operators/map';
import { process } from '../../operators/process';
import type { KeyedProcessContext, KeyedProcessFunction, OnTimerContext, RuntimeContext } from '../../operators/process-function';
import { ValueStateDescriptor } from '../../state/descriptors';
import type { ValueState } from '../../state/state';
import type { Collector } from '../../types';
import { EVENT_AUCTION, EVENT_PERSON, type NexmarkBatch } from '../columnar';
import { NAMES, US_CITIES, US_STATES } from '../tables';
import { withBatchEventTime } from './columnar-windows';
import type { NexmarkQueryOptions } from './common';
import type { Q3Row } from './q3';
import { Q8_SIZE, type Q8Row } from './q8';

/**
 * The person and auction rows a join reads, in stream order: `person[i]` tells which side row i
 * is, `key` is the join key (person id, auction seller), `value` what the output needs of it.
 */
interface JoinRows {
  readonly length: number;
  readonly person: Uint8Array;
  readonly key: Float64Array;
  readonly value: Float64Array;
  readonly dateTime: Float64Array;
}

// ---------------------------------------------------------------------------------------------
// q3

/** q3.ts's states, as flags by index into US_STATES (what person columns hold). */
const Q3_STATE = US_STATES.map((s) => s === 'OR' || s === 'ID' || s === 'CA');
const Q3_CATEGORY = 10;
/** A person's name, city and state indices in one number: name · 2^16 + city · 2^8 + state. */
const NAME_SHIFT = 65_536;
const CITY_SHIFT = 256;

/** q3's rows of a batch: persons in OR, ID or CA (value: name, city, state packed), category-10 auctions (value: id). */
function q3Input(b: NexmarkBatch): JoinRows {
  const { kinds, events, persons, auctions } = b;
  let n = 0;
  for (let i = 0; i < persons.length; i++) if (Q3_STATE[persons.state[i]!] === true) n++;
  for (let i = 0; i < auctions.length; i++) if (auctions.category[i] === Q3_CATEGORY) n++;
  const person = new Uint8Array(n);
  const key = new Float64Array(n);
  const value = new Float64Array(n);
  let r = 0;
  for (let i = 0, p = 0, a = 0; i < events && r < n; i++) {
    const k = kinds[i];
    if (k === EVENT_PERSON) {
      if (Q3_STATE[persons.state[p]!] === true) {
        person[r] = 1;
        key[r] = persons.id[p]!;
        value[r++] = persons.name[p]! * NAME_SHIFT + persons.city[p]! * CITY_SHIFT + persons.state[p]!;
      }
      p++;
    } else if (k === EVENT_AUCTION) {
      if (auctions.category[a] === Q3_CATEGORY) {
        key[r] = auctions.seller[a]!;
        value[r++] = auctions.id[a]!;
      }
      a++;
    }
  }
  return { length: n, person, key, value, dateTime: new Float64Array(0) };
}

/**
 * q3's join: per seller the person once seen (packed), and the ids of category-10 auctions that
 * came before their seller. Plain data: it is keyed state.
 */
interface Q3Join {
  persons: Map<number, number>;
  waiting: Map<number, number[]>;
}

function q3Row(packed: number, id: number): Q3Row {
  const name = Math.floor(packed / NAME_SHIFT);
  const rest = packed - name * NAME_SHIFT;
  const city = Math.floor(rest / CITY_SHIFT);
  return { name: NAMES[name]!, city: US_CITIES[city]!, state: US_STATES[rest - city * CITY_SHIFT]!, id };
}

class Q3Function implements KeyedProcessFunction<number, JoinRows, Q3Row> {
  private state!: ValueState<Q3Join>;

  open(rc: RuntimeContext): void {
    this.state = rc.getState(new ValueStateDescriptor<Q3Join>('q3-join'));
  }

  processElement(rows: JoinRows, _ctx: KeyedProcessContext<number>, out: Collector<Q3Row>): void {
    const { person, key, value, length } = rows;
    let join = this.state.value();
    if (join === undefined) this.state.update((join = { persons: new Map(), waiting: new Map() }));
    const { persons, waiting } = join;
    for (let i = 0; i < length; i++) {
      const k = key[i]!;
      if (person[i] === 1) {
        const packed = value[i]!;
        persons.set(k, packed);
        const ids = waiting.get(k);
        if (ids === undefined) continue;
        waiting.delete(k);
        for (const id of ids) out.collect(q3Row(packed, id));
      } else {
        const packed = persons.get(k);
        if (packed !== undefined) out.collect(q3Row(packed, value[i]!));
        else {
          const ids = waiting.get(k);
          if (ids === undefined) waiting.set(k, [value[i]!]);
          else ids.push(value[i]!);
        }
      }
    }
  }
}

/**
 * q3 on columnar batches: the same rows as `q3` (who sells in OR, ID or CA in category 10, and
 * which auctions), in the same order — the incremental join of persons and auctions by seller,
 * over the few person and auction rows of each batch.
 *
 * @example
 * const rows = await q3Columnar(nexmarkColumnar({ events: 10_000_000 })).collect();
 */
export function q3Columnar(batches: Stream<NexmarkBatch>): Stream<Q3Row> {
  return batches.pipe(
    map(q3Input),
    keyBy((): number => 0),
    process(new Q3Function()),
  );
}

// ---------------------------------------------------------------------------------------------
// q8

/** q8's rows of a batch: every person (value: name index) and auction (value unused), with event time. */
function q8Input(b: NexmarkBatch): JoinRows {
  const { kinds, events, persons, auctions } = b;
  const n = persons.length + auctions.length;
  const person = new Uint8Array(n);
  const key = new Float64Array(n);
  const value = new Float64Array(n);
  const dateTime = new Float64Array(n);
  let r = 0;
  for (let i = 0, p = 0, a = 0; i < events && r < n; i++) {
    const k = kinds[i];
    if (k === EVENT_PERSON) {
      person[r] = 1;
      key[r] = persons.id[p]!;
      value[r] = persons.name[p]!;
      dateTime[r++] = persons.dateTime[p++]!;
    } else if (k === EVENT_AUCTION) {
      key[r] = auctions.seller[a]!;
      dateTime[r++] = auctions.dateTime[a++]!;
    }
  }
  return { length: n, person, key, value, dateTime };
}

/** What one key holds in a q8 window: (the first person's name index + 1) · 2, plus 1 once an auction came. */
const HAS_AUCTION = 1;

class Q8Function implements KeyedProcessFunction<number, JoinRows, Q8Row> {
  /**
   * The open windows by start time; in each, the ids seen, in order of their first row (the order
   * the object q8's window timers fire in). Plain data: it is keyed state.
   */
  private state!: ValueState<Map<number, Map<number, number>>>;

  open(rc: RuntimeContext): void {
    this.state = rc.getState(new ValueStateDescriptor<Map<number, Map<number, number>>>('q8-windows'));
  }

  processElement(rows: JoinRows, ctx: KeyedProcessContext<number>): void {
    const { person, key, value, dateTime, length } = rows;
    let windows = this.state.value();
    if (windows === undefined) this.state.update((windows = new Map()));
    const timers = ctx.timerService();
    const watermark = timers.currentWatermark();
    let start = Number.NaN;
    let w: Map<number, number> | undefined;
    for (let i = 0; i < length; i++) {
      const ts = dateTime[i]!;
      if (!(ts >= start && ts < start + Q8_SIZE)) {
        const s = Math.floor(ts / Q8_SIZE) * Q8_SIZE;
        if (s + Q8_SIZE - 1 <= watermark) continue; // late: its window has fired
        start = s;
        w = windows.get(s);
        if (w === undefined) {
          windows.set(s, (w = new Map()));
          timers.registerEventTimeTimer(s + Q8_SIZE - 1);
        }
      }
      const id = key[i]!;
      const seen = w!.get(id) ?? 0;
      if (person[i] === 1) {
        if (seen < 2) w!.set(id, (value[i]! + 1) * 2 + seen);
      } else if ((seen & HAS_AUCTION) === 0) w!.set(id, seen | HAS_AUCTION);
    }
  }

  onTimer(time: number, _ctx: OnTimerContext<number>, out: Collector<Q8Row>): void {
    const windows = this.state.value();
    const start = time + 1 - Q8_SIZE;
    const w = windows?.get(start);
    if (w === undefined) return;
    windows!.delete(start);
    for (const [id, seen] of w) {
      if (seen >= 2 && (seen & HAS_AUCTION) !== 0) out.collect({ id, name: NAMES[(seen >> 1) - 1]!, starttime: start });
    }
  }
}

/**
 * q8 on columnar batches: the same rows as `q8` (people who created an auction in the same 10 s
 * tumbling window in which they registered), in the same order — the window join of persons and
 * auctions, over the few person and auction rows of each batch; late rows dropped as Flink does.
 *
 * @example
 * const newSellers = await q8Columnar(nexmarkColumnar({ events: 10_000_000 })).collect();
 */
export function q8Columnar(batches: Stream<NexmarkBatch>, options: NexmarkQueryOptions = {}): Stream<Q8Row> {
  return withBatchEventTime(batches, options).pipe(
    map(q8Input),
    keyBy((): number => 0),
    process(new Q8Function()),
  );
}
