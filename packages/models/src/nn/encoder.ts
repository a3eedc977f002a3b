// DAEK's feature and context encoders (paper §III-A; spec §1.5, §7.8): AMT's BasicEncoder built from
// ResidualBlocks (AMT networks/blocks/feat_enc.py), with InstanceNorm (fnet) or BatchNorm (cnet).
// Tensor names are the PyTorch state-dict names, so `fnet.layer2.0.downsample.0.weight` lives here under
// exactly that key.
import * as tf from '@tensorflow/tfjs';
import {child, Conv2d, paramName, type Scope} from './layers.js';

/** The normalisation of a {@link BasicEncoder}: `'instance'` (DAEK's fnet) or `'batch'` (DAEK's cnet). */
export type EncoderNorm = 'instance' | 'batch';

/** Configuration of a {@link BasicEncoder}. */
export interface BasicEncoderConfig {
  /** Output channels of the final 1×1 convolution (fnet 128, cnet 256). */
  outDim: number;
  /** Normalisation after every convolution but the last. */
  norm: EncoderNorm;
  /**
   * Widths of conv1/layer1, layer2 and layer3 (AMT: 64, 72, 128). Narrower widths make a cheaper encoder
   * (the `daek-s` preset); the default is AMT's.
   */
  widths?: readonly [number, number, number];
}

/** AMT's BasicEncoder widths: conv1/layer1 64, layer2 72, layer3 128 (feat_enc.py). */
export const AMT_ENCODER_WIDTHS: readonly [number, number, number] = Object.freeze([64, 72, 128]) as readonly [number, number, number];

/**
 * How the normalisation layers run.
 * - `training: false`: BatchNorm uses its running statistics (PyTorch `eval()`).
 * - `training: true`: BatchNorm normalises with the biased statistics of the batch it sees, which for
 *   {@link BasicEncoder.apply} is every stacked image (PyTorch `train()`), and, unless `updateStats` is
 *   false, updates its running statistics once.
 *
 * InstanceNorm ignores the mode: it always uses per-sample statistics (affine=False, no running stats).
 */
export interface NormMode {
  /** Training-mode normalisation (batch statistics). */
  training: boolean;
  /**
   * In training mode, update the BatchNorm running statistics: `0.9·old + 0.1·batch`, with the UNBIASED batch
   * variance for `running_var`, as PyTorch does (momentum 0.1). Default true. Pass false for a training-mode
   * forward that must not change the model, for example a second forward of the same step.
   */
  updateStats?: boolean;
}

/** Epsilon of every norm here (PyTorch's default for InstanceNorm2d and BatchNorm2d). */
export const NORM_EPSILON = 1e-5;

/** BatchNorm momentum: `running = (1 - momentum)·running + momentum·batch` (PyTorch's default 0.1). */
export const BATCH_NORM_MOMENTUM = 0.1;

/** Rows summed per block by {@link batchMoments}'s tree of sums. */
const SUM_BLOCK = 64;

/**
 * The column sums of `[n, C]`, as a tree of sums over blocks of {@link SUM_BLOCK} rows: the float32 rounding
 * error grows with the tree's depth, not with n. tfjs-wasm's sum adds one value after another, which drifts
 * by ~1e-5 over 16,384 values; the tree stays within one unit in the last place.
 */
function blockedColumnSum(x: tf.Tensor2D): tf.Tensor1D {
  const channels = x.shape[1];
  let t = x;
  while (t.shape[0] > SUM_BLOCK) {
    const rows = t.shape[0];
    const padded = Math.ceil(rows / SUM_BLOCK) * SUM_BLOCK;
    const whole = padded === rows ? t : tf.pad(t, [[0, padded - rows], [0, 0]]); // zeros leave the sums unchanged
    t = tf.sum(tf.reshape(whole, [padded / SUM_BLOCK, SUM_BLOCK, channels]), 1);
  }
  return tf.sum(t, 0);
}

/** `t` with no gradient flowing back through it (tfjs has no stopGradient). */
const constantForGradients = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
  value: tf.clone(args[0] as tf.Tensor),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as <T extends tf.Tensor>(t: T) => T;

/** Per-channel batch statistics of {@link batchMoments}. */
export interface BatchMoments {
  /** Mean per channel, `[C]`. */
  mean: tf.Tensor1D;
  /** Biased variance per channel (divided by N·H·W), `[C]`. */
  variance: tf.Tensor1D;
}

/**
 * Per-channel mean and biased variance of `[N, H, W, C]` over N·H·W, numerically stable on every backend:
 * blocked sums (a tree of 64-row sums) around a shift (the first value of each channel), and
 * a second pass around the mean for the variance. Plain tfjs ops, so
 * gradients flow through both statistics as through `tf.moments`, which this replaces for BatchNorm.
 */
export function batchMoments(x: tf.Tensor4D): BatchMoments {
  return tf.tidy(() => {
    const [batch, height, width, channels] = x.shape;
    const count = batch * height * width;
    const rows = tf.reshape(x, [count, channels]) as tf.Tensor2D;
    // Sum around a shift (the first row): the terms are then as small as the spread, not the mean. The mean
    // does not depend on the shift, so no gradient flows through it (one that did would cancel in float32).
    const shift = constantForGradients(tf.reshape(tf.slice(rows, [0, 0], [1, channels]), [channels]));
    const mean = tf.add(shift, tf.div(blockedColumnSum(tf.sub(rows, shift) as tf.Tensor2D), count)) as tf.Tensor1D;
    // d var / d mean = -2/n·Σ(x - mean) = 0: centring on a constant copy of the mean gives the exact gradient.
    const centred = tf.sub(rows, constantForGradients(mean));
    const variance = tf.div(blockedColumnSum(tf.square(centred) as tf.Tensor2D), count) as tf.Tensor1D;
    return {mean, variance};
  });
}

/** A normalisation layer of the encoder. */
interface Norm2d {
  apply(x: tf.Tensor4D, mode: NormMode): tf.Tensor4D;
}

/**
 * PyTorch `nn.InstanceNorm2d(channels)` with its defaults (affine=False, track_running_stats=False): per sample
 * and channel over H·W, biased variance, eps 1e-5, identical in training and evaluation (spec §7.8). No tensors.
 */
export class InstanceNorm2d {
  /** Normalise `[B, H, W, C]` per sample and channel (the mode does not matter). */
  apply(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const {mean, variance} = tf.moments(x, [1, 2], true);
      return tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, NORM_EPSILON))) as tf.Tensor4D;
    });
  }
}

/**
 * PyTorch `nn.BatchNorm2d(channels)` (eps 1e-5, momentum 0.1, affine, running stats). Tensors `weight`, `bias`
 * (trainable) and `running_mean`, `running_var` (buffers: saved and loaded, never trained or counted).
 *
 * PyTorch also stores an int64 `num_batches_tracked`; it is only read when momentum is None, which it never
 * is here, so it is not stored: weight import ignores it and export may write 0.
 */
export class BatchNorm2d {
  /** γ, `[channels]` (`weight`). */
  readonly weight: tf.Variable;
  /** β, `[channels]` (`bias`). */
  readonly bias: tf.Variable;
  /** `running_mean`, `[channels]`, not trainable. */
  readonly runningMean: tf.Variable;
  /** `running_var`, `[channels]`, not trainable. */
  readonly runningVar: tf.Variable;

  /**
   * @param scope where the tensors live.
   * @param channels number of channels.
   * @param aliases other module paths PyTorch registers the same BatchNorm under (AMT's stride-2 blocks
   *   register `norm3` again as `downsample.1`); their keys resolve to these tensors.
   */
  constructor(scope: Scope, readonly channels: number, aliases: readonly Scope[] = []) {
    const declare = (name: string, role: 'bn_weight' | 'bn_bias' | 'bn_running_mean' | 'bn_running_var', trainable: boolean) =>
      scope.store.declare({
        name: paramName(scope, name), torchShape: [channels], layout: 'plain', role, fanIn: 1, trainable,
        aliases: aliases.map((alias) => paramName(alias, name)),
      });
    this.weight = declare('weight', 'bn_weight', true);
    this.bias = declare('bias', 'bn_bias', true);
    this.runningMean = declare('running_mean', 'bn_running_mean', false);
    this.runningVar = declare('running_var', 'bn_running_var', false);
  }

  /**
   * Normalise `[N, H, W, C]`: with the running statistics (evaluation), or with the batch's biased statistics over
   * N·H·W (training), updating the running statistics unless `mode.updateStats` is false.
   */
  apply(x: tf.Tensor4D, mode: NormMode): tf.Tensor4D {
    return tf.tidy(() => {
      if (!mode.training) {
        // Evaluation: one affine op with the running statistics folded in (spec §1.5).
        const scale = tf.mul(this.weight, tf.rsqrt(tf.add(this.runningVar, NORM_EPSILON)));
        const shift = tf.sub(this.bias, tf.mul(this.runningMean, scale));
        return tf.add(tf.mul(x, scale), shift) as tf.Tensor4D;
      }
      // Training: biased statistics over the whole batch and every position (stable sums, differentiable).
      const {mean, variance} = batchMoments(x);
      const scale = tf.mul(this.weight, tf.rsqrt(tf.add(variance, NORM_EPSILON)));
      const y = tf.add(tf.mul(tf.sub(x, mean), scale), this.bias) as tf.Tensor4D;
      if (mode.updateStats !== false) {
        const [batch, height, width] = x.shape;
        const count = batch * height * width;
        // PyTorch updates running_var with the unbiased variance n/(n-1)·var (a single value has none: keep var).
        const unbiased = count > 1 ? tf.mul(variance, count / (count - 1)) : variance;
        const m = BATCH_NORM_MOMENTUM;
        this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - m), tf.mul(mean, m)));
        this.runningVar.assign(tf.add(tf.mul(this.runningVar, 1 - m), tf.mul(unbiased, m)));
      }
      return y;
    });
  }
}

function makeNorm(scope: Scope, norm: EncoderNorm, channels: number, aliases: readonly Scope[] = []): Norm2d {
  return norm === 'batch' ? new BatchNorm2d(scope, channels, aliases) : new InstanceNorm2d();
}

/**
 * AMT's `ResidualBlock(in, out, norm, stride)` (feat_enc.py), spec §1.5:
 * `y = relu(n1(conv3x3_s(x))); y = relu(n2(conv3x3(y))); x' = s == 1 ? x : n3(conv1x1_s(x)); relu(x' + y)`.
 * Tensors: `conv1.*`, `conv2.*`, `norm1.*`, `norm2.*`, `norm3.*` (= `downsample.1.*`), `downsample.0.*`,
 * declared in PyTorch's state-dict order.
 */
export class ResidualBlock {
  /** 3×3 convolution with the block's stride (`conv1`). */
  readonly conv1: Conv2d;
  /** 3×3 convolution (`conv2`). */
  readonly conv2: Conv2d;
  private readonly norm1: Norm2d;
  private readonly norm2: Norm2d;
  private readonly shortcut: {conv: Conv2d; norm: Norm2d} | null;

  /**
   * @param scope where the block's tensors live (`layer2.0`).
   * @param inChannels input channels.
   * @param outChannels output channels.
   * @param norm normalisation.
   * @param stride 1, or 2 (with the 1×1 shortcut projection).
   */
  constructor(scope: Scope, inChannels: number, outChannels: number, norm: EncoderNorm, readonly stride: number) {
    this.conv1 = new Conv2d(child(scope, 'conv1'), inChannels, outChannels, 3, {stride, padding: 1});
    this.conv2 = new Conv2d(child(scope, 'conv2'), outChannels, outChannels, 3, {padding: 1});
    this.norm1 = makeNorm(child(scope, 'norm1'), norm, outChannels);
    this.norm2 = makeNorm(child(scope, 'norm2'), norm, outChannels);
    if (stride === 1) {
      // AMT (like RAFT) adds the shortcut projection only for stride 2; a stride-1 block must keep its width.
      if (inChannels !== outChannels) {
        throw new Error(`ResidualBlock ${scope.prefix}: a stride-1 block needs inChannels === outChannels; got ${inChannels} -> ${outChannels}.`);
      }
      this.shortcut = null;
    } else {
      const downsample = child(scope, 'downsample');
      const norm3 = makeNorm(child(scope, 'norm3'), norm, outChannels, [child(downsample, 1)]);
      // 1×1 stride-s convolution, no padding ('valid'), as PyTorch's Conv2d(in, out, 1, stride) (spec §7.4).
      this.shortcut = {conv: new Conv2d(child(downsample, 0), inChannels, outChannels, 1, {stride, padding: 0}), norm: norm3};
    }
  }

  /** The block on `[N, H, W, in]`; `[N, H/stride, W/stride, out]`. */
  apply(x: tf.Tensor4D, mode: NormMode): tf.Tensor4D {
    return tf.tidy(() => {
      let y = tf.relu(this.norm1.apply(this.conv1.apply(x), mode));
      y = tf.relu(this.norm2.apply(this.conv2.apply(y), mode));
      const skip = this.shortcut ? this.shortcut.norm.apply(this.shortcut.conv.apply(x), mode) : x;
      return tf.relu(tf.add(skip, y)) as tf.Tensor4D;
    });
  }
}

/** Names and strides of AMT's BasicEncoder layers (widths: {@link BasicEncoderConfig.widths}). */
const LAYERS: readonly {name: string; stride: number}[] = [
  {name: 'layer1', stride: 1},
  {name: 'layer2', stride: 2},
  {name: 'layer3', stride: 2},
];

/**
 * AMT's `BasicEncoder(output_dim, norm_fn)` (feat_enc.py; spec §1.5): the appearance encoder `fnet`
 * (`outDim` 128, InstanceNorm) and the context encoder `cnet` (`outDim` 256, BatchNorm) of DAEK. Output at 1/8:
 *
 * ```
 * conv1 7×7 s2 p3 (3 -> 64) -> norm1 -> ReLU                        1/2
 * layer1: ResidualBlock(64, 64, s1) ×2                              1/2
 * layer2: ResidualBlock(64, 72, s2), ResidualBlock(72, 72, s1)      1/4
 * layer3: ResidualBlock(72, 128, s2), ResidualBlock(128, 128, s1)   1/8
 * conv2 1×1 (128 -> outDim)                                         no activation, dropout 0
 * ```
 *
 * Parameters: fnet 895,272; cnet 914,424 (spec §5). Images are NHWC float32 in [0, 1] (A17: no mean subtraction).
 */
export class BasicEncoder {
  /** The configuration it was built with. */
  readonly config: Readonly<BasicEncoderConfig>;
  private readonly norm1: Norm2d;
  private readonly conv1: Conv2d;
  private readonly layers: ResidualBlock[][];
  private readonly conv2: Conv2d;

  /**
   * @param scope where the tensors live (`fnet`, `cnet`; `''` for names relative to the module).
   * @param config output width and normalisation.
   */
  constructor(scope: Scope, config: BasicEncoderConfig) {
    const {outDim, norm} = config;
    const widths = config.widths ?? AMT_ENCODER_WIDTHS;
    if (!Number.isInteger(outDim) || outDim < 1) throw new Error(`BasicEncoder: outDim must be a positive integer; got ${outDim}.`);
    if (!Array.isArray(widths) || widths.length !== 3 || !widths.every((w) => Number.isInteger(w) && w >= 1)) {
      throw new Error(`BasicEncoder: widths must be three positive integers (AMT: 64, 72, 128); got ${JSON.stringify(widths)}.`);
    }
    if (norm !== 'instance' && norm !== 'batch') {
      throw new Error(`BasicEncoder: norm must be 'instance' or 'batch'; got ${JSON.stringify(norm)}.`);
    }
    this.config = Object.freeze({outDim, norm, widths: [...widths] as [number, number, number]});
    // Declared in PyTorch's state-dict order: AMT builds norm1 before conv1.
    this.norm1 = makeNorm(child(scope, 'norm1'), norm, widths[0]);
    this.conv1 = new Conv2d(child(scope, 'conv1'), 3, widths[0], 7, {stride: 2, padding: 3});
    let inChannels = widths[0];
    this.layers = LAYERS.map(({name, stride}, i) => {
      const channels = widths[i]!;
      const layer = child(scope, name);
      const blocks = [
        new ResidualBlock(child(layer, 0), inChannels, channels, norm, stride),
        new ResidualBlock(child(layer, 1), channels, channels, norm, 1),
      ];
      inChannels = channels;
      return blocks;
    });
    this.conv2 = new Conv2d(child(scope, 'conv2'), inChannels, outDim, 1, {padding: 0});
  }

  /**
   * Encode images with shared weights, stacked along the batch axis as AMT's list call does
   * (`fnet([img0, img1])`): in BatchNorm training mode the statistics are over ALL stacked images (2B for
   * DAEK's cnet, spec §7.8), and the running statistics are updated once.
   *
   * @param images one or more `[B_i, H, W, 3]` float32 NHWC images of the same size; H and W are normally
   *   multiples of 8 (the output is `ceil`-halved three times).
   * @param mode training or evaluation normalisation; see {@link NormMode}. Default evaluation.
   * @returns one `[B_i, H/8, W/8, outDim]` feature map per image, owned by the caller.
   */
  apply(images: tf.Tensor4D[], mode: NormMode = {training: false}): tf.Tensor4D[] {
    if (!Array.isArray(images) || images.length === 0) {
      throw new Error('BasicEncoder.apply: images must be a non-empty array of [B, H, W, 3] tensors.');
    }
    images.forEach((image, i) => {
      if (!(image instanceof tf.Tensor) || image.rank !== 4 || image.shape[3] !== 3 || image.dtype !== 'float32') {
        const got = image instanceof tf.Tensor ? `${image.dtype} [${image.shape}]` : typeof image;
        throw new Error(`BasicEncoder.apply: images[${i}] must be a float32 [B, H, W, 3] (NHWC) tensor; got ${got}.`);
      }
      if (image.shape[1] !== images[0]!.shape[1] || image.shape[2] !== images[0]!.shape[2]) {
        throw new Error(`BasicEncoder.apply: every image must have the same height and width; images[0] is ` +
            `[${images[0]!.shape}], images[${i}] is [${image.shape}].`);
      }
    });
    return tf.tidy(() => {
      const stacked = images.length === 1 ? images[0]! : tf.concat(images, 0);
      const features = this.applyStacked(stacked, mode);
      return images.length === 1 ? [features] : tf.split(features, images.map((image) => image.shape[0]), 0);
    });
  }

  /** The encoder on one `[N, H, W, 3]` batch (BatchNorm statistics over all N); see {@link BasicEncoder.apply}. */
  applyStacked(x: tf.Tensor4D, mode: NormMode = {training: false}): tf.Tensor4D {
    return tf.tidy(() => {
      let y = tf.relu(this.norm1.apply(this.conv1.apply(x), mode));
      for (const layer of this.layers) for (const block of layer) y = block.apply(y, mode);
      return this.conv2.apply(y);
    });
  }
}
