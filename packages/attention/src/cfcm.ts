import * as tf from '@tensorflow/tfjs';
import {projectRows, type ProjectionActivation} from './projection.js';

/**
 * Which axis the CFCM softmax normalises `Q ⊙ K` over.
 *
 * - `'channel'` (ASSUMPTION A9, the default): at every pixel, over the `dim` channels. Resolution independent.
 * - `'spatial'` (A9-alt, SAGAN/DANet style): for every channel of every batch element, over the `h·w` positions.
 */
export type CfcmSoftmax = 'channel' | 'spatial';

/**
 * The activation applied to the value projection `V`.
 *
 * - `'leakyRelu'` (ASSUMPTION A6, the default): LeakyReLU with slope {@link CFCM_LEAKY_RELU_ALPHA}, mirroring AMT's
 *   `inp = lrelu(conv(cor_flo))`.
 * - `'linear'` (A6-alt): none; `V` is the bare 1×1 convolution of the paper's Eq. (4).
 */
export type CfcmValueActivation = 'leakyRelu' | 'linear';

/** Slope of the LeakyReLU on `V` (AMT `raft.py` L119: `nn.LeakyReLU(negative_slope=0.1)`). */
export const CFCM_LEAKY_RELU_ALPHA = 0.1;

/** Default output width `C_v` of CFCM in DAEK (spec §1.2, TUNED `fc_dim` = 188). */
export const CFCM_DEFAULT_DIM = 188;

/**
 * One 1×1 convolution with bias, in tfjs layout.
 *
 * `kernel` is `[1, 1, inChannels, outChannels]`, exactly `tf.conv2d`'s filter layout (PyTorch `[out, in, 1, 1]`
 * permuted by `(2, 3, 1, 0)`); `bias` is `[outChannels]`.
 */
export type CfcmProjection = {
  /** `[1, 1, inChannels, outChannels]` float32. */
  kernel: tf.Tensor;
  /** `[outChannels]` float32. */
  bias: tf.Tensor;
};

/**
 * Explicit CFCM weights for {@link cfcm}. PyTorch names (spec §1.8 / the fixtures' `state_dict.json`):
 *
 * | here | PyTorch | shape here | PyTorch shape |
 * |---|---|---|---|
 * | `value.kernel` | `v_proj.weight` | `[1,1,Ccmf,dim]` | `[dim,Ccmf,1,1]` |
 * | `value.bias` | `v_proj.bias` | `[dim]` | `[dim]` |
 * | `query.kernel` / `.bias` | `q_proj.weight` / `.bias` | `[1,1,Cctx,dim]` / `[dim]` | `[dim,Cctx,1,1]` / `[dim]` |
 * | `key.kernel` / `.bias` | `k_proj.weight` / `.bias` | `[1,1,Cctx,dim]` / `[dim]` | `[dim,Cctx,1,1]` / `[dim]` |
 * | `para` | `para` | `[1]` (or `[]`) | `[1]` |
 *
 * `query`, `key` and `para` exist only with the self-feature-attention path (`useSfa`, the default); without it
 * they must be absent. {@link cfcmWeightsFromTorch} builds this object from a PyTorch state dict.
 *
 * (A type alias rather than an interface so that it is a `tf.TensorContainer`: `tf.dispose(weights)` works.)
 */
export type CfcmWeights = {
  /** The value projection `V = act(conv1x1(cmf))`, paper Eq. (4). */
  value: CfcmProjection;
  /** The query projection `Q = conv1x1(ctx)`, paper Eq. (2). */
  query?: CfcmProjection;
  /** The key projection `K = conv1x1(ctx)`, paper Eq. (2). */
  key?: CfcmProjection;
  /** The learnable scalar `Para` of Eq. (5), shape `[1]` (a scalar `[]` is accepted too). */
  para?: tf.Tensor;
};

/** Options of {@link cfcm} and {@link cfcmOutputs}. */
export interface CfcmOptions {
  /** Softmax axis of the score, ASSUMPTION A9. Default `'channel'`. */
  softmax?: CfcmSoftmax;
  /** Activation on `V`, ASSUMPTION A6. Default `'leakyRelu'` (slope 0.1). */
  valueActivation?: CfcmValueActivation;
  /**
   * The self-feature-attention path (spec §4 ablation switch `use_sfa`). Default `true`. When `false`,
   * `Attn = V`, `ctx` must be `null` and `weights` must hold `value` only.
   */
  useSfa?: boolean;
}

/**
 * What {@link cfcmOutputs} returns. The caller owns every tensor: `tf.dispose(outputs)` releases them all
 * (a type alias, so that it is a `tf.TensorContainer`).
 */
export type CfcmOutputs = {
  /** `Attn = V + Para · Score`, `[B, h, w, dim]`. */
  attn: tf.Tensor4D;
  /** `Score = softmax(Q ⊙ K)`, `[B, h, w, dim]`; `undefined` without the attention path (`useSfa: false`). */
  score: tf.Tensor4D | undefined;
  /** `V`, `[B, h, w, dim]`. */
  value: tf.Tensor4D;
};

/** Options of {@link cfcm} with every default filled in. */
export interface ResolvedCfcmOptions {
  /** Softmax axis. */
  softmax: CfcmSoftmax;
  /** Activation on `V`. */
  valueActivation: CfcmValueActivation;
  /** Whether the attention path exists. */
  useSfa: boolean;
}

/** Fill in the defaults of {@link CfcmOptions} and reject unknown values, naming `where` in the message. */
export function resolveCfcmOptions(options: CfcmOptions = {}, where = 'cfcm'): ResolvedCfcmOptions {
  const softmax = options.softmax ?? 'channel';
  const valueActivation = options.valueActivation ?? 'leakyRelu';
  const useSfa = options.useSfa ?? true;
  if (softmax !== 'channel' && softmax !== 'spatial') {
    throw new Error(`${where}: softmax must be 'channel' or 'spatial'; got ${JSON.stringify(softmax)}`);
  }
  if (valueActivation !== 'leakyRelu' && valueActivation !== 'linear') {
    throw new Error(`${where}: valueActivation must be 'leakyRelu' or 'linear'; got ${JSON.stringify(valueActivation)}`);
  }
  if (typeof useSfa !== 'boolean') {
    throw new Error(`${where}: useSfa must be a boolean; got ${JSON.stringify(useSfa)}`);
  }
  return {softmax, valueActivation, useSfa};
}

const shapeText = (shape: readonly (number | null)[]) => `[${shape.map((d) => d ?? 'null').join(', ')}]`;

function checkFeature(x: tf.Tensor, name: string): asserts x is tf.Tensor4D {
  if (!(x instanceof tf.Tensor)) throw new Error(`cfcm: ${name} must be a tf.Tensor; got ${typeof x}`);
  if (x.rank !== 4) {
    throw new Error(`cfcm: ${name} must be rank 4 [batch, height, width, channels] (NHWC); got shape ${shapeText(x.shape)}`);
  }
  if (x.dtype !== 'float32') throw new Error(`cfcm: ${name} must be float32; got ${x.dtype}`);
}

function checkProjection(p: CfcmProjection | undefined, name: string, inChannels: number, inName: string,
    dim: number | null): number {
  if (p == null || !(p.kernel instanceof tf.Tensor) || !(p.bias instanceof tf.Tensor)) {
    throw new Error(`cfcm: weights.${name} must be {kernel: tf.Tensor, bias: tf.Tensor}; got ${p == null ? p : 'an object without both'}`);
  }
  const k = p.kernel.shape;
  if (k.length !== 4 || k[0] !== 1 || k[1] !== 1) {
    throw new Error(`cfcm: weights.${name}.kernel must be [1, 1, inChannels, outChannels] (a 1x1 conv filter); got ${shapeText(k)}`);
  }
  if (k[2] !== inChannels) {
    throw new Error(`cfcm: weights.${name}.kernel expects ${k[2]} input channels but ${inName} has ${inChannels} ` +
        `(kernel ${shapeText(k)}, ${inName} channels ${inChannels})`);
  }
  if (dim != null && k[3] !== dim) {
    throw new Error(`cfcm: weights.${name}.kernel has ${k[3]} output channels but weights.value has ${dim}; ` +
        `Q, K and V must share C = C_v (kernel ${shapeText(k)})`);
  }
  if (p.bias.rank !== 1 || p.bias.shape[0] !== k[3]) {
    throw new Error(`cfcm: weights.${name}.bias must be [${k[3]}]; got ${shapeText(p.bias.shape)}`);
  }
  if (p.kernel.dtype !== 'float32' || p.bias.dtype !== 'float32') {
    throw new Error(`cfcm: weights.${name} must be float32; got kernel ${p.kernel.dtype}, bias ${p.bias.dtype}`);
  }
  return k[3];
}

/**
 * Check inputs and weights against each other; returns the output width `dim`.
 * Everything here reads shapes only, so it never waits for the device.
 */
function validate(cmf: tf.Tensor, ctx: tf.Tensor | null, weights: CfcmWeights, options: ResolvedCfcmOptions): number {
  checkFeature(cmf, 'cmf');
  if (weights == null || typeof weights !== 'object') throw new Error(`cfcm: weights must be a CfcmWeights object; got ${weights}`);
  const dim = checkProjection(weights.value, 'value', cmf.shape[3], 'cmf', null);
  if (!options.useSfa) {
    if (ctx != null) {
      throw new Error('cfcm: useSfa is false, so there is no context path and ctx must be null; ' +
          `got a tensor of shape ${shapeText(ctx.shape)}`);
    }
    const extra = (['query', 'key', 'para'] as const).filter((n) => weights[n] != null);
    if (extra.length > 0) {
      throw new Error(`cfcm: useSfa is false, so weights must hold value only; got also ${extra.join(', ')}`);
    }
    return dim;
  }
  if (ctx == null) throw new Error('cfcm: ctx (the context feature, [B, h, w, Cctx]) is required when useSfa is true; got null');
  checkFeature(ctx, 'ctx');
  if (ctx.shape[0] !== cmf.shape[0] || ctx.shape[1] !== cmf.shape[1] || ctx.shape[2] !== cmf.shape[2]) {
    throw new Error('cfcm: cmf and ctx must have the same batch, height and width; ' +
        `got cmf ${shapeText(cmf.shape)} and ctx ${shapeText(ctx.shape)}`);
  }
  checkProjection(weights.query, 'query', ctx.shape[3], 'ctx', dim);
  checkProjection(weights.key, 'key', ctx.shape[3], 'ctx', dim);
  const para = weights.para;
  if (!(para instanceof tf.Tensor) || para.size !== 1 || para.rank > 1 || para.dtype !== 'float32') {
    throw new Error('cfcm: weights.para must be a float32 tensor of shape [1] (or a scalar); ' +
        `got ${para instanceof tf.Tensor ? `${para.dtype} ${shapeText(para.shape)}` : para}`);
  }
  return dim;
}

/** 1×1 convolution as one matMul on `[N, Cin]` rows: the filter is already `[Cin, Cout]`, so no transpose flag. */
function project(rows: tf.Tensor2D, p: CfcmProjection, activation: ProjectionActivation): tf.Tensor2D {
  const [, , inChannels, outChannels] = p.kernel.shape;
  return projectRows(rows, p.kernel.reshape([inChannels, outChannels]), p.bias as tf.Tensor1D, activation, CFCM_LEAKY_RELU_ALPHA);
}

/** Softmax of `[B·h·w, C]` logits, over C (per pixel) or over the h·w positions (per batch element and channel). */
function scoreSoftmax(logits: tf.Tensor2D, batch: number, softmax: CfcmSoftmax): tf.Tensor2D {
  if (softmax === 'channel') return tf.softmax(logits);
  const [rows, channels] = logits.shape;
  // tf.softmax normalises the last axis only, so bring the positions there and back.
  const perChannel = logits.reshape([batch, rows / batch, channels]).transpose([0, 2, 1]);
  return tf.softmax(perChannel).transpose([0, 2, 1]).reshape([rows, channels]) as tf.Tensor2D;
}

/**
 * CFCM, the contextual feature complementary module (paper Eqs. (2)–(5), spec §1.8), with its intermediates.
 *
 * ```
 * Q = conv1x1(ctx), K = conv1x1(ctx)        Eq. (2), with bias
 * Score = softmax(Q ⊙ K)                    Eq. (3), over channels per pixel (A9) or over positions (A9-alt)
 * V = lrelu_0.1(conv1x1(cmf))               Eq. (4), the lrelu is ASSUMPTION A6
 * Attn = V + Para · Score                   Eq. (5)
 * ```
 *
 * Differentiable on every backend (1×1 convolutions are matMuls, so wasm's missing Conv2DBackpropFilter does
 * not matter). Inputs are never disposed. Shapes are checked before anything runs; values are not inspected
 * (no device sync), so NaN inputs propagate: run with `tf.env().set('DEBUG', true)` to have tfjs throw on NaN.
 *
 * @param cmf coarse motion feature `[B, h, w, Ccmf]` (DAEK: 256 channels).
 * @param ctx context feature `[B, h, w, Cctx]` (DAEK: 512 channels); `null` when `useSfa` is false.
 * @param weights the 1×1 projections and Para, see {@link CfcmWeights}.
 * @param options softmax axis, value activation, attention on/off.
 * @returns `attn`, `score` (`undefined` without the attention path) and `value`, each `[B, h, w, dim]`, owned by the caller.
 */
export function cfcmOutputs(cmf: tf.Tensor4D, ctx: tf.Tensor4D | null, weights: CfcmWeights,
    options: CfcmOptions = {}): CfcmOutputs {
  const resolved = resolveCfcmOptions(options);
  const dim = validate(cmf, ctx, weights, resolved);
  const [batch, height, width, cmfChannels] = cmf.shape;
  const outShape: [number, number, number, number] = [batch, height, width, dim];
  const [attn, value, score] = tf.tidy(() => {
    const rows = batch * height * width;
    const activation = resolved.valueActivation === 'leakyRelu' ? 'leakyrelu' : 'linear';
    const v = project(cmf.reshape([rows, cmfChannels]) as tf.Tensor2D, weights.value, activation).reshape(outShape) as tf.Tensor4D;
    if (!resolved.useSfa || ctx == null) return [v, v.clone()];
    const context = ctx.reshape([rows, ctx.shape[3]]) as tf.Tensor2D;
    const query = project(context, weights.query as CfcmProjection, 'linear');
    const key = project(context, weights.key as CfcmProjection, 'linear');
    const s = scoreSoftmax(query.mul(key), batch, resolved.softmax).reshape(outShape) as tf.Tensor4D;
    return [v.add(s.mul((weights.para as tf.Tensor).reshape([1]))) as tf.Tensor4D, v, s];
  });
  return {attn, score, value};
}

/**
 * CFCM, functional form: `Attn = V + Para · softmax(Q ⊙ K)` (paper Eqs. (2)–(5), spec §1.8).
 * Same computation as {@link cfcmOutputs} and as {@link CfcmLayer} (which calls this), returning `Attn` only.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import {cfcm} from '@daek/attention';
 * const weights = {
 *   value: {kernel: tf.randomUniform([1, 1, 256, 188], -1 / 16, 1 / 16), bias: tf.zeros([188])},
 *   query: {kernel: tf.randomUniform([1, 1, 512, 188], -0.04, 0.04), bias: tf.zeros([188])},
 *   key: {kernel: tf.randomUniform([1, 1, 512, 188], -0.04, 0.04), bias: tf.zeros([188])},
 *   para: tf.tensor1d([0.5]),
 * };
 * const attn = cfcm(tf.randomNormal([1, 32, 56, 256]), tf.randomNormal([1, 32, 56, 512]), weights);
 * // attn: [1, 32, 56, 188]
 * ```
 *
 * @param cmf coarse motion feature `[B, h, w, Ccmf]`.
 * @param ctx context feature `[B, h, w, Cctx]`, or `null` when `useSfa` is false.
 * @param weights see {@link CfcmWeights}.
 * @param options see {@link CfcmOptions}.
 * @returns `Attn`, `[B, h, w, dim]`.
 */
export function cfcm(cmf: tf.Tensor4D, ctx: tf.Tensor4D | null, weights: CfcmWeights,
    options: CfcmOptions = {}): tf.Tensor4D {
  return tf.tidy(() => cfcmOutputs(cmf, ctx, weights, options).attn);
}

/** Sizes for {@link cfcmParameterCount}. */
export interface CfcmSize {
  /** Output width `C_v` (default 188). */
  dim?: number;
  /** Channels of the coarse motion feature (DAEK: 256). */
  cmfChannels: number;
  /** Channels of the context feature (DAEK: 512); ignored when `useSfa` is false. */
  contextChannels: number;
  /** Whether Q, K and Para exist (default true). */
  useSfa?: boolean;
}

/**
 * Number of trainable parameters of one CFCM:
 * `(Ccmf + 1)·dim` for V, plus, with the attention path, `2·(Cctx + 1)·dim + 1` for Q, K and Para.
 * DAEK's (dim 188, Ccmf 256, Cctx 512) gives 48,316 + 96,444 + 96,444 + 1 = 241,205 (spec §5).
 */
export function cfcmParameterCount(size: CfcmSize): number {
  const dim = size.dim ?? CFCM_DEFAULT_DIM;
  for (const [name, n] of [['dim', dim], ['cmfChannels', size.cmfChannels], ['contextChannels', size.contextChannels]] as const) {
    if (!Number.isInteger(n) || n < 1) throw new Error(`cfcmParameterCount: ${name} must be a positive integer; got ${n}`);
  }
  const value = (size.cmfChannels + 1) * dim;
  return (size.useSfa ?? true) ? value + 2 * (size.contextChannels + 1) * dim + 1 : value;
}
