import { MemoryCheckpointStorage } from '../../src/index';
import { Signal } from './signal';

/** Memory checkpoint storage that fires `committed` with the id of each checkpoint it completes. */
export class SignallingStorage extends MemoryCheckpointStorage {
  readonly committed = new Signal<number>();

  override async begin(...args: Parameters<MemoryCheckpointStorage['begin']>): ReturnType<MemoryCheckpointStorage['begin']> {
    const writer = await super.begin(...args);
    const commit = writer.commit.bind(writer);
    return Object.assign(writer, {
      commit: async (metadata: Parameters<typeof commit>[0]) => {
        await commit(metadata);
        this.committed.fire(metadata.checkpointId);
      },
    });
  }
}
