import { open, type FileHandle } from 'node:fs/promises';
import type { ReadResult, Source, SourceContext, SourceOutput, SourceReader } from '../io/source';

export interface FileSourceOptions {
  /** Bytes read per I/O call. */
  readonly chunkSize?: number;
}

/**
 * A bounded source of the lines of a UTF-8 text file (`\n` or `\r\n` separated; a last line without
 * a newline counts). The position is the byte offset of the next line, so a restored job resumes
 * exactly after the last line it read. Node only: import from `sluice/node`.
 *
 * @example
 * const lines = env.fromSource(fileSource('events.jsonl')).pipe(map(line => JSON.parse(line)));
 */
export function fileSource(path: string, options: FileSourceOptions = {}): Source<string> {
  const chunkSize = options.chunkSize ?? 1 << 16;
  return {
    name: `file(${path})`,
    bounded: true,
    createReader(context: SourceContext): SourceReader<string> {
      let handle: FileHandle | undefined;
      let offset = typeof context.restoreFrom === 'number' ? context.restoreFrom : 0;
      let pending = new Uint8Array(0);
      let eof = false;
      const decoder = new TextDecoder('utf-8', { fatal: true });
      const buffer = new Uint8Array(chunkSize);

      const emitLines = (output: SourceOutput<string>, max: number): number => {
        let emitted = 0;
        let start = 0;
        for (let i = 0; i < pending.length && emitted < max; i++) {
          if (pending[i] !== 0x0a) continue;
          const end = i > start && pending[i - 1] === 0x0d ? i - 1 : i;
          output.collect(decodeLine(pending.subarray(start, end), offset));
          offset += i + 1 - start;
          start = i + 1;
          emitted++;
        }
        pending = pending.subarray(start);
        return emitted;
      };

      const decodeLine = (bytes: Uint8Array, at: number): string => {
        try {
          return decoder.decode(bytes);
        } catch {
          throw new Error(`${path}: the line at byte ${at} is not valid UTF-8`);
        }
      };

      return {
        async read(output: SourceOutput<string>, max: number): Promise<ReadResult> {
          handle ??= await open(path, 'r');
          let emitted = emitLines(output, max);
          while (emitted < max && !eof) {
            const { bytesRead } = await handle.read(buffer, 0, chunkSize, offset + pending.length);
            if (bytesRead === 0) {
              eof = true;
              break;
            }
            const next = new Uint8Array(pending.length + bytesRead);
            next.set(pending);
            next.set(buffer.subarray(0, bytesRead), pending.length);
            pending = next;
            emitted += emitLines(output, max - emitted);
          }
          if (eof && emitted < max && pending.length > 0) {
            output.collect(decodeLine(pending, offset));
            offset += pending.length;
            pending = new Uint8Array(0);
          }
          return eof && pending.length === 0 ? 'end' : 'more';
        },
        position: () => offset,
        close: () => {
          void handle?.close();
        },
      };
    },
  };
}
