// A page that runs an exactly-once keyed-window job checkpointing to IndexedDB. Reloaded mid-run,
// it resumes from its latest checkpoint and commits exactly the failure-free output. Driven by
// test/node/browser-reload.node.test.ts; `?reset` deletes both databases first (a fresh run).
import {
  IndexedDBCheckpointStorage,
  StreamEnvironment,
  ValueStateDescriptor,
  aggregate,
  count,
  keyBy,
  process,
  sum,
  tap,
  tumbling,
  watermarks,
  window as windowBy,
  type ValueState,
} from '../../../src/index';
import { IndexedDBSink } from '../../../src/io/indexeddb-sink';

const CHECKPOINTS_DB = 'reload-chk';
const OUTPUT_DB = 'reload-out';
/** Records in the job, and how fast the source emits them. */
const COUNT = 3000;
const EVENTS_PER_SECOND = 3000;

/** What the page exposes to the test on `window`. */
interface ReloadPageState {
  /** The absolute position of the source: how many records have been generated (replays included). */
  __progress: number;
  /** Records processed by this page (since it loaded). */
  __seen: number;
  /** Checkpoints completed by this page. */
  __checkpoints: number;
  /** The checkpoint this page restored from (0: none), and how many records were committed then. */
  __restoredFrom: number;
  __committedAtStart: number;
  __done: boolean;
  __error: string | undefined;
  __readCommitted: () => Promise<string[]>;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Window extends ReloadPageState {}
}

interface Event {
  readonly key: string;
  readonly ts: number;
  readonly v: number;
}

/** Counts completed checkpoints: the job retains after each checkpoint completes. */
class CountingStorage extends IndexedDBCheckpointStorage {
  override async retain(n?: number): Promise<void> {
    await super.retain(n);
    window.__checkpoints++;
  }
}

const status = document.getElementById('status')!;
const show = (text: string) => (status.textContent = text);

async function main(): Promise<void> {
  Object.assign(window, {
    __progress: 0,
    __seen: 0,
    __checkpoints: 0,
    __restoredFrom: 0,
    __committedAtStart: 0,
    __done: false,
    __error: undefined,
    __readCommitted: () => IndexedDBSink.readCommitted<string>(OUTPUT_DB),
  } satisfies ReloadPageState);

  const url = new URL(location.href);
  if (url.searchParams.has('reset')) {
    await IndexedDBSink.deleteDatabase(CHECKPOINTS_DB);
    await IndexedDBSink.deleteDatabase(OUTPUT_DB);
    // A reload from here on resumes rather than resets.
    url.searchParams.delete('reset');
    history.replaceState(null, '', url);
  }

  const storage = new CountingStorage(CHECKPOINTS_DB);
  window.__restoredFrom = (await storage.latest())?.metadata.checkpointId ?? 0;
  window.__committedAtStart = (await IndexedDBSink.readCommitted(OUTPUT_DB)).length;
  show(`restoring from checkpoint ${window.__restoredFrom}, ${window.__committedAtStart} records committed`);

  const env = new StreamEnvironment({
    checkpoint: { interval: 50, storage },
    restoreFrom: storage, // resumes from its latest checkpoint, if any
  });
  const totals = new ValueStateDescriptor<number>('total', { defaultValue: 0 });
  let total!: ValueState<number>;
  env
    .fromGenerator(
      (i): Event => {
        window.__progress = i + 1;
        return { key: `k${(i * 7) % 5}`, ts: i * 10, v: (i * 31) % 13 };
      },
      { count: COUNT, eventsPerSecond: EVENTS_PER_SECOND },
    )
    .pipe(
      tap(() => void window.__seen++),
      watermarks({ timestamp: (e) => e.ts, outOfOrderness: 0 }, { uid: 'time' }),
      keyBy((e) => e.key),
      windowBy(tumbling(500)),
      aggregate({ n: count(), sum: sum((e) => e.v) }, { uid: 'windows' }),
      keyBy((r) => String(r.key)),
      process<{ key: string; start: number; n: number; sum: number }, string, string>(
        {
          open(rc) {
            total = rc.getState(totals);
          },
          processElement(r, ctx, out) {
            total.update(total.value()! + r.sum);
            out.collect(`${ctx.getCurrentKey()}@${r.start}: n=${r.n} sum=${r.sum} total=${total.value()}`);
          },
        },
        { uid: 'running-total' },
      ),
    )
    .sinkTo(new IndexedDBSink<string>(OUTPUT_DB));

  const job = await env.execute('reload');
  const ticker = setInterval(() => show(`running: position ${window.__progress}/${COUNT}, ${window.__checkpoints} checkpoints`), 100);
  try {
    const result = await job.done;
    show(`${result.status}: ${window.__checkpoints} checkpoints`);
    window.__done = true;
  } finally {
    clearInterval(ticker);
  }
}

main().catch((error: unknown) => {
  window.__error = error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : String(error);
  show(`failed: ${window.__error}`);
});
