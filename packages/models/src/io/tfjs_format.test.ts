import {afterAll, beforeAll, describe, expect, it} from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import {mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync} from 'node:fs';
import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {expectClose, expectNoLeaks, npyNHWC} from '@daek/testing';
import {child, Conv2d, ConvPReLU, ConvTranspose2d, type Scope} from '../nn/layers.js';
import {ParamStore} from '../params.js';
import {decodeFloat16} from './float16.js';
import {loadStateDict, stateDictFromStore} from './load_state_dict.js';
import {WeightsError} from './problems.js';
import {readPth} from './pth.js';
import {loadWeights, readWeightsConfig, saveWeights, WEIGHTS_FORMAT, type WeightsMetadata} from './tfjs_format.js';

const fixtures = path.resolve(import.meta.dirname, '../../test/fixtures/checkpoint');
const CONFIG = {kind: 'tiny-checkpoint', width: 8, note: 'parity README section 6'};

/** The checkpoint fixture's model; `up: false` leaves out the last layer, `width` changes conv1's output width. */
function tinyModel(store: ParamStore, options: {up?: boolean; width?: number} = {}): (x: tf.Tensor4D) => tf.Tensor4D {
  const root: Scope = {store, prefix: ''};
  const width = options.width ?? 8;
  const conv0 = new ConvPReLU(child(root, 'conv0'), 3, 8, 3, 2, 1);
  const conv1 = new Conv2d(child(root, 'conv1'), 8, width, 3, {padding: 1});
  const up = options.up === false ? null : new ConvTranspose2d(child(root, 'up'), width, 4);
  return (x) => tf.tidy(() => {
    const y = conv1.apply(conv0.apply(x));
    return up ? up.apply(y) : y;
  });
}

async function bitsOf(store: ParamStore): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  for (const [name, t] of await stateDictFromStore(store, {aliases: false})) {
    const d = t.data as Float32Array;
    out.set(name, Array.from(new Uint32Array(d.buffer, d.byteOffset, d.length)));
  }
  return out;
}

describe('tfjs weights format', () => {
  let tmp: string;
  let source: ParamStore;
  let x: tf.Tensor4D;
  let yRef: tf.Tensor4D;
  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'daek-weights-'));
    source = new ParamStore(3);
    tinyModel(source);
    loadStateDict(source, await readPth(readFileSync(path.join(fixtures, 'tiny.pth'))));
    x = npyNHWC(path.join(fixtures, 'x.npy'));
    yRef = npyNHWC(path.join(fixtures, 'y.npy'));
  });
  afterAll(() => {
    source.dispose();
    tf.dispose([x, yRef]);
    rmSync(tmp, {recursive: true, force: true});
  });

  it('float32: model.json names PyTorch keys with tfjs shapes and the config; loading is bitwise', async () => {
    const dir = path.join(tmp, 'f32');
    const result = await saveWeights(source, dir, {config: CONFIG});
    expect(result).toMatchObject({weightBytes: 1332 * 4, tensors: 7, values: 1332, quantization: null, maxAbsError: 0});
    const json = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
    expect(json.format).toBe(WEIGHTS_FORMAT);
    const specs = json.weightsManifest[0]!.weights;
    expect(specs.map((s) => [s.name, s.shape])).toEqual([['conv0.0.weight', [3, 3, 3, 8]], ['conv0.0.bias', [8]],
      ['conv0.1.weight', [8]], ['conv1.weight', [3, 3, 8, 8]], ['conv1.bias', [8]], ['up.weight', [4, 4, 4, 8]], ['up.bias', [4]]]);
    const meta = (json.userDefinedMetadata as {daek: WeightsMetadata}).daek;
    expect(meta).toMatchObject({format: WEIGHTS_FORMAT, formatVersion: 1, config: CONFIG, quantization: null});
    expect(json.weightsManifest[0]!.paths).toHaveLength(1);

    const target = new ParamStore(99);
    const targetForward = tinyModel(target);
    const loaded = await loadWeights(target, dir);
    expect(loaded.loaded).toHaveLength(7);
    expect(loaded.metadata.config).toEqual(CONFIG);
    expect(await bitsOf(target)).toEqual(await bitsOf(source));
    await expectClose(targetForward(x), yRef, 1e-5, 'y after a float32 round trip');
    expect((await readWeightsConfig(dir)).metadata.config).toEqual(CONFIG);
    expect((await readWeightsConfig(path.join(dir, 'model.json'))).tensors[5]).toEqual({name: 'up.weight', shape: [4, 4, 4, 8]});
    target.dispose();
  });

  it('float16: half the bytes, each value within half a float16 ulp, y within 2e-3 (measured)', async () => {
    const dir = path.join(tmp, 'f16');
    const result = await saveWeights(source, dir, {config: CONFIG, quantize: 'float16'});
    expect(result.weightBytes).toBe(1332 * 2);
    const json = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
    expect(json.weightsManifest[0]!.weights.every((s) => s.quantization?.dtype === 'float16' && s.dtype === 'float32')).toBe(true);
    const target = new ParamStore(99);
    const targetForward = tinyModel(target);
    const loaded = await loadWeights(target, dir);
    expect(loaded.metadata.quantization).toBe('float16');
    const original = await stateDictFromStore(source, {aliases: false});
    let maxAbs = 0;
    for (const [name, t] of await stateDictFromStore(target, {aliases: false})) {
      const a = t.data as Float32Array;
      const b = original.get(name)!.data as Float32Array;
      for (let i = 0; i < a.length; i++) {
        const err = Math.abs(a[i]! - b[i]!);
        maxAbs = Math.max(maxAbs, err);
        expect(err <= Math.max(Math.abs(b[i]!) * 2 ** -11, 2 ** -25)).toBe(true);
      }
    }
    expect(maxAbs).toBe(result.maxAbsError);
    expect(result.maxRelError).toBeLessThanOrEqual(2 ** -11);
    const y = targetForward(x);
    const yErr = tf.tidy(() => tf.max(tf.abs(tf.sub(y, yRef))).dataSync()[0]!);
    console.log(`float16 tiny model: ${result.weightBytes} B (float32 ${1332 * 4} B), max |w err| ${maxAbs.toExponential(3)}, ` +
      `max rel ${result.maxRelError.toExponential(3)}, max |y err| ${yErr.toExponential(3)}`);
    expect(yErr).toBeLessThan(2e-3);
    target.dispose();
  });

  it('tf.io handlers: withSaveHandler/fromMemory, and tf.io.decodeWeights reads our float16 data', async () => {
    let saved: tf.io.ModelArtifacts | null = null;
    await saveWeights(source, tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return {modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts)};
    }), {config: null, quantize: 'float16'});
    const artifacts = saved! as tf.io.ModelArtifacts;
    const decoded = tf.io.decodeWeights(artifacts.weightData!, artifacts.weightSpecs!);
    const ours = decodeFloat16(new Uint16Array(artifacts.weightData as ArrayBuffer, 0, 216));
    expect(Array.from(decoded['conv0.0.weight']!.dataSync())).toEqual(Array.from(ours));
    tf.dispose(decoded);
    const target = new ParamStore(5);
    tinyModel(target);
    const result = await loadWeights(target, tf.io.fromMemory(artifacts));
    expect(result.metadata.config).toBeNull();
    expect((await readWeightsConfig(tf.io.fromMemory(artifacts))).metadata.quantization).toBe('float16');
    target.dispose();
  });

  it('shards: several files, loaded in order; a new save replaces the old shards', async () => {
    const dir = path.join(tmp, 'sharded');
    await saveWeights(source, dir, {config: CONFIG, shardBytes: 1000});
    const first = readdirSync(dir).filter((f) => f.endsWith('.bin')).sort();
    expect(first).toHaveLength(6);
    const target = new ParamStore(7);
    tinyModel(target);
    await loadWeights(target, dir);
    expect(await bitsOf(target)).toEqual(await bitsOf(source));
    await saveWeights(target, dir, {config: CONFIG, quantize: 'float16', shardBytes: 1000});
    const second = readdirSync(dir).filter((f) => f.endsWith('.bin')).sort();
    expect(second).toHaveLength(3);
    expect(second.some((f) => first.includes(f))).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    target.dispose();
  });

  it('over HTTP (tf.io.http in Node), model.json and shards from a server', async () => {
    const dir = path.join(tmp, 'http');
    await saveWeights(source, dir, {config: CONFIG, shardBytes: 2048});
    const server: Server = createServer((request, response) => {
      try {
        const body = readFileSync(path.join(dir, path.basename(request.url ?? '')));
        response.writeHead(200).end(body);
      } catch {
        response.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/model.json`;
    try {
      expect((await readWeightsConfig(url)).metadata.config).toEqual(CONFIG);
      const target = new ParamStore(11);
      tinyModel(target);
      await loadWeights(target, url);
      expect(await bitsOf(target)).toEqual(await bitsOf(source));
      target.dispose();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  describe('errors: one message naming every problem, the store unchanged', () => {
    let target: ParamStore;
    let before: Map<string, number[]>;
    beforeAll(async () => {
      target = new ParamStore(21);
      tinyModel(target);
      before = await bitsOf(target);
    });
    afterAll(() => target.dispose());

    async function expectFailure(location: string | tf.io.IOHandler, pattern: RegExp, store = target): Promise<void> {
      await expect(loadWeights(store, location)).rejects.toThrow(pattern);
      expect(await bitsOf(target)).toEqual(before);
    }

    it('truncated shard, flipped byte, missing shard, corrupt model.json', async () => {
      const dir = path.join(tmp, 'damaged');
      await saveWeights(source, dir, {config: CONFIG, shardBytes: 2048});
      const shards = readdirSync(dir).filter((f) => f.endsWith('.bin')).sort();
      const last = path.join(dir, shards[shards.length - 1]!);
      const good = readFileSync(last);

      truncateSync(last, statSync(last).size - 10);
      await expectFailure(dir, /the weight data has 5318 bytes in 3 shards \(2048, 2048, 1222\), the manifest needs 5328: a shard is truncated/);

      const flipped = Buffer.from(good);
      flipped[100] ^= 0x04;
      writeFileSync(last, flipped);
      await expectFailure(dir, /fails its CRC-32 check .* a shard is corrupt or from another save/);

      rmSync(last);
      await expectFailure(dir, new RegExp(`weight shard ${shards[2]!.replace(/\./g, '\\.')} not found`));
      writeFileSync(last, good);
      const intact = new ParamStore();
      tinyModel(intact);
      await loadWeights(intact, dir); // the restored shard loads again
      intact.dispose();

      const json = readFileSync(path.join(dir, 'model.json'), 'utf8');
      writeFileSync(path.join(dir, 'model.json'), json.slice(0, json.length / 2));
      await expectFailure(dir, /model\.json is not valid JSON .* truncated or corrupt/);
      await expect(readWeightsConfig(dir)).rejects.toThrow(/not valid JSON/);
      await expectFailure(path.join(tmp, 'nothing-here'), /No weights at .*nothing-here\/model\.json \(file not found\)/);
    });

    it('missing tensor, wrong shape, unexpected tensor (strict), and strict: false', async () => {
      const partial = new ParamStore(1);
      tinyModel(partial, {up: false});
      await saveWeights(partial, path.join(tmp, 'partial'), {config: null});
      await expectFailure(path.join(tmp, 'partial'), /2 problems.*\n.*missing: up\.weight \(tfjs shape \[4,4,4,8\]\) is not in the file\n.*missing: up\.bias/);
      const relaxed = await loadWeights(target, path.join(tmp, 'partial'), {strict: false});
      expect(relaxed.missing).toEqual(['up.weight', 'up.bias']);
      before = await bitsOf(target); // that load changed conv0/conv1 on purpose

      const wide = new ParamStore(1);
      tinyModel(wide, {width: 6});
      await saveWeights(wide, path.join(tmp, 'wide'), {config: null});
      await expectFailure(path.join(tmp, 'wide'), /shape: conv1\.weight: \[3,3,8,6\] in the file, the model expects \[3,3,8,8\] \(tfjs layout; PyTorch \[8,8,3,3\]\)/);

      const small = new ParamStore(1);
      tinyModel(small, {up: false});
      await expect(loadWeights(small, path.join(tmp, 'f32'))).rejects.toThrow(/unexpected: up\.weight: the model has no such tensor/);
      expect((await loadWeights(small, path.join(tmp, 'f32'), {strict: false})).unexpected).toEqual(['up.weight', 'up.bias']);
      for (const store of [partial, wide, small]) store.dispose();
    });

    it('not a DAEK weights file, or a newer format version', async () => {
      const dir = path.join(tmp, 'f32');
      const json = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
      const foreign = path.join(dir, 'foreign.json');
      writeFileSync(foreign, JSON.stringify({...json, userDefinedMetadata: undefined, format: 'layers-model'}));
      await expectFailure(foreign, /not a DAEK weights file .*format 'layers-model'/);
      const future = path.join(dir, 'future.json');
      const meta = (json.userDefinedMetadata as {daek: WeightsMetadata}).daek;
      writeFileSync(future, JSON.stringify({...json, userDefinedMetadata: {daek: {...meta, formatVersion: 2}}}));
      await expectFailure(future, /format version 2 is newer than this @daek\/models reads \(1\); upgrade/);
    });

    it('saving refuses NaN, float16 overflow, a missing config, and a disposed store', async () => {
      const store = new ParamStore(1);
      tinyModel(store);
      const bias = new Float32Array(8);
      bias[3] = Infinity;
      store.assignTorch('conv1.bias', bias);
      const scale = new Float32Array(8).fill(1e5);
      store.assignTorch('conv0.1.weight', scale);
      const nowhere = path.join(tmp, 'never');
      await expect(saveWeights(store, nowhere, {config: null})).rejects.toThrow(/conv1\.bias: 1 NaN\/Infinity value \(first at flat index 3: Infinity\)/);
      store.assignTorch('conv1.bias', new Float32Array(8));
      await expect(saveWeights(store, nowhere, {config: null, quantize: 'float16'})).rejects.toThrow(
          /conv0\.1\.weight: value 100000 at flat index 0 is beyond the float16 range/);
      await expect(saveWeights(store, nowhere, undefined as never)).rejects.toThrow(/pass \{config\}/);
      expect(() => readdirSync(nowhere)).toThrow();
      store.dispose();
      await expect(saveWeights(store, nowhere, {config: null})).rejects.toThrow(/disposed/);
      await expect(loadWeights(store, path.join(tmp, 'f32'))).rejects.toThrow(/disposed/);
    });

    it('WeightsError carries the full list', async () => {
      const small = new ParamStore(1);
      tinyModel(small, {up: false});
      const error = await loadWeights(small, path.join(tmp, 'f32')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WeightsError);
      expect((error as WeightsError).problems).toHaveLength(2);
      small.dispose();
    });
  });

  it('save and load leak no tensors', async () => {
    const dir = path.join(tmp, 'leaks');
    const target = new ParamStore(4);
    tinyModel(target);
    await expectNoLeaks(async () => { await saveWeights(source, dir, {config: CONFIG, quantize: 'float16'}); });
    await expectNoLeaks(async () => { await loadWeights(target, dir); });
    target.dispose();
  });
});
