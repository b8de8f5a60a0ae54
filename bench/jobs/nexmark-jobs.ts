// The Nexmark queries of bench/nexmark.ts as a job module, for `--parallelism P` on `nodeWorkers()`
// (closures cannot cross postMessage; every worker imports this module and builds the same job).
// Each worker's sink subtask adds the rows it receives into a digest and, at the end of its input,
// posts it on a BroadcastChannel to the benchmark, which adds the subtasks' digests up — so the
// rows stay on the worker that computed them, as they would with a real sink.
import { defineJob, nexmark, nexmarkColumnar, type Batch } from '../../src/index';
import { COLUMNAR, QUERIES, addColumns, addRow, reusesBatches, type Digest, type OutColumns } from '../nexmark-queries';

export interface NexmarkJobParams {
  readonly query: string;
  readonly variant: 'sluice' | 'columnar';
  readonly events: number;
  readonly seed: number;
  /** Tags this run's digests on the channel. */
  readonly run: string;
}

/** A subtask's digest, as posted on DIGEST_CHANNEL. */
export interface DigestMessage extends Digest {
  readonly run: string;
}

export const DIGEST_CHANNEL = 'sluice-bench-nexmark-digests';

export default defineJob((env, p: NexmarkJobParams) => {
  const config = { events: p.events, seed: p.seed };
  const digest: Digest = { rows: 0, sum: 0 };
  const finish = (): void => {
    const channel = new BroadcastChannel(DIGEST_CHANNEL);
    channel.postMessage({ run: p.run, rows: digest.rows, sum: digest.sum } satisfies DigestMessage);
    channel.close();
  };
  const columnar = COLUMNAR[p.query];
  if (p.variant === 'columnar' && columnar?.out === 'columns') {
    // As in place: object reuse where batches only pass through map into the sink.
    columnar.query(nexmarkColumnar({ ...config, objectReuse: true }, env)).sinkTo({
      name: 'digest',
      parallel: true,
      write: (batch: Batch<OutColumns>) => {
        for (let i = 0; i < batch.length; i++) addColumns(digest, batch.values[i]!);
      },
      finish,
    });
    return;
  }
  const rows =
    p.variant === 'columnar' && columnar !== undefined
      ? columnar.query(nexmarkColumnar({ ...config, objectReuse: reusesBatches(columnar) }, env))
      : QUERIES[p.query]!(nexmark(config, env));
  rows.sinkTo({
    name: 'digest',
    parallel: true,
    write: (batch: Batch<unknown>) => {
      for (let i = 0; i < batch.length; i++) addRow(digest, batch.values[i]);
    },
    finish,
  });
});
