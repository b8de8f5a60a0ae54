/** Helpers to compare a job's results across runs: as multisets, and per key in emission order. */

export const canonical = (r: unknown): string => JSON.stringify(r);

/** Per group (by default the record's `key`; with `kind`, per kind and key), the rows in order. */
export function perKey(rows: readonly unknown[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const r of rows) {
    const { kind, key } = r as { kind?: string; key: unknown };
    const group = kind === undefined ? String(key) : `${kind} ${String(key)}`;
    const list = m.get(group);
    if (list === undefined) m.set(group, [canonical(r)]);
    else list.push(canonical(r));
  }
  return m;
}
