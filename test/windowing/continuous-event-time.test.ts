// continuousEventTimeTrigger, as Flink's ContinuousEventTimeTrigger (apache/flink,
// flink-streaming-java/.../api/windowing/triggers/ContinuousEventTimeTrigger.java: the first firing
// at timestamp - timestamp % interval + interval, capped at the window's maxTimestamp; the next one
// interval later; FIRE at maxTimestamp; the earliest firing kept when windows merge).
// https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/operators/windows/#built-in-and-custom-triggers
import { describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  StreamEnvironment,
  aggregate,
  continuousEventTimeTrigger,
  count,
  keyBy,
  purgingTrigger,
  session,
  sum,
  tumbling,
  watermarks,
  window,
  type Trigger,
  type WindowAssigner,
} from '../../src/index';

interface Ev {
  readonly k: string;
  readonly ts: number;
}

async function firings(events: Ev[], assigner: WindowAssigner<Ev>, trigger: Trigger<Ev>, allowedLateness = 0): Promise<string[]> {
  const env = new StreamEnvironment({ batchSize: 1 });
  const out: string[] = [];
  await env
    .fromArray(events)
    .pipe(
      watermarks({ timestamp: (e: Ev) => e.ts, outOfOrderness: 0 }),
      keyBy((e: Ev) => e.k),
      window(assigner, { trigger, allowedLateness }),
      aggregate({ n: count(), total: sum((e: Ev) => e.ts) }),
    )
    .forEach((r, ts) => out.push(`${r.key}[${r.start},${r.end}) n=${r.n}@${String(ts)}`));
  return out;
}

describe('continuousEventTimeTrigger (Flink: ContinuousEventTimeTrigger)', () => {
  it('fires every interval of event time with everything so far, then at the window end', async () => {
    // Window [0, 100), interval 30; the watermark is ts − 1 after each element, which is added
    // before the watermark that follows it.
    const events = [0, 10, 35, 50, 70, 95, 120].map((ts) => ({ k: 'a', ts }));
    expect(await firings(events, tumbling(100), continuousEventTimeTrigger(30))).toEqual([
      'a[0,100) n=3@99', // timer 30, at watermark 34: 0, 10 and 35
      'a[0,100) n=5@99', // timer 60, at watermark 69
      'a[0,100) n=6@99', // timer 90, at watermark 94; the next firing is capped at maxTimestamp 99
      'a[0,100) n=6@99', // 99: the window's end (one timer for both)
      // [100, 200) at the end of input: the final watermark fires 150, then 180 registered by it, then 199.
      'a[100,200) n=1@199',
      'a[100,200) n=1@199',
      'a[100,200) n=1@199',
    ]);
  });

  it('the first firing is aligned to the interval, not to the first element, and never after the window end', async () => {
    // First element at 47, interval 20: the first firing at 60 (47 − 47 % 20 + 20), not 67.
    expect(await firings([47, 61].map((ts) => ({ k: 'a', ts })), tumbling(100), continuousEventTimeTrigger(20))).toEqual([
      'a[0,100) n=2@99', // 60, at watermark 60 after ts 61
      'a[0,100) n=2@99', // 80, at the final watermark
      'a[0,100) n=2@99', // 99, the window's end
    ]);
    // Window [40, 70), interval 50, element at 45: the first firing, 50, is before the end; the
    // next, 100, is capped at maxTimestamp 69 — one firing with the end's.
    expect(await firings([{ k: 'a', ts: 45 }], tumbling(30, { offset: 10 }), continuousEventTimeTrigger(50))).toEqual(['a[40,70) n=1@69', 'a[40,70) n=1@69']);
  });

  it('purgingTrigger(continuousEventTimeTrigger) gives each firing only what came since the last', async () => {
    const events = [0, 10, 35, 50, 70, 95, 120].map((ts) => ({ k: 'a', ts }));
    // The firings at 99 and at [100, 200)'s 180 and 199 find the window empty: nothing is emitted.
    expect(await firings(events, tumbling(100), purgingTrigger(continuousEventTimeTrigger(30)))).toEqual([
      'a[0,100) n=3@99',
      'a[0,100) n=2@99',
      'a[0,100) n=1@99',
      'a[100,200) n=1@199',
    ]);
  });

  it('merging session windows keep the earliest pending firing; timers of windows merged away do not fire', async () => {
    // Gap 50, interval 40. 0 → [0, 50), firing at 40; 30 merges it into [0, 80), keeping 40; 41
    // merges into [0, 91) and its watermark 40 fires it with three elements. Then 80 and the end (90).
    // The timers at 49 and 79 of the windows merged away find no window (MergingWindowSet).
    expect(await firings([0, 30, 41, 200].map((ts) => ({ k: 'a', ts })), session(50), continuousEventTimeTrigger(40))).toEqual([
      'a[0,91) n=3@90',
      'a[0,91) n=3@90',
      'a[0,91) n=3@90',
      'a[200,250) n=1@249', // 240, capped at 249 next, which is the end
      'a[200,250) n=1@249',
    ]);
  });

  it('refuses an interval that is not a positive number', () => {
    expect(() => continuousEventTimeTrigger(0)).toThrow(ConfigurationError);
    expect(() => continuousEventTimeTrigger(Number.NaN)).toThrow(ConfigurationError);
  });
});
