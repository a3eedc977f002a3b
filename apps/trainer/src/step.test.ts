// One training step: gradient accumulation over micro-batches gives the whole batch's loss and update (IFNet has no
// BatchNorm, so they agree up to float rounding), and a step leaks nothing.
import {describe, expect, it} from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import {AdamW} from '@daek/distill';
import {useBackend} from '@daek/flow-ops';
import {buildTrainModel, disposeModel} from './model.js';
import {trainStep} from './step.js';

describe('trainStep', () => {
  it('accumulates micro-batches to the full batch step, leak-free', async () => {
    await useBackend('wasm');
    const batch = {
      frame0: tf.randomUniform([2, 64, 64, 3], 0, 1, 'float32', 1) as tf.Tensor4D,
      gt: tf.randomUniform([2, 64, 64, 3], 0, 1, 'float32', 2) as tf.Tensor4D,
      frame1: tf.randomUniform([2, 64, 64, 3], 0, 1, 'float32', 3) as tf.Tensor4D,
    };
    const losses: number[][] = [];
    for (const micro of [undefined, 1]) {
      const model = buildTrainModel({model: 'ifnet', preset: 'tiny', overrides: {}});
      const optimizer = new AdamW({learningRate: 1e-4});
      const first = await trainStep(model, optimizer, batch, 1e-4, micro);
      const count = tf.memory().numTensors;
      const second = await trainStep(model, optimizer, batch, 1e-4, micro);
      expect(tf.memory().numTensors).toBe(count);
      expect(first.loss).toBeCloseTo(first.rec + first.recTeacher! + 0.01 * first.distill!, 6);
      losses.push([first.loss, second.loss]);
      optimizer.dispose();
      disposeModel(model);
    }
    expect(losses[1]![0]).toBeCloseTo(losses[0]![0]!, 6);
    expect(losses[1]![1]).toBeCloseTo(losses[0]![1]!, 5);
    const model = buildTrainModel({model: 'ifnet', preset: 'tiny', overrides: {}});
    await expect(trainStep(model, new AdamW(), batch, 1e-4, 3)).rejects.toThrow(/micro-batch \(3\) must divide the batch \(2\)/);
    disposeModel(model);
    tf.dispose([batch.frame0, batch.gt, batch.frame1]);
  });
});
