// Child process of wasm_threads_node.test.ts: starts the wasm backend on the thread count given as argv[2], runs
// ops whose XNNPACK kernels split work across threads, and prints the SHA-256 of their raw float32 output as JSON.
import * as tf from '@tensorflow/tfjs';
import {useBackend} from '../src/node.js';
import {digest, threadCheckOps} from './wasm_threads_ops.js';

const threads = Number(process.argv[2]);
const info = await useBackend('wasm', {threads});
const outputs = threadCheckOps(tf).map(digest);
process.stdout.write(JSON.stringify({threads: info.threads, outputs}));
