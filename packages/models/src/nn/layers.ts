// The building blocks every network here is made of, named exactly like their PyTorch counterparts so that
// a state dict maps one-to-one: Conv2d, PReLU, RIFE's conv() = Sequential(Conv2d, PReLU), ConvTranspose2d.
import * as tf from '@tensorflow/tfjs';
import type {ParamRole, ParamStore} from '../params.js';

/** Where a module's tensors live: the store and the module's PyTorch name prefix. */
export interface Scope {
  /** The store the module declares its tensors in. */
  store: ParamStore;
  /** The module's PyTorch name prefix (`''` at the root). */
  prefix: string;
}

/** The scope of a child module: `prefix.name`. */
export function child(scope: Scope, name: string | number): Scope {
  return {store: scope.store, prefix: scope.prefix ? `${scope.prefix}.${name}` : String(name)};
}

/** The full name of a tensor of a scope. */
export function paramName(scope: Scope, name: string): string {
  return scope.prefix ? `${scope.prefix}.${name}` : name;
}

/** Options of {@link Conv2d}. */
export interface Conv2dOptions {
  /** Stride (default 1). */
  stride?: number;
  /** Symmetric zero padding (PyTorch `padding`); default `(kernel - 1) / 2`. */
  padding?: number;
  /** Initialisation role of the weight (default `conv_weight`). */
  role?: ParamRole;
  /** False for a convolution without bias (default true). */
  bias?: boolean;
}

/**
 * PyTorch `nn.Conv2d(in, out, k, stride, padding)` with bias. The padding is explicit and symmetric, as
 * PyTorch's: TF's 'same' pads (0, 1) on even inputs at stride 2 and would shift the output (spec §7.4).
 */
export class Conv2d {
  /** `[k, k, in, out]` (PyTorch `weight`, `[out, in, k, k]`). */
  readonly weight: tf.Variable;
  /** `[out]`, or null without bias. */
  readonly bias: tf.Variable | null;
  /** Stride. */
  readonly stride: number;
  /** Symmetric zero padding. */
  readonly padding: number;

  /**
   * @param scope where the tensors are declared (`<prefix>.weight`, `<prefix>.bias`).
   * @param inChannels input channels.
   * @param outChannels output channels.
   * @param kernel square kernel size.
   */
  constructor(scope: Scope, readonly inChannels: number, readonly outChannels: number, readonly kernel: number,
      options: Conv2dOptions = {}) {
    this.stride = options.stride ?? 1;
    this.padding = options.padding ?? (kernel - 1) / 2;
    const fanIn = inChannels * kernel * kernel;
    this.weight = scope.store.declare({name: paramName(scope, 'weight'), torchShape: [outChannels, inChannels, kernel, kernel],
      layout: 'conv', role: options.role ?? 'conv_weight', fanIn, trainable: true});
    this.bias = options.bias === false ? null : scope.store.declare({name: paramName(scope, 'bias'),
      torchShape: [outChannels], layout: 'plain', role: 'bias', fanIn, trainable: true});
  }

  /** Convolve NHWC `x`; optionally fuse a PReLU with per-channel `alpha` or a leaky ReLU. */
  apply(x: tf.Tensor4D, activation?: {prelu: tf.Tensor} | {leakyRelu: number} | {relu: true}): tf.Tensor4D {
    const pad = this.padding;
    const args: Parameters<typeof tf.fused.conv2d>[0] = {
      x, filter: this.weight as tf.Tensor4D, strides: this.stride, pad: pad === 0 ? 'valid' : pad,
      bias: this.bias ?? undefined,
    };
    if (activation && 'prelu' in activation) {
      args.activation = 'prelu';
      args.preluActivationWeights = activation.prelu;
    } else if (activation && 'leakyRelu' in activation) {
      args.activation = 'leakyrelu';
      args.leakyreluAlpha = activation.leakyRelu;
    } else if (activation && 'relu' in activation) {
      args.activation = 'relu';
    }
    return tf.fused.conv2d(args) as tf.Tensor4D;
  }
}

/** PyTorch `nn.PReLU(channels)`: one slope per channel (spec §7.6). */
export class PReLU {
  /** `[channels]` slopes. */
  readonly weight: tf.Variable;

  /** @param channels number of channels (one slope each). */
  constructor(scope: Scope, readonly channels: number) {
    this.weight = scope.store.declare({name: paramName(scope, 'weight'), torchShape: [channels], layout: 'plain',
      role: 'prelu', fanIn: 1, trainable: true});
  }

  /** `max(0, x) + α·min(0, x)` per channel. */
  apply(x: tf.Tensor4D): tf.Tensor4D {
    return tf.prelu(x, this.weight as tf.Tensor) as tf.Tensor4D;
  }
}

/** RIFE's `conv(in, out, k, stride, padding)` = `Sequential(Conv2d, PReLU)`: tensors `.0.weight`, `.0.bias`, `.1.weight`. */
export class ConvPReLU {
  /** The convolution (`.0`). */
  readonly conv: Conv2d;
  /** Its activation (`.1`). */
  readonly prelu: PReLU;

  /** RIFE's `conv(in, out, kernel, stride, padding)`. */
  constructor(scope: Scope, inChannels: number, outChannels: number, kernel = 3, stride = 1, padding = 1) {
    this.conv = new Conv2d(child(scope, 0), inChannels, outChannels, kernel, {stride, padding});
    this.prelu = new PReLU(child(scope, 1), outChannels);
  }

  /** Convolution with the PReLU fused in. */
  apply(x: tf.Tensor4D): tf.Tensor4D {
    return this.conv.apply(x, {prelu: this.prelu.weight});
  }
}

/**
 * PyTorch `nn.ConvTranspose2d(in, out, 4, stride=2, padding=1)` (MEB `lastconv`, Unet `deconv`): exactly
 * 2H x 2W out. The weight is stored as spec §7.5 says, `[4, 4, out, in]`.
 *
 * Computed with tf.conv2dTranspose ('same' padding at stride 2 is PyTorch's padding 1 here). On wasm and cpu,
 * useBackend registers a fast Conv2DBackpropInput (flow-ops conv_grad) for it, which measured 1.4-9x faster than
 * the former form (a 3x3 conv to 4·out phase channels, then depth-to-space) with bit-identical outputs
 * (packages/models/bench/deconv.bench.ts); its gradients are tfjs's own (conv2d and Conv2DBackpropFilter).
 */
export class ConvTranspose2d {
  /** `[4, 4, out, in]` (PyTorch `[in, out, 4, 4]`). */
  readonly weight: tf.Variable;
  /** `[out]`. */
  readonly bias: tf.Variable;

  /**
   * @param inChannels input channels.
   * @param outChannels output channels.
   */
  constructor(scope: Scope, readonly inChannels: number, readonly outChannels: number) {
    // PyTorch computes a ConvTranspose2d's default-init fan-in from weight.shape[1]·k² = out·16 (spec §3.1).
    const fanIn = outChannels * 16;
    this.weight = scope.store.declare({name: paramName(scope, 'weight'), torchShape: [inChannels, outChannels, 4, 4],
      layout: 'deconv', role: 'deconv_weight', fanIn, trainable: true});
    this.bias = scope.store.declare({name: paramName(scope, 'bias'), torchShape: [outChannels], layout: 'plain',
      role: 'bias', fanIn, trainable: true});
  }

  /** `[B,H,W,in]` -> `[B,2H,2W,out]`, optionally followed by a PReLU with slopes `prelu`. */
  apply(x: tf.Tensor4D, prelu?: tf.Tensor): tf.Tensor4D {
    return tf.tidy(() => {
      const [b, h, w] = x.shape;
      const up = tf.conv2dTranspose(x, this.weight as tf.Tensor4D, [b, 2 * h, 2 * w, this.outChannels], 2, 'same');
      const biased = tf.add(up, this.bias) as tf.Tensor4D;
      return prelu ? tf.prelu(biased, prelu) as tf.Tensor4D : biased;
    });
  }
}

/** RIFE's `deconv(in, out)` = `Sequential(ConvTranspose2d(in, out, 4, 2, 1), PReLU(out))` (refine.py L18-22). */
export class DeconvPReLU {
  /** The transposed convolution (`.0`). */
  readonly deconv: ConvTranspose2d;
  /** Its activation (`.1`). */
  readonly prelu: PReLU;

  /** RIFE's `deconv(in, out)`. */
  constructor(scope: Scope, inChannels: number, outChannels: number) {
    this.deconv = new ConvTranspose2d(child(scope, 0), inChannels, outChannels);
    this.prelu = new PReLU(child(scope, 1), outChannels);
  }

  /** Upsample x2 and activate. */
  apply(x: tf.Tensor4D): tf.Tensor4D {
    return this.deconv.apply(x, this.prelu.weight);
  }
}
