// The network method against a stand-in @daek/models with the issue-4 API (an interpolator that averages
// its inputs): padding to a multiple of 32 (at least 128) and the crop back, no tensor leaks, weights
// hashing, random-init reporting, parameter counts, and clear errors.
import {describe, expect, it} from '@jest/globals';
import {writeFileSync} from 'node:fs';
import path from 'node:path';
import {describeWithBackends, expectNoLeaks} from '@daek/testing';
import {createModelMethod, presetNames} from './method_model.js';
import {createMethod, parseMethodSpec} from './parse.js';
import {runKey} from '../evaluate.js';
import {fakeModels, patternImage, removeFolder, temporaryFolder} from '../../test/helpers.js';

const triplet = (width: number, height: number) => ({
  frame0: patternImage(width, height, 1), gt: patternImage(width, height, 2), frame1: patternImage(width, height, 3), t: 0.5, id: 'x',
});

describeWithBackends('model method (stand-in interpolator)', (backend) => {
  it('pads to a multiple of 32 (at least 128), crops back, and matches frame averaging', async () => {
    const {models, calls} = fakeModels();
    const method = createModelMethod({model: 'daek', models, backend});
    await method.prepare();
    for (const [w, h, paddedW, paddedH] of [[150, 100, 160, 128], [256, 256, 256, 256], [70, 200, 128, 224]]) {
      const sample = triplet(w, h);
      const out = await method.predict(sample);
      expect([out.width, out.height, out.data.length]).toEqual([w, h, w * h * 3]);
      expect(calls.shapes.at(-1)).toEqual([1, paddedH, paddedW, 3]);
      let max = 0;
      const a = sample.frame0.data, b = sample.frame1.data;
      for (let i = 0; i < out.data.length; i++) max = Math.max(max, Math.abs(out.data[i] - (a[i] + b[i]) / 510));
      expect(max).toBeLessThan(1e-6);
    }
    await expectNoLeaks(() => method.predict(triplet(40, 33)));
    method.dispose();
    expect(calls.disposed).toBe(1);
  });
});

describe('model method: description and errors', () => {
  it('says plainly when it runs on random init, and reports both parameter counts', async () => {
    const {models, calls} = fakeModels();
    const method = createModelMethod({model: 'daek', preset: 'daek-f-ca', models, backend: 'cpu'});
    await method.prepare();
    const info = method.describe();
    expect(info.name).toBe('daek:daek-f-ca');
    expect(info.weights).toEqual({random: true, note: 'no trained weights shipped: random init'});
    expect(info.parameters).toBe(19_760_329);
    expect(info.parametersWithTeacher).toBe(22_511_931);
    expect(info.padding).toEqual({mode: 'replicate', multiple: 32, minSize: 128});
    expect(calls.created[0]).toEqual({model: 'daek-f-ca', weights: 'random', backend: 'cpu', checkFrames: false, refine: false,
      padding: {multiple: 32, mode: 'replicate', minSize: 128}});
    method.dispose();
  });

  it('passes --engine onnxruntime and its threads to createInterpolator, and names the engine', async () => {
    const {models, calls} = fakeModels();
    const method = createModelMethod({model: 'daek', preset: 'daek-f-ca', models, backend: 'wasm', engine: 'onnxruntime', threads: 2});
    await method.prepare();
    expect(calls.created[0]).toMatchObject({model: 'daek-f-ca', backend: 'wasm', engine: 'onnxruntime', threads: 2});
    expect(method.describe().notes.at(-1)).toMatch(/^engine: /);
    method.dispose();
    // tfjs (the default) passes neither: wasm threads belong to the backend.
    const tfjs = createModelMethod({model: 'daek', preset: 'daek-f-ca', models, backend: 'wasm', threads: 2});
    await tfjs.prepare();
    expect(calls.created[1]).not.toHaveProperty('engine');
    expect(calls.created[1]).not.toHaveProperty('threads');
    tfjs.dispose();
  });

  it("'default' resolves to the models package's DEFAULT_MODEL with its shipped weights, and is named after it", async () => {
    const fake = fakeModels();
    const models = {...fake.models, DEFAULT_MODEL: 'daek-s', DAEK_PRESETS: ['daek', 'daek-s']};
    const method = createMethod(parseMethodSpec('default'), {weights: new Map(), backend: 'cpu', padding: {}, models});
    expect(method.name).toBe('default + refine');
    await method.prepare();
    expect(method.name).toBe('default (daek-s) + refine');
    const info = method.describe();
    expect(info.preset).toBe('daek-s');
    expect(info.weights?.random).toBe(false);
    expect(info.weights?.path).toMatch(/packages[\\/]models[\\/]weights[\\/]daek-s[\\/]model\.json$/);
    expect(info.notes[0]).toContain('what createInterpolator() builds with no arguments): daek-s');
    expect(fake.calls.created[0]).toMatchObject({model: 'daek-s', weights: info.weights?.path});
    method.dispose();
    const none = createMethod(parseMethodSpec('default'), {weights: new Map(), backend: 'cpu', padding: {}, models: fake.models});
    await expect(none.prepare()).rejects.toThrow('names no default model');
    expect(() => parseMethodSpec('default=w.json')).toThrow('takes no preset or weights');
  });

  it("'+ensemble' asks createInterpolator for the ensemble, and the row and its run key say so", async () => {
    const fake = fakeModels();
    const models = {...fake.models, DEFAULT_MODEL: 'daek-s', DAEK_PRESETS: ['daek', 'daek-s']};
    expect(parseMethodSpec('default+ensemble')).toEqual({kind: 'daek', preset: 'default', ensemble: true, text: 'default+ensemble'});
    expect(parseMethodSpec('daek:daek-s+ensemble=w.pth')).toMatchObject({kind: 'daek', preset: 'daek-s', path: 'w.pth', ensemble: true});
    expect(() => parseMethodSpec('average+ensemble')).toThrow("'+ensemble' is for network methods");
    const plain = createMethod(parseMethodSpec('default'), {weights: new Map(), backend: 'cpu', padding: {}, models});
    const both = createMethod(parseMethodSpec('default+ensemble'), {weights: new Map(), backend: 'cpu', padding: {}, models});
    await plain.prepare();
    await both.prepare();
    expect(both.name).toBe('default (daek-s) + ensemble + refine');
    expect(fake.calls.created[1]).toMatchObject({model: 'daek-s', ensemble: true, refine: true});
    expect(fake.calls.created[0]).not.toHaveProperty('ensemble');
    expect(both.describe().notes.join('\n')).toMatch(/time-reversal ensemble/);
    const set = {key: 'middlebury', source: 'x'} as unknown as Parameters<typeof runKey>[1];
    expect(runKey(both.describe(), set, 'cpu')).not.toBe(runKey(plain.describe(), set, 'cpu'));
    plain.dispose();
    both.dispose();
  });

  it("'+refine' (either order with '+ensemble') asks createInterpolator for refine, and the row and its run key say so", async () => {
    const fake = fakeModels();
    const models = {...fake.models, DEFAULT_MODEL: 'daek-s', DAEK_PRESETS: ['daek', 'daek-s']};
    expect(parseMethodSpec('default+refine')).toEqual({kind: 'daek', preset: 'default', refine: true, text: 'default+refine'});
    expect(parseMethodSpec('daek:daek-s+refine+ensemble=w.pth')).toMatchObject({kind: 'daek', preset: 'daek-s', path: 'w.pth', ensemble: true, refine: true});
    expect(parseMethodSpec('rife+ensemble+refine')).toMatchObject({kind: 'rife', ensemble: true, refine: true});
    expect(() => parseMethodSpec('average+refine')).toThrow("'+refine' is for network methods (default, daek, rife), not 'average'");
    expect(() => parseMethodSpec('default+refine+refine')).toThrow("'+refine' given twice");
    expect(() => parseMethodSpec('default+refined')).toThrow("unknown suffix '+refined'; a network method takes +ensemble and/or +refine (default also +norefine)");
    const context = {weights: new Map(), backend: 'cpu', padding: {}, models};
    const refined = createMethod(parseMethodSpec('default+refine'), context);
    const both = createMethod(parseMethodSpec('default+refine+ensemble'), context);
    await refined.prepare();
    await both.prepare();
    expect(refined.name).toBe('default (daek-s) + refine');
    expect(both.name).toBe('default (daek-s) + ensemble + refine');
    expect(fake.calls.created[0]).toMatchObject({model: 'daek-s', refine: true});
    expect(fake.calls.created[0]).not.toHaveProperty('ensemble');
    expect(fake.calls.created[1]).toMatchObject({refine: true, ensemble: true});
    expect(refined.describe().notes.at(-1)).toMatch(/^flow search refinement: .*not in the DAEK paper$/);
    const set = {key: 'middlebury', source: 'x'} as unknown as Parameters<typeof runKey>[1];
    expect(runKey(refined.describe(), set, 'cpu')).not.toBe(runKey(both.describe(), set, 'cpu'));
    refined.dispose();
    both.dispose();
  });

  it("'default' refines as createInterpolator() does; '+norefine' and the paper's models pass refine: false explicitly", async () => {
    const fake = fakeModels();
    const models = {...fake.models, DEFAULT_MODEL: 'daek-s', DAEK_PRESETS: ['daek', 'daek-s', 'daek-f-ca']};
    expect(parseMethodSpec('default')).toEqual({kind: 'daek', preset: 'default', text: 'default'});
    expect(parseMethodSpec('default+norefine')).toEqual({kind: 'daek', preset: 'default', refine: false, text: 'default+norefine'});
    expect(parseMethodSpec('default+norefine+ensemble')).toMatchObject({preset: 'default', refine: false, ensemble: true});
    expect(() => parseMethodSpec('default+refine+norefine')).toThrow("'+refine' and '+norefine' contradict each other; give one of them");
    expect(() => parseMethodSpec('default+norefine+refine')).toThrow("'+refine' and '+norefine' contradict each other");
    expect(() => parseMethodSpec('daek:daek-s+norefine')).toThrow("'+norefine' is for 'default' (which refines, as createInterpolator() does); 'daek' runs without refinement unless +refine is given, so drop '+norefine'");
    expect(() => parseMethodSpec('rife+norefine')).toThrow("'rife' runs without refinement unless +refine is given");
    expect(() => parseMethodSpec('average+norefine')).toThrow("'+norefine' is for network methods (default, daek, rife), not 'average'");
    const context = {weights: new Map(), backend: 'cpu', padding: {}, models};
    const specs = ['default', 'default+norefine', 'default+ensemble+norefine', 'daek', 'daek:daek-f-ca', 'rife', 'daek:daek-s+refine'];
    const methods = specs.map((spec) => createMethod(parseMethodSpec(spec), context));
    for (const method of methods) await method.prepare();
    expect(methods.map((m) => m.name)).toEqual(['default (daek-s) + refine', 'default (daek-s)', 'default (daek-s) + ensemble',
      'daek', 'daek:daek-f-ca', 'rife', 'daek:daek-s + refine']);
    // Every createInterpolator call carries refine, true or false: its own default is never relied on.
    expect(fake.calls.created.map((options) => options.refine)).toEqual([true, false, false, false, false, false, true]);
    expect(methods[0]!.describe().notes.at(-1)).toMatch(/^flow search refinement: .*not in the DAEK paper$/);
    expect(methods[1]!.describe().notes.join('\n')).not.toMatch(/flow search refinement/);
    const set = {key: 'middlebury', source: 'x'} as unknown as Parameters<typeof runKey>[1];
    expect(runKey(methods[0]!.describe(), set, 'cpu')).not.toBe(runKey(methods[1]!.describe(), set, 'cpu'));
    // Called directly, createModelMethod follows the same rule.
    const direct = createModelMethod({model: 'daek', preset: 'default', models});
    await direct.prepare();
    expect(fake.calls.created.at(-1)).toMatchObject({model: 'daek-s', refine: true});
    [...methods, direct].forEach((m) => m.dispose());
  });

  it('hashes the weights it is given and passes the path on', async () => {
    const dir = temporaryFolder();
    try {
      const file = path.join(dir, 'weights.bin');
      writeFileSync(file, 'abc');
      const {models, calls} = fakeModels();
      const method = createModelMethod({model: 'rife', weights: file, models});
      await method.prepare();
      expect(method.describe().weights).toMatchObject({
        path: file, random: false, sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      });
      expect(calls.created[0]).toMatchObject({model: 'rife', weights: file});
      expect(method.describe().preset).toBeUndefined();
    } finally {
      removeFolder(dir);
    }
  });

  it('names unknown presets, missing weights and a missing createInterpolator', async () => {
    const {models} = fakeModels();
    await expect(createModelMethod({model: 'daek', preset: 'nope', models}).prepare()).rejects.toThrow(/unknown preset 'nope'; @daek\/models has: daek, baseline/);
    await expect(createModelMethod({model: 'daek', weights: '/no/such/weights.json', models}).prepare()).rejects.toThrow('weights not found: /no/such/weights.json');
    const empty = {} as unknown as typeof models;
    await expect(createModelMethod({model: 'daek', models: {...empty, createInterpolator: undefined as never}}).prepare()).rejects.toThrow();
    expect(() => createModelMethod({model: 'amt' as never})).toThrow(/unknown model 'amt'/);
    await expect(createModelMethod({model: 'daek', models}).predict(triplet(8, 8))).rejects.toThrow(/predict before prepare/);
  });

  it('reads preset names in every shape @daek/models may export them', () => {
    const {models} = fakeModels();
    expect(presetNames({...models, DAEK_PRESETS: [{name: 'a'}, {name: 'b'}]})).toEqual(['a', 'b']);
    expect(presetNames({...models, DAEK_PRESETS: {c: {}, d: {}}})).toEqual(['c', 'd']);
    expect(presetNames({...models, DAEK_PRESETS: undefined})).toBeUndefined();
  });
});

describeWithBackends('model method with the real @daek/models (random init)', () => {
  it('runs daek and rife on a small odd-sized triplet without leaking, and counts their parameters', async () => {
    for (const [model, student, total] of [['daek', 19_760_329, 22_511_931], ['rife', 10_071_550, 10_708_215]] as const) {
      const method = createModelMethod({model});
      await method.prepare();
      const info = method.describe();
      expect(info.weights?.random).toBe(true);
      expect([info.parameters, info.parametersWithTeacher]).toEqual([student, total]);
      const out = await method.predict(triplet(70, 50));
      expect([out.width, out.height, out.data.length]).toEqual([70, 50, 70 * 50 * 3]);
      expect(out.data.every((v) => v >= 0 && v <= 1)).toBe(true);
      await expectNoLeaks(() => method.predict(triplet(70, 50)), 1);
      method.dispose();
    }
  });

  it("'+refine' with --engine onnxruntime passes refine and the engine to createInterpolator and states the search", async () => {
    const {models, calls} = fakeModels();
    const executor = 'onnxruntime-node cpu, 2 threads, flow search refinement (steps 1, 0.5, 0.25; window 9)';
    const withExecutor: typeof models = {...models, createInterpolator: async (options) => ({...await models.createInterpolator(options), executor})};
    const method = createModelMethod({model: 'rife', refine: true, engine: 'onnxruntime', threads: 2, models: withExecutor});
    await method.prepare();
    expect(calls.created[0]).toMatchObject({model: 'rife', engine: 'onnxruntime', threads: 2, refine: true});
    expect(method.name).toBe('rife + refine');
    expect(method.describe().notes).toContain(`engine: ${executor}`);
    expect(method.describe().notes.at(-1)).toMatch(/^flow search refinement \(steps 1, 0.5, 0.25; window 9\): /);
    method.dispose();
  });

  it("'+refine' runs through the real createInterpolator", async () => {
    const method = createModelMethod({model: 'rife', refine: true});
    await method.prepare();
    expect(method.name).toBe('rife + refine');
    expect(method.describe().notes.at(-1)).toMatch(/^flow search refinement \(steps 1, 0.5, 0.25; window 13; prior 0.02; coarse start 0.5\): /);
    const out = await method.predict(triplet(70, 50));
    expect(out.data.every((v) => v >= 0 && v <= 1)).toBe(true);
    method.dispose();
  });
}, {only: ['wasm']});
