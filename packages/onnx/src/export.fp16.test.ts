// float16 weights: half the file, and what the rounding costs against the float32 tfjs network (fixture weights,
// which are float32 values; the shipped daek-s weights are float16 already, so its float16 file is exact).
import {afterAll, beforeAll, describe, expect, it} from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import {useBackend} from '@daek/flow-ops';
import {DAEK, resolveDaekConfig} from '@daek/models';
import {exportOnnx} from './export_onnx.js';
import {readModelInfo} from './runtime/model_info.js';
import {maxAbs, runOnnx, setFixtureWeights, testFrames, tfjsReference} from '../test/helpers.js';

let net: DAEK;
let frames: [tf.Tensor4D, tf.Tensor4D];

beforeAll(async () => {
  await useBackend('wasm');
  net = new DAEK(resolveDaekConfig('daek-s'));
  setFixtureWeights(net);
  frames = testFrames(1, 64, 96);
});

afterAll(() => {
  net.dispose();
  tf.dispose(frames);
});

describe('float16 weights', () => {
  it('halve the file and cost at most 5e-3 on frames and 5e-2 px on flows (daek-s, fixture weights)', async () => {
    const full = await exportOnnx(net);
    const half = await exportOnnx(net, {precision: 'float16'});
    expect(readModelInfo(half).precision).toBe('float16');
    expect(half.length / full.length).toBeLessThan(0.52);
    const ref = tfjsReference(net, frames[0], frames[1]);
    const got = await runOnnx(half, frames[0], frames[1]);
    const frame = maxAbs(got.merged, ref.merged);
    const flow = maxAbs(got.flow, ref.flow);
    process.stdout.write(`float16 weights, daek-s fixture weights, 96x64: frame max abs ${frame.toExponential(2)}, flow max abs ${flow.toExponential(2)} px\n`);
    // Rounding the weights must show (a float32 file in disguise would give ~1e-6) and stay small.
    expect(frame).toBeGreaterThan(1e-5);
    expect(frame).toBeLessThan(5e-3);
    expect(flow).toBeLessThan(5e-2);
  });
});
