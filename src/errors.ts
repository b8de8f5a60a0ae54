/** The base of every error sluice throws on purpose. */
export class SluiceError extends Error {
  override readonly name: string = 'SluiceError';
}

/** An invalid configuration, found while the job graph is built (before anything runs). */
export class ConfigurationError extends SluiceError {
  override readonly name = 'ConfigurationError';
}

/** A failure inside an operator — a user function that threw, or a record the operator cannot take. */
export class OperatorError extends SluiceError {
  override readonly name = 'OperatorError';
  constructor(
    readonly operator: string,
    readonly uid: string | undefined,
    readonly record: unknown,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(
      `Operator "${operator}"${uid === undefined ? '' : ` (uid "${uid}")`} failed${
        record === NO_RECORD ? '' : ` on record ${preview(record)}`
      }: ${message}`,
      options,
    );
  }
}

/** Marks an `OperatorError` that is not about one record. */
export const NO_RECORD: unknown = Symbol('no record');

/** The job was canceled before it produced the requested result. */
export class JobCanceledError extends SluiceError {
  override readonly name = 'JobCanceledError';
}

/** A short, safe rendering of a record for an error message (bigints, cycles and long values survive). */
export function preview(value: unknown, limit = 200): string {
  let text: string;
  try {
    const seen = new WeakSet<object>();
    text =
      JSON.stringify(value, (_key, v: unknown) => {
        if (typeof v === 'bigint') return `${v}n`;
        if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
        if (v === undefined) return 'undefined';
        if (typeof v === 'object' && v !== null) {
          if (seen.has(v)) return '[Circular]';
          seen.add(v);
        }
        return v;
      }) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > limit ? `${text.slice(0, limit)}…` : text;
}

/** Wraps `cause` into an `OperatorError` for `operator`, unless it already is one from downstream. */
export function operatorFailure(operator: string, uid: string | undefined, record: unknown, cause: unknown): Error {
  if (cause instanceof OperatorError) return cause;
  const message = cause instanceof Error ? cause.message : String(cause);
  return new OperatorError(operator, uid, record, message, { cause });
}
