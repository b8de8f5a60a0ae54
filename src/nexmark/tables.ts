// Fixed tables of the generator: names, places, channels and their URLs (nexmark/nexmark
// `model/PersonGenerator`, `BidGenerator`). Events store indices into them.
import { TEXT, pick16, word } from './random';

/** `BidGenerator`: half the bids come through one of 4 hot channels, the rest through one of 10 000. */
export const HOT_CHANNELS_RATIO = 2;
export const CHANNELS_NUMBER = 10_000;
export const HOT_CHANNELS = ['Google', 'Facebook', 'Baidu', 'Apple'] as const;

export const US_STATES: readonly string[] = ['AZ', 'CA', 'ID', 'OR', 'WA', 'WY'];
export const US_CITIES: readonly string[] = ['Phoenix', 'Los Angeles', 'San Francisco', 'Boise', 'Portland', 'Bend', 'Redmond', 'Seattle', 'Kent', 'Cheyenne'];
const FIRST_NAMES = ['Peter', 'Paul', 'Luke', 'John', 'Saul', 'Vicky', 'Kate', 'Julie', 'Sarah', 'Deiter', 'Walter'];
const LAST_NAMES = ['Shultz', 'Abrams', 'Spencer', 'White', 'Bartels', 'Walton', 'Smith', 'Jones', 'Noris'];
export const NUM_FIRST_NAMES = FIRST_NAMES.length;
export const NUM_LAST_NAMES = LAST_NAMES.length;

/** Every "first last" name, index `first · NUM_LAST_NAMES + last`. */
export const NAMES: readonly string[] = FIRST_NAMES.flatMap((f) => LAST_NAMES.map((l) => `${f} ${l}`));

/** Java's `Integer.reverse` (bit reversal of a 32-bit int), then `Math.abs`. */
function reverseBitsAbs(n: number): number {
  let x = n >>> 0;
  let r = 0;
  for (let i = 0; i < 32; i++) {
    r = (r << 1) | (x & 1);
    x >>>= 1;
  }
  return Math.abs(r | 0);
}

let channelNames: string[] | undefined;
let channelUrls: string[] | undefined;

function buildChannels(): void {
  const names: string[] = [];
  const urls: string[] = [];
  // Deterministic draws for the URL parts (Flink's use a fresh unseeded Random each).
  let k = 0;
  const h = 0x0c4a_11e1;
  const part = (): string => {
    // nextString(random, 5, '_'): underscores where nextString has spaces, nothing trimmed.
    const u = word(h, ++k);
    const len = 3 + pick16(u & 0xffff, 2);
    const at = pick16(u >>> 16, 65536 - len);
    return TEXT.slice(at, at + len).replace(/ /g, '_');
  };
  const baseUrl = (): string => `https://www.nexmark.com/${part()}/${part()}/${part()}/item.htm?query=1`;
  for (let i = 0; i < HOT_CHANNELS.length; i++) {
    names.push(HOT_CHANNELS[i]!);
    urls.push(baseUrl());
  }
  for (let n = 0; n < CHANNELS_NUMBER; n++) {
    names.push(`channel-${n}`);
    let url = baseUrl();
    // Nine channels in ten carry their id in the URL (q21 extracts it).
    if (pick16(word(h, ++k) & 0xffff, 10) > 0) url += `&channel_id=${reverseBitsAbs(n)}`;
    urls.push(url);
  }
  channelNames = names;
  channelUrls = urls;
}

/** Every channel name, by channel index (0–3 the hot channels, 4 + n `channel-n`). */
export function channelNameTable(): readonly string[] {
  if (channelNames === undefined) buildChannels();
  return channelNames!;
}

/** Every channel URL, by channel index. */
export function channelUrlTable(): readonly string[] {
  if (channelUrls === undefined) buildChannels();
  return channelUrls!;
}

/** The name of channel index `i` (0–3 a hot channel, 4 + n `channel-n`). */
export function channelName(i: number): string {
  return channelNameTable()[i]!;
}

/** The URL of channel index `i`. */
export function channelUrl(i: number): string {
  return channelUrlTable()[i]!;
}
