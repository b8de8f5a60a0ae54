// Key-group assignment for numeric keys, byte for byte Flink's KeyGroupRangeAssignment as
// src/state/key-groups.ts computes it: murmurHash(hashCode(key)) % maxParallelism, where a 32-bit
// integer hashes as java.lang.Integer, another safe integer as Long and anything else as Double.
//
//   keys:  f64[n]  ──►  groups: i32[n]

/** Java's hashCode of the Java value a JS number stands for. */
@inline
function javaHashCode(key: f64): i32 {
  if (key == Math.floor(key) && Math.abs(key) <= 9007199254740991.0) {
    if (key >= -2147483648.0 && key <= 2147483647.0) return <i32>key;
    const bits = <i64>key; // Long.hashCode
    return <i32>(bits ^ (bits >>> 32));
  }
  // Double.hashCode: bits ^ (bits >>> 32), with NaN canonicalised (doubleToLongBits).
  const bits = key != key ? 0x7ff8000000000000 : reinterpret<i64>(key);
  return <i32>(bits ^ (bits >>> 32));
}

/** Flink's MathUtils.murmurHash(int). */
@inline
function murmurHash(code: i32): i32 {
  let h = code * 0xcc9e2d51;
  h = rotl<i32>(h, 15);
  h *= 0x1b873593;
  h = rotl<i32>(h, 13);
  h = h * 5 + 0xe6546b64;
  h ^= 4;
  h ^= h >>> 16;
  h *= 0x85ebca6b;
  h ^= h >>> 13;
  h *= 0xc2b2ae35;
  h ^= h >>> 16;
  if (h >= 0) return h;
  return h != i32.MIN_VALUE ? -h : 0;
}

/** Writes the key group of each of `n` f64 keys at `keysPtr` to the i32s at `outPtr`. */
export function keyGroups(keysPtr: usize, n: i32, maxParallelism: i32, outPtr: usize): void {
  for (let i = 0; i < n; i++) {
    const key = load<f64>(keysPtr + (<usize>i << 3));
    store<i32>(outPtr + (<usize>i << 2), murmurHash(javaHashCode(key)) % maxParallelism);
  }
}

/** Linear memory for the caller's arrays: grows the memory to hold `bytes` from offset 0 of the heap. */
export function reserve(bytes: i32): usize {
  const base = (__heap_base + 15) & ~15;
  const needed = <i32>((base + <usize>bytes + 0xffff) >>> 16) - memory.size();
  if (needed > 0) memory.grow(needed);
  return base;
}
