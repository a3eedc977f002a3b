import {afterAll, beforeAll, describe, expect, it} from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import {readFileSync} from 'node:fs';
import path from 'node:path';
import {describeWithBackends, expectClose, expectNoLeaks, npyNHWC} from '@daek/testing';
import {child, Conv2d, ConvPReLU, ConvTranspose2d, type Scope} from '../nn/layers.js';
import {ParamStore} from '../params.js';
import {checkStateDict, loadStateDict, stateDictFromStore} from './load_state_dict.js';
import {DAEK_MAP} from './name_maps.js';
import {WeightsError} from './problems.js';
import {readPth, type TorchStateDict, type TorchTensor} from './pth.js';

const dir = path.resolve(import.meta.dirname, '../../test/fixtures/checkpoint');
const pth = (name: string) => readPth(readFileSync(path.join(dir, name)), {source: name});

/** The checkpoint fixture's model (parity README section 6): y = up(conv1(prelu(conv0(x)))). */
function tinyModel(store: ParamStore): (x: tf.Tensor4D) => tf.Tensor4D {
  const root: Scope = {store, prefix: ''};
  const conv0 = new ConvPReLU(child(root, 'conv0'), 3, 8, 3, 2, 1);
  const conv1 = new Conv2d(child(root, 'conv1'), 8, 8, 3, {padding: 1});
  const up = new ConvTranspose2d(child(root, 'up'), 8, 4);
  return (x) => tf.tidy(() => up.apply(conv1.apply(conv0.apply(x))));
}

async function snapshot(store: ParamStore): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  for (const [name, t] of await stateDictFromStore(store, {aliases: false})) {
    const data = t.data as Float32Array;
    out.set(name, Array.from(new Uint32Array(data.buffer, data.byteOffset, data.length)));
  }
  return out;
}

describeWithBackends('loadStateDict: tiny.pth into our layers reproduces y.npy within 1e-5', () => {
  let store: ParamStore;
  let forward: (x: tf.Tensor4D) => tf.Tensor4D;
  beforeAll(() => {
    store = new ParamStore();
    forward = tinyModel(store);
  });
  afterAll(() => store.dispose());

  for (const name of ['tiny.pth', 'tiny_module.pth', 'tiny_legacy.pth']) {
    it(name, async () => {
      const report = loadStateDict(store, await pth(name));
      expect(report.loaded).toHaveLength(7);
      expect(report.strippedModulePrefix).toBe(name === 'tiny_module.pth');
      const y = forward(npyNHWC(path.join(dir, 'x.npy')));
      expect(y.shape).toEqual([1, 8, 12, 4]);
      await expectClose(y, npyNHWC(path.join(dir, 'y.npy')), 1e-5, `y (${name})`);
    });
  }
});

describe('loadStateDict: validation', () => {
  let store: ParamStore;
  let dict: TorchStateDict;
  beforeAll(async () => {
    store = new ParamStore(5);
    tinyModel(store);
    dict = await pth('tiny.pth');
  });
  afterAll(() => store.dispose());

  it('lists every problem in one error and leaves the store unchanged', async () => {
    const before = await snapshot(store);
    const bad = new Map(dict);
    bad.delete('conv1.bias');
    bad.set('conv0.0.weight', {...dict.get('conv0.0.weight')!, shape: [8, 3, 9]});
    const nan = Float32Array.from(dict.get('up.bias')!.data as Float32Array);
    nan[2] = NaN;
    bad.set('up.bias', {shape: [4], dtype: 'float32', data: nan});
    bad.set('extra.weight', {shape: [1], dtype: 'float32', data: new Float32Array(1)});
    bad.set('conv1.weight', {...dict.get('conv1.weight')!, data: new Float32Array(5)});
    let error: unknown;
    try {
      loadStateDict(store, bad);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WeightsError);
    const message = (error as Error).message;
    expect(message).toMatch(/^loadStateDict: 5 problems, nothing was loaded:/);
    expect(message).toContain('shape: conv0.0.weight: [8,3,9] in the checkpoint, the model expects [8,3,3,3] (PyTorch layout)');
    expect(message).toContain('size: conv1.weight: shape [8,8,3,3] needs 576 values, the data has 5');
    expect(message).toContain('non-finite: up.bias: 1 NaN/Infinity value (first at flat index 2: NaN)');
    expect(message).toContain('unexpected: extra.weight: the model has no such tensor');
    expect(message).toContain('missing: conv1.bias (PyTorch shape [8]) is not in the checkpoint');
    expect(message).toContain('pass {strict: false}');
    expect((error as WeightsError).problems).toHaveLength(5);
    expect(checkStateDict(store, bad)).toEqual((error as WeightsError).problems);
    expect(await snapshot(store)).toEqual(before);
  });

  it('strict: false loads what both have and reports the rest', async () => {
    const fresh = new ParamStore(9);
    tinyModel(fresh);
    const partial = new Map(dict);
    partial.delete('up.weight');
    partial.set('other.bias', dict.get('up.bias')!);
    const before = await fresh.readTorch('up.weight');
    const report = loadStateDict(fresh, partial, {strict: false});
    expect(report.missing).toEqual(['up.weight']);
    expect(report.unexpected).toEqual(['other.bias']);
    expect(report.loaded).toHaveLength(6);
    expect(Array.from(await fresh.readTorch('up.weight'))).toEqual(Array.from(before));
    expect(Array.from(await fresh.readTorch('conv1.bias'))).toEqual(Array.from(dict.get('conv1.bias')!.data as Float32Array));
    fresh.dispose();
  });

  it('caps the listed problems with a count', () => {
    const many = new Map<string, TorchTensor>(dict);
    for (let i = 0; i < 30; i++) many.set(`junk${i}`, {shape: [1], dtype: 'float32', data: new Float32Array(1)});
    expect(() => loadStateDict(store, many, {maxListed: 4})).toThrow(/30 problems, nothing was loaded:(\n {2}- unexpected: junk\d+: the model has no such tensor){4}\n {2}\.\.\. and 26 more/);
  });

  it('accepts a plain object, and converts integer tensors like param.copy_()', async () => {
    const fresh = new ParamStore();
    tinyModel(fresh);
    const record = Object.fromEntries(dict);
    record['conv1.bias'] = {shape: [8], dtype: 'int64', data: BigInt64Array.from([1n, -2n, 3n, 4n, 5n, 6n, 7n, 8n])};
    loadStateDict(fresh, record);
    expect(Array.from(await fresh.readTorch('conv1.bias'))).toEqual([1, -2, 3, 4, 5, 6, 7, 8]);
    fresh.dispose();
  });

  it('errors name the file the state dict came from (readPth\'s source, or {source})', () => {
    const other = new ParamStore(); // a model with no tensors: every key is unexpected
    expect(() => loadStateDict(other, dict)).toThrow(/^loadStateDict \(tiny\.pth\): 7 problems, nothing was loaded/);
    expect(() => loadStateDict(other, Object.fromEntries(dict), {source: 'w/custom.pth'})).toThrow(/^loadStateDict \(w\/custom\.pth\): 7 problems/);
    other.dispose();
    expect(() => loadStateDict(other, dict)).toThrow(/^loadStateDict \(tiny\.pth\): this model was disposed/);
  });

  it('refuses a disposed store', () => {
    const gone = new ParamStore();
    tinyModel(gone);
    gone.dispose();
    expect(() => loadStateDict(gone, dict)).toThrow(/disposed/);
  });
});

describe('aliases and BatchNorm buffers (cnet norm3 = downsample.1)', () => {
  function bnStore(): ParamStore {
    const store = new ParamStore();
    for (const [field, role] of [['weight', 'bn_weight'], ['bias', 'bn_bias'], ['running_mean', 'bn_running_mean'],
      ['running_var', 'bn_running_var']] as const) {
      store.declare({name: `cnet.layer2.0.norm3.${field}`, torchShape: [2], layout: 'plain', role, fanIn: 1,
        trainable: !field.startsWith('running'), aliases: [`cnet.layer2.0.downsample.1.${field}`]});
    }
    return store;
  }
  const t = (...v: number[]): TorchTensor => ({shape: [v.length], dtype: 'float32', data: Float32Array.from(v)});

  it('PyTorch\'s layout (both keys, num_batches_tracked) loads; the alias export matches it', async () => {
    const store = bnStore();
    const dict = new Map<string, TorchTensor>();
    for (const prefix of ['cnet.layer2.0.norm3', 'cnet.layer2.0.downsample.1']) {
      dict.set(`${prefix}.weight`, t(1.5, 2));
      dict.set(`${prefix}.bias`, t(0.5, -1));
      dict.set(`${prefix}.running_mean`, t(0.1, 0.2));
      dict.set(`${prefix}.running_var`, t(1.1, 1.2));
      dict.set(`${prefix}.num_batches_tracked`, {shape: [], dtype: 'int64', data: BigInt64Array.from([0n])});
    }
    const report = loadStateDict(store, dict, {map: DAEK_MAP});
    expect(report.loaded).toHaveLength(4);
    expect(report.ignored).toEqual(['cnet.layer2.0.norm3.num_batches_tracked', 'cnet.layer2.0.downsample.1.num_batches_tracked']);
    const exported = await stateDictFromStore(store);
    expect([...exported.keys()]).toEqual(['weight', 'bias', 'running_mean', 'running_var'].flatMap((f) =>
      [`cnet.layer2.0.norm3.${f}`, `cnet.layer2.0.downsample.1.${f}`]));
    expect(Array.from(exported.get('cnet.layer2.0.downsample.1.running_var')!.data as Float32Array))
        .toEqual(Array.from(Float32Array.from([1.1, 1.2])));
    store.dispose();
  });

  it('an alias key alone loads its tensor; aliases that disagree are an error', async () => {
    const store = bnStore();
    const only = new Map([['cnet.layer2.0.downsample.1.weight', t(3, 4)], ['cnet.layer2.0.norm3.bias', t(0, 0)],
      ['cnet.layer2.0.norm3.running_mean', t(0, 0)], ['cnet.layer2.0.norm3.running_var', t(1, 1)]]);
    loadStateDict(store, only);
    expect(Array.from(await store.readTorch('cnet.layer2.0.norm3.weight'))).toEqual([3, 4]);
    const clash = new Map(only);
    clash.set('cnet.layer2.0.norm3.weight', t(3, 5));
    expect(() => loadStateDict(store, clash)).toThrow(
        /alias: cnet\.layer2\.0\.downsample\.1\.weight and cnet\.layer2\.0\.norm3\.weight are the same model tensor \(cnet\.layer2\.0\.norm3\.weight\) but hold different values/);
    store.dispose();
  });
});

describe('stateDictFromStore', () => {
  it('round-trips through loadStateDict bit for bit, and nothing leaks', async () => {
    const a = new ParamStore(1);
    tinyModel(a);
    const b = new ParamStore(2);
    tinyModel(b);
    const exported = await stateDictFromStore(a);
    expect(exported.get('up.weight')!.shape).toEqual([8, 4, 4, 4]);
    loadStateDict(b, exported);
    expect(await snapshot(b)).toEqual(await snapshot(a));
    await expectNoLeaks(() => loadStateDict(b, exported));
    await expectNoLeaks(async () => { await stateDictFromStore(b); });
    a.dispose();
    b.dispose();
  });
});
