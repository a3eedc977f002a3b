import {afterAll, expect, it} from '@jest/globals';
import {mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {describeWithBackends, expectClose, expectNoLeaks} from '@daek/testing';
import {CFCM_CLASS_NAME, CfcmLayer, type CfcmLayerConfig} from './cfcm-layer.js';
import {cfcmWeightsFromTorch} from './torch-weights.js';
import {ATTN_TOLERANCE, cfcmTorchStateDict, loadCfcmCase} from '../test/cfcm-fixture.js';

const temporary = mkdtempSync(path.join(os.tmpdir(), 'daek-attention-'));
afterAll(() => rmSync(temporary, {recursive: true, force: true}));

/**
 * A tiny file IOHandler (Node without tfjs-node has no file:// handler): model.json + weights.bin in `dir`, each
 * written to a temporary name and renamed, so a crash never leaves a half-written model.
 */
function fileHandler(dir: string): tf.io.IOHandler {
  const write = (name: string, data: string | Uint8Array) => {
    const partial = path.join(dir, `.${name}.partial`);
    writeFileSync(partial, data);
    renameSync(partial, path.join(dir, name));
  };
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      const weights = tf.io.concatenateArrayBuffers(artifacts.weightData ?? new ArrayBuffer(0));
      write('weights.bin', new Uint8Array(weights));
      const modelJSON: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as object,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{paths: ['weights.bin'], weights: artifacts.weightSpecs ?? []}],
      };
      write('model.json', JSON.stringify(modelJSON));
      return {modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts)};
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      const modelJSON = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
      return tf.io.getModelArtifactsForJSON(modelJSON, async (manifest) => {
        const bytes = readFileSync(path.join(dir, manifest[0].paths[0]));
        const data = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
        return [tf.io.getWeightSpecs(manifest), data];
      });
    },
  };
}

/** Someone else's model with a CFCM inside: a 1x1 conv before it and a dense head after. */
function userModel(config: CfcmLayerConfig, cmfChannels: number, ctxChannels: number): tf.LayersModel {
  const cmf = tf.input({shape: [null, null, cmfChannels], name: 'cmf'});
  const ctx = tf.input({shape: [null, null, ctxChannels], name: 'ctx'});
  const attn = new CfcmLayer({name: 'cfcm', ...config}).apply([cmf, ctx]) as tf.SymbolicTensor;
  const head = tf.layers.dense({units: 3, name: 'head'}).apply(attn) as tf.SymbolicTensor;
  return tf.model({inputs: [cmf, ctx], outputs: head});
}

/** Give Para a nonzero value so the attention path is part of what is compared. */
function setPara(model: tf.LayersModel, value: number): void {
  const layer = model.getLayer('cfcm') as CfcmLayer;
  layer.setCfcmWeights({...layer.cfcmWeights, para: tf.tensor1d([value])});
}

async function bits(t: tf.Tensor): Promise<number[]> {
  return Array.from(new Uint32Array((await t.data() as Float32Array).slice().buffer));
}

describeWithBackends('CfcmLayer save / load', (backend) => {
  const config: CfcmLayerConfig = {dim: 12, softmax: 'spatial', valueActivation: 'linear'};
  const cmf = () => tf.randomNormal([2, 3, 5, 8], 0, 1, 'float32', 21);
  const ctx = () => tf.randomNormal([2, 3, 5, 10], 0, 1.5, 'float32', 22);

  it('round-trips through tf.io.withSaveHandler / tf.io.fromMemory: same config, bitwise the same outputs', async () => {
    const model = userModel(config, 8, 10);
    setPara(model, 0.6);
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return {modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts)};
    }));
    const topology = JSON.stringify(saved?.modelTopology);
    expect(topology).toContain(`"class_name":"${CFCM_CLASS_NAME}"`);
    expect(saved?.weightSpecs?.map((s) => s.name)).toEqual([
      'cfcm/value/kernel', 'cfcm/value/bias', 'cfcm/query/kernel', 'cfcm/query/bias', 'cfcm/key/kernel', 'cfcm/key/bias',
      'cfcm/para', 'head/kernel', 'head/bias']);

    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
    const layer = loaded.getLayer('cfcm');
    expect(layer).toBeInstanceOf(CfcmLayer);
    const restored = layer.getConfig();
    expect([restored.dim, restored.softmax, restored.valueActivation, restored.useSfa]).toEqual([12, 'spatial', 'linear', true]);
    const inputs = [cmf(), ctx()];
    expect(await bits(loaded.predict(inputs) as tf.Tensor)).toEqual(await bits(model.predict(inputs) as tf.Tensor));
    expect(Array.from(await ((layer as CfcmLayer).cfcmWeights.para as tf.Tensor).data())).toEqual([Math.fround(0.6)]);
    model.dispose();
    loaded.dispose();
  });

  it('round-trips through real files (model.json + weights.bin), including the fixture CFCM and a useSfa=false one', async () => {
    const dir = mkdtempSync(path.join(temporary, `${backend}-`));
    // The fixture module in DAEK's configuration, defaults only, inside a bigger model.
    const golden = loadCfcmCase();
    const model = userModel({}, 256, 512);
    const fixtureWeights = cfcmWeightsFromTorch(cfcmTorchStateDict());
    (model.getLayer('cfcm') as CfcmLayer).setCfcmWeights(fixtureWeights);
    await model.save(fileHandler(dir));
    const json = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8'));
    const cfcmConfig = json.modelTopology.config.layers.find((l: {name: string}) => l.name === 'cfcm').config;
    // tfjs writes config keys and string values in Python style and converts them back on load.
    expect([cfcmConfig.dim, cfcmConfig.softmax, cfcmConfig.value_activation, cfcmConfig.use_sfa]).toEqual([188, 'channel', 'leaky_relu', true]);
    expect(readFileSync(path.join(dir, 'weights.bin')).byteLength).toBe(4 * (241_205 + 188 * 3 + 3));

    const loaded = await tf.loadLayersModel(fileHandler(dir));
    const inputs = [golden.cmf, golden.ctx];
    expect(await bits(loaded.predict(inputs) as tf.Tensor)).toEqual(await bits(model.predict(inputs) as tf.Tensor));
    // The reloaded CFCM still reproduces the fixture.
    const reloadedCfcm = loaded.getLayer('cfcm') as CfcmLayer;
    expect([reloadedCfcm.dim, reloadedCfcm.softmax, reloadedCfcm.valueActivation, reloadedCfcm.useSfa]).toEqual([188, 'channel', 'leakyRelu', true]);
    await expectClose(reloadedCfcm.apply(inputs) as tf.Tensor, golden.attn, ATTN_TOLERANCE, 'attn after reload');

    const plainDir = mkdtempSync(path.join(temporary, `${backend}-plain-`));
    const input = tf.input({shape: [null, null, 8]});
    const plain = tf.model({inputs: input, outputs: new CfcmLayer({dim: 5, useSfa: false, name: 'v_only'}).apply(input) as tf.SymbolicTensor});
    await plain.save(fileHandler(plainDir));
    const plainLoaded = await tf.loadLayersModel(fileHandler(plainDir));
    const plainLayer = plainLoaded.getLayer('v_only') as CfcmLayer;
    expect([plainLayer.useSfa, plainLayer.dim, plainLayer.countParams()]).toEqual([false, 5, 45]);
    const x = cmf();
    expect(await bits(plainLoaded.predict(x) as tf.Tensor)).toEqual(await bits(plain.predict(x) as tf.Tensor));
    tf.dispose(fixtureWeights);
    for (const m of [model, loaded, plain, plainLoaded]) m.dispose();
  });

  it('does not leak across save and load', async () => {
    const model = userModel(config, 8, 10);
    let saved: tf.io.ModelArtifacts | undefined;
    const handler = tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return {modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts)};
    });
    const inputs = [cmf(), ctx()];
    await expectNoLeaks(async () => {
      await model.save(handler);
      const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
      const out = loaded.predict(inputs) as tf.Tensor;
      loaded.dispose();
      return out;
    });
    model.dispose();
  });
});
