import type { Stream } from '../../api/stream';
import { connect } from '../../operators/connect';
import { filter } from '../../operators/filter';
import { keyBy } from '../../operators/key-by';
import type { CoProcessFunction, KeyedProcessContext, RuntimeContext } from '../../operators/process-function';
import { ListStateDescriptor, ValueStateDescriptor } from '../../state/descriptors';
import type { ListState, ValueState } from '../../state/state';
import type { Collector } from '../../types';
import type { Auction, NexmarkEvent, Person } from '../model';

export interface Q3Row {
  readonly name: string;
  readonly city: string;
  readonly state: string;
  readonly id: number;
}

const STATES = new Set(['OR', 'ID', 'CA']);

/**
 * The incremental join of q3 (Flink's regular inner join): per seller id the person, once seen,
 * and the ids of category-10 auctions that came before their seller.
 */
class LocalItemJoin implements CoProcessFunction<Auction, Person, Q3Row, number> {
  private person!: ValueState<Person>;
  private waiting!: ListState<number>;

  open(rc: RuntimeContext): void {
    this.person = rc.getState(new ValueStateDescriptor<Person>('person'));
    this.waiting = rc.getListState(new ListStateDescriptor<number>('auctions-before-seller'));
  }

  processElement1(auction: Auction, _ctx: KeyedProcessContext<number>, out: Collector<Q3Row>): void {
    const p = this.person.value();
    if (p === undefined) this.waiting.add(auction.id);
    else out.collect({ name: p.name, city: p.city, state: p.state, id: auction.id });
  }

  processElement2(person: Person, _ctx: KeyedProcessContext<number>, out: Collector<Q3Row>): void {
    this.person.update(person);
    for (const id of this.waiting.get()) out.collect({ name: person.name, city: person.city, state: person.state, id });
    this.waiting.clear();
  }
}

/**
 * Nexmark q3, local item suggestion: who sells in OR, ID or CA in category 10, and which
 * auctions — `SELECT P.name, P.city, P.state, A.id FROM auction A JOIN person P ON A.seller = P.id
 * WHERE A.category = 10 AND P.state IN ('OR', 'ID', 'CA')` (nexmark/nexmark q3.sql), as an
 * incremental join with keyed state: `connect` of the two keyed streams.
 *
 * @example
 * const rows = await q3(nexmark({ events: 100_000 })).collect();
 */
export function q3(events: Stream<NexmarkEvent>): Stream<Q3Row> {
  const persons = events.pipe(
    filter((e: NexmarkEvent): e is Person => e.kind === 'person' && STATES.has(e.state)),
    keyBy((p: Person) => p.id),
  );
  return events.pipe(
    filter((e: NexmarkEvent): e is Auction => e.kind === 'auction' && e.category === 10),
    keyBy((a: Auction) => a.seller),
    connect(persons, new LocalItemJoin()),
  );
}
