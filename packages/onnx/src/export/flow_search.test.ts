// flowSearchGraph() on onnxruntime-node: parity with the Python reference's refined flows (@daek/models
// test/fixtures/flow_search, refine_probe.py `refine`) and with the tfjs engine's refinedMiddleFrame; the checker.
import {beforeAll, describe, expect, it} from '@jest/globals';
import {readFileSync} from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {backwardWarp} from '@daek/flow-ops';
import {readNpy} from '@daek/testing';
import {refinedMiddleFrame, type NetworkOutputs} from '@daek/models';
import {createFlowSearchSession} from '../runtime/flow_search.js';
import {checkWithOnnx, maxAbs, nchw, onnxCheckerAvailable} from '../../test/helpers.js';
import {flowSearchGraph} from './flow_search.js';

const FIXTURE = path.resolve(import.meta.dirname, '../../../models/test/fixtures/flow_search');
const c = JSON.parse(readFileSync(path.join(FIXTURE, 'case.json'), 'utf8')) as {params: {B: number; H: number; W: number; steps: number[]; windows: number[]}};
const {B: batch, H: height, W: width, steps} = c.params;
const size = {batch, height, width};

/** An NCHW float32 fixture array. */
function npy(name: string): Float32Array {
  const {data} = readNpy(path.join(FIXTURE, `${name}.npy`));
  return data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>);
}

/** `[B,C,H,W]` host data -> NHWC tensor. */
function nhwc(data: Float32Array, channels: number): tf.Tensor4D {
  return tf.tidy(() => tf.transpose(tf.tensor4d(data, [batch, channels, height, width]), [0, 2, 3, 1]) as tf.Tensor4D);
}

/** Deterministic values in [0, 1) (a fixed LCG), so that the test does not depend on tfjs's random kernels. */
function pseudoRandom(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let s = seed >>> 0;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32;
  }
  return out;
}

const [img0, img1, flow] = [npy('img0'), npy('img1'), npy('flow')];
const plane = batch * height * width;
// A mask and a network frame for the refined frame (the fixture has only frames and flows): any values in [0, 1].
const mask = pseudoRandom(plane, 7);
const merged = pseudoRandom(plane * 3, 11);

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('flowSearchGraph on onnxruntime-node', () => {
  for (const window of c.params.windows) {
    describe(`window ${window}, steps ${steps.join(', ')}`, () => {
      let refinedFlow: Float32Array;
      let refined: Float32Array;

      beforeAll(async () => {
        const session = await createFlowSearchSession({steps, window}, {runtime: 'onnxruntime-node', executionProvider: 'cpu', threads: 1});
        try {
          expect(session.description).toBe(`flow search refinement (steps ${steps.join(', ')}; window ${window})`);
          const out = await session.run(img0, img1, {merged, flow, mask}, size, true);
          refinedFlow = out.refinedFlow!;
          refined = out.refined;
        } finally {
          await session.release();
        }
      });

      it('refinedFlow: the Python reference\'s refined flow (refined_wN.npy)', () => {
        const want = npy(`refined_w${window}`);
        expect(refinedFlow.length).toBe(want.length);
        // 1e-5 px, the tfjs parity test's tolerance: where both pick the same offsets the flows are the same float32
        // sums (start flow + offsets), so they agree to float32 rounding; a pixel differs only where the argmin flips.
        const tolerance = 1e-5;
        let flipped = 0;
        for (let p = 0; p < plane; p++) {
          // NCHW: the 4 channels of pixel p are plane apart.
          if ([0, 1, 2, 3].some((k) => !(Math.abs(refinedFlow[k * plane + p]! - want[k * plane + p]!) <= tolerance))) flipped++;
        }
        // ORT's GridSample differs from torch's by ~1e-7, which can flip a near-tie of two candidates' window
        // costs: the same bound as the tfjs engine's parity test, 0.5% of the pixels (11 of 2240). Measured: 0 pixels, max
        // |diff| 0 (onnxruntime-node 1.30, both windows).
        console.log(`flowSearchGraph window ${window}: ${flipped} of ${plane} flow pixels differ from the Python reference by more than ` +
          `${tolerance} px; max |diff| ${maxAbs(refinedFlow, want).toExponential(2)} px`);
        expect(flipped / plane).toBeLessThanOrEqual(0.005);
      });

      it('refined: the tfjs engine\'s refinedMiddleFrame for the same inputs', async () => {
        const logit = Float32Array.from(mask, (m) => Math.log(m / (1 - m)));
        const [t0, t1, tf0, tLogit, tMerged] = [nhwc(img0, 3), nhwc(img1, 3), nhwc(flow, 4), nhwc(logit, 1), nhwc(merged, 3)];
        // lastBlend: the blend with the unrefined flow and the same mask, as the network computes it.
        const blend = warpAndBlend(t0, t1, tf0, tLogit);
        const outputs = {flows: [tf0], blends: [blend], output: tMerged, maskLogit: tLogit, masks: [], teacher: null,
          distillTerms: null} as unknown as NetworkOutputs;
        const frame = refinedMiddleFrame(t0, t1, outputs, {steps, window});
        const want = nchw(frame);
        tf.dispose([t0, t1, tf0, tLogit, tMerged, blend, frame]);
        // 1e-5: the warps differ by ~1e-7 and the mask by the logit round trip (~1e-7); a flipped argmin pixel would
        // differ by more, and is counted.
        let differing = 0;
        for (let i = 0; i < want.length; i++) if (!(Math.abs(refined[i]! - want[i]!) <= 1e-5)) differing++;
        console.log(`flowSearchGraph window ${window}: ${differing} of ${want.length} refined frame values differ from tfjs ` +
          `refinedMiddleFrame by more than 1e-5; max |diff| ${maxAbs(refined, want).toExponential(2)}`);
        expect(differing / want.length).toBeLessThanOrEqual(0.005);
      });
    });
  }
});

/** The tfjs network's blend (@daek/models outputs.ts warpAndBlend): warp(a, f0)·m + warp(b, f1)·(1 − m), m = sigmoid(logit). */
function warpAndBlend(a: tf.Tensor4D, b: tf.Tensor4D, f: tf.Tensor4D, logit: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const m = tf.sigmoid(logit);
    const [f0, f1] = tf.split(f, 2, 3) as [tf.Tensor4D, tf.Tensor4D];
    const w0 = backwardWarp(a, f0, {checkFinite: false});
    const w1 = backwardWarp(b, f1, {checkFinite: false});
    return tf.add(tf.mul(w0, m), tf.mul(w1, tf.sub(1, m))) as tf.Tensor4D;
  });
}

describe('flowSearchGraph: options and the ONNX checker', () => {
  it('refuses invalid options by name, as refineFlowBySearch', () => {
    expect(() => flowSearchGraph({window: 4})).toThrow(/^flowSearchGraph: window: expected an odd integer >= 1/);
    expect(() => flowSearchGraph({steps: [1, -1]})).toThrow(/^flowSearchGraph: steps: every step must be a positive finite number/);
  });

  const available = onnxCheckerAvailable();
  (available ? it : it.skip)(`passes onnx.checker.check_model(full_check=True)${available ? '' : ' [skipped: no python3-onnx]'}`, () => {
    expect(checkWithOnnx(flowSearchGraph({steps: [1, 0.5], window: 9}))).toMatch(/^ok \S+ 8 17$/);
    expect(checkWithOnnx(flowSearchGraph({steps: [1], window: 1}))).toMatch(/^ok \S+ 8 17$/);
  });
});
