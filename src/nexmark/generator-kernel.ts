// The generator's column writer in WebAssembly (assembly/nexmark-generator.ts) where it loads, and
// in JavaScript (`fillBatch`, its twin) otherwise: the same events bit for bit. A batch crosses
// the boundary in one call — the kernel writes the columns end to end into its memory and the
// wrapper copies them out in one `slice`, so a batch's columns share one fresh buffer.
import { compileKernel, instantiateKernel } from '../wasm/loader';
import {
  allocateBatch,
  derivedConstants,
  fillBatch,
  generateBatch,
  rowsFor,
  type AuctionColumns,
  type BidColumns,
  type Mutable,
  type MutableBatch,
  type NexmarkBatch,
  type PersonColumns,
} from './columnar';
import type { ResolvedNexmarkConfig } from './config';
import { LEADING_SPACES, LO_SCALE, PRICE_HI, TRAILING_SPACES, seedState } from './random';
import { CHANNELS_NUMBER, HOT_CHANNELS, NAMES, NUM_FIRST_NAMES, NUM_LAST_NAMES, US_CITIES, US_STATES } from './tables';

/** The exports of `assembly/nexmark-generator.ts`. */
interface GeneratorExports {
  readonly memory: WebAssembly.Memory;
  priceTable(): number;
  leadingSpaces(): number;
  trailingSpaces(): number;
  nameLengths(): number;
  cityLengths(): number;
  stateLengths(): number;
  config(): number;
  configure(): void;
  reserve(rows: number): number;
  rowCapacity(): number;
  fill(first: number, count: number, packed: boolean): number;
  fillAt(first: number, count: number, at: number): number;
  fillRows(first: number, count: number, at: number, bidRows: number, personRows: number, auctionRows: number): number;
  filledBytes(): number;
  reserveBytes(bytes: number): number;
  personCount(): number;
  auctionCount(): number;
  lastMaxTime(): number;
}

/**
 * The kernel's URL, made only when it is needed: where a caller hands in a precompiled module
 * (workerd), `import.meta.url` need not be a valid base.
 */
const wasmUrl = (): URL => new URL('../../build/wasm/nexmark-generator.wasm', import.meta.url);

/** Columns of the kernel's event area, in its order: f64 columns, then i32, then the kinds. */
const F64_COLUMNS = 12;
const I32_COLUMNS = 17;

/** Bytes of a row of each group's columns: bids 4 f64 and 3 i32, persons 2 and 10, auctions 6 and 5. */
const BID_ROW_BYTES = 4 * 8 + 3 * 4;
const PERSON_ROW_BYTES = 2 * 8 + 10 * 4;
const AUCTION_ROW_BYTES = 6 * 8 + 5 * 4;
/** The most bytes an event takes in packed columns: an auction's row and its kind. */
const MAX_EVENT_BYTES = AUCTION_ROW_BYTES + 1;

/** Events per call of the object generators' scratch batch. */
export const SCRATCH_EVENTS = 1024;

/** How the generator runs: `wasm: false` is the JavaScript twin; a `WebAssembly.Module` is a precompiled `nexmark-generator.wasm` (workerd). */
export interface NexmarkKernelOptions {
  readonly wasm?: boolean | WebAssembly.Module;
}

/**
 * Writes Nexmark events into columns: `batch` gives fresh columns the caller owns, `scratch`
 * columns valid until the next call (for the object generators, which read them at once).
 *
 * @example
 * const kernel = await NexmarkKernel.load(resolveNexmarkConfig({ seed: 1 }));
 * const batch = kernel.batch(0, 4096); // the same values as generateBatch(config, 0, 4096)
 */
export class NexmarkKernel {
  // The JavaScript twin's scratch batch.
  private jsScratch: MutableBatch | undefined;
  // The ring `reused` writes batches into.
  private ring: ReuseRing | undefined;
  // Views of the kernel's unpacked event area for `scratch`, re-made when the memory grows.
  private viewBuffer: ArrayBuffer | undefined;
  private viewCapacity = 0;
  private view: MutableBatch | undefined;

  private constructor(
    readonly config: ResolvedNexmarkConfig,
    private readonly exports: GeneratorExports | undefined,
  ) {}

  /**
   * A kernel for `config`: WebAssembly unless `wasm: false`. By default, where WebAssembly cannot
   * load, the JavaScript twin; with `wasm: true` or a module, the failure throws.
   */
  static async load(config: ResolvedNexmarkConfig, options: NexmarkKernelOptions = {}): Promise<NexmarkKernel> {
    const wasm = options.wasm;
    if (wasm === false) return NexmarkKernel.js(config);
    try {
      // One compilation per process: every reader's instance then runs the same optimized code
      // (a fresh module per job ran its first batches in V8's baseline tier).
      const module = typeof wasm === 'object' ? wasm : await (compiled ??= compileKernel(wasmUrl));
      const instance = await instantiateKernel(wasmUrl, module);
      return new NexmarkKernel(config, configure(instance.exports as unknown as GeneratorExports, config));
    } catch (error) {
      if (wasm !== undefined) throw error;
      return NexmarkKernel.js(config);
    }
  }

  /** The JavaScript twin, available at once. */
  static js(config: ResolvedNexmarkConfig): NexmarkKernel {
    return new NexmarkKernel(config, undefined);
  }

  get usesWasm(): boolean {
    return this.exports !== undefined;
  }

  /** Events `[first, first + count)` in fresh columns (one buffer per batch). */
  batch(first: number, count: number): NexmarkBatch {
    const x = this.exports;
    if (x === undefined) return generateBatch(this.config, first, count);
    const base = x.reserve(count);
    const bids = x.fill(first, count, true);
    const buffer = x.memory.buffer.slice(base, base + x.filledBytes());
    return packedBatch(buffer, first, count, x.lastMaxTime(), bids, x.personCount(), x.auctionCount());
  }

  /**
   * Events `[first, first + count)` in columns over a ring in the kernel's memory, which later
   * calls overwrite: a batch stays valid for at least `kept` more calls (Flink's object reuse; see
   * `NexmarkColumnarConfig.objectReuse`). No allocation and no copy per batch: each slot of the
   * ring keeps one batch object whose columns have room for the first call's `count` events (so
   * they may be longer than their valid rows). `count` must not exceed the first call's; use no
   * other method of the same kernel.
   */
  reused(first: number, count: number, kept: number): NexmarkBatch {
    const x = this.exports;
    if (x === undefined) return generateBatch(this.config, first, count);
    const ring = (this.ring ??= reuseRing(x, this.config, count, kept));
    if (count > ring.bidRows) throw new RangeError(`nexmark: a batch of ${count} events exceeds the reuse ring (${ring.bidRows})`);
    const slot = ring.next;
    ring.next = slot === ring.batches.length - 1 ? 0 : slot + 1;
    const at = ring.start + slot * ring.slotBytes;
    let bids = x.fillRows(first, count, at, ring.bidRows, ring.personRows, ring.auctionRows);
    let batch: MutableBatch;
    if (bids >= 0) {
      if (ring.buffer !== x.memory.buffer) {
        ring.buffer = x.memory.buffer;
        ring.batches.fill(undefined);
      }
      batch = ring.batches[slot] ??= columnsAt(ring.buffer, at, 0, 0, 0, ring.bidRows, ring.personRows, ring.auctionRows, ring.bidRows);
      batch.bids.length = bids;
      batch.persons.length = x.personCount();
      batch.auctions.length = x.auctionCount();
    } else {
      // More persons or auctions than the slot's columns hold (out of order): packed, in fresh views.
      bids = x.fillAt(first, count, at);
      batch = columnsAt(x.memory.buffer, at, bids, x.personCount(), x.auctionCount(), bids, x.personCount(), x.auctionCount(), count);
    }
    batch.first = first;
    batch.events = count;
    batch.maxTime = x.lastMaxTime();
    return batch;
  }

  /** Events `[first, first + count)` in columns that the next call overwrites. */
  scratch(first: number, count: number): NexmarkBatch {
    const x = this.exports;
    if (x === undefined) {
      const batch = (this.jsScratch ??= allocateBatch(this.config, Math.max(count, SCRATCH_EVENTS)));
      fillBatch(this.config, first, count, batch);
      return batch;
    }
    const base = x.reserve(count);
    const bids = x.fill(first, count, false);
    const view = this.viewOf(base);
    view.first = first;
    view.events = count;
    view.maxTime = x.lastMaxTime();
    view.bids.length = bids;
    view.persons.length = x.personCount();
    view.auctions.length = x.auctionCount();
    return view;
  }

  private viewOf(base: number): MutableBatch {
    const x = this.exports!;
    const capacity = x.rowCapacity();
    if (this.view === undefined || this.viewBuffer !== x.memory.buffer || this.viewCapacity !== capacity) {
      this.viewBuffer = x.memory.buffer;
      this.viewCapacity = capacity;
      this.view = columnsAt(this.viewBuffer, base, 0, 0, 0, capacity, capacity, capacity, capacity);
    }
    return this.view;
  }
}

/** `reused`'s ring: slots of `slotBytes` from `start`, each with its batch of views once made. */
interface ReuseRing {
  readonly start: number;
  readonly slotBytes: number;
  readonly bidRows: number;
  readonly personRows: number;
  readonly auctionRows: number;
  readonly batches: Array<MutableBatch | undefined>;
  buffer: ArrayBuffer | undefined;
  next: number;
}

function reuseRing(x: GeneratorExports, c: ResolvedNexmarkConfig, events: number, kept: number): ReuseRing {
  const bidRows = events;
  const personRows = rowsFor(c, events, c.personProportion);
  const auctionRows = rowsFor(c, events, c.auctionProportion);
  const laidOut = bidRows * BID_ROW_BYTES + personRows * PERSON_ROW_BYTES + auctionRows * AUCTION_ROW_BYTES + bidRows;
  // A slot also holds a batch packed (the fallback): at worst every event an auction.
  const slotBytes = (Math.max(laidOut, events * MAX_EVENT_BYTES) + 7) & ~7;
  const start = x.reserveBytes((kept + 1) * slotBytes);
  return { start, slotBytes, bidRows, personRows, auctionRows, batches: new Array<MutableBatch | undefined>(kept + 1).fill(undefined), buffer: undefined, next: 0 };
}

let warned = false;
let compiled: Promise<WebAssembly.Module> | undefined;

/**
 * The JavaScript twin now, and the WebAssembly kernel once it has loaded: `use` is called with it
 * (not at all with `wasm: false`, or where WebAssembly cannot load — once per process, a warning
 * says so). Sources start at once and switch without a seam: both write the same events.
 */
export function kernelSoon(config: ResolvedNexmarkConfig, options: NexmarkKernelOptions, use: (kernel: NexmarkKernel) => void): NexmarkKernel {
  if (options.wasm !== false) {
    NexmarkKernel.load(config, { wasm: options.wasm ?? true }).then(use, (error: unknown) => {
      if (warned) return;
      warned = true;
      console.warn(`sluice: nexmark: WebAssembly generator unavailable (${(error as Error).message}); using the JavaScript generator (the same events)`);
    });
  }
  return NexmarkKernel.js(config);
}

/** Writes the tables and the configuration into a fresh instance. */
function configure(x: GeneratorExports, c: ResolvedNexmarkConfig): GeneratorExports {
  for (const name of ['priceTable', 'config', 'configure', 'reserve', 'rowCapacity', 'fill', 'fillAt', 'fillRows', 'filledBytes', 'reserveBytes'] as const) {
    if (typeof x[name] !== 'function') throw new TypeError(`The Nexmark generator module does not export ${name}() (is it build/wasm/nexmark-generator.wasm?)`);
  }
  // The first call lays out the tables (and grows the memory, detaching any earlier buffer).
  x.config();
  const lengths = (at: number, strings: readonly string[]): void => {
    new Uint8Array(x.memory.buffer, at, strings.length).set(strings.map((s) => Math.min(255, s.length)));
  };
  new Float64Array(x.memory.buffer, x.priceTable(), PRICE_HI.length).set(PRICE_HI);
  new Uint8Array(x.memory.buffer, x.leadingSpaces(), LEADING_SPACES.length).set(LEADING_SPACES);
  new Uint8Array(x.memory.buffer, x.trailingSpaces(), TRAILING_SPACES.length).set(TRAILING_SPACES);
  lengths(x.nameLengths(), NAMES);
  lengths(x.cityLengths(), US_CITIES);
  lengths(x.stateLengths(), US_STATES);
  const d = derivedConstants(c);
  // The order of the kernel's C_* entries.
  const entries = [
    seedState(c.seed),
    c.firstEventId,
    c.firstEventNumber,
    c.outOfOrderGroupSize,
    c.interEventDelayUs,
    c.baseTime,
    c.totalProportion,
    c.personProportion,
    c.auctionProportion,
    c.numInFlightAuctions,
    c.numActivePeople,
    d.hotAuctionFrom,
    d.hotBidderFrom,
    d.bidExtraMin,
    d.bidExtraSpan,
    c.hotSellersRatio,
    c.avgPersonByteSize,
    c.avgAuctionByteSize,
    d.eventsForAuctions,
    LO_SCALE,
    NUM_FIRST_NAMES,
    NUM_LAST_NAMES,
    US_CITIES.length,
    US_STATES.length,
    HOT_CHANNELS.length,
    CHANNELS_NUMBER,
  ];
  new Float64Array(x.memory.buffer, x.config(), entries.length).set(entries);
  x.configure();
  return x;
}

/**
 * A batch over `buffer` from byte `base`: columns of `rows` rows each, laid out as the kernel's
 * event area (f64 columns of bids, persons, auctions; then their i32 columns; then the kinds),
 * with `nb`, `np`, `na` valid rows.
 */
function columnsAt(buffer: ArrayBuffer, base: number, nb: number, np: number, na: number, bidRows: number, personRows: number, auctionRows: number, kindRows: number): MutableBatch {
  const f64Rows = [bidRows, bidRows, bidRows, bidRows, personRows, personRows, auctionRows, auctionRows, auctionRows, auctionRows, auctionRows, auctionRows];
  const at: number[] = [];
  let to = base;
  for (let c = 0; c < F64_COLUMNS; c++) {
    at.push(to);
    to += f64Rows[c]! * 8;
  }
  for (let c = 0; c < I32_COLUMNS; c++) {
    at.push(to);
    to += (c < 3 ? bidRows : c < 12 ? personRows : auctionRows) * 4;
  }
  const kinds = new Uint8Array(buffer, to, kindRows);
  const f = (c: number, rows: number): Float64Array => new Float64Array(buffer, at[c]!, rows);
  const i = (c: number, rows: number): Int32Array => new Int32Array(buffer, at[F64_COLUMNS + c]!, rows);
  const u = (c: number, rows: number): Uint32Array => new Uint32Array(buffer, at[F64_COLUMNS + c]!, rows);
  // Property order as allocateBidColumns etc.: the same object shapes as the JavaScript twin's.
  const bids: Mutable<BidColumns> = {
    length: nb,
    auction: f(0, bidRows),
    bidder: f(1, bidRows),
    price: f(2, bidRows),
    dateTime: f(3, bidRows),
    channel: i(0, bidRows),
    extraOffset: i(1, bidRows),
    extraLength: i(2, bidRows),
  };
  const persons: Mutable<PersonColumns> = {
    length: np,
    id: f(4, personRows),
    dateTime: f(5, personRows),
    name: i(3, personRows),
    emailUser: u(4, personRows),
    emailDomain: u(5, personRows),
    creditCardHigh: i(6, personRows),
    creditCardLow: i(7, personRows),
    city: i(8, personRows),
    state: i(9, personRows),
    extraOffset: i(10, personRows),
    extraLength: i(11, personRows),
  };
  const auctions: Mutable<AuctionColumns> = {
    length: na,
    id: f(6, auctionRows),
    dateTime: f(7, auctionRows),
    expires: f(8, auctionRows),
    seller: f(9, auctionRows),
    initialBid: f(10, auctionRows),
    reserve: f(11, auctionRows),
    category: i(12, auctionRows),
    itemName: u(13, auctionRows),
    description: u(14, auctionRows),
    extraOffset: i(15, auctionRows),
    extraLength: i(16, auctionRows),
  };
  return { first: 0, events: 0, maxTime: Number.NEGATIVE_INFINITY, kinds, bids, persons, auctions };
}

function packedBatch(buffer: ArrayBuffer, first: number, events: number, maxTime: number, nb: number, np: number, na: number): NexmarkBatch {
  const batch = columnsAt(buffer, 0, nb, np, na, nb, np, na, events);
  batch.first = first;
  batch.events = events;
  batch.maxTime = maxTime;
  return batch;
}
