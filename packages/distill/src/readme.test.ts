// The README's examples, run as written on a toy "model" (64×64 crops, a few steps), so the README cannot rot.
import {expect, it} from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import {describeWithBackends} from '@daek/testing';
import {AdamW, distillLoss, lapLoss, learningRate, totalLoss} from './index.js';

describeWithBackends('README examples', () => {
  it('a training step, then resuming exactly', async () => {
    // --- what the README leaves to the reader: data, a forward pass, its variables ---
    const size = [1, 64, 64] as const;
    const stepsPerEpoch = 10;   // totalSteps must exceed the 2000 warmup steps
    const nextBatch = () => ({
      img0: tf.randomUniform([...size, 3], 0, 1, 'float32', 1) as tf.Tensor4D,
      img1: tf.randomUniform([...size, 3], 0, 1, 'float32', 2) as tf.Tensor4D,
      gt: tf.randomUniform([...size, 3], 0, 1, 'float32', 3) as tf.Tensor4D,
    });
    const flowBias = tf.variable(tf.zeros([4]), true, `readme-flow-${Math.random()}`);
    const blendWeight = tf.variable(tf.scalar(0.5), true, `readme-blend-${Math.random()}`);
    const trainableVariables = [flowBias, blendWeight];
    const forward = (img0: tf.Tensor4D, img1: tf.Tensor4D, gt: tf.Tensor4D) => {
      const blend = tf.add(tf.mul(img0, blendWeight), tf.mul(img1, tf.sub(1, blendWeight))) as tf.Tensor4D;
      const flows = [1, 2, 3].map((k) => tf.add(tf.mul(tf.ones([...size, 4]), k), flowBias) as tf.Tensor4D);
      return {output: blend, flows, blends: [blend, blend, blend], teacherFlow: tf.zeros([...size, 4]) as tf.Tensor4D,
        teacherMerged: tf.add(tf.mul(blend, 0.5), tf.mul(gt, 0.5)) as tf.Tensor4D};
    };

    // --- the README's code ---
    const optimizer = new AdamW();
    const totalSteps = 300 * stepsPerEpoch;
    const before = tf.memory().numTensors;
    for (let step = 0; step < 3; step++) {     // the README runs to totalSteps
      optimizer.learningRate = learningRate(step, {totalSteps});
      const {img0, img1, gt} = nextBatch();
      optimizer.minimize(() => {
        const out = forward(img0, img1, gt);
        const {total: distill} = distillLoss({
          teacherFlow: out.teacherFlow, studentFlows: out.flows, blends: out.blends, teacherMerged: out.teacherMerged, gt,
        });
        return totalLoss({rec: lapLoss(out.output, gt), recTeacher: lapLoss(out.teacherMerged, gt), distill});
      }, false, trainableVariables);
      tf.dispose([img0, img1, gt]);
    }
    expect(tf.memory().numTensors).toBe(before + 4);   // the two variables' m and v
    expect(optimizer.iterations).toBe(3);
    expect(Array.from(await flowBias.data()).every((v) => v < 0)).toBe(true);   // pulled towards the teacher's 0

    const state = await optimizer.getWeights();
    const {data, specs} = await tf.io.encodeWeights(state);
    tf.dispose(state.map((w) => w.tensor));
    const resumed = new AdamW();
    await resumed.setWeights(Object.entries(tf.io.decodeWeights(data, specs)).map(([name, tensor]) => ({name, tensor})));

    expect(resumed.iterations).toBe(3);
    expect(resumed.variableNames).toEqual(trainableVariables.map((v) => v.name));
    optimizer.dispose();
    resumed.dispose();
    tf.dispose(trainableVariables);
  });
});
