import {describe, expect, it} from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import {describeWithBackends, expectClose, expectNoLeaks, maxAbsDiff} from '@daek/testing';
import {cfcm, cfcmOutputs, cfcmParameterCount, type CfcmWeights} from './cfcm.js';
import {cfcmWeightsFromTorch} from './torch-weights.js';
import {ATTN_TOLERANCE, cfcmListing, cfcmTorchStateDict, loadCfcmCase} from '../test/cfcm-fixture.js';

/** Small random weights and inputs, for tests that need no fixture. */
function smallProblem(dim = 6, cmfChannels = 5, ctxChannels = 7, shape: [number, number, number] = [2, 3, 4]) {
  const [b, h, w] = shape;
  const uniform = (s: number[], bound: number, seed: number) => tf.randomUniform(s, -bound, bound, 'float32', seed);
  const weights: CfcmWeights = {
    value: {kernel: uniform([1, 1, cmfChannels, dim], 0.5, 1), bias: uniform([dim], 0.5, 2)},
    query: {kernel: uniform([1, 1, ctxChannels, dim], 1, 3), bias: uniform([dim], 0.5, 4)},
    key: {kernel: uniform([1, 1, ctxChannels, dim], 1, 5), bias: uniform([dim], 0.5, 6)},
    para: tf.tensor1d([0.7]),
  };
  const cmf = tf.randomNormal([b, h, w, cmfChannels], 0, 1, 'float32', 7) as tf.Tensor4D;
  const ctx = tf.randomNormal([b, h, w, ctxChannels], 0, 1.5, 'float32', 8) as tf.Tensor4D;
  return {weights, cmf, ctx};
}

/** Sum of `attn` weighted by a fixed random field: a loss whose gradient reaches every output element. */
function weightedSum(attn: tf.Tensor, seed = 11): tf.Scalar {
  return attn.mul(tf.randomNormal(attn.shape, 0, 1, 'float32', seed)).sum();
}

const withPara = (weights: CfcmWeights, value: number): CfcmWeights => ({...weights, para: tf.tensor1d([value])});

describeWithBackends('cfcm parity with the `cfcm` fixture (DAEK().mrb[1].cfcm, Para = 0.509)', () => {
  it('attn within 5e-5, and its score and V', async () => {
    const golden = loadCfcmCase();
    const weights = cfcmWeightsFromTorch(cfcmTorchStateDict());
    const {attn, score, value} = cfcmOutputs(golden.cmf, golden.ctx, weights);
    await expectClose(attn, golden.attn, ATTN_TOLERANCE, 'attn');
    await expectClose(score as tf.Tensor, golden.score, ATTN_TOLERANCE, 'score');
    await expectClose(value, golden.v, ATTN_TOLERANCE, 'v');
    // The functional form returns exactly cfcmOutputs' attn.
    expect(Array.from(await cfcm(golden.cmf, golden.ctx, weights).data())).toEqual(Array.from(await attn.data()));
  });

  it('is sensitive: spatial softmax (A9-alt), Para = 0, or a linear V (A6-alt) each move attn far beyond the tolerance', async () => {
    const golden = loadCfcmCase();
    const weights = cfcmWeightsFromTorch(cfcmTorchStateDict());
    const expected = await golden.attn.data();
    const change = async (t: tf.Tensor) => maxAbsDiff(await t.data(), expected).max;
    const spatial = await change(cfcm(golden.cmf, golden.ctx, weights, {softmax: 'spatial'}));
    const noPara = await change(cfcm(golden.cmf, golden.ctx, withPara(weights, 0)));
    const linear = await change(cfcm(golden.cmf, golden.ctx, weights, {valueActivation: 'linear'}));
    const noAttention = await change(cfcm(golden.cmf, null, {value: weights.value}, {useSfa: false}));
    const valueOnly = cfcmOutputs(golden.cmf, null, {value: weights.value}, {useSfa: false});
    expect(valueOnly.score).toBeUndefined();
    expect(Array.from(await valueOnly.attn.data())).toEqual(Array.from(await valueOnly.value.data()));
    for (const moved of [spatial, noPara, linear, noAttention]) expect(moved).toBeGreaterThan(100 * ATTN_TOLERANCE);
    // Para = 0 leaves exactly V, and so does the useSfa switch.
    await expectClose(cfcm(golden.cmf, golden.ctx, withPara(weights, 0)), golden.v, ATTN_TOLERANCE, 'attn with Para = 0');
    await expectClose(cfcm(golden.cmf, null, {value: weights.value}, {useSfa: false}), golden.v, ATTN_TOLERANCE, 'attn without SFA');
  });

  it('spatial softmax sums to 1 over the positions of each channel, channel softmax over the channels of each pixel', async () => {
    const {weights, cmf, ctx} = smallProblem();
    const channel = cfcmOutputs(cmf, ctx, weights).score as tf.Tensor4D;
    const spatial = cfcmOutputs(cmf, ctx, weights, {softmax: 'spatial'}).score as tf.Tensor4D;
    await expectClose(channel.sum(3), tf.ones([2, 3, 4]), 1e-6, 'channel softmax sums');
    await expectClose(spatial.sum([1, 2]), tf.ones([2, 6]), 1e-6, 'spatial softmax sums');
    // Batch elements are independent: running the second one alone gives the same rows.
    const second = (t: tf.Tensor4D) => t.slice([1, 0, 0, 0], [1, -1, -1, -1]);
    const alone = cfcmOutputs(second(cmf), second(ctx), weights, {softmax: 'spatial'}).score as tf.Tensor4D;
    await expectClose(alone, second(spatial), 1e-6, 'spatial softmax per batch element');
  });

  it('gives Q and K exactly zero gradient while Para = 0, and nonzero gradients once Para != 0', async () => {
    const golden = loadCfcmCase();
    const weights = cfcmWeightsFromTorch(cfcmTorchStateDict());
    const q = weights.query as NonNullable<CfcmWeights['query']>;
    const k = weights.key as NonNullable<CfcmWeights['key']>;
    const gradients = (para: number) => tf.grads((qk: tf.Tensor, qb: tf.Tensor, kk: tf.Tensor, kb: tf.Tensor, p: tf.Tensor) =>
      weightedSum(cfcm(golden.cmf, golden.ctx, {value: weights.value, query: {kernel: qk, bias: qb}, key: {kernel: kk, bias: kb}, para: p})),
    )([q.kernel, q.bias, k.kernel, k.bias, tf.tensor1d([para])]);

    const atZero = gradients(0);
    for (const [i, name] of ['query.kernel', 'query.bias', 'key.kernel', 'key.bias'].entries()) {
      const g = await atZero[i].data();
      expect(`${name}: ${g.every((x) => x === 0)}`).toBe(`${name}: true`);
    }
    // Para itself gets d/dPara = Σ r·Score, so training moves it off 0.
    const score = cfcmOutputs(golden.cmf, golden.ctx, weights).score as tf.Tensor;
    const expectedPara = await score.mul(tf.randomNormal(score.shape, 0, 1, 'float32', 11)).sum().data();
    const paraGrad = (await atZero[4].data())[0];
    expect(Math.abs(paraGrad)).toBeGreaterThan(0.1);
    expect(Math.abs(paraGrad - expectedPara[0])).toBeLessThan(1e-4 * Math.max(1, Math.abs(expectedPara[0])));

    const atPara = gradients(0.509);
    for (const [i, name] of ['query.kernel', 'query.bias', 'key.kernel', 'key.bias'].entries()) {
      const g = await atPara[i].abs().max().data();
      expect(`${name}: ${g[0] > 1e-4}`).toBe(`${name}: true`);
    }
  });

  it('has gradients that match central differences (query bias, small problem)', async () => {
    const {weights, cmf, ctx} = smallProblem();
    const q = weights.query as NonNullable<CfcmWeights['query']>;
    const loss = (bias: tf.Tensor) => weightedSum(cfcm(cmf, ctx, {...weights, query: {kernel: q.kernel, bias}}));
    const analytic = await tf.grad(loss)(q.bias).data();
    const bias = await q.bias.data();
    const eps = 1e-2;
    for (let i = 0; i < bias.length; i++) {
      const shifted = async (d: number) => {
        const b = Float32Array.from(bias);
        b[i] += d;
        return (await loss(tf.tensor1d(b)).data())[0]; // async: webgpu in Node cannot read synchronously
      };
      const numeric = (await shifted(eps) - await shifted(-eps)) / (2 * eps);
      expect(Math.abs(analytic[i] - numeric)).toBeLessThan(2e-3 + 1e-2 * Math.abs(numeric));
    }
  });

  it('does not leak (forward, intermediates, gradient)', async () => {
    const {weights, cmf, ctx} = smallProblem();
    await expectNoLeaks(() => cfcm(cmf, ctx, weights));
    await expectNoLeaks(() => cfcm(cmf, ctx, weights, {softmax: 'spatial', valueActivation: 'linear'}));
    await expectNoLeaks(() => cfcm(cmf, null, {value: weights.value}, {useSfa: false}));
    await expectNoLeaks(() => cfcmOutputs(cmf, ctx, weights));
    await expectNoLeaks(() => cfcmOutputs(cmf, null, {value: weights.value}, {useSfa: false}));
    const q = weights.query as NonNullable<CfcmWeights['query']>;
    await expectNoLeaks(() => tf.grads((kernel: tf.Tensor, p: tf.Tensor) =>
      weightedSum(cfcm(cmf, ctx, {...weights, query: {kernel, bias: q.bias}, para: p})))([q.kernel, weights.para as tf.Tensor]));
    // A rejected call creates nothing.
    const narrow = ctx.slice([0, 0, 0, 0], [-1, -1, -1, 6]) as tf.Tensor4D;
    await expectNoLeaks(() => {
      expect(() => cfcm(cmf, narrow, weights)).toThrow();
    });
  });
});

describeWithBackends('cfcm input checks', () => {
  it('names the argument, what it expected and what it got', () => {
    const {weights, cmf, ctx} = smallProblem();
    const cut = (t: tf.Tensor4D, size: number[]) => t.slice([0, 0, 0, 0], size) as tf.Tensor4D;
    expect(() => cfcm(cmf.reshape([2, 12, 5]) as unknown as tf.Tensor4D, ctx, weights))
        .toThrow('cmf must be rank 4 [batch, height, width, channels] (NHWC); got shape [2, 12, 5]');
    expect(() => cfcm(cmf, ctx.reshape([24, 7]) as unknown as tf.Tensor4D, weights)).toThrow(/ctx must be rank 4 .* got shape \[24, 7\]/);
    expect(() => cfcm(cmf, cut(ctx, [1, -1, -1, -1]), weights))
        .toThrow('cmf and ctx must have the same batch, height and width; got cmf [2, 3, 4, 5] and ctx [1, 3, 4, 7]');
    expect(() => cfcm(cmf, cut(ctx, [-1, 2, -1, -1]), weights)).toThrow(/same batch, height and width; got cmf \[2, 3, 4, 5\] and ctx \[2, 2, 4, 7\]/);
    expect(() => cfcm(cmf, cut(ctx, [-1, -1, 3, -1]), weights)).toThrow(/ctx \[2, 3, 3, 7\]/);
    expect(() => cfcm(cut(cmf, [-1, -1, -1, 4]), ctx, weights))
        .toThrow('weights.value.kernel expects 5 input channels but cmf has 4');
    expect(() => cfcm(cmf, cut(ctx, [-1, -1, -1, 6]), weights))
        .toThrow('weights.query.kernel expects 7 input channels but ctx has 6');
    expect(() => cfcm(cmf, ctx, {...weights, key: {kernel: tf.zeros([1, 1, 7, 5]), bias: tf.zeros([5])}}))
        .toThrow('weights.key.kernel has 5 output channels but weights.value has 6');
    expect(() => cfcm(cmf, ctx, {...weights, value: {kernel: tf.zeros([3, 3, 5, 6]), bias: tf.zeros([6])}}))
        .toThrow('weights.value.kernel must be [1, 1, inChannels, outChannels] (a 1x1 conv filter); got [3, 3, 5, 6]');
    expect(() => cfcm(cmf, ctx, {...weights, value: {kernel: tf.zeros([1, 1, 5, 6]), bias: tf.zeros([5])}}))
        .toThrow('weights.value.bias must be [6]; got [5]');
    expect(() => cfcm(cmf, ctx, {...weights, para: tf.zeros([2])})).toThrow('weights.para must be a float32 tensor of shape [1] (or a scalar); got float32 [2]');
    expect(() => cfcm(cmf, ctx, {...weights, para: undefined})).toThrow('weights.para must be');
    expect(() => cfcm(cmf, ctx, {value: weights.value})).toThrow('weights.query must be {kernel: tf.Tensor, bias: tf.Tensor}');
    expect(() => cfcm(cmf, null, weights)).toThrow('ctx (the context feature, [B, h, w, Cctx]) is required when useSfa is true');
    expect(() => cfcm(cmf, ctx, {value: weights.value}, {useSfa: false})).toThrow('useSfa is false, so there is no context path and ctx must be null');
    expect(() => cfcm(cmf, null, weights, {useSfa: false})).toThrow('useSfa is false, so weights must hold value only; got also query, key, para');
    expect(() => cfcm(cmf.toInt() as tf.Tensor4D, ctx, weights)).toThrow('cmf must be float32; got int32');
    expect(() => cfcm(cmf, ctx, weights, {softmax: 'pixel' as never})).toThrow(`softmax must be 'channel' or 'spatial'; got "pixel"`);
    expect(() => cfcm(cmf, ctx, weights, {valueActivation: 'relu' as never})).toThrow(`valueActivation must be 'leakyRelu' or 'linear'; got "relu"`);
    // A scalar Para is accepted and means the same as [1].
    expect(() => cfcm(cmf, ctx, {...weights, para: tf.scalar(0.7)})).not.toThrow();
  });
});

describe('cfcmParameterCount', () => {
  it('is 241,205 for DAEK (dim 188, CMF 256, context 512), as in spec §5 and the fixture listing', () => {
    expect(cfcmParameterCount({cmfChannels: 256, contextChannels: 512})).toBe(241_205);
    expect(cfcmParameterCount({dim: 188, cmfChannels: 256, contextChannels: 512})).toBe(cfcmListing().num_parameters);
    // Spec §5 breakdown: V 48,316 (the useSfa = false module) + Q 96,444 + K 96,444 + Para 1.
    expect(cfcmParameterCount({cmfChannels: 256, contextChannels: 512, useSfa: false})).toBe(48_316);
    expect(cfcmParameterCount({dim: 10, cmfChannels: 3, contextChannels: 4})).toBe(4 * 10 + 2 * 5 * 10 + 1);
    expect(() => cfcmParameterCount({dim: 0, cmfChannels: 3, contextChannels: 4})).toThrow('dim must be a positive integer; got 0');
  });
});
