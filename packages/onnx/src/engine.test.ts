// createInterpolator({engine: 'onnxruntime'}): the same frame pipeline as the tfjs engine (padding, cropping,
// bisection, batches, pixel frames), with the shipped daek-s .onnx by default; both engines agree.
import {afterAll, beforeAll, describe, expect, it} from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import {useBackend} from '@daek/flow-ops';
import {createInterpolator, type Interpolator} from '@daek/models';
import {OnnxModelError} from './runtime/errors.js';
import {exportOnnx} from './export_onnx.js';
import {createOnnxExecutor} from './runtime/executor.js';
import {createOnnxSession} from './runtime/session.js';
import {maxAbs, nchw, testFrames} from '../test/helpers.js';

let onnxEngine: Interpolator;
let tfjsEngine: Interpolator;

beforeAll(async () => {
  await useBackend('wasm');
  // The networks alone (refine is on by default for the shipped weights): their parity is what these tests check.
  onnxEngine = await createInterpolator({model: 'daek-s', engine: 'onnxruntime', threads: 1, refine: false});
  tfjsEngine = await createInterpolator({model: 'daek-s', engine: 'tfjs', refine: false});
});

afterAll(() => {
  onnxEngine?.dispose();
  tfjsEngine?.dispose();
});

describe("createInterpolator({engine: 'onnxruntime'})", () => {
  it('runs the shipped daek-s .onnx and says what runs', () => {
    expect(onnxEngine.engine).toBe('onnxruntime');
    expect(onnxEngine.executor).toBe('onnxruntime-node cpu, 1 thread');
    expect(tfjsEngine.engine).toBe('tfjs');
    expect(tfjsEngine.executor).toBe('tfjs wasm');
  });

  it('gives the tfjs engine\'s frames: odd sizes (padded and cropped), a batch, t = 0.25 by bisection', async () => {
    // 70x100 is padded to 128x128 (the minimum size), then cropped back.
    const [a, b] = testFrames(2, 70, 100);
    try {
      for (const t of [0.5, 0.25]) {
        const got = await onnxEngine.interpolate(a, b, {t});
        const want = await tfjsEngine.interpolate(a, b, {t});
        expect(got.shape).toEqual([2, 70, 100, 3]);
        // Shipped weights, two engines: frames within 1e-4 (the parity tolerance).
        expect(maxAbs(await got.data(), await want.data())).toBeLessThanOrEqual(1e-4);
        tf.dispose([got, want]);
      }
    } finally {
      tf.dispose([a, b]);
    }
  });

  it('takes pixel frames and gives pixels back', async () => {
    const width = 64;
    const height = 48;
    const data = (shift: number) => Uint8Array.from({length: width * height * 4}, (_, i) => ((i >> 2) + shift) % 256);
    const out = await onnxEngine.interpolate({data: data(0), width, height}, {data: data(8), width, height});
    expect(out).toMatchObject({width, height, channels: 4});
  });

  it('refuses an .onnx exported from other weights', async () => {
    const other = await createInterpolator({model: 'daek-s', weights: 'random'});
    try {
      const bytes = await exportOnnx(other.network);
      await expect(createInterpolator({model: 'daek-s', engine: 'onnxruntime', onnx: bytes})).rejects.toThrow(OnnxModelError);
      // With its own weights the same file runs.
      const own = await createInterpolator({model: 'daek-s', weights: 'random', engine: 'onnxruntime', onnx: bytes, threads: 1});
      own.dispose();
    } finally {
      other.dispose();
    }
  });

  it('runs frames above 512x512 of an all-pairs graph on a memory-light twin, with the same frame', async () => {
    const allPairs = await exportOnnx(onnxEngine.network, {correlation: 'all-pairs'});
    const executor = await createOnnxExecutor({model: 'daek-s', network: onnxEngine.network, threads: 1, onnx: allPairs});
    const direct = await createOnnxSession(allPairs, {threads: 1});
    const [a, b] = testFrames(1, 528, 528);
    try {
      expect(direct.info.correlation).toBe('all-pairs');
      const got = await executor.run(a, b);
      const want = await direct.run(nchw(a), nchw(b), {batch: 1, height: 528, width: 528});
      const gotNchw = nchw(got);
      got.dispose();
      expect(maxAbs(gotNchw, want.merged)).toBeLessThanOrEqual(1e-4);
    } finally {
      tf.dispose([a, b]);
      await executor.dispose();
      await direct.release();
    }
  }, 600_000);

  it('refine: the tfjs engine\'s refined frames (flow search as a second ONNX graph), also with ensemble; no tfjs leaks', async () => {
    const onnxRefine = await createInterpolator({model: 'daek-s', engine: 'onnxruntime', threads: 1, refine: {window: 5}});
    const tfjsRefine = await createInterpolator({model: 'daek-s', engine: 'tfjs', refine: {window: 5}});
    const onnxBoth = await createInterpolator({model: 'daek-s', engine: 'onnxruntime', threads: 1, refine: true, ensemble: true});
    // 70x100 is padded to 128x128; a batch of 2.
    const [a, b] = testFrames(2, 70, 100);
    try {
      expect(onnxRefine.executor).toBe('onnxruntime-node cpu, 1 thread, flow search refinement (steps 1, 0.5, 0.25; window 5; prior 0.02; ' +
        'coarse start 0.5)');
      expect(tfjsRefine.executor).toBe('tfjs wasm, flow search refinement (steps 1, 0.5, 0.25; window 5; prior 0.02; ' +
        'coarse start 0.5)');
      expect(onnxBoth.executor).toBe('onnxruntime-node cpu, 1 thread, flow search refinement (steps 1, 0.5, 0.25; window 13; prior 0.02; ' +
        'coarse start 0.5), ' +
        'time-reversal ensemble (2 passes)');
      const got = await onnxRefine.interpolate(a, b);
      const want = await tfjsRefine.interpolate(a, b);
      const plain = await onnxEngine.interpolate(a, b);
      const [g, w, p] = [await got.data(), await want.data(), await plain.data()];
      tf.dispose([got, want, plain]);
      // The networks agree to 1e-4 (the parity tolerance above) and so do the refined frames wherever both engines
      // pick the same offsets; the engines' start flows differ by ~1e-5, which can flip the argmin of a near-tie,
      // and such a pixel differs by more. Count those; they must stay rare (0.5% of the values).
      let differing = 0;
      for (let i = 0; i < g.length; i++) if (!(Math.abs(g[i]! - w[i]!) <= 1e-4)) differing++;
      expect(differing / g.length).toBeLessThanOrEqual(0.005);
      // The refinement did something: the refined frame is not the plain one.
      expect(maxAbs(g, p)).toBeGreaterThan(1e-3);
      const before = tf.memory().numTensors;
      const both = await onnxBoth.interpolate(a, b);
      expect(both.shape).toEqual([2, 70, 100, 3]);
      both.dispose();
      (await onnxRefine.interpolate(a, b)).dispose();
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      tf.dispose([a, b]);
      onnxRefine.dispose();
      tfjsRefine.dispose();
      onnxBoth.dispose();
    }
  }, 120_000);

  it('refuses an unknown engine', async () => {
    await expect(createInterpolator({model: 'daek-s', engine: 'torch' as 'tfjs'})).rejects.toThrow(/engine: expected 'tfjs' or 'onnxruntime'/);
  });
});
