import type { CodecKernel } from '../codec/codec-kernel';
import type { LocalExecutor } from '../runtime/local-executor';
import type { OperatorNode } from '../runtime/operator-node';
import type { InputTarget } from '../runtime/operator-output';
import type { Batch, CheckpointBarrier, Timestamp } from '../types';
import { channelOf, edgesOf, type PlannedEdge } from './execution-plan';
import type { ChannelId, DataMessage } from './protocol';
import { decodeWireRecords, encodeWireRecords } from './wire-codec';

/**
 * One worker's end of the data plane: a `MessagePort` to every other worker, carrying the
 * channels between subtasks placed on different workers.
 *
 * Credit-based flow control (Flink's, since 1.5): a consumer grants each channel `credits` batches
 * up front and one more each time it has processed a batch — but only while its own outputs have
 * room, so a slow sink holds back every worker up to the source. A producer without credit queues
 * the message and stops its task from reading input (`LocalExecutor.backpressure`) until credit
 * returns; watermarks, barriers and the end of input queue behind batches, never overtake them.
 */
export class DataPlane {
  private readonly edges: PlannedEdge[];
  private readonly senders = new Map<string, RemoteChannel>();
  /** Credits owed to producers, held back while the consumer's outputs are blocked. */
  private owed: Array<{ port: MessagePort; id: ChannelId; node: InputTarget }> = [];

  constructor(
    private readonly executor: LocalExecutor,
    private readonly peers: ReadonlyArray<MessagePort | undefined>,
    private readonly placement: (vertexIndex: number, subtask: number) => number,
    private readonly credits: number,
    private readonly capacity: number,
    /** The codec's kernel: WebAssembly where it loads. */
    private readonly kernel: CodecKernel,
  ) {
    this.edges = edgesOf(executor.executionPlan);
    executor.onWritable = () => this.payOwed();
    executor.onStepEnd = () => this.flush();
  }

  /** Stops every channel's pending send (the attempt is over). */
  close(): void {
    for (const s of this.senders.values()) s.close();
  }

  /** Sends what every channel has gathered (after each step of work). */
  flush(): void {
    for (const s of this.senders.values()) s.flush();
  }

  /** The sending end of a channel whose consumer runs on another worker. */
  target(edge: PlannedEdge, producer: number, consumer: number): InputTarget {
    const id: ChannelId = { edge: this.edges.indexOf(edge), producer, consumer };
    const port = this.peers[this.placement(edge.to.index, consumer)]!;
    const channel = new RemoteChannel(port, id, this.credits, this.executor, `${edge.from.vertex.name} -> ${edge.to.vertex.name}`, this.capacity, this.kernel);
    this.senders.set(key(id), channel);
    return channel;
  }

  /** Starts receiving from every peer. */
  listen(): void {
    for (const port of this.peers) {
      if (port === undefined) continue;
      port.addEventListener('message', (e: MessageEvent<DataMessage>) => this.receive(port, e.data));
      port.start();
    }
  }

  /** Bytes of records sent to other workers so far (encoded records and timestamps). */
  get bytesSent(): number {
    let n = 0;
    for (const s of this.senders.values()) n += s.bytesSent;
    return n;
  }

  /** Batches sent and not yet granted back, over all channels (the memory the exchange holds). */
  get inFlight(): number {
    let n = 0;
    for (const s of this.senders.values()) n += s.inFlight;
    return n;
  }

  /**
   * Pays the credits whose consumer can move its input on. Only the consumer's own downstream
   * counts (its sinks' writes, its channels' credit) — not other subtasks on this worker: a
   * worker-wide rule would let two workers wait on each other's credit forever.
   */
  payOwed(): void {
    this.drain();
    if (this.owed.length === 0) return;
    const still: typeof this.owed = [];
    for (const entry of this.owed) {
      if (entry.node.blocked?.() === true) still.push(entry);
      else entry.port.postMessage({ t: 'credit', ...entry.id, credits: 1 } satisfies DataMessage);
    }
    this.owed = still;
  }

  private receive(port: MessagePort, m: DataMessage): void {
    if (m.t === 'credit') {
      this.senders.get(key(m))?.grant(m.credits);
      this.payOwed();
      return;
    }
    const edge = this.edges[m.edge]!;
    const node = this.executor.nodeAt(edge.to.index, m.consumer);
    if (node === undefined) return; // the attempt is being torn down
    const inbox = this.inboxes.get(node);
    if (inbox === undefined) this.inboxes.set(node, [{ port, m }]);
    else inbox.push({ port, m });
    this.drain();
  }

  /**
   * Input waiting for a consumer that cannot take it yet (a sink still writing, an outgoing channel
   * without credit), as Flink's input channels hold the buffers a blocked task has not read. At
   * most the credits granted per channel wait here.
   */
  private readonly inboxes = new Map<OperatorNode, Array<{ port: MessagePort; m: Exclude<DataMessage, { t: 'credit' }> }>>();

  private draining = false;

  /** Hands waiting input, in arrival order per consumer, to every consumer that can take it. */
  private drain(): void {
    if (this.draining) return; // the loop below picks up what its own deliveries unblock
    this.draining = true;
    try {
      let progress = true;
      while (progress) {
        progress = false;
        for (const [node, inbox] of this.inboxes) {
          while (inbox.length > 0 && !node.blocked()) {
            const { port, m } = inbox.shift()!;
            this.executor.deliver(() => this.handle(port, node, m));
            progress = true;
          }
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private handle(port: MessagePort, node: OperatorNode, m: Exclude<DataMessage, { t: 'credit' }>): void {
    const edge = this.edges[m.edge]!;
    const channel = channelOf(edge, m.producer, m.consumer);
    switch (m.t) {
      case 'batch': {
        const values = decodeWireRecords(m.format, m.records, `${edge.from.vertex.name} -> ${edge.to.vertex.name}`, this.kernel);
        const timestamps = new Float64Array(m.timestamps);
        const marks = new Float64Array(m.marks);
        // Records up to each watermark's place, then the watermark, then the rest.
        let from = 0;
        for (let i = 0; i <= marks.length; i += 2) {
          const to = i < marks.length ? marks[i]! : m.length;
          if (to > from) {
            const part = from === 0 && to === m.length ? values : values.slice(from, to);
            node.processBatch({ values: part, timestamps: timestamps.subarray(from, to), length: to - from }, channel);
          }
          if (i < marks.length) node.processWatermark(marks[i + 1]!, channel);
          from = to;
        }
        this.owed.push({ port, id: { edge: m.edge, producer: m.producer, consumer: m.consumer }, node });
        this.payOwed();
        break;
      }
      case 'watermark':
        node.processWatermark(m.watermark, channel);
        break;
      case 'idle':
        node.processIdle(m.idle, channel);
        break;
      case 'barrier':
        node.processBarrier({ checkpointId: m.checkpointId, timestamp: m.timestamp }, channel);
        break;
      case 'end':
        node.endInput(channel);
        break;
    }
  }
}

function key(id: ChannelId): string {
  return `${id.edge}/${id.producer}/${id.consumer}`;
}

/**
 * How long a buffer holding only watermarks waits for records to travel with (Flink's buffer
 * timeout, `execution.buffer-timeout`, is 100 ms). Without it, a channel that carries few records —
 * after pre-aggregation, or a selective filter — would send a message, and spend a credit, for
 * every step of work just to move the watermark on.
 */
const WATERMARK_ONLY_DELAY_MS = 10;

/**
 * The producer's end of one channel to another worker. Records and the watermarks between them
 * are gathered into one network buffer (as Flink serializes records and events into the same
 * buffers): a buffer goes out when it is full, before a barrier, idleness change or the end of
 * input, and after every step of work that gave it records — so per-record watermarks cost no
 * extra message, and each record keeps its place relative to every watermark. A buffer with only
 * a watermark goes out at most every `WATERMARK_ONLY_DELAY_MS`; a later watermark replaces it.
 */
class RemoteChannel implements InputTarget {
  private readonly queue: Array<{ message: DataMessage; transfer: Transferable[] }> = [];
  private unblock: (() => void) | undefined;
  inFlight = 0;
  bytesSent = 0;
  // The buffer being gathered.
  private values: unknown[] = [];
  private timestamps: Float64Array;
  private length = 0;
  /** Pairs (records before it, watermark). */
  private marks: number[] = [];
  /** When the last buffer went out, and the timer that sends a held watermark-only buffer. */
  private sentAt = Number.NEGATIVE_INFINITY;
  private timer: ReturnType<typeof setTimeout> | undefined = undefined;

  constructor(
    private readonly port: MessagePort,
    private readonly id: ChannelId,
    private credits: number,
    private readonly executor: LocalExecutor,
    private readonly name: string,
    private readonly capacity: number,
    private readonly kernel: CodecKernel,
  ) {
    this.timestamps = new Float64Array(capacity);
  }

  blocked(): boolean {
    return this.queue.length > 0;
  }

  processBatch(batch: Batch<unknown>): void {
    for (let i = 0; i < batch.length; i++) {
      if (this.length === this.capacity) this.flush(true);
      this.values.push(batch.values[i]);
      this.timestamps[this.length++] = batch.timestamps[i]!;
    }
  }

  processWatermark(watermark: Timestamp): void {
    const marks = this.marks;
    // Two watermarks with no record between them: the later one says all.
    if (marks.length > 0 && marks[marks.length - 2] === this.length) marks[marks.length - 1] = watermark;
    else marks.push(this.length, watermark);
  }

  processIdle(idle: boolean): void {
    this.flush(true);
    this.send({ t: 'idle', ...this.id, idle }, []);
  }

  processBarrier(barrier: CheckpointBarrier): void {
    this.flush(true);
    this.send({ t: 'barrier', ...this.id, checkpointId: barrier.checkpointId, timestamp: barrier.timestamp }, []);
  }

  endInput(): void {
    this.flush(true);
    this.send({ t: 'end', ...this.id }, []);
  }

  /** Sends the gathered buffer, if any (`force`: even one holding only a watermark, at once). */
  flush(force = false): void {
    if (this.length === 0 && this.marks.length === 0) return;
    const now = performance.now();
    if (this.length === 0 && !force && now - this.sentAt < WATERMARK_ONLY_DELAY_MS) {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.flush(true);
      }, WATERMARK_ONLY_DELAY_MS);
      return;
    }
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.sentAt = now;
    const { format, buffer } = encodeWireRecords(this.values, this.length, this.kernel);
    const timestamps = this.timestamps.slice(0, this.length).buffer;
    const marks = new Float64Array(this.marks).buffer;
    this.bytesSent += buffer.byteLength + timestamps.byteLength;
    this.send({ t: 'batch', ...this.id, format, records: buffer, timestamps, length: this.length, marks }, [buffer, timestamps, marks]);
    this.values = [];
    this.length = 0;
    this.marks = [];
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  grant(credits: number): void {
    this.credits += credits;
    this.inFlight -= credits;
    this.drain();
  }

  private send(message: DataMessage, transfer: Transferable[]): void {
    this.queue.push({ message, transfer });
    this.drain();
    if (this.queue.length > 0 && this.unblock === undefined) {
      this.executor.backpressure(new Promise<void>((resolve) => (this.unblock = resolve)), this.name);
    }
  }

  private drain(): void {
    while (this.queue.length > 0) {
      const { message, transfer } = this.queue[0]!;
      if (message.t === 'batch') {
        if (this.credits === 0) return;
        this.credits--;
        this.inFlight++;
      }
      this.queue.shift();
      this.port.postMessage(message, transfer);
    }
    const unblock = this.unblock;
    this.unblock = undefined;
    unblock?.();
  }
}
