// CFCM forward and forward+backward timings at DAEK's 1/8-resolution grids (B = 1, dim 188, CMF 256, context 512).
// Usage: npm run bench -w @daek/attention [-- <backends, default wasm> [<grids, default 448x256,1280x720>]].
// Short runs: medians of a few calls after one warm-up (cpu: one call; it is ~100x slower than wasm).
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import {CfcmLayer} from '../src/index.js';

const GRIDS: [string, number, number][] = [['448x256', 32, 56], ['1280x720', 90, 160]];
const backends = (process.argv[2] ?? 'wasm').split(',');
const wanted = (process.argv[3] ?? GRIDS.map(([label]) => label).join(',')).split(',');

async function median(fn: () => Promise<void>, runs: number): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)];
}

for (const backend of backends) {
  await tf.setBackend(backend);
  await tf.ready();
  for (const [label, h, w] of GRIDS.filter(([label]) => wanted.includes(label))) {
    const cmf = tf.randomNormal([1, h, w, 256]);
    const ctx = tf.randomNormal([1, h, w, 512]);
    const layer = new CfcmLayer();
    tf.dispose(layer.apply([cmf, ctx]) as tf.Tensor);
    layer.setCfcmWeights({...layer.cfcmWeights, para: tf.tensor1d([0.5])});
    const variables = layer.trainableWeights.map((v) => v.read() as tf.Variable);
    const runs = backend === 'cpu' ? 1 : 7;
    const forward = await median(async () => {
      const out = layer.apply([cmf, ctx]) as tf.Tensor;
      await out.data();
      out.dispose();
    }, runs);
    const backward = await median(async () => {
      const {value, grads} = tf.variableGrads(() => (layer.apply([cmf, ctx]) as tf.Tensor).mean() as tf.Scalar, variables);
      await Promise.all(Object.values(grads).map((g) => g.data()));
      tf.dispose([value, ...Object.values(grads)]);
    }, runs);
    // tfjs's engine counts every tensor handle, reshape aliases included, so these are upper bounds.
    const newBytesPeak = async (fn: () => tf.TensorContainer) => {
      const before = tf.memory().numBytes;
      const profile = await tf.profile(fn);
      tf.dispose(profile.result as tf.TensorContainer);
      return ((profile.peakBytes - before) / 2 ** 20).toFixed(1);
    };
    const forwardPeak = await newBytesPeak(() => layer.apply([cmf, ctx]) as tf.Tensor);
    const backwardPeak = await newBytesPeak(() => {
      const {value, grads} = tf.variableGrads(() => (layer.apply([cmf, ctx]) as tf.Tensor).mean() as tf.Scalar, variables);
      return [value, ...Object.values(grads)];
    });
    console.log(`${backend} ${label} (grid ${h}x${w}): forward ${forward.toFixed(1)} ms, forward+backward ${backward.toFixed(1)} ms; ` +
        `peak new tensor bytes: forward ${forwardPeak} MiB, forward+backward ${backwardPeak} MiB`);
    layer.dispose();
    tf.dispose([cmf, ctx]);
  }
}
