import { ConfigurationError } from '../errors';
import { nonNegativeInteger, positiveInteger, positiveNumber } from './option-checks';
import type { CheckpointConfig } from '../checkpoint/checkpoint-coordinator';
import type { RestartStrategy } from '../runtime/restart-strategy';
import type { RuntimeMode } from '../types';

/** What Flink configuration keys set, in `StreamEnvironmentOptions` terms. */
export interface FlinkConfigOptions {
  parallelism?: number;
  maxParallelism?: number;
  runtimeMode?: RuntimeMode;
  autoWatermarkInterval?: number;
  /** Checkpointing settings; an `interval` among them turns checkpointing on, as in Flink. */
  checkpoint?: { -readonly [K in Exclude<keyof CheckpointConfig, 'storage'>]?: CheckpointConfig[K] };
  restart?: RestartStrategy;
}

type Value = string | number;
type Reader = (value: Value, key: string, out: FlinkConfigOptions) => void;

// Flink's keys (https://nightlies.apache.org/flink/flink-docs-stable/docs/deployment/config/),
// with the Flink 2 spelling beside the 1.x one where they differ.
const READERS: Readonly<Record<string, Reader>> = {
  'parallelism.default': (v, k, o) => void (o.parallelism = positiveInteger(k, v)),
  'pipeline.max-parallelism': (v, k, o) => void (o.maxParallelism = positiveInteger(k, v)),
  'execution.runtime-mode': (v, k, o) => void (o.runtimeMode = runtimeMode(v, k)),
  'pipeline.auto-watermark-interval': (v, k, o) => void (o.autoWatermarkInterval = parseFlinkDuration(v, k)),
  'execution.checkpointing.interval': (v, k, o) => void (checkpoint(o).interval = parseFlinkDuration(v, k)),
  'execution.checkpointing.mode': (v, k, o) => void (checkpoint(o).mode = checkpointingMode(v, k)),
  'execution.checkpointing.timeout': (v, k, o) => void (checkpoint(o).timeout = parseFlinkDuration(v, k)),
  'execution.checkpointing.min-pause': (v, k, o) => void (checkpoint(o).minPause = parseFlinkDuration(v, k)),
  'execution.checkpointing.max-concurrent-checkpoints': (v, k, o) => {
    if (positiveInteger(k, v) !== 1) throw new ConfigurationError(`${k}: only 1 is supported, got ${String(v)}`);
    checkpoint(o).maxConcurrent = 1;
  },
  'execution.checkpointing.tolerable-failed-checkpoints': (v, k, o) => void (checkpoint(o).tolerableFailures = nonNegativeInteger(k, v)),
  'state.checkpoints.num-retained': (v, k, o) => void (checkpoint(o).retain = positiveInteger(k, v)),
  'execution.checkpointing.num-retained': (v, k, o) => void (checkpoint(o).retain = positiveInteger(k, v)),
};

/** The `restart-strategy.*` keys, read together: the type decides which of the others apply. */
const RESTART_KEYS: Readonly<Record<RestartStrategy['strategy'], readonly string[]>> = {
  none: [],
  'fixed-delay': ['restart-strategy.fixed-delay.attempts', 'restart-strategy.fixed-delay.delay'],
  'exponential-delay': [
    'restart-strategy.exponential-delay.initial-backoff',
    'restart-strategy.exponential-delay.max-backoff',
    'restart-strategy.exponential-delay.backoff-multiplier',
    'restart-strategy.exponential-delay.attempts-before-reset-backoff',
  ],
};
const RESTART_TYPE = 'restart-strategy.type';

/** Every key `flinkConfigOptions` understands. */
export const FLINK_CONFIG_KEYS: readonly string[] = [...Object.keys(READERS), RESTART_TYPE, ...Object.values(RESTART_KEYS).flat()];

/**
 * Reads Flink configuration keys (`{ 'execution.checkpointing.interval': '10 s' }`). Durations
 * take Flink's forms (`'500 ms'`, `'10s'`, `'1 min'`, `'2 h'`; a bare number is milliseconds).
 * An unknown key, a value of the wrong form, or a `restart-strategy.*` key that does not belong
 * to the configured `restart-strategy.type` is a `ConfigurationError` naming the key.
 */
export function flinkConfigOptions(config: Readonly<Record<string, Value>>): FlinkConfigOptions {
  const out: FlinkConfigOptions = {};
  for (const [key, value] of Object.entries(config)) {
    const read = READERS[key];
    if (read !== undefined) read(value, key, out);
    else if (!FLINK_CONFIG_KEYS.includes(key)) {
      throw new ConfigurationError(`Unknown configuration key "${key}"; known: ${FLINK_CONFIG_KEYS.join(', ')}`);
    }
  }
  const restart = restartStrategy(config);
  if (restart !== undefined) out.restart = restart;
  return out;
}

function restartStrategy(config: Readonly<Record<string, Value>>): RestartStrategy | undefined {
  const type = config[RESTART_TYPE];
  const given = Object.values(RESTART_KEYS)
    .flat()
    .filter((k) => config[k] !== undefined);
  if (type === undefined) {
    if (given.length > 0) throw new ConfigurationError(`${given[0]!} is set but ${RESTART_TYPE} is not`);
    return undefined;
  }
  const strategy = restartType(type);
  const foreign = given.find((k) => !RESTART_KEYS[strategy].includes(k));
  if (foreign !== undefined) throw new ConfigurationError(`${foreign} does not apply to ${RESTART_TYPE} ${String(type)}`);
  const get = <T>(key: string, read: (k: string, v: Value) => T): T | undefined => (config[key] === undefined ? undefined : read(key, config[key]));
  const duration = (k: string, v: Value): number => parseFlinkDuration(v, k);
  switch (strategy) {
    case 'none':
      return { strategy };
    case 'fixed-delay':
      return defined({
        strategy,
        attempts: get('restart-strategy.fixed-delay.attempts', nonNegativeInteger),
        delay: get('restart-strategy.fixed-delay.delay', duration),
      });
    case 'exponential-delay':
      return defined({
        strategy,
        initialBackoff: get('restart-strategy.exponential-delay.initial-backoff', duration),
        maxBackoff: get('restart-strategy.exponential-delay.max-backoff', duration),
        backoffMultiplier: get('restart-strategy.exponential-delay.backoff-multiplier', positiveNumber),
        attempts: get('restart-strategy.exponential-delay.attempts-before-reset-backoff', nonNegativeInteger),
      });
  }
}

/** Flink's names for the restart strategies, its aliases included (RestartBackoffTimeStrategyFactoryLoader). */
function restartType(value: Value): RestartStrategy['strategy'] {
  switch (String(value).trim().toLowerCase()) {
    case 'none':
    case 'off':
    case 'disable':
      return 'none';
    case 'fixed-delay':
    case 'fixeddelay':
      return 'fixed-delay';
    case 'exponential-delay':
    case 'exponentialdelay':
      return 'exponential-delay';
    case 'failure-rate':
    case 'failurerate':
      throw new ConfigurationError(`${RESTART_TYPE} failure-rate is not supported; use fixed-delay or exponential-delay`);
    default:
      throw new ConfigurationError(`${RESTART_TYPE} must be none, fixed-delay or exponential-delay, got ${String(value)}`);
  }
}

// TimeUtils.TimeUnit's labels (apache/flink, flink-core/src/main/java/org/apache/flink/util/TimeUtils.java).
const UNIT_MS: Readonly<Record<string, number>> = (() => {
  const units: Array<[number, string[]]> = [
    [1e-6, ['ns', 'nano', 'nanos', 'nanosecond', 'nanoseconds']],
    [1e-3, ['µs', 'micro', 'micros', 'microsecond', 'microseconds']],
    [1, ['ms', 'milli', 'millis', 'millisecond', 'milliseconds']],
    [1000, ['s', 'sec', 'secs', 'second', 'seconds']],
    [60_000, ['m', 'min', 'minute', 'minutes']],
    [3_600_000, ['h', 'hour', 'hours']],
    [86_400_000, ['d', 'day', 'days']],
  ];
  return Object.fromEntries(units.flatMap(([ms, names]) => names.map((n) => [n, ms])));
})();

/**
 * A duration in milliseconds from Flink's notation (TimeUtils.parseDuration: digits, optional
 * spaces, an optional unit; no unit means milliseconds), or from a number of milliseconds.
 */
export function parseFlinkDuration(value: Value, key: string): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new ConfigurationError(`${key} must be a duration ≥ 0, got ${value}`);
    return value;
  }
  const m = /^\s*(\d+)\s*([a-zµ]*)\s*$/i.exec(value);
  const unit = m === null ? undefined : m[2] === '' ? 1 : UNIT_MS[m[2]!.toLowerCase()];
  if (m === null || unit === undefined) {
    throw new ConfigurationError(`${key} must be a duration such as '500 ms', '10 s' or '1 min', got '${value}'`);
  }
  return Number(m[1]) * unit;
}

function checkpoint(out: FlinkConfigOptions): NonNullable<FlinkConfigOptions['checkpoint']> {
  return (out.checkpoint ??= {});
}

function runtimeMode(value: Value, key: string): RuntimeMode {
  const mode = String(value).trim().toLowerCase();
  if (mode === 'streaming' || mode === 'batch') return mode;
  if (mode === 'automatic') {
    throw new ConfigurationError(`${key} AUTOMATIC is not supported: sluice cannot know when the environment is made whether every source is bounded; choose STREAMING or BATCH`);
  }
  throw new ConfigurationError(`${key} must be STREAMING or BATCH, got ${String(value)}`);
}

function checkpointingMode(value: Value, key: string): 'exactly-once' | 'at-least-once' {
  const mode = String(value).trim().toLowerCase().replace(/_/g, '-');
  if (mode === 'exactly-once' || mode === 'at-least-once') return mode;
  throw new ConfigurationError(`${key} must be EXACTLY_ONCE or AT_LEAST_ONCE, got ${String(value)}`);
}

/** `o` without its undefined fields, so that the strategy's own defaults apply to them. */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
