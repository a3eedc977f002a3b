// A tiny RAFT-style bidirectional flow network that is not DAEK: features -> correlation -> conv update ->
// coordinate update, trained end to end (the gradient flows through the correlation into the encoder).
// Run: npx tsx --conditions=@daek/source examples/tiny-flow-network.ts
import * as tf from '@tensorflow/tfjs';
import {coordsGrid, useBackend} from '@daek/flow-ops';
import {createBidirCorrelation} from '@daek/correlation';

// cpu: the wasm backend has no Conv2DBackpropFilter kernel, which training a conv encoder needs.
await useBackend('cpu');

const size = 48, grid = size / 8, levels = 2, radius = 2;
const channels = 2 * levels * (2 * radius + 1) ** 2;  // 100 correlation channels

// Someone else's layers: a 1/8-resolution encoder and a small update block predicting both flows.
const encoder = tf.sequential({layers: [
  tf.layers.conv2d({inputShape: [size, size, 3], filters: 32, kernelSize: 8, strides: 8, activation: 'relu'}),
  tf.layers.conv2d({filters: 32, kernelSize: 1}),
]});
const update = tf.sequential({layers: [
  tf.layers.conv2d({inputShape: [grid, grid, channels + 4], filters: 16, kernelSize: 3, padding: 'same', activation: 'relu'}),
  tf.layers.conv2d({filters: 4, kernelSize: 3, padding: 'same', kernelInitializer: 'zeros'}),
]});

/** Flows frame 0 -> 1 and 1 -> 0 at 1/8 resolution, refined `iterations` times. */
function estimateFlow(frame0: tf.Tensor4D, frame1: tf.Tensor4D, iterations = 3): tf.Tensor4D {
  return tf.tidy(() => {
    const corr = createBidirCorrelation(encoder.apply(frame0) as tf.Tensor4D, encoder.apply(frame1) as tf.Tensor4D,
        {levels, radius, mode: 'all-pairs'});
    const coords = coordsGrid(frame0.shape[0], grid, grid);
    let flow = tf.zeros([frame0.shape[0], grid, grid, 4]) as tf.Tensor4D;  // [0->1 dx, dy, 1->0 dx, dy]
    for (let i = 0; i < iterations; i++) {
      const coords0 = tf.add(coords, tf.slice(flow, [0, 0, 0, 0], [-1, -1, -1, 2])) as tf.Tensor4D;
      const coords1 = tf.add(coords, tf.slice(flow, [0, 0, 0, 2], [-1, -1, -1, 2])) as tf.Tensor4D;
      const features = corr.lookup(coords0, coords1);  // [B, 8, 8, 100]
      flow = tf.add(flow, update.apply(tf.concat([features, flow], 3)) as tf.Tensor4D);
    }
    corr.dispose();
    return flow;
  });
}

// Toy data: frame 1 is frame 0 moved 8 px right (1 px at 1/8), so the true flows are (1, 0) and (-1, 0).
const frame0 = tf.randomUniform([1, size, size + 8, 3], 0, 1, 'float32', 7);
const target = tf.tensor([1, 0, -1, 0]);
const [first, second] = [tf.slice(frame0, [0, 0, 8, 0], [-1, -1, size, -1]), tf.slice(frame0, [0, 0, 0, 0], [-1, -1, size, -1])];
const optimizer = tf.train.adam(1e-2);
for (let step = 0; step <= 20; step++) {
  const loss = optimizer.minimize(() => tf.mean(tf.abs(tf.sub(estimateFlow(first as tf.Tensor4D, second as tf.Tensor4D), target))) as tf.Scalar, true);
  if (step % 5 === 0) console.log(`step ${step}: mean |flow error| = ${(await loss!.data())[0].toFixed(3)} px (1/8 res)`);
  loss!.dispose();
}
