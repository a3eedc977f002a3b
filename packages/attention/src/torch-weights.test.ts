import {describe, expect, it} from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import {expectNoLeaks, formulaFor} from '@daek/testing';
import {cfcmWeightsFromTorch, cfcmWeightsToTorch, type TorchStateDict} from './torch-weights.js';
import {cfcmListing, cfcmTorchStateDict} from '../test/cfcm-fixture.js';

/** A small PyTorch-layout CFCM: dim 3, CMF 2 channels, context 4 channels, values = their flat index. */
function tinyTorch(): TorchStateDict {
  const ramp = (n: number, offset: number) => Float32Array.from({length: n}, (_, i) => offset + i);
  return {
    'para': {shape: [1], data: [0.25]},
    'v_proj.weight': {shape: [3, 2, 1, 1], data: ramp(6, 0)},
    'v_proj.bias': {shape: [3], data: ramp(3, 100)},
    'q_proj.weight': {shape: [3, 4, 1, 1], data: ramp(12, 200)},
    'q_proj.bias': {shape: [3], data: ramp(3, 300)},
    'k_proj.weight': {shape: [3, 4, 1, 1], data: ramp(12, 400)},
    'k_proj.bias': {shape: [3], data: ramp(3, 500)},
  };
}

describe('cfcmWeightsFromTorch', () => {
  it('permutes [out, in, 1, 1] to [1, 1, in, out] and keeps biases and Para', async () => {
    const w = cfcmWeightsFromTorch(tinyTorch());
    expect(w.value.kernel.shape).toEqual([1, 1, 2, 3]);
    // tfjs [0,0,i,o] = torch [o,i,0,0] = o*2 + i
    expect(Array.from(await w.value.kernel.data())).toEqual([0, 2, 4, 1, 3, 5]);
    expect(Array.from(await w.value.bias.data())).toEqual([100, 101, 102]);
    expect(w.query?.kernel.shape).toEqual([1, 1, 4, 3]);
    expect(Array.from(await (w.query as NonNullable<typeof w.query>).kernel.data()).slice(0, 4)).toEqual([200, 204, 208, 201]);
    expect(Array.from(await (w.key as NonNullable<typeof w.key>).bias.data())).toEqual([500, 501, 502]);
    expect(Array.from(await (w.para as tf.Tensor).data())).toEqual([0.25]);
    expect(w.para?.shape).toEqual([1]);
    tf.dispose(w);
  });

  it('reads the fixture module by prefix from a larger dict and round-trips through cfcmWeightsToTorch bitwise', async () => {
    const bigger: TorchStateDict = {...cfcmTorchStateDict('mrb.1.cfcm.'), 'mrb.1.gru.0.weight': {shape: [1], data: [1]}};
    const w = cfcmWeightsFromTorch(bigger, {prefix: 'mrb.1.cfcm.'});
    expect(w.value.kernel.shape).toEqual([1, 1, 256, 188]);
    expect(w.query?.kernel.shape).toEqual([1, 1, 512, 188]);
    const back = await cfcmWeightsToTorch(w, {prefix: 'mrb.1.cfcm.'});
    const listing = cfcmListing();
    // Same keys in the reference's state_dict order, same bytes.
    expect(Object.keys(back)).toEqual(listing.tensors.map((e) => `mrb.1.cfcm.${e.name}`));
    for (const entry of listing.tensors) {
      const t = back[`mrb.1.cfcm.${entry.name}`];
      expect(t.shape).toEqual(entry.shape);
      expect(Array.from(t.data)).toEqual(Array.from(formulaFor(entry)));
    }
    tf.dispose(w);
  });

  it('takes a value-only dict with useSfa: false', async () => {
    const {'v_proj.weight': weight, 'v_proj.bias': bias} = tinyTorch();
    const w = cfcmWeightsFromTorch({'v_proj.weight': weight, 'v_proj.bias': bias}, {useSfa: false});
    expect(Object.keys(w)).toEqual(['value']);
    expect(Object.keys(await cfcmWeightsToTorch(w))).toEqual(['v_proj.weight', 'v_proj.bias']);
    tf.dispose(w);
  });

  it('names the key and the problem for missing, mis-shaped, non-finite or unexpected tensors, and creates nothing then', async () => {
    const broken = (change: (d: TorchStateDict) => void) => {
      const d = tinyTorch();
      change(d);
      return () => cfcmWeightsFromTorch(d);
    };
    expect(broken((d) => delete d['q_proj.bias'])).toThrow(`cfcmWeightsFromTorch: missing 'q_proj.bias' (q_proj bias [out])`);
    expect(broken((d) => delete d['para'])).toThrow(`missing 'para' (the learnable scalar Para, [1])`);
    expect(broken((d) => { d['v_proj.weight'] = {shape: [3, 2, 3, 3], data: new Float32Array(54)}; }))
        .toThrow(`'v_proj.weight' (v_proj 1x1 conv weight [out, in, 1, 1]) must have shape [*, *, 1, 1]; got [3,2,3,3]`);
    expect(broken((d) => { d['q_proj.weight'] = {shape: [4, 4, 1, 1], data: new Float32Array(16)}; }))
        .toThrow(`'q_proj.weight' (q_proj 1x1 conv weight [out, in, 1, 1]) must have shape [3, *, 1, 1]; got [4,4,1,1]`);
    expect(broken((d) => { d['k_proj.weight'] = {shape: [3, 5, 1, 1], data: new Float32Array(15)}; }))
        .toThrow(`must have shape [3, 4, 1, 1]; got [3,5,1,1]`);
    expect(broken((d) => { d['v_proj.bias'] = {shape: [4], data: new Float32Array(4)}; })).toThrow(`'v_proj.bias' (v_proj bias [out]) must have shape [3]; got [4]`);
    expect(broken((d) => { d['para'] = {shape: [], data: [1]}; })).toThrow(`'para' (the learnable scalar Para, [1]) must have shape [1]; got []`);
    expect(broken((d) => { d['v_proj.bias'] = {shape: [3], data: [1, 2]}; })).toThrow(`'v_proj.bias' has shape [3] = 3 values but its data holds 2`);
    expect(broken((d) => { d['q_proj.bias'] = {shape: [3], data: [1, NaN, 2]}; })).toThrow(`'q_proj.bias' holds a non-finite value (NaN) at flat index 1`);
    expect(broken((d) => { d['cfcm.extra'] = {shape: [1], data: [0]}; })).toThrow(`unexpected keys under prefix '': cfcm.extra.`);
    expect(() => cfcmWeightsFromTorch(tinyTorch(), {useSfa: false})).toThrow('(these are attention-path weights: pass useSfa: true)');
    expect(() => cfcmWeightsFromTorch(null as never)).toThrow('stateDict must be an object {name: {shape, data}}');
    // Failing late (after V, Q, K were converted) disposes what was made.
    await expectNoLeaks(() => expect(broken((d) => delete d['para'])).toThrow());
  });

  it('does not leak', async () => {
    const dict = tinyTorch();
    await expectNoLeaks(() => cfcmWeightsFromTorch(dict));
  });
});
