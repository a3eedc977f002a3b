import {describe, expect, it} from '@jest/globals';
import * as tf from '@tensorflow/tfjs';
import {describeWithBackends, expectNoLeaks} from '@daek/testing';
import {AdamW, type NamedTensor} from './adamw.js';

let unique = 0;
const name = (base: string) => `adamw-test/${base}-${unique++}`;

/** PyTorch's AdamW step (torch/optim/adamw.py, `_single_tensor_adamw`) in plain float64. */
class ReferenceAdamW {
  m: number[];
  v: number[];
  step = 0;
  constructor(public p: number[], readonly wd: number, readonly beta1 = 0.9, readonly beta2 = 0.999, readonly eps = 1e-8) {
    this.m = p.map(() => 0);
    this.v = p.map(() => 0);
  }
  update(grad: number[], lr: number): void {
    this.step += 1;
    const bc1 = 1 - this.beta1 ** this.step;
    const bc2 = 1 - this.beta2 ** this.step;
    for (let i = 0; i < this.p.length; i++) {
      this.p[i] = this.p[i]! * (1 - lr * this.wd);
      this.m[i] = this.beta1 * this.m[i]! + (1 - this.beta1) * grad[i]!;
      this.v[i] = this.beta2 * this.v[i]! + (1 - this.beta2) * grad[i]! * grad[i]!;
      this.p[i] = this.p[i]! - (lr / bc1) * this.m[i]! / (Math.sqrt(this.v[i]!) / Math.sqrt(bc2) + this.eps);
    }
  }
}

/** A deterministic gradient for step t (no loss involved, so float32 vs float64 drift cannot compound). */
const gradientAt = (t: number, size: number) => Array.from({length: size}, (_, i) => Math.sin(1.3 * i + 0.7 * t) * (0.5 + i / size));

/** Copy the state to plain arrays and back to tensors: a stand-in for writing a checkpoint file. */
async function throughFile(weights: NamedTensor[]): Promise<NamedTensor[]> {
  const {data, specs} = await tf.io.encodeWeights(weights);
  tf.dispose(weights.map((w) => w.tensor));
  const decoded = tf.io.decodeWeights(data, specs);
  return Object.entries(decoded).map(([n, tensor]) => ({name: n, tensor}));
}

describeWithBackends('AdamW', () => {
  it('matches a float64 transcription of PyTorch\'s AdamW over 6 steps with a changing learning rate', async () => {
    const initial = [0.5, -1.25, 2, 0.001, -0.3, 1.7];
    for (const weightDecay of [1e-3, 0.2]) {
      const variable = tf.variable(tf.tensor2d(initial, [2, 3]), true, name('p'));
      const optimizer = new AdamW({weightDecay});
      const reference = new ReferenceAdamW([...initial], weightDecay);
      for (let t = 0; t < 6; t++) {
        const lr = [1e-2, 5e-2, 0.1, 0.02, 0, 0.07][t]!;
        optimizer.learningRate = lr;
        const grad = gradientAt(t, 6);
        const gradTensor = tf.tensor2d(grad, [2, 3]);
        optimizer.applyGradients({[variable.name]: gradTensor});
        gradTensor.dispose();
        reference.update(grad, lr);
        const actual = await variable.data();
        actual.forEach((a, i) => expect(Math.abs(a - reference.p[i]!)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(reference.p[i]!))));
      }
      expect(optimizer.stepOf(variable.name)).toBe(6);
      expect(optimizer.iterations).toBe(6);
      optimizer.dispose();
      variable.dispose();
    }
  });

  it('skips a variable whose gradient is missing (no decay, no step), as PyTorch skips grad=None', async () => {
    const a = tf.variable(tf.tensor1d([1, 2]), true, name('a'));
    const b = tf.variable(tf.tensor1d([3, 4]), true, name('b'));
    const optimizer = new AdamW({learningRate: 0.1, weightDecay: 0.5});
    const refA = new ReferenceAdamW([1, 2], 0.5);
    const refB = new ReferenceAdamW([3, 4], 0.5);
    const g = (t: number) => gradientAt(t, 2);
    optimizer.applyGradients({[a.name]: tf.tensor1d(g(0)), [b.name]: tf.tensor1d(g(0))});
    refA.update(g(0), 0.1); refB.update(g(0), 0.1);
    optimizer.applyGradients([{name: a.name, tensor: tf.tensor1d(g(1))}]);   // b has no gradient this step
    refA.update(g(1), 0.1);
    optimizer.applyGradients({[a.name]: tf.tensor1d(g(2)), [b.name]: tf.tensor1d(g(2))});
    refA.update(g(2), 0.1); refB.update(g(2), 0.1);   // b's second step: bias correction with t = 2
    expect([optimizer.stepOf(a.name), optimizer.stepOf(b.name)]).toEqual([3, 2]);
    for (const [variable, ref] of [[a, refA], [b, refB]] as const) {
      (await variable.data()).forEach((x, i) => expect(x).toBeCloseTo(ref.p[i]!, 6));
    }
    optimizer.dispose();
    tf.dispose([a, b]);
  });

  it('works through tf.Optimizer.minimize', async () => {
    const target = tf.tensor1d([1, -2, 3]);
    const p = tf.variable(tf.zeros([3]), true, name('min'));
    const optimizer = new AdamW({learningRate: 0.1});
    const loss = () => tf.sum(tf.square(tf.sub(p, target))) as tf.Scalar;
    const first = (await loss().data())[0]!;
    for (let i = 0; i < 20; i++) optimizer.minimize(loss, false, [p]);
    expect((await loss().data())[0]!).toBeLessThan(first / 4);
    optimizer.dispose();
    p.dispose();
  });

  it('save → restore → continue equals an uninterrupted run, bit for bit', async () => {
    const init = [[0.3, -0.7, 1.1, 0.05], [2, -1]];
    const shapes = [[2, 2], [2]];
    const gradients = (t: number) => [gradientAt(t, 4), gradientAt(t + 10, 2)];
    const lr = (t: number) => 0.01 * (t + 1);
    const makeVariables = (names: string[], values: number[][]) =>
      names.map((n, i) => tf.variable(tf.tensor(values[i]!, shapes[i]), true, n));
    const step = (optimizer: AdamW, variables: tf.Variable[], t: number) => {
      optimizer.learningRate = lr(t);
      const grads = Object.fromEntries(variables.map((v, i) => [v.name, tf.tensor(gradients(t)[i]!, shapes[i])]));
      optimizer.applyGradients(grads);
      tf.dispose(Object.values(grads));
    };

    // uninterrupted: 6 steps
    const straight = makeVariables([name('u0'), name('u1')], init);
    const uninterrupted = new AdamW();
    for (let t = 0; t < 6; t++) step(uninterrupted, straight, t);

    // interrupted: 3 steps, checkpoint (optimizer state + variable values), a fresh process, 3 more steps
    const names = [name('r0'), name('r1')];
    let variables = makeVariables(names, init);
    let optimizer = new AdamW();
    for (let t = 0; t < 3; t++) step(optimizer, variables, t);
    const state = await throughFile(await optimizer.getWeights());
    const values = await Promise.all(variables.map(async (v) => Array.from(await v.data())));
    optimizer.dispose();
    tf.dispose(variables);
    variables = makeVariables(names, values);
    optimizer = new AdamW();
    await optimizer.setWeights(state);
    tf.dispose(state.map((s) => s.tensor));
    expect(optimizer.iterations).toBe(3);
    expect(names.map((n) => optimizer.stepOf(n))).toEqual([3, 3]);
    for (let t = 3; t < 6; t++) step(optimizer, variables, t);

    for (let i = 0; i < 2; i++) {
      expect(Array.from(await variables[i]!.data())).toEqual(Array.from(await straight[i]!.data()));
    }
    const [a, b] = [await uninterrupted.getWeights(), await optimizer.getWeights()];
    expect(b.length).toBe(a.length);
    for (let i = 1; i < a.length; i++) expect(Array.from(await b[i]!.tensor.data())).toEqual(Array.from(await a[i]!.tensor.data()));
    tf.dispose([...a, ...b].map((w) => w.tensor));
    uninterrupted.dispose();
    optimizer.dispose();
    tf.dispose([...straight, ...variables]);
  });

  it('getWeights lists iter, then <name>/step, /m, /v per variable', async () => {
    const p = tf.variable(tf.ones([2]), true, name('w'));
    const optimizer = new AdamW();
    optimizer.applyGradients({[p.name]: tf.ones([2])});
    const weights = await optimizer.getWeights();
    expect(weights.map((w) => w.name)).toEqual(['iter', `${p.name}/step`, `${p.name}/m`, `${p.name}/v`]);
    expect(weights[1]!.tensor.dtype).toBe('int32');
    expect((await weights[1]!.tensor.data())[0]).toBe(1);
    expect(Array.from(await weights[2]!.tensor.data())).toEqual([Math.fround(0.1), Math.fround(0.1)]);
    tf.dispose(weights.map((w) => w.tensor));
    optimizer.dispose();
    p.dispose();
  });

  it('saves and restores with a LayersModel (includeOptimizer), found by its class name', async () => {
    const build = () => {
      const model = tf.sequential({layers: [tf.layers.dense({units: 2, inputShape: [3]})]});
      model.compile({optimizer: new AdamW({learningRate: 0.01, weightDecay: 0.05}), loss: 'meanSquaredError'});
      return model;
    };
    const model = build();
    const x = tf.randomNormal([4, 3], 0, 1, 'float32', 1);
    const y = tf.randomNormal([4, 2], 0, 1, 'float32', 2);
    await model.fit(x, y, {epochs: 2, batchSize: 4, verbose: 0});
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
    }), {includeOptimizer: true});
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
    expect(loaded.optimizer).toBeInstanceOf(AdamW);
    const restored = loaded.optimizer as AdamW;
    expect([restored.learningRate, restored.weightDecay]).toEqual([0.01, 0.05]);
    expect(restored.iterations).toBe(2);
    expect(restored.variableNames.length).toBe(2);
    for (const variableName of restored.variableNames) expect(restored.stepOf(variableName)).toBe(2);
    model.dispose();
    loaded.dispose();
  });

  it('does not leak (applyGradients, getWeights, setWeights)', async () => {
    const p = tf.variable(tf.ones([3]), true, name('leak'));
    const optimizer = new AdamW();
    const gradient = tf.ones([3]);
    await expectNoLeaks(() => optimizer.applyGradients({[p.name]: gradient}));
    await expectNoLeaks(() => optimizer.getWeights());
    const state = await optimizer.getWeights();
    await expectNoLeaks(() => optimizer.setWeights(state));
    tf.dispose(state.map((s) => s.tensor));
    const before = tf.memory().numTensors;
    optimizer.dispose();
    expect(tf.memory().numTensors).toBe(before - 2);
    tf.dispose([p, gradient]);
  });
});

describe('AdamW configuration and checks', () => {
  it('registers as DaekAdamW and round-trips its config', () => {
    const entry = tf.serialization.SerializationMap.getMap().classNameMap['DaekAdamW'];
    expect(entry?.[0]).toBe(AdamW);
    const optimizer = new AdamW({learningRate: 3e-4, beta1: 0.8, beta2: 0.99, epsilon: 1e-6, weightDecay: 0.01});
    expect(optimizer.getClassName()).toBe('DaekAdamW');
    const copy = AdamW.fromConfig(AdamW, optimizer.getConfig()) as AdamW;
    expect(copy.getConfig()).toEqual(optimizer.getConfig());
    expect(new AdamW().getConfig()).toEqual({learningRate: 1e-4, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 1e-3});
  });

  it('names bad settings and inputs', async () => {
    expect(() => new AdamW({beta1: 1})).toThrow(/beta1/);
    expect(() => new AdamW({weightDecay: -1})).toThrow(/weightDecay/);
    expect(() => new AdamW({learningRate: NaN})).toThrow(/learningRate/);
    const optimizer = new AdamW();
    expect(() => optimizer.applyGradients({'no-such-variable': tf.ones([1])})).toThrow(/no variable named 'no-such-variable'/);
    const p = tf.variable(tf.ones([2]), true, name('shape'));
    expect(() => optimizer.applyGradients({[p.name]: tf.ones([3])})).toThrow(/shape \[3\].*\[2\]/);
    optimizer.learningRate = -1;
    expect(() => optimizer.applyGradients({[p.name]: tf.ones([2])})).toThrow(/learningRate/);
    await expect(optimizer.setWeights([{name: 'x/m', tensor: tf.ones([2])}])).rejects.toThrow(/starting with 'iter'/);
    await expect(optimizer.setWeights([{name: 'iter', tensor: tf.scalar(1)}, {name: `${p.name}/m`, tensor: tf.ones([2])}]))
        .rejects.toThrow(/needs all of/);
    await expect(optimizer.setWeights([{name: 'iter', tensor: tf.scalar(1)}, {name: 'bogus', tensor: tf.ones([2])}]))
        .rejects.toThrow(/unexpected entry 'bogus'/);
    await expect(optimizer.setWeights([{name: 'iter', tensor: tf.scalar(1)}, {name: `${p.name}/step`, tensor: tf.scalar(1, 'int32')},
      {name: `${p.name}/m`, tensor: tf.ones([3])}, {name: `${p.name}/v`, tensor: tf.ones([3])}])).rejects.toThrow(/shape \[3\].*\[2\]/);
    p.dispose();
  });
});
