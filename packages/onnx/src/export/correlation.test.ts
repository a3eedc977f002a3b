// The correlation graph alone against @daek/correlation (tfjs-wasm), both modes, with flows large enough that many
// windows lie partly or wholly outside the map (the memory-light form's padding and clamping), and batch 2.
import {afterAll, beforeAll, describe, expect, it} from '@jest/globals';
import * as ort from 'onnxruntime-node';
import * as tf from '@tensorflow/tfjs';
import {useBackend} from '@daek/flow-ops';
import {bidirCorrelationFeature, createBidirCorrelation} from '@daek/correlation';
import {GraphBuilder, imageValueInfo} from '../graph/builder.js';
import {IR_VERSION, onnx, OPSET} from '../proto.js';
import {buildCorrelation} from './correlation.js';

const [B, C, h, w] = [2, 16, 12, 20];
const LEVELS = 4;
const RADIUS = 3;

function correlationModel(mode: 'all-pairs' | 'memory-light'): Uint8Array {
  const g = new GraphBuilder();
  const ctx = {g, weights: new Map(), convTranspose: 'native' as const};
  const corr = buildCorrelation(ctx, 'fmap0', 'fmap1', {mode, levels: LEVELS, radius: RADIUS, channels: C});
  g.output(corr.feature('flow8'), 'bcv');
  return onnx.ModelProto.encode(onnx.ModelProto.create({
    irVersion: IR_VERSION, opsetImport: [{domain: '', version: OPSET}],
    graph: g.graph('correlation', [imageValueInfo('fmap0', C), imageValueInfo('fmap1', C), imageValueInfo('flow8', 4)],
      [imageValueInfo('bcv', 2 * LEVELS * (2 * RADIUS + 1) ** 2)]),
  })).finish();
}

let inputs: {fmap0: tf.Tensor4D; fmap1: tf.Tensor4D; flow: tf.Tensor4D};

beforeAll(async () => {
  await useBackend('wasm');
  inputs = {
    fmap0: tf.randomNormal([B, h, w, C], 0, 1, 'float32', 1),
    fmap1: tf.randomNormal([B, h, w, C], 0, 1, 'float32', 2),
    // Up to +-6 px at 1/8 resolution: coordinates up to 12 px outside a 20 x 12 map, so some level-0 blocks lie
    // wholly outside (clamped origins) and the coarser levels read partly outside.
    flow: tf.randomUniform([B, h, w, 4], -6, 6, 'float32', 3),
  };
});

afterAll(() => tf.dispose(Object.values(inputs)));

const nchw = (x: tf.Tensor4D) => tf.tidy(() => tf.transpose(x, [0, 3, 1, 2]).dataSync() as Float32Array);

describe('buildCorrelation on ONNX Runtime vs @daek/correlation', () => {
  it.each(['all-pairs', 'memory-light'] as const)('%s: the 392-channel BCV within 2e-5, windows inside and outside the map', async (mode) => {
    const expected = tf.tidy(() => {
      const corr = createBidirCorrelation(inputs.fmap0, inputs.fmap1, {levels: LEVELS, radius: RADIUS, mode});
      const bcv = bidirCorrelationFeature(corr, inputs.flow);
      corr.dispose();
      return bcv;
    });
    const want = nchw(expected);
    expected.dispose();
    const session = await ort.InferenceSession.create(correlationModel(mode), {intraOpNumThreads: 1});
    try {
      const feed = (x: tf.Tensor4D) => new ort.Tensor('float32', nchw(x), [B, x.shape[3], h, w]);
      const got = (await session.run({fmap0: feed(inputs.fmap0), fmap1: feed(inputs.fmap1), flow8: feed(inputs.flow)})).bcv!;
      expect(got.dims).toEqual([B, 2 * LEVELS * 49, h, w]);
      const data = got.data as Float32Array;
      let worst = 0;
      let zeros = 0;
      let large = 0;
      for (let i = 0; i < want.length; i++) {
        worst = Math.max(worst, Math.abs(data[i]! - want[i]!));
        if (want[i] === 0) zeros++;
        if (Math.abs(want[i]!) > 0.1) large++;
      }
      expect(worst).toBeLessThanOrEqual(2e-5);
      // Not vacuous: many window taps fall outside (exact zeros), many inside carry real correlations.
      expect(zeros).toBeGreaterThan(want.length / 10);
      expect(large).toBeGreaterThan(want.length / 10);
    } finally {
      await session.release();
    }
  });
});
