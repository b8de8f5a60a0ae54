/**
 * Key groups, exactly as Flink's `KeyGroupRangeAssignment`: a key's group is
 * `murmurHash(key.hashCode()) % maxParallelism`, and group g belongs to subtask
 * `g * parallelism / maxParallelism`. State is snapshotted per key group so that it can be
 * redistributed when the parallelism changes.
 *
 * JavaScript keys get Java's `hashCode` of the corresponding Java value: strings hash like
 * `String.hashCode` (UTF-16 code units), 32-bit integers like `Integer`, other safe integers like
 * `Long`, other numbers like `Double`, bigints like `Long`, booleans like `Boolean`. Arrays and plain
 * objects hash through their canonical string form.
 */

export const DEFAULT_MAX_PARALLELISM = 128;

const f64 = new Float64Array(1);
const i32 = new Int32Array(f64.buffer);

/** Java's `hashCode` of the Java value that corresponds to `key`. */
export function javaHashCode(key: unknown): number {
  switch (typeof key) {
    case 'string':
      return stringHash(key);
    case 'number':
      if (Number.isInteger(key)) {
        if (key >= -2147483648 && key <= 2147483647) return key | 0;
        if (Number.isSafeInteger(key)) return longHash(BigInt(key));
      }
      // Double.hashCode: bits ^ (bits >>> 32), with NaN canonicalised like doubleToLongBits.
      f64[0] = Number.isNaN(key) ? Number.NaN : key;
      return (i32[0]! ^ i32[1]!) | 0;
    case 'bigint':
      return longHash(key);
    case 'boolean':
      return key ? 1231 : 1237;
    default:
      return stringHash(canonicalKey(key));
  }
}

function stringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

function longHash(v: bigint): number {
  const bits = BigInt.asUintN(64, v);
  return Number(BigInt.asIntN(32, bits ^ (bits >> 32n)));
}

/** Flink's `MathUtils.murmurHash(int)`: a non-negative int. */
export function murmurHash(code: number): number {
  let h = Math.imul(code, 0xcc9e2d51);
  h = (h << 15) | (h >>> 17);
  h = Math.imul(h, 0x1b873593);
  h = (h << 13) | (h >>> 19);
  h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  h ^= 4;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  if (h >= 0) return h;
  return h !== -2147483648 ? -h : 0;
}

/** The key group of `key` (Flink: `KeyGroupRangeAssignment.assignToKeyGroup`). */
export function assignToKeyGroup(key: unknown, maxParallelism: number = DEFAULT_MAX_PARALLELISM): number {
  return murmurHash(javaHashCode(key)) % maxParallelism;
}

/** The subtask that owns `keyGroup` (Flink: `computeOperatorIndexForKeyGroup`). */
export function operatorIndexForKeyGroup(maxParallelism: number, parallelism: number, keyGroup: number): number {
  return Math.floor((keyGroup * parallelism) / maxParallelism);
}

/** The inclusive range of key groups subtask `index` owns (Flink: `computeKeyGroupRangeForOperatorIndex`). */
export function keyGroupRangeForOperator(
  maxParallelism: number,
  parallelism: number,
  index: number,
): { readonly start: number; readonly end: number } {
  const start = Math.floor((index * maxParallelism + parallelism - 1) / parallelism);
  const end = Math.floor(((index + 1) * maxParallelism - 1) / parallelism);
  return { start, end };
}

/**
 * The value under which a key is stored: primitives as they are (Map's SameValueZero), arrays and
 * objects as a canonical string so that equal tuples are one key. Object keys get a "\u0000o"
 * prefix and strings that start with "\u0000" a "\u0000s" prefix, so that no string key can
 * collide with an object key (the string '["a",1]' is not the tuple ['a', 1]).
 */
/** Whether a key falls in a subtask's key-group range: what a restore keeps of a snapshot. */
export function ownsKey(keyGroups: { readonly start: number; readonly end: number }, maxParallelism: number): (key: unknown) => boolean {
  return (key) => {
    const kg = assignToKeyGroup(key, maxParallelism);
    return kg >= keyGroups.start && kg <= keyGroups.end;
  };
}

export function mapKeyOf(key: unknown): unknown {
  if (typeof key === 'object' && key !== null) return `\u0000o${canonicalKey(key)}`;
  if (typeof key === 'string' && key.startsWith('\u0000')) return `\u0000s${key}`;
  return key;
}

/**
 * The key a map key stands for: the inverse of `mapKeyOf`, for code that walks stored state
 * (`applyToKeyedState`). An object key comes back as its canonical form: fields sorted, Dates as
 * their JSON strings.
 */
export function keyOfMapKey(mapKey: unknown): unknown {
  if (typeof mapKey !== 'string' || mapKey.charCodeAt(0) !== 0) return mapKey;
  if (mapKey.charCodeAt(1) === 0x73 /* 's' */) return mapKey.slice(2);
  return JSON.parse(mapKey.slice(2), (_k, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      const fields = Object.keys(o);
      if (fields.length === 1 && typeof o.$bigint === 'string') return BigInt(o.$bigint);
      if (fields.length === 1 && typeof o.$number === 'string') return Number(o.$number);
    }
    return v;
  }) as unknown;
}

/** The key group of a key given in its stored form (`mapKeyOf(key)`): the same as `assignToKeyGroup(key)`. */
export function keyGroupOfMapKey(mapKey: unknown, maxParallelism: number): number {
  // '\0o' + canonical form of an object key, or '\0s' + a string that itself starts with '\0':
  // either way Java hashes the text after the prefix.
  if (typeof mapKey === 'string' && mapKey.charCodeAt(0) === 0) return murmurHash(stringHash(mapKey.slice(2))) % maxParallelism;
  return assignToKeyGroup(mapKey, maxParallelism);
}

/** A canonical, type-preserving string for composite keys: object fields sorted, bigints marked. */
export function canonicalKey(key: unknown): string {
  return JSON.stringify(key, (_k, v: unknown) => {
    if (typeof v === 'bigint') return { $bigint: v.toString() };
    if (typeof v === 'number' && !Number.isFinite(v)) return { $number: String(v) };
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const sorted: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
      return sorted;
    }
    return v;
  });
}
