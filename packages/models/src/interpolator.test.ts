import {afterAll, beforeAll, describe, expect, it} from '@jest/globals';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {describeWithBackends, expectClose, expectNoLeaks} from '@daek/testing';
import {
  asModelName, bisectionPath, createInterpolator, DEFAULT_MODEL, MODEL_NAMES, SHIPPED_WEIGHTS, shippedWeights, type Interpolator,
  type InterpolatorConfig, type ModelName,
} from './interpolator.js';
import {coarseStartFlow} from './coarse_start.js';
import {refinedMiddleFrame, resolveFlowSearchOptions, type FlowSearchOptions} from './flow_search.js';
import {disposeOutputs} from './outputs.js';
import {DAEK_PRESETS} from './presets.js';
import type {PixelFrame} from './frames.js';
import type {FrameExecutor, OnnxExecutorRequest} from './executor.js';
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

  it('ensemble: true gives the mean of the frames for (a, b) and (b, a), leaks nothing, and says so', async () => {
    const weights = mkdtempSync(path.join(tmpdir(), 'daek-ens-'));
    await saveNetwork(interp.network, weights);
    const ens = await createInterpolator({weights, ensemble: true});
    try {
      expect(ens.executor).toMatch(/time-reversal ensemble/);
      const [a, b] = framePair(64, 96, 5);
      const [ab, ba, mean] = [await interp.interpolate(a, b), await interp.interpolate(b, a), await ens.interpolate(a, b)];
      // The two orders differ (an untrained network is not symmetric), and the ensemble is their mean.
      expect(tf.max(tf.abs(tf.sub(ab, ba))).dataSync()[0]!).toBeGreaterThan(1e-3);
      const expected = tf.mul(tf.add(ab, ba), 0.5);
      expect(tf.max(tf.abs(tf.sub(mean, expected))).dataSync()[0]!).toBeLessThan(1e-5);
      await expectNoLeaks(() => ens.interpolate(a, b), 2);
    } finally {
      ens.dispose();
      rmSync(weights, {recursive: true, force: true});
    }
  });

  it('refine recomposes each frame from a searched flow (each ensemble pass too), leaks nothing, and says so', async () => {
    const weights = mkdtempSync(path.join(tmpdir(), 'daek-refine-'));
    await saveNetwork(interp.network, weights);
    const refined = await createInterpolator({weights, refine: true});
    const both = await createInterpolator({weights, refine: {steps: [1], window: 5}, ensemble: true});
    const onePass = await createInterpolator({weights, refine: {coarseStart: false, prior: 0}});
    try {
      expect(refined.executor).toMatch(/^tfjs wasm, flow search refinement \(steps 1, 0.5, 0.25; window 13; prior 0.02; coarse start 0.5\)$/);
      expect(both.executor).toMatch(/flow search refinement \(steps 1; window 5; prior 0.02; coarse start 0.5\), time-reversal ensemble/);
      expect(onePass.executor).toMatch(/flow search refinement \(steps 1, 0.5, 0.25; window 13; prior 0; one pass\)$/);
      // 128x128 needs no padding, so the frame is refinedMiddleFrame of the network's own outputs, searched from the
      // better of its flow and the flow of a pass on the 64x64 frames (padded to 128).
      const [a, b] = framePair(128, 128, 5);
      const lastFlow = (x: tf.Tensor4D, y: tf.Tensor4D) => {
        const out = interp.network.forward(x, y);
        try { return tf.clone(out.flows[out.flows.length - 1]!); } finally { disposeOutputs(out); }
      };
      const direct = async (x: tf.Tensor4D, y: tf.Tensor4D, options: FlowSearchOptions = {}) => {
        const {coarseStart} = resolveFlowSearchOptions(options);
        const coarse = coarseStart ? await coarseStartFlow(x, y, coarseStart, lastFlow) : null;
        const out = interp.network.forward(x, y);
        try { return refinedMiddleFrame(x, y, out, options, coarse ? [coarse] : []); } finally { disposeOutputs(out); coarse?.dispose(); }
      };
      const [plain, frame] = [await interp.interpolate(a, b), await refined.interpolate(a, b)];
      await expectClose(frame, await direct(a, b), 1e-6, 'refined frame');
      expect(tf.max(tf.abs(tf.sub(frame, plain))).dataSync()[0]!).toBeGreaterThan(1e-3);
      await expectClose(await onePass.interpolate(a, b), await direct(a, b, {coarseStart: false, prior: 0}), 1e-6, 'one pass');
      const search = {steps: [1], window: 5};
      await expectClose(await both.interpolate(a, b), tf.mul(tf.add(await direct(a, b, search), await direct(b, a, search)), 0.5), 1e-6,
        'ensemble');
      const [c, d] = framePair(40, 72, 3);
      await expectNoLeaks(() => refined.interpolate(c, d), 2);
    } finally {
      refined.dispose();
      both.dispose();
      onePass.dispose();
      rmSync(weights, {recursive: true, force: true});
    }
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

  it('refine unset: on for the shipped weights, off for weights passed in; refine: false turns it off', async () => {
    const file = (await shippedWeights('daek-s'))!;
    const made = await Promise.all([createInterpolator({model: 'daek-s'}), createInterpolator({model: 'daek-s', refine: false}),
      createInterpolator({model: 'daek-s', weights: file}), createInterpolator({model: 'ifnet', weights: 'random'})]);
    try {
      expect(made.map((i) => /flow search refinement/.test(i.executor))).toEqual([true, false, false, false]);
    } finally {
      for (const i of made) i.dispose();
    }
  });

  it('daek-s (shipped weights) with refine: true runs on a tiny frame', async () => {
    const interp = await createInterpolator({refine: true});
    try {
      expect(interp.executor).toMatch(/flow search refinement/);
      const [a, b] = framePair(48, 64, 4);
      const out = await interp.interpolate(a, b);
      expect(out.shape).toEqual(a.shape);
      const [min, max] = [tf.min(out).dataSync()[0]!, tf.max(out).dataSync()[0]!];
      expect(min).toBeGreaterThanOrEqual(0);
      expect(max).toBeLessThanOrEqual(1);
    } finally {
      interp.dispose();
    }
  });

  it('refuses to run without weights, and names the options', async () => {
    await expect(createInterpolator({model: 'daek'})).rejects.toThrow(/no weights given for "daek".*'random'/);
    await expect(createInterpolator({model: 'nope' as ModelName, weights: 'random'})).rejects.toThrow(/Unknown model "nope"/);
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

describe('ModelName', () => {
  it('is a union of the known names: a typo does not compile, asModelName() checks a runtime string', () => {
    // @ts-expect-error 'daek-xl' is not a model (a compile-time error, checked by `npm run lint`)
    const typo: InterpolatorConfig = {model: 'daek-xl'};
    expect(typo.model).toBe('daek-xl');
    const known: ModelName[] = ['daek', 'daek-s', 'ifnet', 'rife', 'baseline'];
    expect(MODEL_NAMES).toEqual(expect.arrayContaining([...known, ...DAEK_PRESETS.map((p) => p.name)]));
    expect(MODEL_NAMES).toHaveLength(DAEK_PRESETS.length + 2);
    expect(asModelName('daek-f-ca')).toBe('daek-f-ca');
    expect(() => asModelName('daek-xl')).toThrow(/Unknown model "daek-xl".*daek-s/);
  });
});

describeWithBackends('createInterpolator: errors and error paths (issue 13)', () => {
  /** An IFNet interpolator whose network throws inside forward, as a failing pass would. */
  async function failing(): Promise<Interpolator> {
    const interp = await createInterpolator({model: 'ifnet', weights: 'random', checkFrames: false});
    (interp.network as {forward: unknown}).forward = () => { throw new Error('boom inside the network'); };
    return interp;
  }

  it('the default model is the shipped, trained one: createInterpolator() with no arguments loads it', async () => {
    expect(DEFAULT_MODEL).toBe('daek-s');
    expect(SHIPPED_WEIGHTS[DEFAULT_MODEL]).toBeDefined();
    const interp = await createInterpolator();
    try {
      expect(interp.model).toBe(DEFAULT_MODEL);
      expect(interp.weights).toBe(await shippedWeights(DEFAULT_MODEL));
      // With the shipped weights the flow search is on unless turned off.
      expect(interp.executor).toMatch(/flow search refinement \(steps 1, 0\.5, 0\.25; window 13; prior 0\.02; coarse start 0\.5\)$/);
    } finally {
      interp.dispose();
    }
  });

  it('validates padding options up front, before building anything', async () => {
    const before = tf.memory().numTensors;
    const make = (padding: InterpolatorConfig['padding'], model: ModelName = 'ifnet') => createInterpolator({model, weights: 'random', padding});
    await expect(make({multiple: 0})).rejects.toThrow(/padding.multiple: expected a positive multiple of 16.*got 0/);
    await expect(make({multiple: -32})).rejects.toThrow(/padding.multiple: expected a positive multiple of 16.*got -32/);
    await expect(make({multiple: 24})).rejects.toThrow(/padding.multiple/);
    await expect(make({mode: 'reflect' as 'zero'})).rejects.toThrow(/padding.mode: expected 'replicate' or 'zero', got 'reflect'/);
    await expect(make({minSize: 32}, 'daek-s')).rejects.toThrow(/padding.minSize: daek-s needs frames of at least 64.*got 32/);
    await expect(make({minSize: 16, multiple: 16})).rejects.toThrow(/padding.minSize: ifnet needs frames of at least 32.*got 16/);
    await expect(make({minSize: 1.5})).rejects.toThrow(/padding.minSize/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a network that throws leaks nothing (the bisection copies are freed), at t = 0.5 and by bisection', async () => {
    const interp = await failing();
    const [a, b] = framePair(32, 32);
    const before = tf.memory().numTensors;
    await expect(interp.interpolate(a, b)).rejects.toThrow(/boom inside the network/);
    await expect(interp.interpolate(a, b, {t: 0.375})).rejects.toThrow(/boom inside the network/);
    expect(tf.memory().numTensors).toBe(before);
    interp.dispose();
    tf.dispose([a, b]);
  });

  it('disposed frames, interpolate after dispose() and dispose() during a call get named errors and leak nothing', async () => {
    const base = tf.memory().numTensors;
    const interp = await createInterpolator({model: 'ifnet', weights: 'random'});
    const [a, b] = framePair(32, 32);
    const gone = tf.clone(a);
    gone.dispose();
    await expect(interp.interpolate(gone, b)).rejects.toThrow(/frame0 was disposed/);
    await expect(interp.interpolate(a, gone)).rejects.toThrow(/frame1 was disposed/);
    const call = interp.interpolate(a, b); // waits on the frame check, then would run the network
    interp.dispose();
    await expect(call).rejects.toThrow(/interpolator was disposed during this call/);
    await expect(interp.interpolate(a, b)).rejects.toThrow(/interpolator was disposed; create a new one/);
    expect(interp.network.store.disposed).toBe(true);
    tf.dispose([a, b]);
    expect(tf.memory().numTensors).toBe(base);
  });

  it('refine: checked before anything is built, for either engine; engine onnxruntime receives the resolved options', async () => {
    const before = tf.memory().numTensors;
    await expect(createInterpolator({model: 'ifnet', weights: 'random', engine: 'onnxruntime', refine: {window: 4},
      onnxEngine: {createOnnxExecutor: () => Promise.reject(new Error('not reached'))}}))
      .rejects.toThrow(/^createInterpolator: refine: window: expected an odd integer >= 1/);
    const requests: OnnxExecutorRequest[] = [];
    const onnxEngine = {
      async createOnnxExecutor(request: OnnxExecutorRequest): Promise<FrameExecutor> {
        requests.push(request);
        return {engine: 'onnxruntime', description: 'fake onnx', run: () => Promise.reject(new Error('not run')), dispose() {}};
      },
    };
    for (const [refine, want] of [[true, {steps: [1, 0.5, 0.25], window: 13, prior: 0.02, coarseStart: 0.5}],
      [{window: 5, coarseStart: false}, {steps: [1, 0.5, 0.25], window: 5, prior: 0.02, coarseStart: false}], [false, undefined]] as const) {
      const interp = await createInterpolator({model: 'ifnet', weights: 'random', engine: 'onnxruntime', refine, onnxEngine});
      expect(requests.at(-1)?.refine).toEqual(want);
      interp.dispose();
    }
    await expect(createInterpolator({model: 'ifnet', weights: 'random', refine: {window: 4}}))
      .rejects.toThrow(/^createInterpolator: refine: window: expected an odd integer >= 1/);
    await expect(createInterpolator({model: 'ifnet', weights: 'random', refine: {steps: []}})).rejects.toThrow(/refine: steps: expected a non-empty/);
    await expect(createInterpolator({model: 'ifnet', weights: 'random', refine: {prior: -1}})).rejects.toThrow(/refine: prior: expected a finite number >= 0/);
    await expect(createInterpolator({model: 'ifnet', weights: 'random', refine: {coarseStart: 1}}))
      .rejects.toThrow(/refine: coarseStart: expected a scale between 0 and 1/);
    await expect(createInterpolator({model: 'ifnet', weights: 'random', refine: 'yes' as unknown as boolean}))
      .rejects.toThrow(/refine: expected true, false or \{steps, window, prior, coarseStart\}, got yes/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('weights that do not fit name their file', async () => {
    const file = path.resolve(import.meta.dirname, '../test/fixtures/checkpoint/tiny.pth');
    await expect(createInterpolator({model: 'ifnet', weights: file})).rejects.toThrow(/loadStateDict \(.*tiny\.pth\): \d+ problems/);
  });

  it('options: null means the defaults; anything else that is not an object is refused', async () => {
    const interp = await createInterpolator({model: 'ifnet', weights: 'random'});
    const [a, b] = framePair(32, 32);
    const out = await interp.interpolate(a, b, null);
    expect(out.shape).toEqual([1, 32, 32, 3]);
    await expect(interp.interpolate(a, b, 0.25 as unknown as undefined)).rejects.toThrow(/options: expected an object such as \{t: 0.25\}/);
    interp.dispose();
    tf.dispose([a, b, out]);
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
