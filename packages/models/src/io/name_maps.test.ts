import {describe, expect, it} from '@jest/globals';
import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {IFNet} from '../ifnet.js';
import {loadStateDict} from './load_state_dict.js';
import {DAEK_MAP, IDENTITY_MAP, mapKeys, NAME_MAPS, RIFE_IFNET_MAP, type NameMap} from './name_maps.js';
import type {TorchTensor} from './pth.js';

const none = () => false;

describe('mapKeys: the DataParallel module. prefix', () => {
  it('strips it when every key, or most keys, have it; keeps keys without it', () => {
    const all = mapKeys(['module.a.weight', 'module.b.bias'], IDENTITY_MAP, none);
    expect([...all.keys]).toEqual([['a.weight', 'module.a.weight'], ['b.bias', 'module.b.bias']]);
    expect(all.strippedModulePrefix).toBe(true);
    // Unlike RIFE's load_model (which drops keys without the prefix), the odd key stays and a strict load reports it.
    const most = mapKeys(['module.a', 'module.b', 'c'], IDENTITY_MAP, none);
    expect([...most.keys.keys()]).toEqual(['a', 'b', 'c']);
  });

  it('leaves it when only a minority has it, or when told not to strip', () => {
    expect([...mapKeys(['module.a', 'b', 'c'], IDENTITY_MAP, none).keys.keys()]).toEqual(['module.a', 'b', 'c']);
    const never: NameMap = {...IDENTITY_MAP, stripModulePrefix: false};
    expect([...mapKeys(['module.a'], never, none).keys.keys()]).toEqual(['module.a']);
    const always: NameMap = {...IDENTITY_MAP, stripModulePrefix: true};
    expect([...mapKeys(['module.a', 'b', 'c'], always, none).keys.keys()]).toEqual(['a', 'b', 'c']);
  });

  it('only a leading module. is stripped (RIFE\'s str.replace would also cut submodule. names)', () => {
    expect([...mapKeys(['module.submodule.w', 'module.x'], IDENTITY_MAP, none).keys.keys()]).toEqual(['submodule.w', 'x']);
  });

  it('two keys that land on one name are a problem', () => {
    const both = mapKeys(['module.a', 'module.b', 'a'], IDENTITY_MAP, none);
    expect(both.problems).toEqual(['checkpoint keys module.a and a both map to a']);
  });
});

describe('name maps are data', () => {
  it('rename rules apply in order; ignore rules only drop what the model lacks', () => {
    const custom: NameMap = {name: 'mine', description: 'test', rules: [
      {pattern: /^flownet\./, replacement: ''}, {pattern: /\.gamma$/, replacement: '.weight'}], ignore: DAEK_MAP.ignore};
    const mapped = mapKeys(['flownet.norm.gamma', 'flownet.norm.num_batches_tracked', 'block_tea.w'], custom,
        (name) => name === 'block_tea.w');
    expect([...mapped.keys]).toEqual([['norm.weight', 'flownet.norm.gamma'], ['block_tea.w', 'block_tea.w']]);
    expect(mapped.ignored).toEqual(['flownet.norm.num_batches_tracked']);
    expect(Object.keys(NAME_MAPS)).toEqual(['identity', 'rife-ifnet', 'daek']);
  });
});

describe('RIFE flownet.pkl layout into IFNet', () => {
  const listingPath = path.resolve(import.meta.dirname, '../../test/fixtures/parity/ifnet/state_dict.json');
  const run = existsSync(listingPath) ? it : it.skip;
  run('module.-prefixed keys of RIFE\'s IFNet (listing of ifnet/state_dict.json) load into IFNet without a teacher', async () => {
    const listing = JSON.parse(readFileSync(listingPath, 'utf8')) as {tensors: {name: string; shape: number[]}[]};
    const dict = new Map<string, TorchTensor>();
    for (const {name, shape} of listing.tensors) {
      const n = shape.reduce((a, b) => a * b, 1);
      dict.set(`module.${name}`, {shape, dtype: 'float32', data: Float32Array.from({length: n}, (_, i) => ((i % 13) - 6) / 64)});
    }
    const net = new IFNet({teacherWidth: 0});
    const report = loadStateDict(net.store, dict, {map: RIFE_IFNET_MAP});
    expect(report.strippedModulePrefix).toBe(true);
    expect(report.ignored.every((k) => k.startsWith('module.block_tea.'))).toBe(true);
    expect(report.ignored.length).toBe(listing.tensors.filter((t) => t.name.startsWith('block_tea.')).length);
    expect(report.loaded).toEqual(net.store.names());
    expect(Array.from(await net.store.readTorch('unet.down3.conv2.0.bias')).slice(0, 3)).toEqual([-6 / 64, -5 / 64, -4 / 64]);
    // The identity map refuses the teacher tensors the model does not have.
    expect(() => loadStateDict(net.store, dict)).toThrow(/unexpected: module\.block_tea\.conv0\.0\.0\.weight \(as block_tea/);
    net.dispose();
  });
});
