import * as tf from '@tensorflow/tfjs';
import type {RgbImage} from '@daek/datasets';
import {createInterpolator, type Interpolator} from '@daek/models';
import {createModelEngine, scaledMiddle} from './model_engine.js';

function pattern(width: number, height: number, shift: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      const u = x - shift;
      data[o] = 128 + Math.round(100 * Math.sin(u / 5) * Math.cos(y / 7));
      data[o + 1] = 128 + Math.round(90 * Math.cos(u / 9 + y / 11));
      data[o + 2] = (u * 3 + y * 2) & 255;
    }
  }
  return {data, width, height};
}

describe('scaledMiddle (--scale: motion at low resolution, warp at full resolution)', () => {
  let interp: Interpolator;
  beforeAll(async () => {
    interp = await createInterpolator({backend: 'wasm', checkFrames: false, refine: false}); // the shipped default model, the network alone
  });
  afterAll(() => interp?.dispose());

  it('at scale 1 rebuilds the network\'s own output from its flow, mask and residual', async () => {
    const a = pattern(80, 64, 0);
    const b = pattern(80, 64, 3);
    const direct = await interp.interpolate({...a, channels: 3}, {...b, channels: 3});
    const rebuilt = await scaledMiddle(interp, a, b, 1);
    let worst = 0;
    for (let i = 0; i < rebuilt.data.length; i++) worst = Math.max(worst, Math.abs(rebuilt.data[i]! - direct.data[i]!));
    expect(worst).toBeLessThanOrEqual(1); // rounding only
  });

  it('at scale 0.5 keeps the full size, reproduces a still frame, and leaks no tensors', async () => {
    const a = pattern(96, 72, 0);
    const before = tf.memory().numTensors;
    const out = await scaledMiddle(interp, a, a, 0.5);
    expect(tf.memory().numTensors).toBe(before);
    expect([out.width, out.height, out.data.length]).toEqual([96, 72, 96 * 72 * 3]);
    let sum = 0;
    for (let i = 0; i < out.data.length; i++) sum += Math.abs(out.data[i]! - a.data[i]!);
    expect(sum / out.data.length).toBeLessThan(3);
  });
});

describe('createModelEngine', () => {
  it('tfjs and onnxruntime make the same middle frame (to rounding)', async () => {
    const a = pattern(64, 48, 0);
    const b = pattern(64, 48, 2);
    const tfjsEngine = await createModelEngine({engine: 'tfjs', refine: false});
    const onnxEngine = await createModelEngine({engine: 'onnxruntime', threads: 1, refine: false});
    try {
      expect(tfjsEngine.name).toBe('tfjs wasm');
      expect(onnxEngine.name).toMatch(/^onnxruntime-node cpu, 1 thread/);
      const [x, y] = [await tfjsEngine.middle(a, b), await onnxEngine.middle(a, b)];
      let worst = 0;
      for (let i = 0; i < x.data.length; i++) worst = Math.max(worst, Math.abs(x.data[i]! - y.data[i]!));
      expect(worst).toBeLessThanOrEqual(2);
    } finally {
      tfjsEngine.dispose();
      onnxEngine.dispose();
    }
  });

  it('--ensemble averages the frames of (a, b) and (b, a), at scale 1 and at scale 0.5', async () => {
    const a = pattern(64, 48, 0);
    const b = pattern(64, 48, 4);
    const plain = await createModelEngine({engine: 'tfjs', refine: false});
    const ensemble = await createModelEngine({engine: 'tfjs', ensemble: true, refine: false});
    const halfPlain = await createModelEngine({engine: 'tfjs', scale: 0.5, refine: false});
    const halfEnsemble = await createModelEngine({engine: 'tfjs', scale: 0.5, ensemble: true, refine: false});
    try {
      expect(ensemble.name).toMatch(/time-reversal ensemble/);
      const check = async (one: typeof plain, both: typeof plain) => {
        const [ab, ba, mean] = [await one.middle(a, b), await one.middle(b, a), await both.middle(a, b)];
        let [worst, differs] = [0, 0];
        for (let i = 0; i < mean.data.length; i++) {
          worst = Math.max(worst, Math.abs(2 * mean.data[i]! - ab.data[i]! - ba.data[i]!));
          differs = Math.max(differs, Math.abs(ab.data[i]! - ba.data[i]!));
        }
        expect(differs).toBeGreaterThan(0); // the two orders give different frames, so the mean is a real test
        expect(worst).toBeLessThanOrEqual(2); // |2 mean - (ab + ba)| <= 2: each of the three rounded once
      };
      await check(plain, ensemble);
      await check(halfPlain, halfEnsemble);
    } finally {
      [plain, ensemble, halfPlain, halfEnsemble].forEach((e) => e.dispose());
    }
  });

  it('refuses what an engine cannot do, by name', async () => {
    await expect(createModelEngine({engine: 'onnxruntime', scale: 0.5, refine: false})).rejects.toThrow(/--scale 0.5 needs the network's flow .*--engine tfjs/);
    await expect(createModelEngine({engine: 'tfjs', weights: 'model.onnx', refine: false})).rejects.toThrow(/an \.onnx file needs --engine onnxruntime/);
    await expect(createModelEngine({engine: 'tfjs', model: 'nope', refine: false})).rejects.toThrow(/--model: Unknown model "nope"/);
    await expect(createModelEngine({engine: 'tfjs', weights: '/nonexistent/model.json', refine: false})).rejects.toThrow(/cannot load the model/);
    await expect(createModelEngine({engine: 'tfjs', scale: 0.5, refine: true}))
      .rejects.toThrow(/--refine searches the network's full-resolution flow and does not combine with --scale 0.5/);
    await expect(createModelEngine({engine: 'tfjs'})).rejects.toThrow(/createModelEngine: refine is undefined; resolve the default with autoScale\(\)/);
  });

  it('--refine reaches createInterpolator on either engine, and the engine name says so', async () => {
    for (const engine of ['tfjs', 'onnxruntime'] as const) {
      const refined = await createModelEngine({engine, refine: true, threads: 1});
      try {
        expect(refined.name).toMatch(/flow search refinement \(steps 1, 0.5, 0.25; window 13; prior 0.02; coarse start 0.5\)/);
        const out = await refined.middle(pattern(64, 48, 0), pattern(64, 48, 3));
        expect([out.width, out.height]).toEqual([64, 48]);
      } finally {
        refined.dispose();
      }
    }
  }, 60_000);
});
