/**
 * Benchmark: Concat and Slice on wasm, tfjs-backend-wasm's own kernels against flow-ops' copy kernels
 * (src/copy_kernels.ts), on the NHWC shapes IFNet uses at 1280x720: its block inputs (two frames, two warped
 * frames, the flow and the mask: 3+3+3+3+4+1 channels) and the channel slices of a flow/mask head (0:2, 2:4, 4:5).
 * Alternates the two kernels in one process; prints the median ms. Run: `npm run bench:copy -w @daek/flow-ops`.
 * Not a test: timings depend on the machine.
 */
import * as tf from '@tensorflow/tfjs';
import {registerWasmCopyKernels, unregisterWasmCopyKernels, useBackend} from '../src/node.js';

const runs = 7;
await useBackend('wasm');
const [h, w] = [720, 1280];
const parts = [3, 3, 3, 3, 4, 1].map((c, i) => tf.randomUniform([1, h, w, c], -1, 1, 'float32', i) as tf.Tensor4D);
const head = tf.randomUniform([1, h, w, 5], -1, 1, 'float32', 9) as tf.Tensor4D;
const cases: Record<string, () => tf.Tensor[]> = {
  'concat 3+3+3+3+4+1 channels': () => [tf.concat(parts, 3)],
  'slice 0:2, 2:4, 4:5 of 5 channels': () =>
    [tf.slice(head, [0, 0, 0, 0], [-1, -1, -1, 2]), tf.slice(head, [0, 0, 0, 2], [-1, -1, -1, 2]),
      tf.slice(head, [0, 0, 0, 4], [-1, -1, -1, 1])],
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`| ${h}x${w} NHWC | tfjs-backend-wasm (ms) | flow-ops copy kernels (ms) |\n|---|---:|---:|`);
for (const [name, run] of Object.entries(cases)) {
  const times: Record<'tfjs' | 'ours', number[]> = {tfjs: [], ours: []};
  for (let i = 0; i <= runs; i++) {
    for (const which of ['tfjs', 'ours'] as const) {
      if (which === 'ours') registerWasmCopyKernels();
      else unregisterWasmCopyKernels();
      const start = performance.now();
      const out = run();
      out.forEach((t) => t.dataSync());
      if (i > 0) times[which].push(performance.now() - start); // run 0 warms up
      tf.dispose(out);
    }
  }
  console.log(`| ${name} | ${median(times.tfjs).toFixed(1)} | ${median(times.ours).toFixed(1)} |`);
}
