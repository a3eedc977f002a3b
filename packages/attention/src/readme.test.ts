// The README's examples, run as written (smaller grids, weights from the fixture), so the README cannot rot.
import {expect, it} from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import {describeWithBackends, expectNoLeaks} from '@daek/testing';
import {CfcmLayer, cfcm, cfcmOutputs, cfcmWeightsFromTorch} from './index.js';
import {cfcmTorchStateDict} from '../test/cfcm-fixture.js';

describeWithBackends('README examples', () => {
  it('the layer inside someone else\'s model', async () => {
    const motion = tf.input({shape: [null, null, 256], name: 'motion'});
    const context = tf.input({shape: [null, null, 512], name: 'context'});
    const attn = new CfcmLayer({dim: 188}).apply([motion, context]) as tf.SymbolicTensor;
    const flow = tf.layers.dense({units: 4}).apply(attn) as tf.SymbolicTensor;
    const model = tf.model({inputs: [motion, context], outputs: flow});
    model.compile({optimizer: tf.train.adam(1e-4), loss: 'meanAbsoluteError'});

    const batch = [tf.randomNormal([2, 3, 4, 256]), tf.randomNormal([2, 3, 4, 512])];
    const history = await model.fit(batch, tf.zeros([2, 3, 4, 4]), {epochs: 1, verbose: 0});
    expect(Number.isFinite(history.history.loss[0] as number)).toBe(true);
    expect((model.predict(batch) as tf.Tensor).shape).toEqual([2, 3, 4, 4]);
    model.dispose();
  });

  it('the functional form, with PyTorch weights, gradients and a layer', async () => {
    const stateDict = cfcmTorchStateDict('mrb.1.cfcm.');
    const run = () => {
      const weights = cfcmWeightsFromTorch(stateDict, {prefix: 'mrb.1.cfcm.'});
      const cmf = tf.randomNormal([1, 4, 7, 256]) as tf.Tensor4D;
      const ctx = tf.randomNormal([1, 4, 7, 512]) as tf.Tensor4D;

      const attn = cfcm(cmf, ctx, weights);
      const parts = cfcmOutputs(cmf, ctx, weights, {softmax: 'channel'});
      const [dPara] = tf.grads((para: tf.Tensor) => cfcm(cmf, ctx, {...weights, para}).sum())([weights.para!]);

      const layer = new CfcmLayer();
      tf.dispose(layer.apply([cmf, ctx]) as tf.Tensor);
      layer.setCfcmWeights(weights);

      expect(attn.shape).toEqual([1, 4, 7, 188]);
      expect(parts.score?.shape).toEqual([1, 4, 7, 188]);
      expect(dPara.shape).toEqual([1]);
      const same = tf.tidy(() => (layer.apply([cmf, ctx]) as tf.Tensor).sub(attn).abs().max());
      tf.dispose([attn, parts, dPara, weights, cmf, ctx]);
      layer.dispose();
      return same;
    };
    const difference = run();
    expect((await difference.data())[0]).toBe(0);
    difference.dispose();
    await expectNoLeaks(run);
  });
});
