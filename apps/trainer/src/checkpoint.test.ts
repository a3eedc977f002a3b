// Checkpoints: written atomically (a failure leaves no partial folder and the older checkpoints intact), only
// the newest K are kept, and weights plus optimiser state come back exactly.
import {afterAll, beforeAll, describe, expect, it} from '@jest/globals';
import {existsSync, readdirSync} from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {AdamW} from '@daek/distill';
import {useBackend} from '@daek/flow-ops';
import {listCheckpoints, loadCheckpoint, STATE_FORMAT, STATE_VERSION, writeCheckpoint, type TrainerState} from './checkpoint.js';
import {buildTrainModel, disposeModel, type TrainModel} from './model.js';
import {removeFolder, temporaryFolder} from '../test/helpers.js';

function stateAt(step: number): TrainerState {
  return {format: STATE_FORMAT, version: STATE_VERSION, step, epoch: 0, position: 2 * step, stepsPerEpoch: 10, totalSteps: 10,
    schedule: {peak: 1e-3, floor: 1e-6, warmup: 0, totalSteps: 10}, rng: {seed: 1, epoch: 0, position: 2 * step}, run: {},
    history: {loss: [[step, 0.5]], val: []}, baselinePsnr: null, elapsedSeconds: 1};
}

/** Names of the tensors whose bytes differ between two models. */
function differing(a: TrainModel, b: TrainModel): string[] {
  const bytes = (v: tf.Variable) => Buffer.from((v.dataSync() as Float32Array).buffer);
  return a.network.store.entries().filter(({spec, variable}) => !bytes(variable).equals(bytes(b.network.store.get(spec.name))))
    .map(({spec}) => spec.name);
}

/** Give the optimiser some state: one AdamW step on a quadratic of every trainable tensor. */
function stepOnce(model: TrainModel, optimizer: AdamW): void {
  const vars = model.network.store.trainableVariables();
  const {value, grads} = tf.variableGrads(() => tf.addN(vars.map((v) => tf.sum(tf.square(v)))) as tf.Scalar, vars);
  optimizer.applyGradients(grads);
  tf.dispose([value, ...Object.values(grads)]);
}

let root: string;
let model: TrainModel;
let optimizer: AdamW;
beforeAll(async () => {
  await useBackend('wasm');
  root = temporaryFolder();
  model = buildTrainModel({model: 'ifnet', preset: 'tiny', overrides: {}});
  optimizer = new AdamW({learningRate: 1e-3});
  stepOnce(model, optimizer);
});
afterAll(() => {
  optimizer.dispose();
  disposeModel(model);
  removeFolder(root);
});

describe('checkpoints', () => {
  it('a failure while writing leaves no partial checkpoint and the older ones intact', async () => {
    const folder = path.join(root, 'atomic');
    await writeCheckpoint(folder, {model, optimizer, state: stateAt(1)});
    const failing = writeCheckpoint(folder, {model, optimizer, state: stateAt(2)}, {
      beforeRename: (temporary) => {
        expect(readdirSync(temporary).sort()).toEqual(expect.arrayContaining(['model.json', 'optimizer.bin', 'optimizer.json', 'state.json']));
        throw new Error('disk full (simulated)');
      },
    });
    await expect(failing).rejects.toThrow('disk full (simulated)');
    expect(readdirSync(folder)).toEqual(['step-000000001']);
    expect((await listCheckpoints(folder)).map((c) => c.step)).toEqual([1]);
  });

  it('keeps the newest K', async () => {
    const folder = path.join(root, 'keep');
    for (const step of [1, 2, 3, 4]) await writeCheckpoint(folder, {model, optimizer, state: stateAt(step)}, {keep: 2});
    expect(readdirSync(folder).sort()).toEqual(['step-000000003', 'step-000000004']);
  });

  it('restores weights, BatchNorm buffers and the AdamW state exactly, by tensor name', async () => {
    const folder = path.join(root, 'exact');
    const dir = await writeCheckpoint(folder, {model, optimizer, state: stateAt(5)});
    expect(existsSync(path.join(dir, 'state.json'))).toBe(true);
    const copy = buildTrainModel({model: 'ifnet', preset: 'tiny', overrides: {}});
    const copyOptimizer = new AdamW({learningRate: 1e-3});
    try {
      await loadCheckpoint(dir, copy, copyOptimizer);
      expect(differing(model, copy)).toEqual([]);
      // Same next step from both: identical weights afterwards.
      stepOnce(model, optimizer);
      stepOnce(copy, copyOptimizer);
      expect(differing(model, copy)).toEqual([]);
      expect(copyOptimizer.iterations).toBe(optimizer.iterations);
    } finally {
      copyOptimizer.dispose();
      disposeModel(copy);
    }
  });
});
