// The synthesis network kept from RIFE (spec §1.9, A10; RIFE refine.py L11-82): Contextnet extracts and warps
// a 4-level feature pyramid of each frame, the Unet predicts a residual for the blended frame.
import * as tf from '@tensorflow/tfjs';
import {backwardWarp, resizeFlow} from '@daek/flow-ops';
import {child, Conv2d, ConvPReLU, DeconvPReLU, type Scope} from './layers.js';

/** RIFE's `Conv2(in, out, stride=2)`: conv(in, out, 3, stride, 1) then conv(out, out, 3, 1, 1). */
class Conv2 {
  private readonly conv1: ConvPReLU;
  private readonly conv2: ConvPReLU;

  constructor(scope: Scope, inChannels: number, outChannels: number, stride = 2) {
    this.conv1 = new ConvPReLU(child(scope, 'conv1'), inChannels, outChannels, 3, stride, 1);
    this.conv2 = new ConvPReLU(child(scope, 'conv2'), outChannels, outChannels, 3, 1, 1);
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    return this.conv2.apply(this.conv1.apply(x));
  }
}

/** RIFE's Contextnet (c = 16): features at 1/2..1/16, each warped by the flow halved alongside. */
export class Contextnet {
  private readonly levels: Conv2[];

  /** @param width RIFE's c (16). */
  constructor(scope: Scope, readonly width = 16) {
    const c = width;
    this.levels = [new Conv2(child(scope, 'conv1'), 3, c), new Conv2(child(scope, 'conv2'), c, 2 * c),
      new Conv2(child(scope, 'conv3'), 2 * c, 4 * c), new Conv2(child(scope, 'conv4'), 4 * c, 8 * c)];
  }

  /**
   * @param image `[B,H,W,3]`.
   * @param flow `[B,H,W,2]` flow that warps this image to the middle frame.
   * @returns the four warped features `[f1 (1/2), f2 (1/4), f3 (1/8), f4 (1/16)]`.
   */
  apply(image: tf.Tensor4D, flow: tf.Tensor4D): tf.Tensor4D[] {
    const out: tf.Tensor4D[] = [];
    let x = image;
    let f = flow;
    for (const level of this.levels) {
      x = level.apply(x);
      // RIFE: interpolate(flow, 0.5, recompute_scale_factor=False) * 0.5.
      f = resizeFlow(f, 0.5, {checkFinite: false});
      out.push(backwardWarp(x, f, {checkFinite: false}));
    }
    return out;
  }
}

/** Inputs of {@link Unet.apply}, all full resolution except the context pyramids. */
export interface UnetInput {
  /** Frame 0, `[B,H,W,3]`. */
  img0: tf.Tensor4D;
  /** Frame 1. */
  img1: tf.Tensor4D;
  /** Frame 0 warped to the middle. */
  warped0: tf.Tensor4D;
  /** Frame 1 warped to the middle. */
  warped1: tf.Tensor4D;
  /** The accumulated mask LOGIT (not its sigmoid), as RIFE passes it. */
  maskLogit: tf.Tensor4D;
  /** The final flow `[B,H,W,4]`. */
  flow: tf.Tensor4D;
  /** Contextnet features of frame 0 (4 levels). */
  context0: tf.Tensor4D[];
  /** Contextnet features of frame 1. */
  context1: tf.Tensor4D[];
}

/** RIFE's Unet (c = 16): returns `sigmoid(conv(...))`, `[B,H,W,3]`; the caller turns it into `2·u − 1`. */
export class Unet {
  private readonly down: Conv2[];
  private readonly up: DeconvPReLU[];
  private readonly conv: Conv2d;

  /** @param width RIFE's c (16). */
  constructor(scope: Scope, readonly width = 16) {
    const c = width;
    this.down = [new Conv2(child(scope, 'down0'), 17, 2 * c), new Conv2(child(scope, 'down1'), 4 * c, 4 * c),
      new Conv2(child(scope, 'down2'), 8 * c, 8 * c), new Conv2(child(scope, 'down3'), 16 * c, 16 * c)];
    this.up = [new DeconvPReLU(child(scope, 'up0'), 32 * c, 8 * c), new DeconvPReLU(child(scope, 'up1'), 16 * c, 4 * c),
      new DeconvPReLU(child(scope, 'up2'), 8 * c, 2 * c), new DeconvPReLU(child(scope, 'up3'), 4 * c, c)];
    this.conv = new Conv2d(child(scope, 'conv'), c, 3, 3);
  }

  /** The residual network's sigmoid output `[B,H,W,3]`. */
  apply(input: UnetInput): tf.Tensor4D {
    const {context0: c0, context1: c1} = input;
    const s0 = this.down[0]!.apply(tf.concat(
        [input.img0, input.img1, input.warped0, input.warped1, input.maskLogit, input.flow], 3));
    const s1 = this.down[1]!.apply(tf.concat([s0, c0[0]!, c1[0]!], 3));
    const s2 = this.down[2]!.apply(tf.concat([s1, c0[1]!, c1[1]!], 3));
    const s3 = this.down[3]!.apply(tf.concat([s2, c0[2]!, c1[2]!], 3));
    let x = this.up[0]!.apply(tf.concat([s3, c0[3]!, c1[3]!], 3));
    x = this.up[1]!.apply(tf.concat([x, s2], 3));
    x = this.up[2]!.apply(tf.concat([x, s1], 3));
    x = this.up[3]!.apply(tf.concat([x, s0], 3));
    return tf.sigmoid(this.conv.apply(x));
  }
}

/** Inputs of {@link Synthesis.apply}. */
export interface SynthesisInput {
  img0: tf.Tensor4D;
  img1: tf.Tensor4D;
  warped0: tf.Tensor4D;
  warped1: tf.Tensor4D;
  /** The final accumulated mask logit. */
  maskLogit: tf.Tensor4D;
  /** The final flow `[B,H,W,4]`. */
  flow: tf.Tensor4D;
  /** The last stage's blend, which the residual refines. */
  merged: tf.Tensor4D;
  /** Receives `context{0,1}_f{1..4}` and `unet_out`. */
  debug?: (name: string, t: tf.Tensor) => void;
}

/**
 * RIFE's synthesis step (IFNet.py L103-107), shared by IFNet and DAEK: Contextnet features of both frames,
 * the Unet residual, `clamp(merged + 2·unet − 1, 0, 1)`. Tensors under `contextnet.*` and `unet.*`.
 */
export class Synthesis {
  private readonly contextnet: Contextnet;
  private readonly unet: Unet;

  /**
   * @param root the network's root scope.
   * @param width RIFE's c of Contextnet and Unet (16).
   */
  constructor(root: Scope, width = 16) {
    this.contextnet = new Contextnet(child(root, 'contextnet'), width);
    this.unet = new Unet(child(root, 'unet'), width);
  }

  /** The refined frame `[B,H,W,3]`. */
  apply(input: SynthesisInput): tf.Tensor4D {
    const {img0, img1, flow, debug} = input;
    const [b, h, w] = flow.shape;
    const context0 = this.contextnet.apply(img0, tf.slice(flow, [0, 0, 0, 0], [b, h, w, 2]));
    const context1 = this.contextnet.apply(img1, tf.slice(flow, [0, 0, 0, 2], [b, h, w, 2]));
    context0.forEach((c, i) => debug?.(`context0_f${i + 1}`, c));
    context1.forEach((c, i) => debug?.(`context1_f${i + 1}`, c));
    const unet = this.unet.apply({img0, img1, warped0: input.warped0, warped1: input.warped1, maskLogit: input.maskLogit,
      flow, context0, context1});
    debug?.('unet_out', unet);
    return tf.clipByValue(tf.add(input.merged, tf.sub(tf.mul(unet, 2), 1)), 0, 1) as tf.Tensor4D;
  }
}
