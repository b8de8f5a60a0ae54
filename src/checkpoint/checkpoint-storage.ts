// Checkpoint storage: one interface, many backends (memory, IndexedDB, files). A backend stores opaque
// byte files per checkpoint plus one metadata record; writing the metadata record is the single atomic
// step that makes a checkpoint complete. Everything a backend shares lives here: the public types, the
// metadata envelope, validation (pure functions returning results), retention planning (pure), and the
// read/verify/fall-back orchestration over a backend's raw reads.

import { SluiceError } from '../errors';
import { crc32c } from '../codec/crc32c';
import type { SplitState } from '../io/split-source';

// ────────────────────────────────────────────────────────────────────────────────────────────────
// Public types
// ────────────────────────────────────────────────────────────────────────────────────────────────

/** A checkpoint is taken by the engine and owned by it; a savepoint is taken on request and owned by the user. */
export type CheckpointKind = 'checkpoint' | 'savepoint';

/**
 * The metadata format this version of sluice writes. Version 2 added `splits` to `sources`; it
 * reads versions 1 and 2 (an older sluice refuses version 2 rather than restart a source from
 * scratch, which ignoring the splits would do).
 */
export const CHECKPOINT_FORMAT_VERSION = 2;

/** The metadata format versions this version of sluice reads. */
export type CheckpointFormatVersion = 1 | 2;

function isReadableVersion(version: unknown): version is CheckpointFormatVersion {
  return version === 1 || version === 2;
}

/** What `CheckpointWriter.write` stored: copy `bytes` and `crc32c` into the metadata's file entry. */
export interface FileInfo {
  readonly name: string;
  /** Size in bytes. */
  readonly bytes: number;
  /** CRC-32C of the content, unsigned. */
  readonly crc32c: number;
}

/** One state file of one subtask of an operator. */
export interface StateFileMetadata {
  /** The name passed to `write` — relative, so a savepoint can be moved. */
  readonly name: string;
  readonly bytes: number;
  readonly crc32c: number;
  /** The subtask that wrote the file, `0 ≤ subtask < parallelism`. */
  readonly subtask: number;
  /** The key groups the file holds, inclusive on both ends (Flink's `KeyGroupRange`). */
  readonly keyGroups?: readonly [start: number, end: number];
}

export interface OperatorStateMetadata {
  /** The stable operator id state is matched by on restore. */
  readonly uid: string;
  readonly name: string;
  readonly parallelism: number;
  readonly maxParallelism: number;
  readonly files: readonly StateFileMetadata[];
}

export interface SourcePositionMetadata {
  readonly uid: string;
  /** Sources without splits: one position per subtask, as the source reported it (empty for a split source). */
  readonly positions: ReadonlyArray<number | string>;
  /**
   * Split sources (format 2): per subtask, the splits it held with their progress — JSON values
   * that only the source interprets (see `SplitSource`).
   */
  readonly splits?: ReadonlyArray<ReadonlyArray<SplitState>>;
}

/**
 * The `_metadata` of a checkpoint or savepoint. It names every state file by relative name with its size
 * and CRC-32C, so a checkpoint is verified end to end before it is used. Must be JSON-serialisable
 * (`pendingCommits` included).
 */
export interface CheckpointMetadata {
  readonly formatVersion: CheckpointFormatVersion;
  readonly checkpointId: number;
  readonly kind: CheckpointKind;
  /** Epoch ms when the checkpoint was triggered. */
  readonly timestamp: number;
  readonly jobName: string;
  readonly operators: readonly OperatorStateMetadata[];
  readonly sources: readonly SourcePositionMetadata[];
  /** Two-phase-commit sinks' pre-committed transactions, committed after the checkpoint completes. */
  readonly pendingCommits?: unknown;
}

/** A newer checkpoint that `latest()` passed over, and why. */
export interface SkippedCheckpoint {
  readonly id: number;
  /** The error message: names the file or record and what is wrong with it. */
  readonly reason: string;
  readonly error: CheckpointError;
}

/** A complete checkpoint whose metadata and every state file were verified when it was opened. */
export interface CompletedCheckpoint {
  readonly metadata: CheckpointMetadata;
  /** Where it is stored: a directory path, `indexeddb:<db>/<id>`, or `memory:chk-<id>`. */
  readonly location: string;
  /** From `latest()`: newer checkpoints that were incomplete or failed verification (newest first). */
  readonly skipped: readonly SkippedCheckpoint[];
  /** The content of a state file named in the metadata, checked again (size and CRC-32C) as it is read. */
  read(name: string): Promise<Uint8Array>;
}

export interface BeginOptions {
  /**
   * Savepoints only, file storage only: the directory under which `savepoint-<id>/` is created, as in
   * Flink's `savepoint(targetDirectory)`. Without it, savepoints go next to the checkpoints.
   */
  readonly target?: string;
}

/** Writes one checkpoint. Nothing written is ever taken for a complete checkpoint before `commit`. */
export interface CheckpointWriter {
  readonly checkpointId: number;
  readonly kind: CheckpointKind;
  readonly location: string;
  /** Stores one state file (durably, where the backend can). Names: `[A-Za-z0-9][A-Za-z0-9._-]*`. */
  write(name: string, bytes: Uint8Array): Promise<FileInfo>;
  /**
   * Validates `metadata` against what was written (every file it names, with the same size and CRC) and
   * stores it in one atomic step, which makes the checkpoint complete.
   */
  commit(metadata: CheckpointMetadata): Promise<void>;
  /** Deletes what was written. A no-op after `commit` or a previous `abort`. */
  abort(): Promise<void>;
}

/**
 * Where checkpoints and savepoints are stored. One interface, many backends: `MemoryCheckpointStorage`,
 * `IndexedDBCheckpointStorage`, `FileCheckpointStorage` (`sluice/node`).
 *
 * @example
 * const writer = await storage.begin(7, 'checkpoint');
 * const file = await writer.write('window-0', bytes);
 * await writer.commit({ formatVersion: 1, checkpointId: 7, kind: 'checkpoint', timestamp: Date.now(),
 *   jobName: 'bids', sources: [], operators: [{ uid: 'window', name: 'window', parallelism: 1,
 *   maxParallelism: 128, files: [{ ...file, subtask: 0, keyGroups: [0, 127] }] }] });
 * await storage.retain(1);
 * const restored = await storage.latest();   // skips (and reports) corrupt or unfinished newer ones
 * const state = await restored?.read('window-0');
 */
export interface CheckpointStorage {
  /** Starts writing checkpoint `id`. Fails if `id` is already complete or being written. */
  begin(id: number, kind: CheckpointKind, options?: BeginOptions): Promise<CheckpointWriter>;
  /**
   * The newest complete checkpoint (not savepoint) whose metadata and every file verify. Newer ones that
   * are incomplete or fail verification are passed over and listed in `skipped`. `undefined` if there is
   * no checkpoint at all; throws a `CheckpointError` if checkpoints were committed but none can be read
   * (as Flink does), rather than silently starting from nothing.
   */
  latest(): Promise<CompletedCheckpoint | undefined>;
  /** Checkpoint or savepoint `id`, verified; throws a `CheckpointError` naming what is wrong. */
  open(id: number): Promise<CompletedCheckpoint>;
  /**
   * Deletes all but the newest `n` complete checkpoints (Flink's `state.checkpoints.num-retained`,
   * default 1), and unfinished leftovers older than the newest complete checkpoint. Savepoints are the
   * user's and are never deleted.
   */
  retain(n?: number): Promise<void>;
  /** Releases the backend's resources; the storage cannot be used afterwards. */
  dispose(): Promise<void>;
}

/** What went wrong, for callers that react differently (`latest()` skips, an engine fails the job). */
export type CheckpointErrorCode =
  /** The checkpoint was begun but never committed: no metadata. */
  | 'incomplete'
  /** No such checkpoint, or no such file in it. */
  | 'not-found'
  /** Metadata or a state file fails its checksum, size or shape check, or a state file is missing. */
  | 'corrupt'
  /** Written in a format version this sluice cannot read. */
  | 'unsupported'
  /** The caller passed something invalid (metadata, a file name, an id). */
  | 'invalid'
  /** The operation conflicts with the storage's state (id already complete, writer closed, disposed). */
  | 'conflict';

/** A checkpoint could not be written or read; the message names the checkpoint, the file or record, and the problem. */
export class CheckpointError extends SluiceError {
  override readonly name = 'CheckpointError';
  constructor(
    readonly code: CheckpointErrorCode,
    readonly checkpointId: number | undefined,
    /** The file path or record the problem is in, if it is in one. */
    readonly file: string | undefined,
    /** The problem alone, without the checkpoint and file. */
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super(
      `${checkpointId === undefined ? '' : `Checkpoint ${checkpointId}: `}${file === undefined ? '' : `${file}: `}${problem}`,
      options,
    );
  }
}

// ────────────────────────────────────────────────────────────────────────────────────────────────
// Metadata envelope
// ────────────────────────────────────────────────────────────────────────────────────────────────
//
//   0        4        8        12       16
//   ┌────────┬────────┬────────┬────────┬──────────────────────────────────────┐
//   │ 'SLMD' │version │ length │ crc32c │ payload: `length` bytes of UTF-8 JSON │
//   └────────┴────────┴────────┴────────┴──────────────────────────────────────┘
//   u32 little-endian fields. The CRC-32C covers bytes 0..12 and the payload, so a flipped bit anywhere
//   (version and length included) is reported as corruption rather than misread. This header layout is
//   fixed for every envelope version, so an old reader can always tell "newer format" from "corrupt".

const MAGIC = 0x444d4c53; // 'S' 'L' 'M' 'D' read as a little-endian u32
const ENVELOPE_VERSION = 1;
const HEADER_BYTES = 16;

/** Encodes metadata into its checksummed envelope. Throws `CheckpointError('invalid')` if it does not validate. */
export function encodeMetadata(metadata: CheckpointMetadata): Uint8Array {
  const problem = checkMetadata(metadata);
  if (problem !== undefined) throw new CheckpointError('invalid', idOf(metadata), undefined, `invalid metadata: ${problem}`);
  let json: string;
  try {
    json = JSON.stringify(metadata);
  } catch (cause) {
    throw new CheckpointError('invalid', metadata.checkpointId, undefined, `metadata is not JSON-serialisable: ${messageOf(cause)}`, {
      cause,
    });
  }
  // Values JSON silently changes (NaN → null, undefined dropped, Dates → strings) in pendingCommits would
  // restore as something else: refuse them now rather than discover it on recovery.
  if (metadata.pendingCommits !== undefined && !sameJson(metadata.pendingCommits)) {
    throw new CheckpointError(
      'invalid',
      metadata.checkpointId,
      undefined,
      'invalid metadata: pendingCommits does not survive JSON (use plain objects, arrays, strings, finite numbers, booleans and null)',
    );
  }
  const payload = new TextEncoder().encode(json);
  const out = new Uint8Array(HEADER_BYTES + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, ENVELOPE_VERSION, true);
  view.setUint32(8, payload.length, true);
  out.set(payload, HEADER_BYTES);
  view.setUint32(12, envelopeCrc(out), true);
  return out;
}

/** The result of decoding a metadata envelope: the metadata, or what is wrong with the bytes. */
export type DecodedMetadata =
  | { readonly ok: true; readonly metadata: CheckpointMetadata }
  | { readonly ok: false; readonly code: 'corrupt' | 'unsupported'; readonly problem: string };

/** Decodes and validates a metadata envelope read back from storage (`raw` may be anything a backend returned). */
export function decodeMetadata(raw: unknown): DecodedMetadata {
  const bytes = asBytes(raw);
  if (bytes === undefined) return corrupt(`not a metadata envelope (found ${describeValue(raw)})`);
  if (bytes.length < HEADER_BYTES) {
    return corrupt(`truncated: ${bytes.length} bytes, a metadata envelope has at least ${HEADER_BYTES}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) return corrupt('not a sluice checkpoint metadata envelope (no SLMD magic)');
  const length = view.getUint32(8, true);
  if (bytes.length !== HEADER_BYTES + length) {
    return corrupt(
      `the header says ${length} payload bytes but ${bytes.length - HEADER_BYTES} follow${bytes.length < HEADER_BYTES + length ? ' (truncated)' : ''}`,
    );
  }
  const stored = view.getUint32(12, true);
  const actual = envelopeCrc(bytes);
  if (stored !== actual) return corrupt(`checksum mismatch: CRC-32C is ${hex(actual)}, the header says ${hex(stored)}`);
  const version = view.getUint32(4, true);
  if (version !== ENVELOPE_VERSION) {
    return { ok: false, code: 'unsupported', problem: `envelope version ${version} is not supported (this sluice reads version ${ENVELOPE_VERSION})` };
  }
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(HEADER_BYTES)));
  } catch (cause) {
    return corrupt(`the payload is not UTF-8 JSON: ${messageOf(cause)}`);
  }
  if (isRecord(value) && !isReadableVersion(value.formatVersion)) {
    return {
      ok: false,
      code: 'unsupported',
      problem: `metadata format version ${String(value.formatVersion)} is not supported (this sluice reads versions 1 and ${CHECKPOINT_FORMAT_VERSION})`,
    };
  }
  const problem = checkMetadata(value);
  if (problem !== undefined) return corrupt(`invalid metadata: ${problem}`);
  return { ok: true, metadata: value as CheckpointMetadata };
}

function envelopeCrc(envelope: Uint8Array): number {
  return crc32c(envelope.subarray(HEADER_BYTES), crc32c(envelope.subarray(0, 12)));
}

function corrupt(problem: string): DecodedMetadata {
  return { ok: false, code: 'corrupt', problem };
}

// ────────────────────────────────────────────────────────────────────────────────────────────────
// Validation (pure: a problem string, or undefined when valid)
// ────────────────────────────────────────────────────────────────────────────────────────────────

const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

/** @internal Why `name` cannot be a state file name, or undefined. Names are relative and portable across backends. */
export function checkFileName(name: unknown): string | undefined {
  if (typeof name !== 'string') return `a file name must be a string, got ${describeValue(name)}`;
  if (!FILE_NAME.test(name)) {
    return `invalid file name ${JSON.stringify(name)}: use 1-200 characters of [A-Za-z0-9._-], starting with a letter or digit`;
  }
  return undefined;
}

/** @internal Why `id` cannot be a checkpoint id, or undefined. */
export function checkCheckpointId(id: unknown): string | undefined {
  return Number.isSafeInteger(id) && (id as number) >= 0 ? undefined : `a checkpoint id must be a non-negative integer, got ${describeValue(id)}`;
}

/** Why `value` is not valid `CheckpointMetadata`, or undefined. */
export function checkMetadata(value: unknown): string | undefined {
  try {
    validate(value);
    return undefined;
  } catch (error) {
    if (error instanceof Invalid) return error.message;
    throw error;
  }
}

class Invalid extends Error {}

function fail(path: string, expected: string, actual: unknown): never {
  throw new Invalid(`${path} must be ${expected}, got ${describeValue(actual)}`);
}

function validate(value: unknown): void {
  if (!isRecord(value)) fail('metadata', 'an object', value);
  const m = value;
  if (!isReadableVersion(m.formatVersion)) fail('formatVersion', `1 or ${CHECKPOINT_FORMAT_VERSION}`, m.formatVersion);
  if (checkCheckpointId(m.checkpointId) !== undefined) fail('checkpointId', 'a non-negative integer', m.checkpointId);
  if (m.kind !== 'checkpoint' && m.kind !== 'savepoint') fail('kind', '"checkpoint" or "savepoint"', m.kind);
  if (typeof m.timestamp !== 'number' || !Number.isFinite(m.timestamp)) fail('timestamp', 'a finite number', m.timestamp);
  if (typeof m.jobName !== 'string') fail('jobName', 'a string', m.jobName);
  if (!Array.isArray(m.operators)) fail('operators', 'an array', m.operators);
  if (!Array.isArray(m.sources)) fail('sources', 'an array', m.sources);

  const uids = new Set<string>();
  const files = new Map<string, { bytes: number; crc32c: number }>();
  m.operators.forEach((op: unknown, i: number) => {
    const at = `operators[${i}]`;
    if (!isRecord(op)) fail(at, 'an object', op);
    if (typeof op.uid !== 'string' || op.uid === '') fail(`${at}.uid`, 'a non-empty string', op.uid);
    if (uids.has(op.uid)) throw new Invalid(`${at}.uid ${JSON.stringify(op.uid)} appears twice`);
    uids.add(op.uid);
    if (typeof op.name !== 'string') fail(`${at}.name`, 'a string', op.name);
    if (!isPositiveInt(op.maxParallelism)) fail(`${at}.maxParallelism`, 'a positive integer', op.maxParallelism);
    if (!isPositiveInt(op.parallelism) || op.parallelism > op.maxParallelism) {
      fail(`${at}.parallelism`, `an integer from 1 to maxParallelism (${op.maxParallelism})`, op.parallelism);
    }
    if (!Array.isArray(op.files)) fail(`${at}.files`, 'an array', op.files);
    const parallelism = op.parallelism;
    const maxParallelism = op.maxParallelism;
    op.files.forEach((file: unknown, j: number) => {
      const fat = `${at}.files[${j}]`;
      if (!isRecord(file)) fail(fat, 'an object', file);
      const nameProblem = checkFileName(file.name);
      if (nameProblem !== undefined) throw new Invalid(`${fat}.name: ${nameProblem}`);
      if (!Number.isSafeInteger(file.bytes) || (file.bytes as number) < 0) fail(`${fat}.bytes`, 'a non-negative integer', file.bytes);
      if (!isUint32(file.crc32c)) fail(`${fat}.crc32c`, 'an unsigned 32-bit integer', file.crc32c);
      if (!Number.isInteger(file.subtask) || (file.subtask as number) < 0 || (file.subtask as number) >= parallelism) {
        fail(`${fat}.subtask`, `an integer from 0 to ${parallelism - 1}`, file.subtask);
      }
      if (file.keyGroups !== undefined) {
        const kg: unknown = file.keyGroups;
        if (
          !Array.isArray(kg) ||
          kg.length !== 2 ||
          !Number.isInteger(kg[0]) ||
          !Number.isInteger(kg[1]) ||
          kg[0] < 0 ||
          kg[0] > kg[1] ||
          kg[1] >= maxParallelism
        ) {
          fail(`${fat}.keyGroups`, `[start, end] with 0 ≤ start ≤ end < maxParallelism (${maxParallelism})`, kg);
        }
      }
      const name = file.name as string;
      const seen = files.get(name);
      if (seen !== undefined && (seen.bytes !== file.bytes || seen.crc32c !== file.crc32c)) {
        throw new Invalid(`${fat}: file ${JSON.stringify(name)} is listed twice with different sizes or checksums`);
      }
      files.set(name, { bytes: file.bytes as number, crc32c: file.crc32c as number });
    });
  });
  m.sources.forEach((source: unknown, i: number) => {
    const at = `sources[${i}]`;
    if (!isRecord(source)) fail(at, 'an object', source);
    if (typeof source.uid !== 'string' || source.uid === '') fail(`${at}.uid`, 'a non-empty string', source.uid);
    if (!Array.isArray(source.positions)) fail(`${at}.positions`, 'an array', source.positions);
    source.positions.forEach((p: unknown, j: number) => {
      if (typeof p !== 'string' && (typeof p !== 'number' || !Number.isFinite(p))) {
        fail(`${at}.positions[${j}]`, 'a string or a finite number', p);
      }
    });
    if (source.splits === undefined) return;
    if (m.formatVersion === 1) fail(`${at}.splits`, 'absent in format version 1', source.splits);
    if (!Array.isArray(source.splits)) fail(`${at}.splits`, 'an array (per subtask, an array of splits)', source.splits);
    if (source.positions.length > 0) throw new Invalid(`${at} has both positions and splits`);
    source.splits.forEach((held: unknown, j: number) => {
      if (!Array.isArray(held)) fail(`${at}.splits[${j}]`, 'an array of splits', held);
      // A split is any JSON value; only a number that JSON cannot carry is wrong here.
      held.forEach((split: unknown, k: number) => {
        if (!isJsonValue(split)) fail(`${at}.splits[${j}][${k}]`, 'a JSON value', split);
      });
    });
  });
}

/** @internal Every distinct state file the metadata names, with its expected size and checksum. */
export function filesOf(metadata: CheckpointMetadata): Map<string, StateFileMetadata> {
  const files = new Map<string, StateFileMetadata>();
  for (const op of metadata.operators) for (const file of op.files) if (!files.has(file.name)) files.set(file.name, file);
  return files;
}

/** @internal What is wrong with a state file's content `raw` (anything a backend returned; undefined = absent), or undefined. */
export function checkFileContent(expected: { readonly bytes: number; readonly crc32c: number }, raw: unknown): string | undefined {
  if (raw === undefined) return 'missing';
  const bytes = asBytes(raw);
  if (bytes === undefined) return `not a byte array (found ${describeValue(raw)})`;
  if (bytes.length !== expected.bytes) {
    return `size is ${bytes.length} bytes, the metadata says ${expected.bytes}${bytes.length < expected.bytes ? ' (truncated)' : ''}`;
  }
  const actual = crc32c(bytes);
  if (actual !== expected.crc32c) return `checksum mismatch: CRC-32C is ${hex(actual)}, the metadata says ${hex(expected.crc32c)}`;
  return undefined;
}

// ────────────────────────────────────────────────────────────────────────────────────────────────
// Retention (pure)
// ────────────────────────────────────────────────────────────────────────────────────────────────

/** @internal What retention needs to know about one stored entry. */
export interface RetentionEntry {
  readonly id: number;
  /** Undefined when unknown (an unfinished entry whose metadata was never written). */
  readonly kind: CheckpointKind | undefined;
  /** Its metadata decodes and validates (state files are not read for retention). */
  readonly complete: boolean;
  /** A writer of this storage is writing it right now. */
  readonly active: boolean;
}

/**
 * @internal The entries `retain(n)` deletes: complete checkpoints beyond the newest `n`, and entries that are not
 * complete (crashed, aborted, corrupt metadata) and older than the newest complete checkpoint. Never a
 * complete savepoint, never an entry being written.
 */
export function planRetention<E extends RetentionEntry>(entries: readonly E[], n: number): E[] {
  const complete = entries.filter((e) => e.complete && e.kind === 'checkpoint').sort((a, b) => b.id - a.id);
  if (complete.length === 0) return [];
  const newest = complete[0].id;
  const expired = new Set<E>(complete.slice(n));
  return entries.filter((e) => !e.active && (expired.has(e) || (!e.complete && e.id < newest)));
}

/** @internal Throws unless `n` is a valid number of checkpoints to retain. */
export function checkRetained(n: number): void {
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new CheckpointError('invalid', undefined, undefined, `the number of retained checkpoints must be an integer ≥ 1, got ${describeValue(n)}`);
  }
}

// ────────────────────────────────────────────────────────────────────────────────────────────────
// Reading: verify a stored checkpoint end to end, and pick the newest one that verifies
// ────────────────────────────────────────────────────────────────────────────────────────────────

/** @internal How a backend reads one stored checkpoint. Raw reads return `undefined` when absent. */
export interface CheckpointSource {
  readonly location: string;
  /** How the metadata is named in errors: a path, or a record. */
  readonly metadataName: string;
  /** How a state file is named in errors. */
  fileName(name: string): string;
  readMetadata(): Promise<unknown>;
  readFile(name: string): Promise<unknown>;
}

/**
 * @internal Reads a checkpoint's metadata and every state file it names, verifying each, and returns it.
 * Throws a `CheckpointError` naming the first file or record that fails.
 */
export async function loadCheckpoint(
  source: CheckpointSource,
  expected: { readonly id?: number; readonly kind?: CheckpointKind },
  skipped: readonly SkippedCheckpoint[] = [],
): Promise<CompletedCheckpoint> {
  const raw = await source.readMetadata();
  if (raw === undefined) {
    throw new CheckpointError('incomplete', expected.id, source.metadataName, 'missing: the checkpoint was never committed (or its metadata was deleted)');
  }
  const decoded = decodeMetadata(raw);
  if (!decoded.ok) throw new CheckpointError(decoded.code, expected.id, source.metadataName, decoded.problem);
  const metadata = decoded.metadata;
  if (expected.id !== undefined && metadata.checkpointId !== expected.id) {
    throw new CheckpointError('corrupt', expected.id, source.metadataName, `the metadata is for checkpoint ${metadata.checkpointId}`);
  }
  if (expected.kind !== undefined && metadata.kind !== expected.kind) {
    throw new CheckpointError('corrupt', metadata.checkpointId, source.metadataName, `the metadata is for a ${metadata.kind}, stored as a ${expected.kind}`);
  }
  const files = filesOf(metadata);
  for (const [name, file] of files) {
    const problem = checkFileContent(file, await source.readFile(name));
    if (problem !== undefined) throw new CheckpointError('corrupt', metadata.checkpointId, source.fileName(name), problem);
  }
  return new VerifiedCheckpoint(metadata, source, files, skipped);
}

class VerifiedCheckpoint implements CompletedCheckpoint {
  readonly location: string;
  constructor(
    readonly metadata: CheckpointMetadata,
    private readonly source: CheckpointSource,
    private readonly files: ReadonlyMap<string, StateFileMetadata>,
    readonly skipped: readonly SkippedCheckpoint[],
  ) {
    this.location = source.location;
  }

  async read(name: string): Promise<Uint8Array> {
    const file = this.files.get(name);
    if (file === undefined) {
      throw new CheckpointError('not-found', this.metadata.checkpointId, this.source.fileName(name), 'not a state file of this checkpoint');
    }
    const raw = await this.source.readFile(name);
    const problem = checkFileContent(file, raw);
    if (problem !== undefined) throw new CheckpointError('corrupt', this.metadata.checkpointId, this.source.fileName(name), problem);
    return raw as Uint8Array;
  }
}

/** @internal One stored entry `latest()` may use, newest first. */
export interface LatestCandidate {
  readonly id: number;
  load(skipped: readonly SkippedCheckpoint[]): Promise<CompletedCheckpoint>;
}

/**
 * @internal The newest candidate that loads; those newer that fail (with a `CheckpointError`) are
 * reported in `skipped`. Undefined if none loads and none was ever committed; throws if some were
 * committed but none verifies.
 */
export async function findLatest(candidates: readonly LatestCandidate[], storage: string): Promise<CompletedCheckpoint | undefined> {
  const skipped: SkippedCheckpoint[] = [];
  for (const candidate of [...candidates].sort((a, b) => b.id - a.id)) {
    try {
      return await candidate.load(skipped);
    } catch (error) {
      if (!(error instanceof CheckpointError)) throw error;
      skipped.push({ id: candidate.id, reason: error.message, error });
    }
  }
  if (skipped.some((s) => s.error.code !== 'incomplete')) {
    throw new CheckpointError(
      'corrupt',
      undefined,
      storage,
      `none of the ${skipped.length} stored checkpoints can be used:\n${skipped.map((s) => `  - ${s.reason}`).join('\n')}`,
    );
  }
  return undefined;
}

// ────────────────────────────────────────────────────────────────────────────────────────────────
// Writing: the state machine every backend's writer shares
// ────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * @internal A writer's life: `write`s (concurrent ones allowed), then one `commit` or `abort`. Checks names,
 * duplicates and the metadata against what was written; a backend supplies the three I/O steps.
 */
export abstract class AbstractCheckpointWriter implements CheckpointWriter {
  // Lifecycle
  private state: 'open' | 'committing' | 'committed' | 'aborted' = 'open';
  private readonly inflight = new Set<Promise<unknown>>();
  // What was written
  private readonly reserved = new Set<string>();
  private readonly written = new Map<string, FileInfo>();

  constructor(
    readonly checkpointId: number,
    readonly kind: CheckpointKind,
    readonly location: string,
    private readonly onClose: () => void,
  ) {}

  /** Stores a file's bytes durably (the name is valid and not written before). */
  protected abstract store(name: string, bytes: Uint8Array): Promise<void>;
  /** Stores the metadata envelope in one atomic step. */
  protected abstract storeMetadata(envelope: Uint8Array, metadata: CheckpointMetadata): Promise<void>;
  /** Deletes whatever was stored. */
  protected abstract discard(): Promise<void>;

  async write(name: string, bytes: Uint8Array): Promise<FileInfo> {
    this.checkOpen('write');
    const problem = checkFileName(name);
    if (problem !== undefined) throw new CheckpointError('invalid', this.checkpointId, undefined, problem);
    if (!(bytes instanceof Uint8Array)) {
      throw new CheckpointError('invalid', this.checkpointId, name, `write() takes a Uint8Array, got ${describeValue(bytes)}`);
    }
    if (this.reserved.has(name)) throw new CheckpointError('conflict', this.checkpointId, name, 'written twice');
    this.reserved.add(name);
    const info: FileInfo = { name, bytes: bytes.length, crc32c: crc32c(bytes) };
    const pending = this.store(name, bytes);
    this.inflight.add(pending);
    try {
      await pending;
    } catch (error) {
      this.reserved.delete(name);
      throw error;
    } finally {
      this.inflight.delete(pending);
    }
    this.written.set(name, info);
    return info;
  }

  async commit(metadata: CheckpointMetadata): Promise<void> {
    this.checkOpen('commit');
    this.state = 'committing';
    try {
      await Promise.allSettled(this.inflight);
      const envelope = encodeMetadata(metadata);
      if (metadata.checkpointId !== this.checkpointId || metadata.kind !== this.kind) {
        throw new CheckpointError(
          'invalid',
          this.checkpointId,
          undefined,
          `commit() got metadata for ${metadata.kind} ${metadata.checkpointId}, this writer writes ${this.kind} ${this.checkpointId}`,
        );
      }
      for (const [name, file] of filesOf(metadata)) {
        const info = this.written.get(name);
        if (info === undefined) throw new CheckpointError('invalid', this.checkpointId, name, 'named in the metadata but never written');
        if (info.bytes !== file.bytes || info.crc32c !== file.crc32c) {
          throw new CheckpointError(
            'invalid',
            this.checkpointId,
            name,
            `the metadata says ${file.bytes} bytes with CRC-32C ${hex(file.crc32c)}, ${info.bytes} bytes with ${hex(info.crc32c)} were written`,
          );
        }
      }
      await this.storeMetadata(envelope, metadata);
    } catch (error) {
      this.state = 'open'; // still abortable (or committable again with corrected metadata)
      throw error;
    }
    this.state = 'committed';
    this.onClose();
  }

  async abort(): Promise<void> {
    if (this.state === 'committed' || this.state === 'aborted') return;
    if (this.state === 'committing') throw new CheckpointError('conflict', this.checkpointId, undefined, 'abort() while commit() is running');
    this.state = 'aborted';
    try {
      await Promise.allSettled(this.inflight);
      await this.discard();
    } finally {
      this.onClose();
    }
  }

  private checkOpen(operation: string): void {
    if (this.state !== 'open') {
      throw new CheckpointError('conflict', this.checkpointId, undefined, `${operation}() on a writer that is ${this.state}`);
    }
  }
}

/** @internal Ids being written by a storage's writers, and its disposed flag. */
export class WriterRegistry {
  private readonly active = new Set<string>();
  private disposed = false;

  has(key: string): boolean {
    return this.active.has(key);
  }

  /** Marks `key` as being written; throws if it already is, or the storage is disposed. */
  claim(key: string, id: number): () => void {
    this.checkUsable();
    if (this.active.has(key)) throw new CheckpointError('conflict', id, undefined, 'already being written');
    this.active.add(key);
    return () => this.active.delete(key);
  }

  checkUsable(): void {
    if (this.disposed) throw new CheckpointError('conflict', undefined, undefined, 'the checkpoint storage was disposed');
  }

  dispose(): void {
    this.disposed = true;
  }
}

/** @internal Throws a `CheckpointError('invalid')` unless `id` is a valid checkpoint id. */
export function requireCheckpointId(id: number): void {
  const problem = checkCheckpointId(id);
  if (problem !== undefined) throw new CheckpointError('invalid', undefined, undefined, problem);
}

/** @internal Throws a `CheckpointError('invalid')` unless `kind` is a checkpoint kind. */
export function requireKind(kind: CheckpointKind): void {
  if (kind !== 'checkpoint' && kind !== 'savepoint') {
    throw new CheckpointError('invalid', undefined, undefined, `kind must be "checkpoint" or "savepoint", got ${describeValue(kind)}`);
  }
}

// ────────────────────────────────────────────────────────────────────────────────────────────────
// Small helpers
// ────────────────────────────────────────────────────────────────────────────────────────────────

/** @internal The directory-style name of a stored entry: `chk-7`, `savepoint-7`. */
export function entryName(kind: CheckpointKind, id: number): string {
  return `${kind === 'checkpoint' ? 'chk' : 'savepoint'}-${id}`;
}

/** @internal `raw` as bytes if it is a Uint8Array or an ArrayBuffer, else undefined. */
export function asBytes(raw: unknown): Uint8Array | undefined {
  if (raw instanceof Uint8Array) return raw;
  if (raw instanceof ArrayBuffer) return new Uint8Array(raw);
  // Another realm's Uint8Array (structured clone across frames/workers, fake-indexeddb).
  if (ArrayBuffer.isView(raw) && Object.prototype.toString.call(raw) === '[object Uint8Array]') {
    return new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
  }
  return undefined;
}

/** @internal `bytes` in a buffer of its own (a view into a larger buffer would store or clone all of it). */
export function ownCopy(bytes: Uint8Array): Uint8Array {
  return bytes.slice();
}

/** @internal `0x0123abcd`. */
export function hex(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}

function isJsonValue(value: unknown): boolean {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isJsonValue);
  return isRecord(value) && Object.values(value).every(isJsonValue);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPositiveInt(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) > 0;
}

function isUint32(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 0xffffffff;
}

function idOf(metadata: unknown): number | undefined {
  return isRecord(metadata) && checkCheckpointId(metadata.checkpointId) === undefined ? (metadata.checkpointId as number) : undefined;
}

function sameJson(value: unknown): boolean {
  const seen = new Set<object>();
  const walk = (v: unknown): boolean => {
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
    if (typeof v === 'number') return Number.isFinite(v);
    if (typeof v !== 'object') return false;
    if (seen.has(v)) return false;
    seen.add(v);
    const proto: unknown = Object.getPrototypeOf(v);
    let ok: boolean;
    if (Array.isArray(v)) ok = v.every(walk);
    else if (proto === Object.prototype || proto === null) ok = Object.values(v).every(walk);
    else ok = false;
    seen.delete(v);
    return ok;
  };
  return walk(value);
}

/** @internal A short description of a value for an error message. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') {
    const ctor = (value as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof ctor === 'string' && ctor !== 'Object' ? `a ${ctor}` : 'an object';
  }
  return `a ${typeof value}`;
}

/** @internal */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
