// The DAEK network (paper Fig. 1; spec §1.3 student, §2.1 teacher): three MEBs coarse to fine, each followed
// by an MRB that refines the flow with the bidirectional correlation and CFCM, RIFE's synthesis network, and
// a privileged teacher (an extra MEB plus a flow-only MRB) for training.
import * as tf from '@tensorflow/tfjs';
import {createBidirCorrelation, type BidirCorrelation} from '@daek/correlation';
import {distillLoss} from '@daek/distill';
import {BasicEncoder} from './nn/encoder.js';
import {child, type Scope} from './nn/layers.js';
import {Meb} from './nn/meb.js';
import {MRB} from './nn/mrb.js';
import {Synthesis} from './nn/synthesis.js';
import {warpAndBlend, type ForwardOptions, type NetworkOutputs, type TeacherOutputs} from './outputs.js';
import {ParamStore} from './params.js';
import {resolveDaekConfig, type DaekConfig} from './presets.js';

/** Parameter counts the way the paper's tables count them (spec §4, §5). */
export interface ParameterCounts {
  /** Student + teacher: `sum(p.numel())` over every trainable tensor (the paper's 22.48M reading, A19). */
  total: number;
  /** What inference uses: block0-2, Contextnet, Unet and, with MRBs, the MRBs and encoders. */
  student: number;
  /** The rest: teacher MEB and MRB, and encoders that only the teacher needs. */
  teacher: number;
  /** What inference actually runs: the student without MRB_2's feature head (its output feeds only the teacher). */
  inference: number;
  /** Per top-level module (`block0`, `fnet`, `mrb.0`, `mrb_tea`, ...). */
  modules: Record<string, number>;
}

/** The DAEK network. Tensors are named as the spec's PyTorch module (`block0.*`, `fnet.*`, `mrb.0.*`, ...). */
export class DAEK {
  /** Every weight and BatchNorm statistic, by PyTorch name. */
  readonly store: ParamStore;
  /** The configuration it was built with. */
  readonly config: DaekConfig;
  private readonly blocks: Meb[];
  private readonly mrbs: MRB[];
  private readonly fnet: BasicEncoder | null;
  private readonly cnet: BasicEncoder | null;
  private readonly teacherBlock: Meb | null;
  private readonly teacherMrb: MRB | null;
  private readonly synthesis: Synthesis;

  /**
   * @param config a full configuration (see {@link resolveDaekConfig} for presets).
   * @param store where the tensors live (a fresh, seeded store by default).
   */
  constructor(config: DaekConfig = resolveDaekConfig(), store = new ParamStore()) {
    this.config = config;
    this.store = store;
    const root: Scope = {store, prefix: ''};
    const {mebWidths, featChannels: fc, useMrb, useCa, useSfa, teacher} = config;
    const withFeat = fc > 0;
    // MEB_0 takes the two images; later MEBs add warps, the mask logit, the feature and the flow (spec §1.4).
    this.blocks = [
      new Meb(child(root, 'block0'), {inPlanes: 6, width: mebWidths[0], featChannels: fc}),
      new Meb(child(root, 'block1'), {inPlanes: 13 + fc + 4, width: mebWidths[1], featChannels: fc}),
      new Meb(child(root, 'block2'), {inPlanes: 13 + fc + 4, width: mebWidths[2], featChannels: fc}),
    ];
    const teacherMrb = teacher === 'ours';
    const needMrbParts = useMrb || teacherMrb;
    // Encoders exist only if some MRB needs them (spec §4).
    this.fnet = needMrbParts && useCa ? new BasicEncoder(child(root, 'fnet'), {outDim: config.fnetDim, norm: 'instance', widths: config.encoderWidths}) : null;
    this.cnet = needMrbParts && useSfa ? new BasicEncoder(child(root, 'cnet'), {outDim: config.cnetDim, norm: 'batch', widths: config.encoderWidths}) : null;
    const mrbConfig = (featHead: boolean) => ({
      ...config.mrb, featChannels: fc, ctxChannels: 2 * config.cnetDim,
      corrChannels: 2 * config.corrLevels * (2 * config.corrRadius + 1) ** 2,
      useCa, useSfa, featHead, softmax: config.softmax,
    });
    this.mrbs = useMrb ? [0, 1, 2].map((k) => new MRB(child(child(root, 'mrb'), k), mrbConfig(withFeat))) : [];
    // Construction order follows the spec's state dict: block_tea, then mrb_tea, then the synthesis network.
    if (teacher === 'ours') {
      this.teacherBlock = new Meb(child(root, 'block_tea'), {inPlanes: 16 + fc + 4, width: config.teacherWidth, featChannels: fc});
      this.teacherMrb = new MRB(child(root, 'mrb_tea'), mrbConfig(false));
    } else if (teacher === 'rife') {
      this.teacherBlock = new Meb(child(root, 'block_tea'), {inPlanes: 16 + 4, width: config.teacherWidth, featChannels: 0});
      this.teacherMrb = null;
    } else {
      this.teacherBlock = null;
      this.teacherMrb = null;
    }
    this.synthesis = new Synthesis(root, config.synthesisWidth);
  }

  /**
   * The forward pass (spec §1.3; with `gt`, also §2.1 teacher and the eq. (6) distillation terms).
   * Inputs `[B,H,W,3]` float in [0,1], H and W multiples of 16 and at least 64 (the interpolator pads).
   * Returns new tensors; dispose them (see `disposeOutputs`).
   */
  forward(img0: tf.Tensor4D, img1: tf.Tensor4D, options: ForwardOptions = {}): NetworkOutputs {
    const gt = options.gt ?? null;
    const training = options.training ?? false;
    const debug = options.debug;
    checkInputs(img0, img1, gt);
    const runTeacher = gt !== null && this.teacherBlock !== null;
    return tf.tidy(() => this.run(img0, img1, gt, training, debug, runTeacher, options.correlation ?? this.config.correlation) as unknown as tf.TensorContainer) as unknown as NetworkOutputs;
  }

  private run(img0: tf.Tensor4D, img1: tf.Tensor4D, gt: tf.Tensor4D | null, training: boolean,
      debug: ForwardOptions['debug'], runTeacher: boolean, correlation: DaekConfig['correlation']): NetworkOutputs {
    const needMrb = this.mrbs.length > 0 || (runTeacher && this.teacherMrb !== null);
    let fmap: tf.Tensor4D[] | null = null;
    let corr: BidirCorrelation | null = null;
    let ctx: tf.Tensor4D | null = null;
    if (needMrb && this.fnet) {
      fmap = this.fnet.apply([img0, img1], {training});
      debug?.('fmap0', fmap[0]!);
      corr = createBidirCorrelation(fmap[0]!, fmap[1]!, {levels: this.config.corrLevels, radius: this.config.corrRadius,
        mode: correlation, checkFinite: false});
    }
    if (needMrb && this.cnet) {
      const [c0, c1] = this.cnet.apply([img0, img1], {training});
      ctx = tf.concat([c0!, c1!], 3);
      debug?.('ctx', ctx);
    }
    const flows: tf.Tensor4D[] = [];
    const masks: tf.Tensor4D[] = [];
    const blends: tf.Tensor4D[] = [];
    let flow: tf.Tensor4D | null = null;
    let maskLogit: tf.Tensor4D | null = null;
    let feat: tf.Tensor4D | null = null;
    let warped0 = img0;
    let warped1 = img1;
    for (let k = 0; k < 3; k++) {
      const scale = this.config.scales[k]!;
      if (flow && maskLogit) {
        const x = tf.concat([img0, img1, warped0, warped1, maskLogit], 3);
        const featUp = 2 * this.config.scales[k - 1]! / scale;
        const d = this.blocks[k]!.apply({x, flow, scale, feat, featUp, debug: prefixed(debug, `meb${k}_`)});
        flow = tf.add(flow, d.flow) as tf.Tensor4D;
        maskLogit = tf.add(maskLogit, d.mask) as tf.Tensor4D;
        feat = d.feat;
      } else {
        const d = this.blocks[k]!.apply({x: tf.concat([img0, img1], 3), flow: null, scale, debug: prefixed(debug, `meb${k}_`)});
        ({flow, feat} = d);
        maskLogit = d.mask;
      }
      debug?.(`meb${k}_flow_out`, flow);
      if (this.mrbs.length > 0) {
        // MRB_2's feature head feeds only the teacher: skipped when no teacher runs (spec §1.3).
        const skipFeat = k === 2 && !(runTeacher && this.teacherMrb !== null);
        const r = this.mrbs[k]!.apply({flow, feat, corr, ctx, featDown: 2 ** k, skipFeatHead: skipFeat,
          debug: prefixed(debug, `mrb${k}_`)});
        flow = r.flow;
        feat = r.feat;
      }
      const stage = warpAndBlend(img0, img1, flow, maskLogit);
      ({warped0, warped1} = stage);
      flows.push(flow);
      masks.push(stage.mask);
      blends.push(stage.merged);
    }
    const finalFlow = flow!;
    const finalLogit = maskLogit!;
    let teacher: TeacherOutputs | null = null;
    let distill: tf.Scalar[] | null = null;
    if (gt && this.teacherBlock) {
      teacher = this.teacherForward({img0, img1, gt, warped0, warped1, flow: finalFlow, maskLogit: finalLogit, feat, corr, ctx,
        debug});
      distill = distillLoss({teacherFlow: teacher.flow, teacherMerged: teacher.merged, studentFlows: flows, blends, gt},
          {form: 'l1'}).stages;
    }
    const output = this.synthesis.apply({img0, img1, warped0, warped1, maskLogit: finalLogit, flow: finalFlow,
      merged: blends[2]!, debug});
    corr?.dispose();
    return {flows, masks, blends, output, maskLogit: finalLogit, teacher, distillTerms: distill};
  }

  /** The teacher (spec §2.1), fed the student's final, non-detached values. */
  private teacherForward(s: {img0: tf.Tensor4D; img1: tf.Tensor4D; gt: tf.Tensor4D; warped0: tf.Tensor4D; warped1: tf.Tensor4D;
      flow: tf.Tensor4D; maskLogit: tf.Tensor4D; feat: tf.Tensor4D | null; corr: BidirCorrelation | null;
      ctx: tf.Tensor4D | null; debug?: (name: string, t: tf.Tensor) => void}): TeacherOutputs {
    const ours = this.teacherMrb !== null;
    const x = tf.concat([s.img0, s.img1, s.warped0, s.warped1, s.maskLogit, s.gt], 3);
    const d = this.teacherBlock!.apply({x, flow: s.flow, scale: 1, feat: ours ? s.feat : null, featUp: 2,
      debug: prefixed(s.debug, 'meb_tea_')});
    let flow = tf.add(s.flow, d.flow) as tf.Tensor4D;
    if (ours) {
      flow = this.teacherMrb!.apply({flow, feat: d.feat, corr: s.corr, ctx: s.ctx, featDown: 4,
        debug: prefixed(s.debug, 'mrb_tea_')}).flow;
    }
    const {mask, merged} = warpAndBlend(s.img0, s.img1, flow, tf.add(s.maskLogit, d.mask) as tf.Tensor4D);
    return {flow, mask, merged};
  }

  /** Parameter counts as in spec §4/§5 and the fixtures' `param_counts`. */
  parameterCount(): ParameterCounts {
    const modules: Record<string, number> = {};
    for (const {spec} of this.store.entries()) {
      if (!spec.trainable) continue;
      const parts = spec.name.split('.');
      const key = parts[0] === 'mrb' ? `${parts[0]}.${parts[1]}` : parts[0]!;
      modules[key] = (modules[key] ?? 0) + spec.torchShape.reduce((a, b) => a * b, 1);
    }
    const total = Object.values(modules).reduce((a, b) => a + b, 0);
    const studentModules = ['block0', 'block1', 'block2', 'contextnet', 'unet',
      ...(this.config.useMrb ? ['mrb.0', 'mrb.1', 'mrb.2', 'fnet', 'cnet'] : [])];
    const student = studentModules.reduce((a, m) => a + (modules[m] ?? 0), 0);
    const inference = student - this.store.count('mrb.2.feat_head.');
    return {total, student, teacher: total - student, inference, modules};
  }

  /** Parameter counts of a configuration, without allocating its weights. */
  static countParameters(config: DaekConfig): ParameterCounts {
    const model = new DAEK(config, new ParamStore(0, {shapesOnly: true}));
    try {
      return model.parameterCount();
    } finally {
      model.dispose();
    }
  }

  /** Release every tensor of the model. */
  dispose(): void {
    this.store.dispose();
  }
}

function prefixed(debug: ((name: string, t: tf.Tensor) => void) | undefined, prefix: string) {
  return debug ? (name: string, t: tf.Tensor) => debug(prefix + name, t) : undefined;
}

function checkInputs(img0: tf.Tensor4D, img1: tf.Tensor4D, gt: tf.Tensor4D | null): void {
  for (const [name, t] of [['img0', img0], ['img1', img1], ['gt', gt]] as const) {
    if (t === null) continue;
    if (!(t instanceof tf.Tensor) || t.rank !== 4 || t.shape[3] !== 3) {
      throw new Error(`DAEK.forward: ${name} must be a [B,H,W,3] tensor, got ${t instanceof tf.Tensor ? `[${t.shape}]` : typeof t}.`);
    }
    if (t.dtype !== 'float32') throw new Error(`DAEK.forward: ${name} must be float32 in [0,1], got ${t.dtype}.`);
  }
  if (img1.shape.join() !== img0.shape.join() || (gt && gt.shape.join() !== img0.shape.join())) {
    throw new Error(`DAEK.forward: frames differ in shape: img0 [${img0.shape}], img1 [${img1.shape}]${gt ? `, gt [${gt.shape}]` : ''}.`);
  }
  const [, h, w] = img0.shape;
  if (h % 16 !== 0 || w % 16 !== 0 || h < 64 || w < 64) {
    throw new Error(`DAEK.forward: H and W must be multiples of 16 and at least 64, got ${h}x${w}. ` +
      'Pad first (createInterpolator does, to a multiple of 32 and at least 128).');
  }
}
