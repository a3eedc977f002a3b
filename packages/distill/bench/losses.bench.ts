// Loss timings at DAEK's training crop (224×224, RIFE dataset.py): lapLoss forward and forward+backward, and the
// three-stage distillLoss, for a batch of B images.
// Usage: npm run bench -w @daek/distill [-- <backends, default wasm> [<batch, default 8>]].
// Medians of a few calls after one warm-up (cpu: one call; it is far slower).
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import {distillLoss, lapLoss} from '../src/index.js';

const backends = (process.argv[2] ?? 'wasm').split(',');
const batch = Number(process.argv[3] ?? 8);

async function median(fn: () => Promise<void>, runs: number): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

for (const backend of backends) {
  await tf.setBackend(backend);
  await tf.ready();
  const runs = backend === 'cpu' ? 1 : 5;
  const image = (seed: number) => tf.randomUniform([batch, 224, 224, 3], 0, 1, 'float32', seed) as tf.Tensor4D;
  const flow = (seed: number) => tf.randomNormal([batch, 224, 224, 4], 0, 3, 'float32', seed) as tf.Tensor4D;
  const pred = image(1), gt = image(2);
  const inputs = {teacherFlow: flow(3), studentFlows: [flow(4), flow(5), flow(6)], blends: [image(7), image(8), image(9)],
    teacherMerged: image(10), gt};
  const time = (fn: () => tf.Tensor | tf.Tensor[]) => median(async () => {
    const out = fn();
    const list = Array.isArray(out) ? out : [out];
    await Promise.all(list.map((t) => t.data()));
    tf.dispose(list);
  }, runs);
  const lapForward = await time(() => lapLoss(pred, gt));
  const lapBoth = await time(() => tf.grad((p: tf.Tensor) => lapLoss(p as tf.Tensor4D, gt))(pred));
  const disForward = await time(() => distillLoss(inputs).total);
  const disBoth = await time(() => tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
    distillLoss({...inputs, studentFlows: [a, b, c] as tf.Tensor4D[]}).total)(inputs.studentFlows));
  console.log(`${backend}, ${batch}×224×224: lapLoss forward ${lapForward.toFixed(0)} ms, forward+backward ` +
      `${lapBoth.toFixed(0)} ms; distillLoss (3 stages) forward ${disForward.toFixed(0)} ms, forward+backward ${disBoth.toFixed(0)} ms`);
  tf.dispose([pred, inputs]);
}
