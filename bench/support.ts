// What every benchmark shares: command-line options, a seeded PRNG, medians.

/**
 * Parses `--name N` / `--name=N` options: each numeric option a positive integer (defaults given),
 * each text option passed through; anything else is an error showing `usage`.
 */
export function parseOptions<N extends string, S extends string = never>(
  argv: readonly string[],
  numeric: Record<N, number>,
  usage: string,
  text: readonly S[] = [],
): Record<N, number> & Partial<Record<S, string>> {
  const out: Record<string, number | string> = { ...numeric };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split('=', 2) as [string, string | undefined];
    const raw = inline ?? argv[++i];
    const name = flag.replace(/^--/, '');
    if ((text as readonly string[]).includes(name)) {
      out[name] = String(raw);
      continue;
    }
    if (!(name in numeric)) throw new Error(`unknown option ${flag}; usage: ${usage}`);
    const n = Number(raw);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag} needs a positive integer, got ${String(raw)}`);
    out[name] = n;
  }
  return out as Record<N, number> & Partial<Record<S, string>>;
}

/** A small seeded PRNG (mulberry32): the same data in every run. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The median (the mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
