import {describe, expect, it} from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import {describeWithBackends, expectClose, expectNoLeaks, maxAbsDiff} from '@daek/testing';
import {ParamStore} from '../params.js';
import {BasicEncoder, type BasicEncoderConfig} from './encoder.js';
import {assignListing, caseTensor, fixtureCase, fixtureListing, modulePrefix, tolerance, type FixtureListing} from '../../test/daek-fixture-units.js';

const golden = fixtureCase('encoders');
const listingFiles = golden.weights.state_dict_listing as Record<'fnet' | 'cnet', string>;
const CONFIGS: Record<'fnet' | 'cnet', BasicEncoderConfig> = {fnet: {outDim: 128, norm: 'instance'}, cnet: {outDim: 256, norm: 'batch'}};

/** A fresh encoder (BatchNorm training mutates the running stats, so every test builds its own) with the formula weights. */
function build(which: 'fnet' | 'cnet'): {store: ParamStore; encoder: BasicEncoder; listing: FixtureListing} {
  const listing = fixtureListing(listingFiles[which]);
  const store = new ParamStore();
  const encoder = new BasicEncoder({store, prefix: modulePrefix(listing)}, CONFIGS[which]);
  assignListing(store, listing);
  return {store, encoder, listing};
}

const image = (name: string) => caseTensor(golden, name) as tf.Tensor4D;
const output = (name: string) => caseTensor(golden, name);

/** The running stats of every BatchNorm, concatenated in state-dict order as the fixture stores them (`params.bn_layers`). */
function runningStats(store: ParamStore, prefix: string, which: 'running_mean' | 'running_var'): tf.Tensor1D {
  const layers = golden.params.bn_layers as {name: string; channels: number; offset: number}[];
  let offset = 0;
  for (const layer of layers) {
    expect(layer.offset).toBe(offset);
    offset += layer.channels;
  }
  return tf.concat(layers.map((layer) => store.get(`${prefix}.${layer.name}.${which}`))) as tf.Tensor1D;
}

describeWithBackends('BasicEncoder parity with the `encoders` fixture (AMT BasicEncoder, spec §1.5)', () => {
  it('fnet (InstanceNorm) within its tolerance, the same in training mode', async () => {
    const {store, encoder} = build('fnet');
    const [out] = encoder.apply([image('img0')]);
    await expectClose(out!, output('fnet_out'), tolerance(golden, 'fnet_out'), 'fnet_out');
    const [train] = encoder.apply([image('img0')], {training: true});
    expect(maxAbsDiff(await train!.data(), await out!.data()).max).toBe(0);
    store.dispose();
  });

  it('cnet in evaluation mode (running stats) within its tolerance', async () => {
    const {store, encoder} = build('cnet');
    const [out] = encoder.apply([image('img0')], {training: false});
    await expectClose(out!, output('cnet_eval_out'), tolerance(golden, 'cnet_eval_out'), 'cnet_eval_out');
    store.dispose();
  });

  it('cnet in training mode: batch statistics over both stacked images, running stats updated once', async () => {
    const {store, encoder, listing} = build('cnet');
    const prefix = modulePrefix(listing);
    const before = await runningStats(store, prefix, 'running_mean').data();
    const [out0, out1] = encoder.apply([image('img0'), image('img1')], {training: true});
    await expectClose(out0!, output('cnet_train_out0'), tolerance(golden, 'cnet_train_out0'), 'cnet_train_out0');
    await expectClose(out1!, output('cnet_train_out1'), tolerance(golden, 'cnet_train_out1'), 'cnet_train_out1');
    const mean = runningStats(store, prefix, 'running_mean');
    const variance = runningStats(store, prefix, 'running_var');
    await expectClose(mean, output('cnet_running_mean_after'), tolerance(golden, 'cnet_running_mean_after'), 'running_mean');
    await expectClose(variance, output('cnet_running_var_after'), tolerance(golden, 'cnet_running_var_after'), 'running_var');
    // The aliased keys (downsample.1 = norm3) read the same, updated tensor.
    const alias = store.get(`${prefix}.layer2.0.downsample.1.running_mean`);
    expect(alias).toBe(store.get(`${prefix}.layer2.0.norm3.running_mean`));
    // updateStats: false normalises the same way and leaves the stats alone.
    const afterOnce = await mean.data();
    const [again] = encoder.apply([image('img0'), image('img1')], {training: true, updateStats: false});
    expect(maxAbsDiff(await again!.data(), await out0!.data()).max).toBe(0);
    expect(Array.from(await runningStats(store, prefix, 'running_mean').data())).toEqual(Array.from(afterOnce));
    expect(maxAbsDiff(before, afterOnce).max).toBeGreaterThan(1e-3);
    store.dispose();
  });

});

// Backend independent (it checks the test, not the port), so wasm only.
describeWithBackends('BasicEncoder fixture sensitivity', () => {
  it('cnet in the wrong mode misses the fixture by far more than the tolerance (the test can tell the modes apart)', async () => {
    const {store, encoder} = build('cnet');
    const [train] = encoder.apply([image('img0'), image('img1')], {training: true, updateStats: false});
    const moved = maxAbsDiff(await train!.data(), await output('cnet_eval_out').data()).max;
    expect(moved).toBeGreaterThan(100 * tolerance(golden, 'cnet_eval_out'));
    store.dispose();
  });

}, {only: ['wasm']});

describeWithBackends('BasicEncoder memory', () => {
  it('does not leak in evaluation or training mode', async () => {
    // A 16x16 crop: enough to exercise every op, small enough for the cpu backend.
    const crop = (name: string) => tf.slice(image(name), [0, 0, 0, 0], [-1, 16, 16, 3]) as tf.Tensor4D;
    for (const which of ['fnet', 'cnet'] as const) {
      const {store, encoder} = build(which);
      const img0 = crop('img0');
      const img1 = crop('img1');
      await expectNoLeaks(() => encoder.apply([img0, img1]));
      await expectNoLeaks(() => encoder.apply([img0, img1], {training: true}));
      await expectNoLeaks(() => encoder.applyStacked(img0, {training: true, updateStats: false}));
      store.dispose();
    }
  });
});

describe('BasicEncoder tensors', () => {
  for (const which of ['fnet', 'cnet'] as const) {
    it(`${which}: exactly the PyTorch state-dict keys (aliases included, num_batches_tracked not stored) and its parameter count`, () => {
      const listing = fixtureListing(listingFiles[which]);
      const store = new ParamStore();
      new BasicEncoder({store, prefix: modulePrefix(listing)}, CONFIGS[which]);
      const expected = listing.tensors.filter((t) => t.kind !== 'bn_num_batches_tracked');
      for (const t of expected) {
        expect(store.has(t.full_name)).toBe(true);
        const entry = store.entry(t.full_name)!;
        expect(entry.spec.torchShape).toEqual(t.shape);
        expect(entry.spec.role).toBe(t.kind);
        if (t.alias_of) expect(store.canonicalName(t.full_name)).toBe(`${modulePrefix(listing)}.${t.alias_of}`);
      }
      // Canonical names in the listing's order: aliases come after the tensors they alias.
      expect(store.names()).toEqual(expected.filter((t) => !t.alias_of).map((t) => t.full_name));
      expect(store.count()).toBe(listing.num_parameters);
      expect(store.count()).toBe(which === 'fnet' ? 895_272 : 914_424);
      store.dispose();
    });
  }

  it('rejects bad configurations and inputs with a message naming the fix', () => {
    const store = new ParamStore();
    expect(() => new BasicEncoder({store, prefix: 'x'}, {outDim: 0, norm: 'batch'})).toThrow(/outDim/);
    expect(() => new BasicEncoder({store, prefix: 'y'}, {outDim: 8, norm: 'group' as 'batch'})).toThrow(/'instance' or 'batch'/);
    const encoder = new BasicEncoder({store, prefix: 'z'}, {outDim: 8, norm: 'instance'});
    expect(() => encoder.apply([])).toThrow(/non-empty array/);
    expect(() => encoder.apply([tf.zeros([1, 16, 16, 4]) as tf.Tensor4D])).toThrow(/\[B, H, W, 3\]/);
    expect(() => encoder.apply([tf.zeros([1, 16, 16, 3]), tf.zeros([1, 16, 24, 3])] as tf.Tensor4D[])).toThrow(/same height and width/);
    store.dispose();
  });
});

// tfjs cpu's Conv2DBackpropFilter runs at ~0.02 GFLOP/s (shared/design/backends.md), so cpu gets an 8x8 crop
// (1x1 at 1/8; BatchNorm still sees 2 values); wasm (conv gradients from @daek/flow-ops) the full fixture images.
// webgpu: skipped, a software adapter here would take minutes and the gradient wiring is backend independent.
describeWithBackends('BasicEncoder gradient', (backend) => {
  it('cnet in training mode: finite gradients, non-zero for every weight and norm parameter', async () => {
    const {store, encoder, listing} = build('cnet');
    const size = (t: tf.Tensor4D) => backend === 'cpu' ? tf.slice(t, [0, 0, 0, 0], [-1, 8, 8, 3]) as tf.Tensor4D : t;
    const img0 = size(image('img0'));
    const img1 = size(image('img1'));
    const {value, grads} = tf.variableGrads(() => {
      const [c0, c1] = encoder.apply([img0, img1], {training: true});
      return tf.add(tf.sum(tf.mul(c0!, tf.randomNormal(c0!.shape, 0, 1, 'float32', 1))),
          tf.sum(tf.mul(c1!, tf.randomNormal(c1!.shape, 0, 1, 'float32', 2)))) as tf.Scalar;
    }, store.trainableVariables());
    expect(Number.isFinite((await value.data())[0])).toBe(true);
    const byName = new Map(store.entries().map((e) => [e.variable.name, e.spec.name]));
    const prefix = modulePrefix(listing);
    const largest = new Map<string, number>();
    for (const [variableName, grad] of Object.entries(grads)) {
      const data = await grad.data();
      expect(data.every(Number.isFinite)).toBe(true);
      largest.set(byName.get(variableName)!, Array.from(data).reduce((m, v) => Math.max(m, Math.abs(v)), 0));
    }
    const overall = Math.max(...largest.values());
    for (const [name, max] of largest) {
      // A conv bias right before a training-mode BatchNorm has no effect (the batch mean removes it), so its
      // gradient is zero up to rounding: that is the semantics, not a broken path. Only conv2 (no norm) keeps one.
      const biasBeforeNorm = name.endsWith('.bias') && !name.includes('norm') && name !== `${prefix}.conv2.bias`;
      if (biasBeforeNorm) expect(max).toBeLessThan(1e-4 * overall);
      else expect(max).toBeGreaterThan(1e-6 * overall);
    }
    expect(largest.size).toBe(store.trainableVariables().length);
    store.dispose();
  });
}, {only: ['cpu', 'wasm']});
