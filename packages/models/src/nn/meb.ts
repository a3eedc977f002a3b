// MEB, the motion estimation block (paper Fig. 2; spec §1.4): RIFE's IFBlock (IFNet.py L20-51) with C'
// extra feature channels out of its last layer. With featChannels = 0 it is exactly RIFE's IFBlock.
import * as tf from '@tensorflow/tfjs';
import {resizeBilinear, resizeFlow} from '@daek/flow-ops';
import {child, ConvPReLU, ConvTranspose2d, type Scope} from './layers.js';

/** Shape of one MEB (or IFBlock). */
export interface MebConfig {
  /** Input channels: image-like inputs + feature channels in + 4 flow channels (when a flow is given). */
  inPlanes: number;
  /** Width c (RIFE: 240, 150, 90; teacher 90). */
  width: number;
  /** C': feature channels produced (0 = RIFE's IFBlock, 5 outputs only). */
  featChannels: number;
}

/** Inputs of {@link Meb.apply}. */
export interface MebInput {
  /** Full-resolution image-like input `[B,H,W,c]` (images, warps, mask logit, gt...). */
  x: tf.Tensor4D;
  /** Current full-resolution flow `[B,H,W,4]`, or null for the first block. */
  flow: tf.Tensor4D | null;
  /** RIFE's scale S: the block works on the input resized by 1/S. */
  scale: number;
  /** Previous block's feature at its native scale, or null. */
  feat?: tf.Tensor4D | null;
  /** Resize factor that brings `feat` to this block's input scale (spec: 4 for students, 2 for the teacher). */
  featUp?: number;
  /** Reports intermediates for bisecting a mismatch (`lastconv_out_flow_mask`). */
  debug?: (name: string, t: tf.Tensor) => void;
}

/** Outputs of {@link Meb.apply}: full-resolution flow and mask logit (deltas for every block but the first). */
export interface MebOutput {
  /** `[B,H,W,4]` flow (delta after the first block), full resolution. */
  flow: tf.Tensor4D;
  /** `[B,H,W,1]` mask logit (delta after the first block). */
  mask: tf.Tensor4D;
  /** `[B, H/(2S), W/(2S), C']` at the block's native output scale, or null when C' = 0. */
  feat: tf.Tensor4D | null;
}

/** The block: conv0 (two stride-2 convs), eight residual 3x3 convs, a stride-2 transposed conv. */
export class Meb {
  private readonly conv0: ConvPReLU[];
  private readonly convblock: ConvPReLU[];
  private readonly lastconv: ConvTranspose2d;

  /** @param config the block's shape. */
  constructor(scope: Scope, readonly config: MebConfig) {
    const {inPlanes, width, featChannels} = config;
    const conv0 = child(scope, 'conv0');
    this.conv0 = [new ConvPReLU(child(conv0, 0), inPlanes, width / 2, 3, 2, 1),
      new ConvPReLU(child(conv0, 1), width / 2, width, 3, 2, 1)];
    const convblock = child(scope, 'convblock');
    this.convblock = Array.from({length: 8}, (_, i) => new ConvPReLU(child(convblock, i), width, width));
    this.lastconv = new ConvTranspose2d(child(scope, 'lastconv'), width, 5 + featChannels);
  }

  /** Run the block; returns new tensors (intermediates are released). */
  apply(input: MebInput): MebOutput {
    return tf.tidy(() => this.run(input) as unknown as tf.TensorContainer) as unknown as MebOutput;
  }

  private run(input: MebInput): MebOutput {
    const {scale} = input;
    const {featChannels} = this.config;
    const parts: tf.Tensor4D[] = [scale === 1 ? input.x : resizeBilinear(input.x, {scale: 1 / scale})];
    if (input.feat) parts.push(resizeBilinear(input.feat, {scale: input.featUp ?? 1}));
    if (input.flow) parts.push(resizeFlow(input.flow, 1 / scale, {checkFinite: false}));
    const x0 = parts.length === 1 ? parts[0]! : tf.concat(parts, 3);
    const inChannels = x0.shape[3];
    if (inChannels !== this.config.inPlanes) {
      throw new Error(`MEB: expected ${this.config.inPlanes} input channels after concatenation, got ${inChannels}.`);
    }
    let x = this.conv0[1]!.apply(this.conv0[0]!.apply(x0));
    let y = x;
    for (const layer of this.convblock) y = layer.apply(y);
    x = tf.add(y, x);
    const tmp = this.lastconv.apply(x);
    const [b, h, w] = tmp.shape;
    const head = featChannels > 0 ? tf.slice(tmp, [0, 0, 0, 0], [b, h, w, 5]) : tmp;
    input.debug?.('lastconv_out_flow_mask', head);
    const up = resizeBilinear(head, {scale: 2 * scale});
    const [, H, W] = up.shape;
    const flow = tf.mul(tf.slice(up, [0, 0, 0, 0], [b, H, W, 4]), 2 * scale) as tf.Tensor4D;
    const mask = tf.slice(up, [0, 0, 0, 4], [b, H, W, 1]);
    const feat = featChannels > 0 ? tf.slice(tmp, [0, 0, 0, 5], [b, h, w, featChannels]) : null;
    return {flow, mask, feat};
  }
}
