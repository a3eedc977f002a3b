// The Node entry of @daek/onnx (the "node" export condition, also '@daek/onnx/node'): everything of the browser
// entry, plus Node file access (model paths, the shipped .onnx read from disk) and the physical core count.
import {existsSync} from 'node:fs';
import {readFile} from 'node:fs/promises';
import {fileURLToPath} from 'node:url';
import {registerNodeAccess} from './node_access.js';
import {physicalCores} from './runtime/cores_node.js';

export * from './index.js';

registerNodeAccess({readFile: async (path) => new Uint8Array(await readFile(path)), fileURLToPath, existsSync, physicalCores});
