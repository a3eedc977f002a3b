// AdamW with PyTorch's decoupled weight decay (spec §3.1): tfjs has no AdamW.
import * as tf from '@tensorflow/tfjs';
import {assertNumber, describe} from './validate.js';

/** Settings of {@link AdamW}; every field is optional. */
export interface AdamWConfig {
  /** Learning rate of the next step; change it any time with `optimizer.learningRate = …`. Default 1e-4. */
  learningRate?: number;
  /** β1, default 0.9. */
  beta1?: number;
  /** β2, default 0.999. */
  beta2?: number;
  /** ε, default 1e-8 (PyTorch's; tfjs's Adam would use the backend's 1e-7). */
  epsilon?: number;
  /** Decoupled weight decay, default 1e-3 (DAEK, on all parameters). */
  weightDecay?: number;
}

interface Slot {
  /** Adam steps taken by this variable (PyTorch's per-parameter `state['step']`). */
  step: number;
  m: tf.Variable;
  v: tf.Variable;
}

const SUFFIXES = ['step', 'm', 'v'] as const;

/** A tensor with a name, as `tf.Optimizer.getWeights()` returns them (tfjs does not export this type). */
export interface NamedTensor {
  /** For AdamW: `iter`, or `<variable name>/step`, `/m`, `/v`. */
  name: string;
  /** The value. */
  tensor: tf.Tensor;
}

/**
 * PyTorch's `torch.optim.AdamW` (spec §3.1) as a `tf.Optimizer`: for each variable with a gradient `g`, at its
 * step t = 1, 2, …
 * ```
 * p ← p · (1 − lr·wd)                         decoupled weight decay, before the Adam update
 * m ← β1·m + (1 − β1)·g
 * v ← β2·v + (1 − β2)·g²
 * p ← p − (lr / (1 − β1^t)) · m / (sqrt(v) / sqrt(1 − β2^t) + ε)
 * ```
 * in this operation order (PyTorch 1.13's `_single_tensor_adamw`; the bias corrections are computed in float64,
 * the tensor arithmetic in float32). Variables without a gradient in a step are skipped entirely, decay included,
 * as PyTorch skips parameters whose `.grad` is None; each variable keeps its own step count, as PyTorch does.
 *
 * The learning rate is a plain property, so a schedule sets it before each step. `getWeights()` /
 * `setWeights()` carry the whole state (the step counts and both moments of every variable, by variable name), so
 * a run resumed from them continues bit for bit. Registered with tfjs's serialisation as `'DaekAdamW'`, so a
 * `LayersModel` saved with `includeOptimizer` restores it.
 *
 * @example
 * ```ts
 * const optimizer = new AdamW({weightDecay: 1e-3});
 * for (let step = 0; step < totalSteps; step++) {
 *   optimizer.learningRate = learningRate(step, {totalSteps});
 *   optimizer.minimize(() => computeLoss(), false, trainableVariables);
 * }
 * ```
 */
export class AdamW extends tf.Optimizer {
  /** The name tfjs's serialisation registry knows this class by. */
  static className = 'DaekAdamW';

  /** Learning rate used by the next `applyGradients`/`minimize` call. */
  learningRate: number;
  /** β1. */
  readonly beta1: number;
  /** β2. */
  readonly beta2: number;
  /** ε. */
  readonly epsilon: number;
  /** Decoupled weight decay factor. */
  readonly weightDecay: number;

  private slots = new Map<string, Slot>();

  /** @param config see {@link AdamWConfig}; defaults are PyTorch's, with DAEK's learning rate and weight decay. */
  constructor(config: AdamWConfig = {}) {
    super();
    if (config == null || typeof config !== 'object') throw new TypeError(`AdamW: config must be an object; got ${describe(config)}`);
    const op = 'AdamW';
    this.learningRate = assertNumber(op, 'learningRate', config.learningRate ?? 1e-4, (v) => v >= 0, 'a number ≥ 0');
    this.beta1 = assertNumber(op, 'beta1', config.beta1 ?? 0.9, (v) => v >= 0 && v < 1, 'in [0, 1)');
    this.beta2 = assertNumber(op, 'beta2', config.beta2 ?? 0.999, (v) => v >= 0 && v < 1, 'in [0, 1)');
    this.epsilon = assertNumber(op, 'epsilon', config.epsilon ?? 1e-8, (v) => v >= 0, 'a number ≥ 0');
    this.weightDecay = assertNumber(op, 'weightDecay', config.weightDecay ?? 1e-3, (v) => v >= 0, 'a number ≥ 0');
  }

  /**
   * One AdamW step for every variable in `variableGradients` (by registered variable name) whose gradient is not
   * null. Disposes nothing it was given.
   */
  applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const entries: [string, tf.Tensor | null | undefined][] = Array.isArray(variableGradients) ?
      variableGradients.map((named) => [named.name, named.tensor]) :
      Object.entries(variableGradients);
    const lr = assertNumber('AdamW', 'learningRate', this.learningRate, (v) => v >= 0, 'a number ≥ 0');
    const registered = tf.engine().registeredVariables;
    for (const [name, gradient] of entries) {
      if (gradient == null) continue;
      const variable = registered[name];
      if (variable == null) {
        throw new Error(`AdamW: no variable named '${name}' is registered; pass gradients keyed by variable name ` +
            '(what tf.variableGrads returns)');
      }
      if (!tf.util.arraysEqual(gradient.shape, variable.shape)) {
        throw new Error(`AdamW: the gradient for '${name}' has shape [${gradient.shape}], the variable [${variable.shape}]`);
      }
      const slot = this.slotFor(name, variable);
      slot.step += 1;
      // PyTorch computes these Python floats in float64; the tensor ops round them to float32.
      const biasCorrection1 = 1 - this.beta1 ** slot.step;
      const biasCorrection2 = 1 - this.beta2 ** slot.step;
      const stepSize = lr / biasCorrection1;
      const biasCorrection2Sqrt = Math.sqrt(biasCorrection2);
      tf.tidy(() => {
        const decayed = tf.mul(variable, 1 - lr * this.weightDecay);
        const m = tf.add(tf.mul(slot.m, this.beta1), tf.mul(gradient, 1 - this.beta1));
        const v = tf.add(tf.mul(slot.v, this.beta2), tf.mul(tf.mul(gradient, 1 - this.beta2), gradient)); // addcmul
        const denominator = tf.add(tf.div(tf.sqrt(v), biasCorrection2Sqrt), this.epsilon);
        const updated = tf.add(decayed, tf.div(tf.mul(m, -stepSize), denominator));                      // addcdiv
        slot.m.assign(m);
        slot.v.assign(v);
        variable.assign(updated);
      });
    }
    this.incrementIterations();
  }

  private slotFor(name: string, variable: tf.Variable): Slot {
    let slot = this.slots.get(name);
    if (!slot) {
      slot = {
        step: 0,
        m: tf.tidy(() => tf.variable(tf.zerosLike(variable), false)),
        v: tf.tidy(() => tf.variable(tf.zerosLike(variable), false)),
      };
      this.slots.set(name, slot);
    }
    return slot;
  }

  /** Names of the variables this optimiser has state for, in the order it first saw them. */
  get variableNames(): string[] {
    return [...this.slots.keys()];
  }

  /** The Adam step count of one variable (0 if it has had no gradient yet). */
  stepOf(variableName: string): number {
    return this.slots.get(variableName)?.step ?? 0;
  }

  /** Releases the moment variables. */
  override dispose(): void {
    for (const slot of this.slots.values()) tf.dispose([slot.m, slot.v]);
    this.slots.clear();
  }

  /**
   * The full state: `iter` (tfjs's iteration count, first, as tfjs expects), then for each variable
   * `<name>/step` (int32 scalar), `<name>/m`, `<name>/v`. Every tensor is a fresh copy the caller owns and
   * must dispose; they can be written anywhere (e.g. `tf.io.encodeWeights`) and given back to
   * {@link AdamW.setWeights}.
   */
  override async getWeights(): Promise<NamedTensor[]> {
    const weights: NamedTensor[] = [await this.saveIterations()];
    for (const [name, slot] of this.slots) {
      weights.push({name: `${name}/step`, tensor: tf.scalar(slot.step, 'int32')});
      weights.push({name: `${name}/m`, tensor: tf.clone(slot.m)});
      weights.push({name: `${name}/v`, tensor: tf.clone(slot.v)});
    }
    return weights;
  }

  /**
   * Replaces the whole state with what {@link AdamW.getWeights} returned (the first entry must be `iter`). The
   * tensors are copied; the caller still owns (and may dispose) what it passed.
   */
  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    if (!Array.isArray(weightValues) || weightValues.length === 0 || weightValues[0]?.name !== 'iter') {
      throw new Error("AdamW.setWeights: expected the array getWeights() returns, starting with 'iter'");
    }
    const rest = await this.extractIterations(weightValues);
    const parts = new Map<string, Partial<Record<(typeof SUFFIXES)[number], tf.Tensor>>>();
    for (const {name, tensor} of rest) {
      const cut = name.lastIndexOf('/');
      const suffix = name.slice(cut + 1) as (typeof SUFFIXES)[number];
      if (cut <= 0 || !SUFFIXES.includes(suffix)) {
        throw new Error(`AdamW.setWeights: unexpected entry '${name}'; entries are '<variable>/step', '/m' and '/v'`);
      }
      const variable = name.slice(0, cut);
      parts.set(variable, {...parts.get(variable), [suffix]: tensor});
    }
    const slots = new Map<string, {step: number; m: tf.Tensor; v: tf.Tensor}>();
    for (const [name, part] of parts) {
      if (!part.step || !part.m || !part.v) {
        throw new Error(`AdamW.setWeights: '${name}' needs all of '${name}/step', '${name}/m' and '${name}/v'`);
      }
      if (!tf.util.arraysEqual(part.m.shape, part.v.shape)) {
        throw new Error(`AdamW.setWeights: '${name}/m' [${part.m.shape}] and '${name}/v' [${part.v.shape}] differ in shape`);
      }
      const registered = tf.engine().registeredVariables[name];
      if (registered && !tf.util.arraysEqual(registered.shape, part.m.shape)) {
        throw new Error(`AdamW.setWeights: the state of '${name}' has shape [${part.m.shape}], the variable [${registered.shape}]`);
      }
      const step = (await part.step.data())[0]!;
      if (!Number.isInteger(step) || step < 0) throw new Error(`AdamW.setWeights: '${name}/step' must be an integer ≥ 0; got ${step}`);
      slots.set(name, {step, m: part.m, v: part.v});
    }
    this.dispose();
    for (const [name, {step, m, v}] of slots) {
      this.slots.set(name, {
        step,
        m: tf.tidy(() => tf.variable(tf.cast(m, 'float32'), false)),
        v: tf.tidy(() => tf.variable(tf.cast(v, 'float32'), false)),
      });
    }
  }

  /** The constructor settings (with the current learning rate), for tfjs serialisation. */
  override getConfig(): tf.serialization.ConfigDict {
    return {
      learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon,
      weightDecay: this.weightDecay,
    };
  }

  /** Builds an AdamW from {@link AdamW.getConfig}'s output (tfjs serialisation). */
  static override fromConfig<T extends tf.serialization.Serializable>(
      cls: tf.serialization.SerializableConstructor<T>, config: tf.serialization.ConfigDict): T {
    return new cls(config as AdamWConfig);
  }
}

tf.serialization.registerClass(AdamW);
