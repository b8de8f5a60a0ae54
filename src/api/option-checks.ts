import { ConfigurationError } from '../errors';

// Checks of numeric options, from code or from configuration keys (where values may be strings):
// each returns the number or throws a ConfigurationError naming the option.

const number = (value: unknown): number => (typeof value === 'string' && value.trim() === '' ? Number.NaN : Number(value));

export function positiveInteger(name: string, value: unknown): number {
  const n = number(value);
  if (!Number.isInteger(n) || n <= 0) throw new ConfigurationError(`${name} must be a positive integer, got ${String(value)}`);
  return n;
}

export function nonNegativeInteger(name: string, value: unknown): number {
  const n = number(value);
  if (!Number.isInteger(n) || n < 0) throw new ConfigurationError(`${name} must be an integer ≥ 0, got ${String(value)}`);
  return n;
}

export function positiveNumber(name: string, value: unknown): number {
  const n = number(value);
  if (!Number.isFinite(n) || n <= 0) throw new ConfigurationError(`${name} must be a finite number > 0, got ${String(value)}`);
  return n;
}
