import { ConfigurationError } from '../errors';

/**
 * Flink's restart strategies (`restart-strategy.type`): what to do when a job attempt fails. A
 * restart restores every operator and source from the latest complete checkpoint.
 */
export type RestartStrategy =
  | { readonly strategy: 'none' }
  | { readonly strategy: 'fixed-delay'; readonly attempts?: number; readonly delay?: number }
  | {
      readonly strategy: 'exponential-delay';
      readonly initialBackoff?: number;
      readonly maxBackoff?: number;
      readonly backoffMultiplier?: number;
      readonly attempts?: number;
    };

/** The decision after the `failures`-th failure: restart after `delay` ms, or give up. */
export type RestartDecision = { readonly restart: true; readonly delay: number } | { readonly restart: false };

/**
 * Flink's defaults: no restarts without checkpointing; with it, fixed-delay with unlimited
 * attempts and a 1 s delay.
 */
export function defaultRestartStrategy(checkpointing: boolean): RestartStrategy {
  return checkpointing ? { strategy: 'fixed-delay', attempts: Number.POSITIVE_INFINITY, delay: 1000 } : { strategy: 'none' };
}

export function decideRestart(strategy: RestartStrategy, failures: number): RestartDecision {
  switch (strategy.strategy) {
    case 'none':
      return { restart: false };
    case 'fixed-delay':
      return failures <= (strategy.attempts ?? 1) ? { restart: true, delay: strategy.delay ?? 1000 } : { restart: false };
    case 'exponential-delay': {
      if (failures > (strategy.attempts ?? Number.POSITIVE_INFINITY)) return { restart: false };
      const initial = strategy.initialBackoff ?? 1000;
      const delay = Math.min(strategy.maxBackoff ?? 300_000, initial * (strategy.backoffMultiplier ?? 2) ** (failures - 1));
      return { restart: true, delay };
    }
  }
}

export function validateRestartStrategy(strategy: RestartStrategy): void {
  const s = strategy as { strategy: string; attempts?: number; delay?: number };
  if (!['none', 'fixed-delay', 'exponential-delay'].includes(s.strategy)) {
    throw new ConfigurationError(`restart.strategy must be 'none', 'fixed-delay' or 'exponential-delay', got ${String(s.strategy)}`);
  }
  if (s.attempts !== undefined && !(s.attempts >= 0)) throw new ConfigurationError(`restart.attempts must be ≥ 0, got ${s.attempts}`);
  if (s.delay !== undefined && !(s.delay >= 0)) throw new ConfigurationError(`restart.delay must be ≥ 0, got ${s.delay}`);
}
