// Flink configuration keys on StreamEnvironment, read as Flink reads them.
// Keys: https://nightlies.apache.org/flink/flink-docs-stable/docs/deployment/config/
// Restart strategies: https://nightlies.apache.org/flink/flink-docs-stable/docs/ops/state/task_failure_recovery/
// Durations: apache/flink flink-core/src/main/java/org/apache/flink/util/TimeUtils.java (parseDuration)
import { describe, expect, it } from 'vitest';
import { CollectingTwoPhaseCommitSink, ConfigurationError, FLINK_CONFIG_KEYS, ManualClock, MemoryCheckpointStorage, StreamEnvironment } from '../../src/index';
import { clickJob, clicks } from '../support/click-job';

const env = (config: Record<string, string | number>): StreamEnvironment => new StreamEnvironment({ config });

describe('Flink durations (TimeUtils.parseDuration)', () => {
  const cases: Array<[string | number, number]> = [
    ['500 ms', 500],
    ['500ms', 500],
    ['10 s', 10_000],
    ['10s', 10_000],
    ['3 sec', 3_000],
    ['2 seconds', 2_000],
    ['1 min', 60_000],
    ['5 minutes', 300_000],
    ['2 h', 7_200_000],
    ['1 d', 86_400_000],
    ['250', 250], // no unit: milliseconds
    [' 7 MS ', 7], // trimmed, any case
    [1500, 1500], // a number is milliseconds
  ];
  for (const [value, ms] of cases) {
    it(`${JSON.stringify(value)} is ${ms} ms`, () => {
      expect(env({ 'pipeline.auto-watermark-interval': value }).autoWatermarkInterval).toBe(ms);
    });
  }

  for (const bad of ['ten seconds', '10 parsecs', '-1 s', '1.5 s', '', 's']) {
    it(`${JSON.stringify(bad)} is refused, naming the key`, () => {
      expect(() => env({ 'execution.checkpointing.interval': bad })).toThrow(ConfigurationError);
      expect(() => env({ 'execution.checkpointing.interval': bad })).toThrow(/execution\.checkpointing\.interval/);
    });
  }
});

describe('checkpointing keys (execution.checkpointing.*)', () => {
  it('set the checkpoint configuration', () => {
    const e = env({
      'execution.checkpointing.interval': '10 s',
      'execution.checkpointing.mode': 'AT_LEAST_ONCE',
      'execution.checkpointing.timeout': '1 min',
      'execution.checkpointing.min-pause': '500 ms',
      'execution.checkpointing.max-concurrent-checkpoints': 1,
      'state.checkpoints.num-retained': 3,
    });
    expect(e.checkpoint).toEqual({ interval: 10_000, mode: 'at-least-once', timeout: 60_000, minPause: 500, maxConcurrent: 1, retain: 3 });
    // With checkpointing on and no strategy set, Flink's fallback restarts (sluice: fixed-delay).
    expect(e.restart.strategy).toBe('fixed-delay');
  });

  it('without an interval leave checkpointing off, as in Flink', () => {
    const e = env({ 'execution.checkpointing.mode': 'EXACTLY_ONCE' });
    expect(e.checkpoint).toBeUndefined();
    expect(e.restart).toEqual({ strategy: 'none' });
  });

  it('fill in and override the checkpoint option beside them', () => {
    const storage = new MemoryCheckpointStorage();
    const e = new StreamEnvironment({ checkpoint: { interval: 60_000, storage, mode: 'exactly-once' }, config: { 'execution.checkpointing.interval': '5 s' } });
    expect(e.checkpoint).toEqual({ interval: 5_000, storage, mode: 'exactly-once' });
  });

  it('refuse what sluice does not do, saying so', () => {
    expect(() => env({ 'execution.checkpointing.max-concurrent-checkpoints': 2 })).toThrow(/only 1 is supported/);
    expect(() => env({ 'execution.checkpointing.mode': 'SOMETIMES' })).toThrow(/EXACTLY_ONCE or AT_LEAST_ONCE/);
  });
});

describe('restart strategy keys (restart-strategy.*)', () => {
  it('fixed-delay with attempts and a delay', () => {
    const e = env({ 'restart-strategy.type': 'fixed-delay', 'restart-strategy.fixed-delay.attempts': 3, 'restart-strategy.fixed-delay.delay': '10 s' });
    expect(e.restart).toEqual({ strategy: 'fixed-delay', attempts: 3, delay: 10_000 });
  });

  it('exponential-delay with its backoff settings', () => {
    const e = env({
      'restart-strategy.type': 'exponential-delay',
      'restart-strategy.exponential-delay.initial-backoff': '1 s',
      'restart-strategy.exponential-delay.max-backoff': '1 min',
      'restart-strategy.exponential-delay.backoff-multiplier': '1.5',
      'restart-strategy.exponential-delay.attempts-before-reset-backoff': 4,
    });
    expect(e.restart).toEqual({ strategy: 'exponential-delay', initialBackoff: 1_000, maxBackoff: 60_000, backoffMultiplier: 1.5, attempts: 4 });
  });

  it("Flink's aliases: none/off/disable, fixeddelay, exponentialdelay", () => {
    for (const none of ['none', 'off', 'disable', 'NONE']) expect(env({ 'restart-strategy.type': none }).restart).toEqual({ strategy: 'none' });
    expect(env({ 'restart-strategy.type': 'fixeddelay' }).restart).toEqual({ strategy: 'fixed-delay' });
    expect(env({ 'restart-strategy.type': 'exponentialdelay' }).restart).toEqual({ strategy: 'exponential-delay' });
  });

  it('a key of another strategy, a sub-key without a type, or failure-rate is refused', () => {
    expect(() => env({ 'restart-strategy.type': 'none', 'restart-strategy.fixed-delay.attempts': 3 })).toThrow(/does not apply to restart-strategy.type none/);
    expect(() => env({ 'restart-strategy.fixed-delay.delay': '1 s' })).toThrow(/restart-strategy.type is not/);
    expect(() => env({ 'restart-strategy.type': 'failure-rate' })).toThrow(/failure-rate is not supported/);
    expect(() => env({ 'restart-strategy.type': 'fixed-delay', 'restart-strategy.fixed-delay.attempts': -1 })).toThrow(ConfigurationError);
  });
});

describe('other keys', () => {
  it('parallelism.default, pipeline.max-parallelism and execution.runtime-mode', () => {
    const e = env({ 'parallelism.default': '2', 'pipeline.max-parallelism': 256, 'execution.runtime-mode': 'BATCH' });
    expect([e.parallelism, e.maxParallelism, e.runtimeMode]).toEqual([2, 256, 'batch']);
  });

  it('AUTOMATIC runtime mode and unknown keys are refused with what to use instead', () => {
    expect(() => env({ 'execution.runtime-mode': 'AUTOMATIC' })).toThrow(/choose STREAMING or BATCH/);
    expect(() => env({ 'execution.checkpointing.intervall': '1 s' })).toThrow(/Unknown configuration key "execution.checkpointing.intervall"; known: .*execution.checkpointing.interval/);
    expect(FLINK_CONFIG_KEYS).toContain('restart-strategy.fixed-delay.attempts');
  });
});

describe('a job configured by keys alone', () => {
  it('checkpoints, fails in a user function, restarts from its checkpoint and commits exactly once', async () => {
    const run = async (failAt?: number) => {
      const clock = new ManualClock(0);
      const sink = new CollectingTwoPhaseCommitSink<string>();
      const e = new StreamEnvironment({
        clock,
        batchSize: 7,
        config: {
          'execution.checkpointing.interval': '10 ms',
          'restart-strategy.type': 'fixed-delay',
          'restart-strategy.fixed-delay.attempts': 2,
          'restart-strategy.fixed-delay.delay': '0 ms',
        },
      });
      clickJob(e.fromArray(clicks(3, 400)), { clock, checkpointEvery: 25, failAt }).sinkTo(sink);
      const job = await e.execute('configured');
      await job.done;
      return { committed: sink.committed, restarts: job.metrics().restarts ?? 0 };
    };
    const expected = await run();
    const recovered = await run(301);
    expect(expected.committed.length).toBeGreaterThan(0);
    expect(recovered.restarts).toBe(1);
    expect(recovered.committed).toEqual(expected.committed);
  });
});
