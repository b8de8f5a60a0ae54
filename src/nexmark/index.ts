// Nexmark: the generator (objects and columns), its source, and queries q0–q22.
export { isAuction, isBid, isPerson, type Auction, type Bid, type NexmarkEvent, type Person } from './model';
export {
  resolveNexmarkConfig,
  maxOutOfOrderness,
  FIRST_AUCTION_ID,
  FIRST_CATEGORY_ID,
  FIRST_PERSON_ID,
  DEFAULT_BASE_TIME,
  type NexmarkConfig,
  type ResolvedNexmarkConfig,
} from './config';
export { generateEvent, forEachEvent, EventGenerator, bidAt, bidExtra, personAt, auctionAt } from './generator';
export { channelName, channelUrl, CHANNELS_NUMBER, HOT_CHANNELS } from './tables';
export { generateBatch, type AuctionColumns, type BidColumns, type NexmarkBatch, type PersonColumns } from './columnar';
export { nexmark, nexmarkColumnar, nexmarkSource, nexmarkColumnarSource, type NexmarkColumnarConfig, type NexmarkSourceOptions, REUSED_BATCHES_KEPT } from './source';
export { NexmarkKernel, type NexmarkKernelOptions } from './generator-kernel';
export * from './queries/index';
