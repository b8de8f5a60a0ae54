export { withEventTime, DEFAULT_OUT_OF_ORDERNESS, type NexmarkQueryOptions } from './common';
export { q0, type BidRow } from './q0';
export { q1, EUROS_PER_DOLLAR } from './q1';
export { q2, q2Selects, type Q2Row } from './q2';
export { q3, type Q3Row } from './q3';
export { q4, type Q4Row } from './q4';
export { q5, type Q5Row } from './q5';
export { q7 } from './q7';
export { q8, type Q8Row } from './q8';
export { q9, winningBids, type WinningBid } from './q9';
export { q11, type Q11Row } from './q11';
export { q12 } from './q12';
export { q14, BID_TIME_TYPES, type Q14Row } from './q14';
export { q15, type Q15Row, type RankStats } from './q15';
export { q16, type Q16Row } from './q16';
export { q17, type Q17Row } from './q17';
export { q18 } from './q18';
export { q19, type Q19Row } from './q19';
export { q20, type Q20Row } from './q20';
export { q21, type Q21Row } from './q21';
export { q22, type Q22Row } from './q22';
export { q0Columnar, q1Columnar, q2Columnar, type Q1ColumnarOptions, type Q2Columns } from './columnar';
export { q5Columnar, q7Columnar, withBatchEventTime } from './columnar-windows';
export { q15Columnar, q16Columnar } from './columnar-daily';
export { q17Columnar, q19Columnar, q19Replay, type Q19Columns } from './columnar-q17-q19';
export { q18Columnar } from './columnar-q18';
export { q3Columnar, q8Columnar } from './columnar-joins';
export { q4Columnar } from './columnar-q4';
export {
  q14Columnar,
  q14RowAt,
  q21Columnar,
  q21RowAt,
  q21ChannelIds,
  q22Columnar,
  q22RowAt,
  q22Directories,
  type Q14Columns,
  type Q21Columns,
  type Q22Columns,
  type Q22Directories,
  type StatelessColumnarOptions,
} from './columnar-stateless';
