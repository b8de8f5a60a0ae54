// Deterministic draws for the generator. Every event draws from its own stream, seeded by the
// configured seed and the event's id: any event can be generated alone (replay from a position,
// splitting among subtasks, references in tests) and the same seed gives the same events.
//
// The draws are mulberry32 (32-bit state), not Java's `java.util.Random`, so values differ from
// the Flink suite's bit for bit; distributions follow its generator. The state is module-level on
// purpose: generating an event is synchronous, and no closure or object is allocated per event.

let state = 0;

/** Starts the draws of event `eventId` under `seed`. */
export function seedEvent(seed: number, eventId: number): void {
  const lo = eventId >>> 0;
  const hi = Math.floor(eventId / 4294967296) >>> 0;
  let h = Math.imul(lo ^ Math.imul(seed, 0x9e3779b1), 0x85ebca6b);
  h ^= Math.imul((hi + 0x165667b1) | 0, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  state = h ^ (h >>> 16);
}

/** A uniform unsigned 32-bit integer. */
export function nextU32(): number {
  state = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(state ^ (state >>> 15), 1 | state);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return (t ^ (t >>> 14)) >>> 0;
}

/** A uniform double in [0, 1). */
export function nextDouble(): number {
  return nextU32() / 4294967296;
}

/** A uniform integer in [0, bound) (Java's `nextInt(bound)`, and `LongGenerator.nextLong`). */
export function nextInt(bound: number): number {
  return Math.floor(nextDouble() * bound);
}

// 10^(6u) for u = x / 2^32 is 10^(6·hi/2^12) · 10^(6·lo/2^32) for x = hi·2^20 + lo: a look-up in a
// 32 KB table times a short series (10^ε for ε < 0.0015; relative error < 1e-11), instead of
// Math.pow, which costs more than all the rest of a bid.
const PRICE_HI = Float64Array.from({ length: 1 << 12 }, (_, i) => Math.pow(10, (6 * i) / 4096) * 100);
const LO_SCALE = (6 * Math.LN10) / 4294967296;

/** Nexmark's `PriceGenerator.nextPrice`: round(10^(6u) · 100) cents — $1 to $1M, log-uniform. */
export function nextPrice(): number {
  const x = nextU32();
  const y = (x & 0xfffff) * LO_SCALE;
  return Math.round(PRICE_HI[x >>> 20]! * (1 + y * (1 + y * (0.5 + y / 6))));
}

// ---------------------------------------------------------------------------------------------
// Strings. Nexmark builds each random string character by character; here every string is a
// slice of a fixed pool of random text, with the length drawn exactly as Nexmark draws it. V8
// represents a slice of 13 or more characters as a view on the pool, so a bid's ~68-character
// `extra` costs one small allocation and no copying.
// ---------------------------------------------------------------------------------------------

const POOL_LENGTH = 1 << 16;

function makePool(seed: number, withSpaces: boolean): string {
  let s = seed | 0;
  const codes = new Array<number>(POOL_LENGTH);
  for (let i = 0; i < POOL_LENGTH; i++) {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    // Nexmark's nextString: a space one time in 13, else a letter a–z.
    if (withSpaces) codes[i] = u < 1 / 13 ? 32 : 97 + Math.floor(((u - 1 / 13) * 13 * 26) / 12);
    else codes[i] = 97 + Math.floor(u * 26);
  }
  let out = '';
  for (let i = 0; i < POOL_LENGTH; i += 4096) out += String.fromCharCode(...codes.slice(i, i + 4096));
  return out;
}

/** Letters a–z: the source of `extra` (Nexmark's `nextExactString`). */
export const LETTERS = makePool(0x5eed_0001, false);
/** Letters with one space in 13: the source of names, descriptions, e-mail parts (`nextString`). */
export const TEXT = makePool(0x5eed_0002, true);

/** Nexmark's `nextString(maxLength)`: 3 to maxLength − 1 characters, trimmed. */
export function nextString(maxLength: number): string {
  return nextUntrimmedString(maxLength).trim();
}

/** 3 to maxLength − 1 characters of letters and spaces (`nextString` before its trim). */
export function nextUntrimmedString(maxLength: number): string {
  const len = 3 + nextInt(maxLength - 3);
  const at = nextInt(POOL_LENGTH - len);
  return TEXT.slice(at, at + len);
}

/** Nexmark's `nextExactString(length)`, as an offset into `LETTERS`. */
export function nextLettersOffset(length: number): number {
  return nextInt(POOL_LENGTH - length);
}

/**
 * Nexmark's `nextExtra`: a length such that `currentSize + length` averages `desiredAverageSize`
 * (uniform within ±20 % of the padding).
 */
export function nextExtraLength(currentSize: number, desiredAverageSize: number): number {
  if (currentSize > desiredAverageSize) return 0;
  const desired = desiredAverageSize - currentSize;
  const delta = Math.round(desired * 0.2);
  const minSize = desired - delta;
  return minSize + (delta === 0 ? 0 : nextInt(2 * delta));
}

/** A string of `length` letters starting at `offset` of `LETTERS`. */
export function letters(offset: number, length: number): string {
  return length === 0 ? '' : LETTERS.slice(offset, offset + length);
}
