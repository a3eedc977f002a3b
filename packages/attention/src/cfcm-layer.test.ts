import {describe, expect, it} from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import {describeWithBackends, expectClose, expectNoLeaks} from '@daek/testing';
import {cfcm, cfcmParameterCount} from './cfcm.js';
import {CFCM_CLASS_NAME, CfcmLayer, cfcmLayer} from './cfcm-layer.js';
import {cfcmWeightsFromTorch} from './torch-weights.js';
import {ATTN_TOLERANCE, cfcmTorchStateDict, loadCfcmCase} from '../test/cfcm-fixture.js';

/** The fixture's CFCM as a built layer. */
function fixtureLayer(config: ConstructorParameters<typeof CfcmLayer>[0] = {}) {
  const golden = loadCfcmCase();
  const layer = new CfcmLayer(config);
  layer.apply([golden.cmf, golden.ctx]); // builds the variables
  const weights = cfcmWeightsFromTorch(cfcmTorchStateDict());
  layer.setCfcmWeights(weights);
  tf.dispose(weights);
  return {layer, golden};
}

/** The layer's gradients of a weighted sum of its output, by the short weight name ('query/kernel', 'para', ...). */
function layerGradients(layer: CfcmLayer, inputs: tf.Tensor[]): Record<string, tf.Tensor> {
  const variables = layer.trainableWeights.map((w) => w.read() as tf.Variable);
  const {value, grads} = tf.variableGrads(() => {
    const attn = layer.apply(inputs) as tf.Tensor;
    return attn.mul(tf.randomNormal(attn.shape, 0, 1, 'float32', 5)).sum() as tf.Scalar;
  }, variables);
  value.dispose();
  const byShortName: Record<string, tf.Tensor> = {};
  for (const [name, g] of Object.entries(grads)) byShortName[name.slice(layer.name.length + 1)] = g;
  return byShortName;
}

async function allZero(t: tf.Tensor): Promise<boolean> {
  return (await t.data()).every((x) => x === 0);
}

describeWithBackends('CfcmLayer', () => {
  it('matches the `cfcm` fixture within 5e-5, through the same code as cfcm()', async () => {
    const {layer, golden} = fixtureLayer();
    const attn = layer.apply([golden.cmf, golden.ctx]) as tf.Tensor;
    expect(attn.shape).toEqual(golden.attn.shape);
    await expectClose(attn, golden.attn, ATTN_TOLERANCE, 'attn');
    const functional = cfcm(golden.cmf, golden.ctx, layer.cfcmWeights);
    expect(Array.from(await attn.data())).toEqual(Array.from(await functional.data()));
  });

  it('names its weights after the PyTorch modules, in a fixed order, with PyTorch shapes permuted', () => {
    const {layer} = fixtureLayer();
    expect(layer.weights.map((w) => [w.originalName.slice(layer.name.length + 1), w.shape])).toEqual([
      ['value/kernel', [1, 1, 256, 188]], ['value/bias', [188]],
      ['query/kernel', [1, 1, 512, 188]], ['query/bias', [188]],
      ['key/kernel', [1, 1, 512, 188]], ['key/bias', [188]],
      ['para', [1]],
    ]);
    expect(layer.getClassName()).toBe(CFCM_CLASS_NAME);
  });

  it('initialises like PyTorch Conv2d (U(±1/sqrt(fan_in)) weights and biases) with Para = 0', async () => {
    const layer = cfcmLayer();
    layer.apply([tf.zeros([1, 2, 2, 256]), tf.zeros([1, 2, 2, 512])]);
    const w = layer.cfcmWeights;
    expect(Array.from(await (w.para as tf.Tensor).data())).toEqual([0]);
    const check = async (t: tf.Tensor, fanIn: number) => {
      const bound = 1 / Math.sqrt(fanIn);
      const data = await t.data() as Float32Array;
      const max = data.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
      const std = Math.sqrt(data.reduce((s, x) => s + x * x, 0) / data.length);
      expect(max).toBeLessThanOrEqual(bound);
      expect(max).toBeGreaterThan(0.9 * bound);
      expect(Math.abs(std / (bound / Math.sqrt(3)) - 1)).toBeLessThan(data.length > 1000 ? 0.02 : 0.2);
    };
    await check(w.value.kernel, 256);
    await check(w.value.bias, 256);
    for (const p of [w.query, w.key]) {
      await check((p as NonNullable<typeof p>).kernel, 512);
      await check((p as NonNullable<typeof p>).bias, 512);
    }
    // A fresh layer's output is exactly V (Para = 0).
    const cmf = tf.randomNormal([1, 2, 3, 256], 0, 1, 'float32', 1) as tf.Tensor4D;
    const ctx = tf.randomNormal([1, 2, 3, 512], 0, 1, 'float32', 2) as tf.Tensor4D;
    await expectClose(layer.apply([cmf, ctx]) as tf.Tensor, cfcm(cmf, null, {value: w.value}, {useSfa: false}), 0, 'fresh layer = V');
  });

  it('has 241,205 parameters in DAEK\'s configuration (spec §5), 48,316 without SFA', () => {
    const cmf = tf.input({shape: [null, null, 256]});
    const ctx = tf.input({shape: [null, null, 512]});
    const out = new CfcmLayer().apply([cmf, ctx]) as tf.SymbolicTensor;
    expect(out.shape).toEqual([null, null, null, 188]);
    const model = tf.model({inputs: [cmf, ctx], outputs: out});
    expect(model.countParams()).toBe(241_205);
    expect(model.countParams()).toBe(cfcmParameterCount({cmfChannels: 256, contextChannels: 512}));
    const plain = new CfcmLayer({useSfa: false});
    const v = plain.apply(tf.input({shape: [7, 9, 256]})) as tf.SymbolicTensor;
    expect(v.shape).toEqual([null, 7, 9, 188]);
    expect(plain.countParams()).toBe(48_316);
    expect(plain.weights.map((w) => w.originalName.slice(plain.name.length + 1))).toEqual(['value/kernel', 'value/bias']);
    model.dispose();
  });

  it('gives Q and K exactly zero gradient while Para = 0 (fresh layer), nonzero once Para != 0', async () => {
    const golden = loadCfcmCase();
    const layer = new CfcmLayer();
    layer.apply([golden.cmf, golden.ctx]);
    const atZero = layerGradients(layer, [golden.cmf, golden.ctx]);
    expect(Object.keys(atZero).sort()).toEqual(['key/bias', 'key/kernel', 'para', 'query/bias', 'query/kernel', 'value/bias', 'value/kernel']);
    for (const name of ['query/kernel', 'query/bias', 'key/kernel', 'key/bias']) {
      expect(`${name}: ${await allZero(atZero[name])}`).toBe(`${name}: true`);
    }
    for (const name of ['para', 'value/kernel', 'value/bias']) {
      expect(`${name}: ${await allZero(atZero[name])}`).toBe(`${name}: false`);
    }
    const weights = layer.cfcmWeights;
    layer.setCfcmWeights({...weights, para: tf.tensor1d([0.25])});
    const moved = layerGradients(layer, [golden.cmf, golden.ctx]);
    for (const name of ['query/kernel', 'query/bias', 'key/kernel', 'key/bias', 'para']) {
      expect(`${name}: ${(await moved[name].abs().max().data())[0] > 1e-5}`).toBe(`${name}: true`);
    }
  });

  it('trains inside a LayersModel: Para leaves 0 on the first step, Q and K start moving on the second', async () => {
    const cmfIn = tf.input({shape: [4, 5, 6]});
    const ctxIn = tf.input({shape: [4, 5, 10]});
    const layer = new CfcmLayer({dim: 8});
    const model = tf.model({inputs: [cmfIn, ctxIn], outputs: layer.apply([cmfIn, ctxIn]) as tf.SymbolicTensor});
    model.compile({optimizer: tf.train.adam(1e-2), loss: 'meanSquaredError'});
    const cmf = tf.randomNormal([2, 4, 5, 6], 0, 1, 'float32', 3);
    const ctx = tf.randomNormal([2, 4, 5, 10], 0, 2, 'float32', 4);
    const target = tf.randomUniform([2, 4, 5, 8], 0, 1, 'float32', 5);
    const snapshot = async () => Promise.all(layer.getWeights().map(async (w) => Array.from(await w.data())));
    const before = await snapshot();
    await model.trainOnBatch([cmf, ctx], target);
    const first = await snapshot();
    // order: value kernel, value bias, query kernel, query bias, key kernel, key bias, para
    expect(first[6][0]).not.toBe(0);
    expect(first[0]).not.toEqual(before[0]);
    for (const i of [2, 3, 4, 5]) expect(first[i]).toEqual(before[i]);
    await model.trainOnBatch([cmf, ctx], target);
    const second = await snapshot();
    for (const i of [2, 3, 4, 5]) expect(second[i]).not.toEqual(first[i]);
    model.dispose();
  });

  it('does not leak (call, symbolic use, gradient, setCfcmWeights)', async () => {
    const {layer, golden} = fixtureLayer();
    await expectNoLeaks(() => layer.apply([golden.cmf, golden.ctx]));
    const spatial = new CfcmLayer({softmax: 'spatial', valueActivation: 'linear'});
    await expectNoLeaks(() => spatial.apply([golden.cmf, golden.ctx]));
    const plain = new CfcmLayer({useSfa: false});
    await expectNoLeaks(() => plain.apply(golden.cmf));
    await expectNoLeaks(() => layerGradients(layer, [golden.cmf, golden.ctx]));
    const weights = layer.cfcmWeights;
    await expectNoLeaks(() => layer.setCfcmWeights(weights));
    const scalarPara = {...weights, para: tf.scalar(0.5)};
    await expectNoLeaks(() => layer.setCfcmWeights(scalarPara));
    await expectNoLeaks(() => {
      expect(() => layer.apply([golden.cmf, golden.cmf])).toThrow();
    });
  });
});

describeWithBackends('CfcmLayer checks', () => {
  it('rejects bad configs, inputs and weights with a clear message', () => {
    expect(() => new CfcmLayer({dim: 0})).toThrow('CfcmLayer: dim must be a positive integer; got 0');
    expect(() => new CfcmLayer({dim: 2.5})).toThrow('dim must be a positive integer; got 2.5');
    expect(() => new CfcmLayer({softmax: 'rows' as never})).toThrow(`CfcmLayer: softmax must be 'channel' or 'spatial'; got "rows"`);
    expect(() => new CfcmLayer({valueActivation: 'gelu' as never})).toThrow(`CfcmLayer: valueActivation must be 'leakyRelu' or 'linear'; got "gelu"`);

    const layer = new CfcmLayer({dim: 4, name: 'attention'});
    expect(() => layer.cfcmWeights).toThrow(`CfcmLayer 'attention' has no weights yet: apply it to inputs`);
    expect(() => layer.apply(tf.input({shape: [3, 3, 8]}))).toThrow(`CfcmLayer 'attention': expected 2 inputs [cmf, ctx]; got 1`);
    expect(() => layer.apply([tf.input({shape: [3, 3, 8]}), tf.input({shape: [3, 4, 8]})]))
        .toThrow(`CfcmLayer 'attention': cmf and ctx must have the same batch, height and width; got cmf [,3,3,8] and ctx [,3,4,8]`);
    expect(() => layer.apply([tf.input({shape: [3, 8]}), tf.input({shape: [3, 3, 8]})])).toThrow(/cmf must be rank 4 .* got shape \[,3,8\]/);
    expect(() => layer.apply([tf.input({shape: [3, 3, 8]}), tf.input({shape: [3, 3, null]})]))
        .toThrow(`the channel count of ctx must be known at build time`);
    expect(() => new CfcmLayer({useSfa: false}).apply([tf.input({shape: [3, 3, 8]}), tf.input({shape: [3, 3, 8]})]))
        .toThrow(/expected 1 input, cmf \(useSfa is false, so there is no context path\); got 2/);

    // Built eagerly for 8/6 channels; other channel counts are named when called.
    layer.apply([tf.zeros([1, 2, 2, 8]), tf.zeros([1, 2, 2, 6])]);
    expect(() => layer.apply([tf.zeros([1, 2, 2, 7]), tf.zeros([1, 2, 2, 6])])).toThrow('weights.value.kernel expects 8 input channels but cmf has 7');
    expect(() => layer.apply([tf.zeros([1, 2, 2, 8]), tf.zeros([2, 2, 2, 6])])).toThrow('cmf and ctx must have the same batch, height and width');
    const w = layer.cfcmWeights;
    expect(() => layer.setCfcmWeights({...w, query: {kernel: tf.zeros([1, 1, 5, 4]), bias: tf.zeros([4])}}))
        .toThrow(`CfcmLayer 'attention'.setCfcmWeights: weights.query.kernel must be float32 of shape [1,1,6,4]; got float32 [1,1,5,4]`);
    expect(() => layer.setCfcmWeights({...w, para: tf.tensor1d([1], 'int32')})).toThrow('weights.para must be float32 of shape [1]; got int32 [1]');
    expect(() => layer.setCfcmWeights({value: w.value})).toThrow('weights.query.kernel is missing');
    expect(() => new CfcmLayer({useSfa: false}).setCfcmWeights(w)).toThrow('has no weights yet');
  });
});

describe('CfcmLayer registration', () => {
  it('is registered under its stable class name', () => {
    const registered = tf.serialization.SerializationMap.getMap().classNameMap[CFCM_CLASS_NAME];
    expect(registered?.[0]).toBe(CfcmLayer);
    expect(CFCM_CLASS_NAME).toBe('DaekCFCM');
  });
});
