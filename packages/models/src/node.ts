// The Node entry of @daek/models (the "node" export condition, also '@daek/models/node'): everything of the
// browser entry, plus file access: weight paths, the shipped weights read from disk, and the file IOHandler.
import * as fs from 'node:fs/promises';
import {existsSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {registerNodeFileSystem} from './io/node_fs.js';

export * from './index.js';
export {DEFAULT_SHARD_BYTES, nodeFileHandler} from './io/node_file_handler.js';
export type {NodeFileHandlerOptions} from './io/node_file_handler.js';

registerNodeFileSystem({fs, existsSync, fileURLToPath});
