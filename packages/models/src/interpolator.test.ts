import {afterAll, beforeAll, describe, expect, it} from '@jest/globals';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {describeWithBackends, expectNoLeaks} from '@daek/testing';
import {bisectionPath, createInterpolator, SHIPPED_WEIGHTS, shippedWeights, type Interpolator} from './interpolator.js';
import type {PixelFrame} from './frames.js';
import {saveNetwork} from './weights_source.js';

describe('bisectionPath', () => {
  it('reaches dyadic times by halving, and rounds others to 2^-depth', () => {
    expect(bisectionPath(0.5, 4)).toEqual({steps: [], t: 0.5});
    expect(bisectionPath(0.25, 4)).toEqual({steps: ['left'], t: 0.25});
    expect(bisectionPath(0.75, 4)).toEqual({steps: ['right'], t: 0.75});
    expect(bisectionPath(0.375, 4)).toEqual({steps: ['left', 'right'], t: 0.375});
    expect(bisectionPath(1 / 3, 4).t).toBe(0.3125);
    expect(bisectionPath(0.01, 4)).toEqual({steps: [], t: 0});
    expect(bisectionPath(0.99, 4)).toEqual({steps: [], t: 1});
  });
});

/** A smooth frame pair with a horizontal shift, as tensors [1,H,W,3] in [0,1]. */
function framePair(h: number, w: number, shift = 3): [tf.Tensor4D, tf.Tensor4D] {
  return tf.tidy(() => {
    const y = tf.range(0, h).reshape([h, 1, 1]);
    const make = (dx: number) => {
      const x = tf.range(0, w).reshape([1, w, 1]).sub(dx);
      const r = tf.sin(x.mul(0.21)).mul(tf.cos(y.mul(0.13)));
      const g = tf.cos(x.mul(0.17).add(y.mul(0.05)));
      const b = tf.sin(y.mul(0.11).sub(x.mul(0.07)));
      return tf.concat([r, g, b].map((c) => c.broadcastTo([h, w, 1])), 2).mul(0.4).add(0.5).expandDims(0) as tf.Tensor4D;
    };
    return [make(0), make(shift)];
  });
}

describeWithBackends('createInterpolator (IFNet, untrained weights)', () => {
  let interp: Interpolator;
  beforeAll(async () => { interp = await createInterpolator({model: 'ifnet', weights: 'random'}); });
  afterAll(() => interp.dispose());

  it('any size: a 75x100 pair is padded (replicate, to 128) and cropped back', async () => {
    const [a, b] = framePair(75, 100);
    const out = await interp.interpolate(a, b);
    expect(out.shape).toEqual([1, 75, 100, 3]);
    const [min, max] = [(await out.min().data())[0]!, (await out.max().data())[0]!];
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThanOrEqual(1);
  });

  it('returns the input\'s form: rank-3 tensors, uint8-valued int32 tensors, RGBA pixel buffers, batches', async () => {
    const [a, b] = framePair(64, 64);
    expect((await interp.interpolate(a.squeeze([0]) as tf.Tensor3D, b.squeeze([0]) as tf.Tensor3D)).shape).toEqual([64, 64, 3]);
    const ints = (t: tf.Tensor) => tf.cast(tf.round(t.mul(255)), 'int32') as tf.Tensor4D;
    const fromInts = await interp.interpolate(ints(a), ints(b));
    expect(fromInts.dtype).toBe('float32');
    const batch = await interp.interpolate(tf.concat([a, b]), tf.concat([b, a]));
    expect(batch.shape).toEqual([2, 64, 64, 3]);
    const rgba = async (t: tf.Tensor4D): Promise<PixelFrame> => {
      const rgb = await ints(t).data();
      const data = new Uint8ClampedArray(64 * 64 * 4);
      for (let i = 0; i < 64 * 64; i++) { data.set(rgb.slice(3 * i, 3 * i + 3), 4 * i); data[4 * i + 3] = 255; }
      return {data, width: 64, height: 64};
    };
    const pixels = await interp.interpolate(await rgba(a), await rgba(b));
    expect([pixels.width, pixels.height, pixels.channels, pixels.data.length]).toEqual([64, 64, 4, 64 * 64 * 4]);
    // The same frame through the pixel path and the tensor path agrees to one 8-bit step.
    const viaTensor = await (await interp.interpolate(ints(a), ints(b))).mul(255).round().data();
    let worst = 0;
    for (let i = 0; i < 64 * 64; i++) for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(pixels.data[4 * i + c]! - viaTensor[3 * i + c]!));
    expect(worst).toBeLessThanOrEqual(1);
  });

  it('t other than 0.5 changes the output (bisection); t = 0 and 1 return the input frames', async () => {
    const [a, b] = framePair(64, 96, 6);
    const half = await interp.interpolate(a, b, {t: 0.5});
    const quarter = await interp.interpolate(a, b, {t: 0.25});
    const threeQuarters = await interp.interpolate(a, b, {t: 0.75});
    const diff = async (x: tf.Tensor, y: tf.Tensor) => (await tf.max(tf.abs(tf.sub(x, y))).data())[0]!;
    expect(await diff(half, quarter)).toBeGreaterThan(1e-3);
    expect(await diff(quarter, threeQuarters)).toBeGreaterThan(1e-3);
    expect(await diff(await interp.interpolate(a, b, {t: 0}), a)).toBe(0);
    expect(await diff(await interp.interpolate(a, b, {t: 1}), b)).toBe(0);
  });

  it('clear errors: mismatched sizes, NaN, 0-255 floats, wrong channels, bad t', async () => {
    const [a, b] = framePair(64, 64);
    await expect(interp.interpolate(a, tf.zeros([1, 64, 96, 3]) as tf.Tensor4D)).rejects.toThrow(/differ in size.*nothing is resized/);
    const nan = tf.fill(a.shape, NaN) as tf.Tensor4D;
    await expect(interp.interpolate(a, nan)).rejects.toThrow(/frame1: contains NaN/);
    await expect(interp.interpolate(a.mul(255) as tf.Tensor4D, b)).rejects.toThrow(/\[0,1\].*Divide 0-255/);
    await expect(interp.interpolate(tf.zeros([1, 64, 64, 2]) as tf.Tensor4D, b)).rejects.toThrow(/3 \(RGB\) or 4 \(RGBA\) channels/);
    await expect(interp.interpolate(a, b, {t: 1.5})).rejects.toThrow(/t: expected a number in \[0, 1\]/);
    await expect(interp.interpolate({data: new Uint8Array(10), width: 4, height: 4}, {data: new Uint8Array(10), width: 4, height: 4}))
      .rejects.toThrow(/needs 48/);
  });

  it('no tensor growth over repeated interpolate calls (t = 0.5 and by bisection)', async () => {
    const [a, b] = framePair(64, 64);
    await expectNoLeaks(() => interp.interpolate(a, b), 3);
    await expectNoLeaks(() => interp.interpolate(a, b, {t: 0.375}), 2);
  });
}, {only: ['wasm']});

describeWithBackends('createInterpolator weights', () => {
  let dir: string;
  beforeAll(() => { dir = mkdtempSync(path.join(tmpdir(), 'daek-interp-')); });
  afterAll(() => rmSync(dir, {recursive: true, force: true}));

  it('daek-s loads the weights that ship with the package by default (float16, no teacher)', async () => {
    expect(SHIPPED_WEIGHTS['daek-s']).toBe('weights/daek-s/model.json');
    expect(await shippedWeights('daek')).toBeNull();
    const file = await shippedWeights('daek-s');
    expect(file).toMatch(/weights[\\/]daek-s[\\/]model\.json$/);
    const interp = await createInterpolator({model: 'daek-s'});
    try {
      expect(interp.model).toBe('daek-s');
      expect(interp.weights).toBe(file);
      expect(interp.network.store.names().some((n) => n.includes('_tea'))).toBe(false);
      const [a, b] = framePair(64, 64);
      const out = await interp.interpolate(a, b);
      expect(out.shape).toEqual(a.shape);
      out.dispose();
    } finally {
      interp.dispose();
    }
  });

  it('refuses to run without weights, and names the options', async () => {
    await expect(createInterpolator({model: 'daek'})).rejects.toThrow(/no weights given for "daek".*'random'/);
    await expect(createInterpolator({model: 'nope', weights: 'random'})).rejects.toThrow(/Unknown model "nope"/);
  });

  it('saved tfjs weights rebuild the same network (the file says which) and give identical frames', async () => {
    const first = await createInterpolator({model: 'ifnet', weights: 'random'});
    await saveNetwork(first.network, dir);
    const second = await createInterpolator({weights: dir});
    expect(second.model).toBe('ifnet');
    const [a, b] = framePair(64, 64);
    const x = await (await first.interpolate(a, b)).data();
    const y = await (await second.interpolate(a, b)).data();
    expect(Array.from(y)).toEqual(Array.from(x));
    await expect(createInterpolator({model: 'daek', weights: dir})).rejects.toThrow(/weights are for model "ifnet"/);
    first.dispose();
    second.dispose();
  });

  it('a preset stored under its name (saveNetwork {model}) loads as that preset, and only a network of its widths stores so', async () => {
    const small = await createInterpolator({model: 'daek-s', weights: 'random', daekConfig: {teacher: 'none'}});
    const file = path.join(dir, 'daek-s');
    await saveNetwork(small.network, file, {model: 'daek-s', quantize: 'float16'});
    const loaded = await createInterpolator({model: 'daek-s', weights: file});
    expect(loaded.model).toBe('daek-s');
    expect((loaded.network as {config: {mebWidths: number[]}}).config.mebWidths).toEqual([64, 48, 32]);
    await expect(createInterpolator({model: 'daek', weights: file})).rejects.toThrow(/weights are for model "daek-s"/);
    await expect(saveNetwork(small.network, path.join(dir, 'x'), {model: 'daek'})).rejects.toThrow(/not a "daek": it differs in mebWidths/);
    small.dispose();
    loaded.dispose();
  });
}, {only: ['wasm']});

describeWithBackends('createInterpolator memory', () => {
  it('dispose() releases every tensor the interpolator made', async () => {
    const before = tf.memory().numTensors;
    const interp = await createInterpolator({model: 'ifnet', weights: 'random'});
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    interp.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
}, {only: ['cpu']});
