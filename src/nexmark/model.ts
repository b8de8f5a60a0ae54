// The three entities of the Nexmark online auction (nexmark/nexmark `model/Person.java`,
// `Auction.java`, `Bid.java`), as plain objects with a `kind` tag, so one stream carries all three.
// Times are epoch milliseconds (Flink's `Instant`/`TIMESTAMP(3)`).

/** A person who sells and bids (Nexmark's `Person`). */
export interface Person {
  readonly kind: 'person';
  readonly id: number;
  readonly name: string;
  readonly emailAddress: string;
  readonly creditCard: string;
  readonly city: string;
  readonly state: string;
  readonly dateTime: number;
  readonly extra: string;
}

/** An item put up for auction (Nexmark's `Auction`). */
export interface Auction {
  readonly kind: 'auction';
  readonly id: number;
  readonly itemName: string;
  readonly description: string;
  readonly initialBid: number;
  readonly reserve: number;
  readonly dateTime: number;
  /** When the auction closes (epoch ms). */
  readonly expires: number;
  readonly seller: number;
  readonly category: number;
  readonly extra: string;
}

/** A bid on an auction (Nexmark's `Bid`). */
export interface Bid {
  readonly kind: 'bid';
  readonly auction: number;
  readonly bidder: number;
  /** In cents, as in Nexmark (`PriceGenerator`: 10^(6u) · 100, rounded). */
  readonly price: number;
  readonly channel: string;
  readonly url: string;
  readonly dateTime: number;
  readonly extra: string;
}

/** One Nexmark event: a new person, a new auction or a bid. */
export type NexmarkEvent = Person | Auction | Bid;

/** True for bids (Flink's `bid` view: `WHERE event_type = 2`). */
export function isBid(e: NexmarkEvent): e is Bid {
  return e.kind === 'bid';
}

/** True for new auctions (Flink's `auction` view: `WHERE event_type = 1`). */
export function isAuction(e: NexmarkEvent): e is Auction {
  return e.kind === 'auction';
}

/** True for new persons (Flink's `person` view: `WHERE event_type = 0`). */
export function isPerson(e: NexmarkEvent): e is Person {
  return e.kind === 'person';
}
