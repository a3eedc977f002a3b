// RIFE's IFNet (ECCV 2022, hzwer/ECCV2022-RIFE model/IFNet.py), the paper's baseline: three IFBlocks coarse
// to fine, a privileged teacher block that also sees the ground truth, and the Contextnet + Unet synthesis.
import * as tf from '@tensorflow/tfjs';
import {distillLoss} from '@daek/distill';
import {child, type Scope} from './nn/layers.js';
import {Meb} from './nn/meb.js';
import {Synthesis} from './nn/synthesis.js';
import {ParamStore} from './params.js';
import {warpAndBlend, type ForwardOptions, type NetworkOutputs} from './outputs.js';

/** Configuration of {@link IFNet}. */
export interface IFNetConfig {
  /** Widths of the three student blocks (RIFE: 240, 150, 90). */
  widths?: [number, number, number];
  /** Width of the teacher block (RIFE: 90); 0 builds no teacher (inference-only model). */
  teacherWidth?: number;
  /** RIFE's scale list (default [4, 2, 1]). */
  scales?: [number, number, number];
}

/** Resolved {@link IFNetConfig}. */
export type ResolvedIFNetConfig = Required<IFNetConfig>;

/** RIFE's IFNet with its own teacher. Tensors are named exactly as in RIFE's `flownet.pkl` (after `module.`). */
export class IFNet {
  /** Every weight, by PyTorch name. */
  readonly store: ParamStore;
  /** The resolved configuration. */
  readonly config: ResolvedIFNetConfig;
  private readonly blocks: Meb[];
  private readonly teacher: Meb | null;
  private readonly synthesis: Synthesis;

  constructor(config: IFNetConfig = {}, store = new ParamStore()) {
    this.config = {widths: config.widths ?? [240, 150, 90], teacherWidth: config.teacherWidth ?? 90,
      scales: config.scales ?? [4, 2, 1]};
    this.store = store;
    const root: Scope = {store, prefix: ''};
    const [c0, c1, c2] = this.config.widths;
    this.blocks = [new Meb(child(root, 'block0'), {inPlanes: 6, width: c0, featChannels: 0}),
      new Meb(child(root, 'block1'), {inPlanes: 13 + 4, width: c1, featChannels: 0}),
      new Meb(child(root, 'block2'), {inPlanes: 13 + 4, width: c2, featChannels: 0})];
    this.teacher = this.config.teacherWidth > 0 ?
      new Meb(child(root, 'block_tea'), {inPlanes: 16 + 4, width: this.config.teacherWidth, featChannels: 0}) : null;
    this.synthesis = new Synthesis(root);
  }

  /**
   * RIFE's `IFNet.forward`: with `gt` (training), also the teacher's flow and frame and RIFE's distillation
   * loss (L2 form). Inputs `[B,H,W,3]` in [0,1], H and W multiples of 32. Returns new tensors; dispose them.
   */
  forward(img0: tf.Tensor4D, img1: tf.Tensor4D, options: ForwardOptions = {}): NetworkOutputs {
    const gt = options.gt ?? null;
    if (gt && !this.teacher) throw new Error('IFNet: this model was built without a teacher (teacherWidth 0); it cannot take gt.');
    return tf.tidy(() => this.run(img0, img1, gt, options) as unknown as tf.TensorContainer) as unknown as NetworkOutputs;
  }

  private run(img0: tf.Tensor4D, img1: tf.Tensor4D, gt: tf.Tensor4D | null, options: ForwardOptions): NetworkOutputs {
    const flows: tf.Tensor4D[] = [];
    const masks: tf.Tensor4D[] = [];
    const blends: tf.Tensor4D[] = [];
    let flow: tf.Tensor4D | null = null;
    let maskLogit: tf.Tensor4D | null = null;
    let warped0 = img0;
    let warped1 = img1;
    for (let k = 0; k < 3; k++) {
      const scale = this.config.scales[k]!;
      if (flow && maskLogit) {
        const x = tf.concat([img0, img1, warped0, warped1, maskLogit], 3);
        const d = this.blocks[k]!.apply({x, flow, scale});
        options.debug?.(`block${k}_flow_out`, d.flow);
        options.debug?.(`block${k}_mask_out`, d.mask);
        flow = tf.add(flow, d.flow) as tf.Tensor4D;
        maskLogit = tf.add(maskLogit, d.mask) as tf.Tensor4D;
      } else {
        const d = this.blocks[k]!.apply({x: tf.concat([img0, img1], 3), flow: null, scale});
        options.debug?.(`block${k}_flow_out`, d.flow);
        options.debug?.(`block${k}_mask_out`, d.mask);
        flow = d.flow;
        maskLogit = d.mask;
      }
      const stage = warpAndBlend(img0, img1, flow, maskLogit);
      ({warped0, warped1} = stage);
      flows.push(flow);
      masks.push(stage.mask);
      blends.push(stage.merged);
    }
    const finalFlow = flow!;
    const finalLogit = maskLogit!;
    let teacher: NetworkOutputs['teacher'] = null;
    let distill: tf.Scalar[] | null = null;
    if (gt && this.teacher) {
      const x = tf.concat([img0, img1, warped0, warped1, finalLogit, gt], 3);
      const d = this.teacher.apply({x, flow: finalFlow, scale: 1});
      options.debug?.('block_tea_flow_out', d.flow);
      options.debug?.('block_tea_mask_out', d.mask);
      const teacherFlow = tf.add(finalFlow, d.flow) as tf.Tensor4D;
      const {mask, merged} = warpAndBlend(img0, img1, teacherFlow, tf.add(finalLogit, d.mask) as tf.Tensor4D);
      teacher = {flow: teacherFlow, mask, merged};
      distill = distillLoss({teacherFlow, teacherMerged: merged, studentFlows: flows, blends, gt},
          {form: 'rife-l2'}).stages;
    }
    const output = this.synthesis.apply({img0, img1, warped0, warped1, maskLogit: finalLogit, flow: finalFlow,
      merged: blends[2]!, debug: options.debug});
    return {flows, masks, blends, output, maskLogit: finalLogit, teacher, distillTerms: distill};
  }

  /** Number of trainable parameters (RIFE: 10,708,215 with the teacher, 10,071,550 without). */
  parameterCount(): {
    /** Every trainable value. */
    total: number;
    /** What inference uses. */
    student: number;
    /** The teacher block. */
    teacher: number;
  } {
    const total = this.store.count();
    const teacher = this.store.count('block_tea.');
    return {total, student: total - teacher, teacher};
  }

  /** Release every tensor of the model. */
  dispose(): void {
    this.store.dispose();
  }
}
