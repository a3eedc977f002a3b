/**
 * Benchmark: forward and backward backward-warp of a 1280x720 RGB frame on each CPU backend.
 * Run: `npm run bench -w @daek/flow-ops` (options: --backends cpu,wasm --runs 5 --width 1280 --height 720).
 * Prints the median ms after one warm-up run. Not a test: timings depend on the machine and its load.
 */
import * as tf from '@tensorflow/tfjs';
import os from 'node:os';
import {backwardWarp, useBackend, type BackendName} from '../src/node.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const backends = arg('backends', 'cpu,wasm').split(',') as BackendName[];
const runs = Number(arg('runs', '5'));
const width = Number(arg('width', '1280')), height = Number(arg('height', '720'));

async function time(fn: () => tf.TensorContainer): Promise<number> {
  const start = performance.now();
  const out = fn();
  const tensors = (Array.isArray(out) ? out : [out]) as tf.Tensor[];
  await Promise.all(tensors.map((t) => t.data()));
  const ms = performance.now() - start;
  tf.dispose(out);
  return ms;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

console.log(`backwardWarp ${width}x${height}x3, median of ${runs} runs after 1 warm-up; ` +
    `${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), node ${process.version}`);
console.log('| backend | forward ms | forward+backward ms |');
console.log('| --- | --- | --- |');
for (const backend of backends) {
  await useBackend(backend);
  const image = tf.randomUniform([1, height, width, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
  const flow = tf.tidy(() => tf.image.resizeBilinear(
      tf.randomUniform([1, 9, 16, 2], -20, 20, 'float32', 2) as tf.Tensor4D, [height, width], false, true));
  const forward = () => backwardWarp(image, flow, {checkFinite: false});
  const both = () => tf.grads((a: tf.Tensor, b: tf.Tensor) =>
    backwardWarp(a as tf.Tensor4D, b as tf.Tensor4D, {checkFinite: false}).sum())([image, flow]);
  const results: string[] = [];
  for (const fn of [forward, both]) {
    await time(fn);
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) samples.push(await time(fn));
    results.push(median(samples).toFixed(1));
  }
  console.log(`| ${backend} | ${results[0]} | ${results[1]} |`);
  tf.dispose([image, flow]);
}
