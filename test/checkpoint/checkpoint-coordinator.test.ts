// Checkpoint pacing on the job's clock: `minPause` (Flink's execution.checkpointing.min-pause, "the
// minimal pause between checkpointing attempts": from the end of one to the start of the next).
// https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/fault-tolerance/checkpointing/#enabling-and-configuring-checkpointing
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { ManualClock, StreamEnvironment, TwoPhaseCommitSink, tap, type Batch } from '../../src/index';
import { Signal } from '../support/signal';

/** Notes the job clock's time of every pre-commit: each checkpoint's barrier reaching the sink. */
class PacedSink extends TwoPhaseCommitSink<number, number[]> {
  readonly barriersAt = new Signal<number>();
  constructor(private readonly clock: ManualClock) {
    super();
  }
  beginTransaction(): number[] {
    return [];
  }
  invoke(txn: number[], batch: Batch<number>): void {
    txn.push(...batch.values);
  }
  preCommit(): void {
    this.barriersAt.fire(this.clock.now());
  }
  commit(): void {}
  abort(): void {}
}

describe('checkpoint pacing', () => {
  it('minPause is measured on the job clock: the next checkpoint waits for it after the last completed one', async () => {
    const clock = new ManualClock(0);
    const input = new Subject<number>();
    const passed = new Signal<number>();
    const sink = new PacedSink(clock);
    const env = new StreamEnvironment({ clock, config: { 'execution.checkpointing.interval': '10 ms', 'execution.checkpointing.min-pause': '25 ms' } });
    env
      .fromObservable(input)
      .pipe(tap((x: number) => passed.fire(x)))
      .sinkTo(sink);
    const job = await env.execute('paced');
    input.next(1);
    await passed.next();
    clock.advance(10); // tick at 10: checkpoint 1 (nothing completed before it)
    expect(await sink.barriersAt.next()).toBe(10);
    // Checkpoint 1 completes at 10; the ticks at 20 and 30 are within the 25 ms pause.
    for (let t = 20; t <= 30; t += 10) {
      await new Promise((resolve) => setTimeout(resolve, 0)); // let checkpoint 1 complete
      clock.advance(10);
    }
    clock.advance(10); // 40: 30 ms after checkpoint 1 completed
    expect(await sink.barriersAt.next()).toBe(40);
    input.complete();
    expect((await job.done).status).toBe('finished');
  });
});
