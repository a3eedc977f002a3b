import {expect, it} from '@jest/globals';
import {spawnSync} from 'node:child_process';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {useBackend} from './node.js';
import {digest, threadCheckOps} from '../test/wasm_threads_ops.js';

const child = path.join(import.meta.dirname, '../test/wasm_threads_child.ts');

function runChild(threads: number): {threads: number; outputs: string[]} {
  const run = spawnSync(process.execPath, ['--import', 'tsx', child, String(threads)],
    {encoding: 'utf8', timeout: 60_000, env: {...process.env, NODE_OPTIONS: ''}});
  if (run.status !== 0) throw new Error(`child failed (${run.status ?? run.signal}): ${run.stderr}`);
  return JSON.parse(run.stdout) as {threads: number; outputs: string[]};
}

it('runs the wasm backend on 2 threads in Node, bit-identical to 1 thread, and lets the process exit', async () => {
  // The child exits by itself: spawnSync would hit its timeout if the pthread workers held the process.
  const two = runChild(2);
  expect(two.threads).toBe(2);
  await useBackend('wasm'); // this process: the single-threaded SIMD build, as by default
  const one = threadCheckOps(tf);
  try {
    expect(two.outputs).toHaveLength(one.length);
    one.forEach((t, i) => {
      expect(two.outputs[i]).toBe(digest(t));
    });
  } finally {
    tf.dispose(one);
  }
}, 90_000);

it('rejects a thread count that is not a positive integer', async () => {
  await expect(useBackend('wasm', {threads: 0})).rejects.toThrow(/threads must be a positive integer, got 0/);
  await expect(useBackend('wasm', {threads: 1.5})).rejects.toThrow(/threads must be a positive integer, got 1.5/);
});
