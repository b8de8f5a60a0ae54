// Node-only pieces: everything here may use node: modules. The universal entry is `sluice`.
export { fileSource, type FileSourceOptions } from './file-source';
export { FileCheckpointStorage } from './file-storage';
export { FileSink, type FileSinkOptions, type FileTransaction } from './file-sink';
export { nodeWorkers, type NodeWorkersOptions } from './worker-threads';
