// Deterministic draws for the generator. Every event has its own stream, keyed by the configured
// seed and the event's id: any event can be generated alone (replay from a position, splitting
// among subtasks, references in tests) and the same seed gives the same events.
//
// The stream is mulberry32 (32-bit state, Math.imul): `eventHash` is its starting state (itself
// output number `eventId` of a stream keyed by the seed), and `word(h, k)` its k-th output,
// computed directly from the state `h + k · 0x6d2b79f5` — so draws
// are pure functions of (seed, event id, k), with no shared state, and inline into the generator's
// loops. Small choices (a hot auction or not, a name out of eleven) take 16 bits of a word each:
// `pick16(bits, n)` is uniform to within n / 2^16. Values differ from the Flink suite's
// (`java.util.Random`) bit for bit; the distributions are the suite's.

/** Mixes the seed once (a murmur3 finalizer): the base state of `eventHash`. */
export function seedState(seed: number): number {
  let h = Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * The starting state of event `eventId`'s draws: output number `eventId` of the mulberry32 stream
 * that starts at `seedState(seed)` (ids from 2^32 on also mix in their high part).
 */
export function eventHash(base: number, eventId: number): number {
  const hi = eventId < 4294967296 ? 0 : Math.floor(eventId / 4294967296);
  return word(base ^ Math.imul(hi, 0x27d4eb2f), eventId >>> 0);
}

/** The k-th (k ≥ 1) uniform unsigned 32-bit draw of the stream that starts at state `h`. */
export function word(h: number, k: number): number {
  const s = (h + Math.imul(k, 0x6d2b79f5)) | 0;
  let t = Math.imul(s ^ (s >>> 15), 1 | s);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return (t ^ (t >>> 14)) >>> 0;
}

/** A uniform integer in [0, bound) from a 32-bit draw (Java's `nextInt(bound)`). */
export function below(u32: number, bound: number): number {
  return Math.floor((u32 / 4294967296) * bound);
}

/** A uniform integer in [0, n) from 16 random bits (uniform to within n / 65 536). */
export function pick16(bits16: number, n: number): number {
  return Math.floor((bits16 * n) / 65536);
}

// 10^(6u) for u = x / 2^32 is 10^(6·hi/2^10) · 10^(6·lo/2^32) for x = hi·2^22 + lo: a look-up in an
// 8 KB table (it stays in L1 next to the columns being written) times a short series (e^y for
// y < 0.0135 to the fourth power; relative error < 4e-12), instead of Math.pow, which costs more
// than all the rest of a bid.
/** @internal The table of 10^(6·hi/2^10) · 100; the WebAssembly generator gets a copy (Math.pow's doubles). */
export const PRICE_HI = Float64Array.from({ length: 1 << 10 }, (_, i) => Math.pow(10, (6 * i) / 1024) * 100);
/** @internal */
export const LO_SCALE = (6 * Math.LN10) / 4294967296;

/** Nexmark's `PriceGenerator.nextPrice` from a 32-bit draw: round(10^(6u) · 100) cents — $1 to $1M, log-uniform. */
export function price(u32: number): number {
  const y = (u32 & 0x3fffff) * LO_SCALE;
  return Math.floor(PRICE_HI[u32 >>> 22]! * (1 + y * (1 + y * (0.5 + y * (1 / 6 + y / 24)))) + 0.5);
}

// ---------------------------------------------------------------------------------------------
// Strings. Nexmark builds each random string character by character; here every string is a
// slice of a fixed pool of random text, with the length drawn as Nexmark draws it, so the
// generator stores an offset and a length, and a string exists only when an event object is made
// (V8 represents a slice of 13 or more characters as a view on the pool: no copying).
// ---------------------------------------------------------------------------------------------

export const POOL_LENGTH = 1 << 16;

function makePool(seed: number, withSpaces: boolean): string {
  const codes = new Array<number>(POOL_LENGTH);
  for (let i = 0; i < POOL_LENGTH; i++) {
    const u = word(seed, i + 1) / 4294967296;
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

// Spaces starting at each position of TEXT and ending just before it: `nextString` trims its
// result, and the trimmed length counts towards the event's size (and so its `extra`).
/** @internal Also copied into the WebAssembly generator. */
export const LEADING_SPACES = new Uint8Array(POOL_LENGTH + 1);
/** @internal */
export const TRAILING_SPACES = new Uint8Array(POOL_LENGTH + 1);
for (let i = POOL_LENGTH - 1; i >= 0; i--) LEADING_SPACES[i] = TEXT.charCodeAt(i) === 32 ? Math.min(255, LEADING_SPACES[i + 1]! + 1) : 0;
for (let i = 1; i <= POOL_LENGTH; i++) TRAILING_SPACES[i] = TEXT.charCodeAt(i - 1) === 32 ? Math.min(255, TRAILING_SPACES[i - 1]! + 1) : 0;

/**
 * Nexmark's `nextString(maxLength)` from one 32-bit draw: 3 to maxLength − 1 characters of TEXT,
 * trimmed. Returns the slice packed as `offset · 2^16 + length` (see `textOf`).
 */
export function textSlice(u32: number, maxLength: number): number {
  const len = 3 + pick16(u32 & 0xffff, maxLength - 3);
  let at = pick16(u32 >>> 16, POOL_LENGTH - len);
  let end = at + len;
  at += LEADING_SPACES[at]!;
  if (at >= end) return at * 65536;
  end -= TRAILING_SPACES[end]!;
  return at * 65536 + (end - at);
}

/** The string of a packed `textSlice`. */
export function textOf(packed: number): string {
  const at = Math.floor(packed / 65536);
  return TEXT.slice(at, at + (packed & 0xffff));
}

/**
 * Nexmark's `nextExtra`: a length such that `currentSize + length` averages `desiredAverageSize`
 * (uniform within ±20 % of the padding), from 16 random bits.
 */
export function extraLength(bits16: number, currentSize: number, desiredAverageSize: number): number {
  if (currentSize > desiredAverageSize) return 0;
  const desired = desiredAverageSize - currentSize;
  const delta = Math.round(desired * 0.2);
  return desired - delta + (delta === 0 ? 0 : pick16(bits16, 2 * delta));
}

/** Where an `extra` of `length` letters starts in LETTERS (Nexmark's `nextExactString`), from 16 random bits. */
export function extraOffset(bits16: number, length: number): number {
  return pick16(bits16, POOL_LENGTH - Math.min(length, POOL_LENGTH));
}

/** A string of `length` letters starting at `offset` of `LETTERS`. */
export function letters(offset: number, length: number): string {
  return length === 0 ? '' : LETTERS.slice(offset, offset + length);
}
