import {
  AbstractCheckpointWriter,
  CheckpointError,
  WriterRegistry,
  checkRetained,
  decodeMetadata,
  entryName,
  findLatest,
  loadCheckpoint,
  ownCopy,
  planRetention,
  requireCheckpointId,
  requireKind,
  type BeginOptions,
  type CheckpointKind,
  type CheckpointSource,
  type CheckpointStorage,
  type CheckpointWriter,
  type CompletedCheckpoint,
  type RetentionEntry,
  type SkippedCheckpoint,
} from './checkpoint-storage';

interface MemoryEntry {
  readonly id: number;
  readonly kind: CheckpointKind;
  readonly files: Map<string, Uint8Array>;
  /** The metadata envelope; set by commit, which is what makes the entry complete. */
  metadata: Uint8Array | undefined;
}

/**
 * Checkpoints kept in this process's memory, with the same semantics as the durable backends (the
 * metadata is encoded and checksummed, files are copied in and out). The default storage, and the one
 * tests use. Lost when the process ends.
 *
 * @example
 * const storage = new MemoryCheckpointStorage();
 * const writer = await storage.begin(1, 'checkpoint');
 * // … writer.write(name, bytes) per state file, then writer.commit(metadata)
 * const restored = await storage.latest();
 */
export class MemoryCheckpointStorage implements CheckpointStorage {
  private readonly entries = new Map<number, MemoryEntry>();
  private readonly writers = new WriterRegistry();

  async begin(id: number, kind: CheckpointKind, options: BeginOptions = {}): Promise<CheckpointWriter> {
    requireCheckpointId(id);
    requireKind(kind);
    if (options.target !== undefined) {
      throw new CheckpointError('invalid', id, undefined, 'memory checkpoint storage has no savepoint target directories');
    }
    this.writers.checkUsable();
    if (this.entries.get(id)?.metadata !== undefined) throw new CheckpointError('conflict', id, undefined, 'already complete');
    const release = this.writers.claim(String(id), id);
    // A leftover of a crashed attempt with the same id is replaced.
    const entry: MemoryEntry = { id, kind, files: new Map(), metadata: undefined };
    this.entries.set(id, entry);
    return new MemoryCheckpointWriter(entry, this.entries, release);
  }

  async latest(): Promise<CompletedCheckpoint | undefined> {
    this.writers.checkUsable();
    const candidates = [...this.entries.values()]
      .filter((e) => e.kind === 'checkpoint')
      .map((e) => ({ id: e.id, load: (skipped: readonly SkippedCheckpoint[]) => loadCheckpoint(this.source(e), { id: e.id, kind: e.kind }, skipped) }));
    return findLatest(candidates, 'memory checkpoint storage');
  }

  async open(id: number): Promise<CompletedCheckpoint> {
    this.writers.checkUsable();
    requireCheckpointId(id);
    const entry = this.entries.get(id);
    if (entry === undefined) throw new CheckpointError('not-found', id, undefined, 'no such checkpoint in memory checkpoint storage');
    return loadCheckpoint(this.source(entry), { id, kind: entry.kind });
  }

  async retain(n = 1): Promise<void> {
    this.writers.checkUsable();
    checkRetained(n);
    const entries: Array<RetentionEntry & { entry: MemoryEntry }> = [...this.entries.values()].map((entry) => ({
      entry,
      id: entry.id,
      kind: entry.kind,
      complete: entry.metadata !== undefined && decodeMetadata(entry.metadata).ok,
      active: this.writers.has(String(entry.id)),
    }));
    for (const { entry } of planRetention(entries, n)) this.entries.delete(entry.id);
  }

  async dispose(): Promise<void> {
    this.writers.dispose();
    this.entries.clear();
  }

  private source(entry: MemoryEntry): CheckpointSource {
    const location = `memory:${entryName(entry.kind, entry.id)}`;
    return {
      location,
      metadataName: `${location}/_metadata`,
      fileName: (name) => `${location}/${name}`,
      readMetadata: async () => entry.metadata,
      // A copy: the caller may mutate what it reads without touching the stored checkpoint.
      readFile: async (name) => {
        const bytes = entry.files.get(name);
        return bytes === undefined ? undefined : ownCopy(bytes);
      },
    };
  }
}

class MemoryCheckpointWriter extends AbstractCheckpointWriter {
  constructor(
    private readonly entry: MemoryEntry,
    private readonly entries: Map<number, MemoryEntry>,
    release: () => void,
  ) {
    super(entry.id, entry.kind, `memory:${entryName(entry.kind, entry.id)}`, release);
  }

  protected async store(name: string, bytes: Uint8Array): Promise<void> {
    this.entry.files.set(name, ownCopy(bytes));
  }

  protected async storeMetadata(envelope: Uint8Array): Promise<void> {
    this.entry.metadata = envelope;
  }

  protected async discard(): Promise<void> {
    if (this.entries.get(this.entry.id) === this.entry) this.entries.delete(this.entry.id);
  }
}
