import * as tf from '@tensorflow/tfjs';
import type {CfcmProjection, CfcmWeights} from './cfcm.js';

/** One tensor of a PyTorch state dict, in PyTorch layout and C order (what `t.shape` / `t.flatten().tolist()` give). */
export interface TorchTensor {
  /** PyTorch shape, e.g. `[188, 256, 1, 1]` for a 1×1 Conv2d weight. */
  shape: readonly number[];
  /** The values in C order; anything array-like (Float32Array, number[], Float64Array). */
  data: ArrayLike<number>;
}

/** A PyTorch-style state dict: parameter name → tensor. */
export type TorchStateDict = Record<string, TorchTensor>;

/** Options of {@link cfcmWeightsFromTorch} and {@link cfcmWeightsToTorch}. */
export interface CfcmTorchOptions {
  /**
   * Key prefix of the CFCM inside a bigger state dict, e.g. `'mrb.1.cfcm.'` for DAEK's second MRB. Keys that do not
   * start with it are ignored; keys that do must all be CFCM parameters. Default `''` (the dict is one CFCM).
   */
  prefix?: string;
  /** Whether the attention path exists (Q, K, Para). Default `true`; `false` expects `v_proj.*` only. */
  useSfa?: boolean;
}

const VALUE_NAMES = ['v_proj.weight', 'v_proj.bias'];
const ATTENTION_NAMES = ['q_proj.weight', 'q_proj.bias', 'k_proj.weight', 'k_proj.bias', 'para'];

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Check one entry's shape against `expected` (null = any size there) and its data for length and finiteness. */
function checkEntry(stateDict: TorchStateDict, key: string, expected: (number | null)[], what: string): TorchTensor {
  const entry = stateDict[key];
  if (entry == null) throw new Error(`cfcmWeightsFromTorch: missing '${key}' (${what})`);
  const shape = entry.shape;
  if (!Array.isArray(shape) || shape.length !== expected.length || expected.some((d, i) => d != null && shape[i] !== d)) {
    const want = `[${expected.map((d) => d ?? '*').join(', ')}]`;
    throw new Error(`cfcmWeightsFromTorch: '${key}' (${what}) must have shape ${want}; got ${Array.isArray(shape) ? `[${shape}]` : shape}`);
  }
  const numel = product(shape);
  if (entry.data == null || entry.data.length !== numel) {
    throw new Error(`cfcmWeightsFromTorch: '${key}' has shape [${shape}] = ${numel} values but its data holds ${entry.data?.length}`);
  }
  for (let i = 0; i < numel; i++) {
    if (!Number.isFinite(entry.data[i])) throw new Error(`cfcmWeightsFromTorch: '${key}' holds a non-finite value (${entry.data[i]}) at flat index ${i}`);
  }
  return entry;
}

/** PyTorch conv weight `[out, in, 1, 1]` → tfjs filter `[1, 1, in, out]` (permute (2,3,1,0)), plus the bias. */
function projectionFromTorch(stateDict: TorchStateDict, prefix: string, module: string, out: number | null,
    inChannels: number | null): CfcmProjection {
  const weight = checkEntry(stateDict, `${prefix}${module}.weight`, [out, inChannels, 1, 1], `${module} 1x1 conv weight [out, in, 1, 1]`);
  const [outChannels, inC] = weight.shape;
  const bias = checkEntry(stateDict, `${prefix}${module}.bias`, [outChannels], `${module} bias [out]`);
  const kernel = new Float32Array(outChannels * inC);
  for (let o = 0; o < outChannels; o++) {
    for (let i = 0; i < inC; i++) kernel[i * outChannels + o] = weight.data[o * inC + i];
  }
  return {kernel: tf.tensor4d(kernel, [1, 1, inC, outChannels]), bias: tf.tensor1d(Float32Array.from(bias.data))};
}

/**
 * Map a PyTorch CFCM state dict (`para`, `v_proj.weight [dim,Ccmf,1,1]`, `v_proj.bias`, `q_proj.*`, `k_proj.*`,
 * as in the DAEK reference, spec §1.8) to {@link CfcmWeights} in tfjs layout. The caller owns the new tensors.
 *
 * Throws, naming the key, when a tensor is missing, has the wrong shape (not a 1×1 conv, widths that disagree,
 * Q and K with different inputs), holds a non-finite value, or when an unknown key sits under `prefix`.
 *
 * @example
 * ```ts
 * // state: {name: {shape, data}} exported from PyTorch, e.g. by
 * //   {k: {'shape': list(v.shape), 'data': v.flatten().tolist()} for k, v in model.state_dict().items()}
 * const weights = cfcmWeightsFromTorch(state, {prefix: 'mrb.1.cfcm.'});
 * layer.setCfcmWeights(weights);
 * tf.dispose(weights);
 * ```
 *
 * @param stateDict name → `{shape, data}` in PyTorch layout.
 * @param options `prefix` and `useSfa`.
 */
export function cfcmWeightsFromTorch(stateDict: TorchStateDict, options: CfcmTorchOptions = {}): CfcmWeights {
  if (stateDict == null || typeof stateDict !== 'object') {
    throw new Error(`cfcmWeightsFromTorch: stateDict must be an object {name: {shape, data}}; got ${stateDict}`);
  }
  const prefix = options.prefix ?? '';
  const useSfa = options.useSfa ?? true;
  const expected = useSfa ? [...VALUE_NAMES, ...ATTENTION_NAMES] : VALUE_NAMES;
  const ours = Object.keys(stateDict).filter((k) => k.startsWith(prefix));
  const unknown = ours.filter((k) => !expected.includes(k.slice(prefix.length)));
  if (unknown.length > 0) {
    const hint = !useSfa && unknown.some((k) => ATTENTION_NAMES.includes(k.slice(prefix.length))) ?
      ' (these are attention-path weights: pass useSfa: true)' : '';
    throw new Error(`cfcmWeightsFromTorch: unexpected keys under prefix '${prefix}': ${unknown.join(', ')}${hint}. ` +
        `Expected exactly: ${expected.map((n) => prefix + n).join(', ')}`);
  }
  const created: tf.Tensor[] = [];
  const keep = <T extends CfcmProjection>(p: T): T => {
    created.push(p.kernel, p.bias);
    return p;
  };
  try {
    const value = keep(projectionFromTorch(stateDict, prefix, 'v_proj', null, null));
    const dim = value.kernel.shape[3] as number;
    if (!useSfa) return {value};
    const query = keep(projectionFromTorch(stateDict, prefix, 'q_proj', dim, null));
    const key = keep(projectionFromTorch(stateDict, prefix, 'k_proj', dim, query.kernel.shape[2] as number));
    const para = checkEntry(stateDict, `${prefix}para`, [1], 'the learnable scalar Para, [1]');
    return {value, query, key, para: tf.tensor1d([para.data[0]])};
  } catch (error) {
    tf.dispose(created);
    throw error;
  }
}

/**
 * The inverse of {@link cfcmWeightsFromTorch}: CFCM weights as a PyTorch-layout state dict (Float32Array data in
 * C order, in the reference's key order `para`, `v_proj.*`, `q_proj.*`, `k_proj.*`), e.g. to take weights trained
 * in tfjs back to PyTorch. Reads the tensors asynchronously; disposes nothing.
 *
 * @param weights the weights, e.g. a {@link CfcmLayer}'s `cfcmWeights`.
 * @param options `prefix` to put before every key.
 */
export async function cfcmWeightsToTorch(weights: CfcmWeights, options: Pick<CfcmTorchOptions, 'prefix'> = {}): Promise<TorchStateDict> {
  const prefix = options.prefix ?? '';
  const out: TorchStateDict = {};
  if (weights.para != null) out[`${prefix}para`] = {shape: [1], data: Float32Array.from(await weights.para.data())};
  const modules: [string, CfcmProjection | undefined][] = [['v_proj', weights.value], ['q_proj', weights.query], ['k_proj', weights.key]];
  for (const [module, p] of modules) {
    if (p == null) continue;
    if (p.kernel.rank !== 4 || p.kernel.shape[0] !== 1 || p.kernel.shape[1] !== 1 || p.bias.size !== p.kernel.shape[3]) {
      throw new Error(`cfcmWeightsToTorch: ${module} must be a 1x1 kernel [1, 1, in, out] with bias [out]; ` +
          `got kernel [${p.kernel.shape}], bias [${p.bias.shape}]`);
    }
    const [, , inC, outC] = p.kernel.shape;
    const kernel = await p.kernel.data();
    const weight = new Float32Array(outC * inC);
    for (let o = 0; o < outC; o++) {
      for (let i = 0; i < inC; i++) weight[o * inC + i] = kernel[i * outC + o];
    }
    out[`${prefix}${module}.weight`] = {shape: [outC, inC, 1, 1], data: weight};
    out[`${prefix}${module}.bias`] = {shape: [outC], data: Float32Array.from(await p.bias.data())};
  }
  return out;
}
