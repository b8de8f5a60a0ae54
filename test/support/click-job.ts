// The job of the exactly-once tests: clicks through a user function that can fail once, event-time
// tumbling windows, and a keyed running total — windows and keyed state both to recover.
import {
  ValueStateDescriptor,
  aggregate,
  count,
  keyBy,
  map,
  process,
  sum,
  tap,
  tumbling,
  watermarks,
  window,
  type ManualClock,
  type Stream,
  type ValueState,
} from '../../src/index';

export interface Click {
  readonly user: string;
  readonly ts: number;
  readonly n: number;
}

/** Seeded clicks of 7 users, event time mostly increasing with up to 30 ms of disorder. */
export function clicks(seed: number, length: number): Click[] {
  let s = seed * 7919 + 17;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  let ts = 0;
  return Array.from({ length }, (_, i) => {
    ts += Math.floor(rnd() * 40);
    return { user: `u${Math.floor(rnd() * 7)}`, ts: ts - Math.floor(rnd() * 30), n: i % 11 };
  });
}

export interface ClickJobOptions {
  /** Advanced by 10 ms (one checkpoint interval) every `checkpointEvery` records. */
  readonly clock: ManualClock;
  readonly checkpointEvery: number;
  /** The user function throws at this record, once per call of `clickJob`. */
  readonly failAt?: number;
  /** Runs just before the injected failure. */
  readonly onFailure?: () => void;
}

/** Windows of the clicks per user, each line with the user's running total of points. */
export function clickJob(source: Stream<Click>, options: ClickJobOptions): Stream<string> {
  let seen = 0;
  let failed = false;
  const totals = new ValueStateDescriptor<number>('total', { defaultValue: 0 });
  let total!: ValueState<number>;
  return source.pipe(
    tap(() => {
      if (++seen % options.checkpointEvery === 0) options.clock.advance(10);
    }),
    map(
      (c) => {
        if (!failed && options.failAt !== undefined && seen === options.failAt) {
          failed = true;
          options.onFailure?.();
          throw new Error(`injected failure at record ${options.failAt}`);
        }
        return c;
      },
      { uid: 'chaos' },
    ),
    watermarks({ timestamp: (c) => c.ts, outOfOrderness: 30 }, { uid: 'time' }),
    keyBy((c) => c.user),
    window(tumbling(200)),
    aggregate({ clicks: count(), points: sum((c) => c.n) }, { uid: 'windows' }),
    keyBy((r) => String(r.key)),
    process<{ key: string; start: number; clicks: number; points: number }, string, string>(
      {
        open(rc) {
          total = rc.getState(totals);
        },
        processElement(r, ctx, out) {
          total.update(total.value()! + r.points);
          out.collect(`${ctx.getCurrentKey()}@${r.start}: ${r.clicks} clicks, running total ${total.value()}`);
        },
      },
      { uid: 'running-total' },
    ),
  );
}
