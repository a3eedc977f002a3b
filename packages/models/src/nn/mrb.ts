// The motion refinement block, MRB (paper §III-C, Fig. 2; spec §1.7): AMT's BasicUpdateBlock (raft.py
// L88-139) with its `conv` replaced by CFCM (spec §1.8), run at 1/8 on the full-resolution flow.
import * as tf from '@tensorflow/tfjs';
import {cfcm, type CfcmSoftmax, type CfcmWeights} from '@daek/attention';
import {bidirCorrelationFeature, type BidirCorrelation} from '@daek/correlation';
import {resizeBilinear, resizeFlow} from '@daek/flow-ops';
import {child, Conv2d, paramName, type Scope} from './layers.js';

/** Configuration of an {@link MRB}. Every field has a default: DAEK's final configuration (spec §1.2). */
export interface MrbConfig {
  /** Width of the update network ("gru") and heads (AMT-G `hidden`, default 192). */
  hidden?: number;
  /** Channels of the coarse flow feature, `convf2`'s output (default 64); `convf1` has twice as many. */
  flowDim?: number;
  /** Channels of `convc1` (default 256). */
  corrDim?: number;
  /** Channels of `convc2`, the BCF (default 192). */
  corrDim2?: number;
  /** CFCM width `C_v`, = Q, K, V channels (default 188). */
  fcDim?: number;
  /** Intermediate-feature channels C' (default 64); 0 = no feature input and no feature head ("no F" ablation). */
  featChannels?: number;
  /** Channels of the context `ctx` = cat(cnet(img0), cnet(img1)) (default 512). */
  ctxChannels?: number;
  /** Channels of the BCV, 2·levels·(2r+1)² (default 392 = 2·4·49). */
  corrChannels?: number;
  /** Correlation branch, switch `use_ca` (default true): BCV, convc1/convc2; without it CMF = the flow feature only. */
  useCa?: boolean;
  /** Self-feature attention, switch `use_sfa` (default true): Q, K, Para; without it Attn = V. */
  useSfa?: boolean;
  /**
   * Whether the block has `feat_head` and updates the feature (default `featChannels > 0`). The teacher MRB
   * has none but still reads the feature (A11).
   */
  featHead?: boolean;
  /** CFCM softmax axis (A9, default `'channel'`; `'spatial'` is A9-alt). */
  softmax?: CfcmSoftmax;
}

/** {@link MrbConfig} with every default filled in. */
export type ResolvedMrbConfig = Readonly<Required<MrbConfig>>;

/** DAEK's final MRB configuration (spec §1.2: TUNED = AMT-G's update block; C' = 64). */
export const DEFAULT_MRB_CONFIG: ResolvedMrbConfig = Object.freeze({
  hidden: 192, flowDim: 64, corrDim: 256, corrDim2: 192, fcDim: 188, featChannels: 64, ctxChannels: 512,
  corrChannels: 392, useCa: true, useSfa: true, featHead: true, softmax: 'channel',
});

/** LeakyReLU slope of the MRB (AMT raft.py L119). */
export const MRB_LEAKY_RELU_ALPHA = 0.1;

/** Names of the intermediates an {@link MRB} reports to {@link MrbInputs.debug}. */
export type MrbDebugName = 'flow8' | 'dflow8' | 'bcv' | 'cmf' | 'attn' | 'gru_out' | 'dfeat8';

/** Inputs of {@link MRB.apply}. None of them is disposed. */
export interface MrbInputs {
  /** `[B, H, W, 4]` full-resolution flow in pixels, H and W multiples of 8. */
  flow: tf.Tensor4D;
  /**
   * `[B, H/8·featDown, W/8·featDown, C']` intermediate feature at its MEB's native scale; `null` exactly when
   * `featChannels` is 0.
   */
  feat: tf.Tensor4D | null;
  /** The correlation of the 1/8 feature maps (fnet), `[B, H/8, W/8, ·]`; `null` exactly when `useCa` is false. */
  corr: BidirCorrelation | null;
  /** `[B, H/8, W/8, ctxChannels]` context; `null` exactly when `useSfa` is false. */
  ctx: tf.Tensor4D | null;
  /** Down factor from the feature's scale to 1/8: 1, 2, 4 for MRB_0..2, 4 for the teacher (spec §7.3). */
  featDown: number;
  /**
   * Skip the feature head and return `feat: null` (default false). MRB_2's refined feature feeds only the
   * teacher, so inference skips it (spec §1.3: "At inference, skip MRB_2.feat_head").
   */
  skipFeatHead?: boolean;
  /**
   * Receives intermediates for bisecting ({@link MrbDebugName}, NHWC). A tensor is disposed when `apply`
   * returns; call `tf.keep(t)` inside the callback to keep it (you then own it).
   */
  debug?: (name: MrbDebugName, t: tf.Tensor) => void;
}

/** What {@link MRB.apply} returns; the caller owns both tensors. */
export interface MrbOutputs {
  /** `[B, H, W, 4]` refined full-resolution flow. */
  flow: tf.Tensor4D;
  /**
   * The refined feature at the input's scale: a copy of the input when the block has no feature head (the
   * teacher's); `null` when there is no feature or `skipFeatHead` was set.
   */
  feat: tf.Tensor4D | null;
}

function resolveConfig(config: MrbConfig): ResolvedMrbConfig {
  const merged = {...DEFAULT_MRB_CONFIG, featHead: undefined as boolean | undefined, ...config};
  const featHead = merged.featHead ?? merged.featChannels > 0;
  const resolved = {...merged, featHead};
  for (const key of ['hidden', 'flowDim', 'corrDim', 'corrDim2', 'fcDim', 'ctxChannels', 'corrChannels'] as const) {
    if (!Number.isInteger(resolved[key]) || resolved[key] < 1) throw new Error(`MRB: ${key} must be a positive integer; got ${resolved[key]}.`);
  }
  if (!Number.isInteger(resolved.featChannels) || resolved.featChannels < 0) {
    throw new Error(`MRB: featChannels must be an integer >= 0 (0 = no feature); got ${resolved.featChannels}.`);
  }
  if (featHead && resolved.featChannels === 0) throw new Error('MRB: featHead needs featChannels > 0; pass featHead: false.');
  if (resolved.softmax !== 'channel' && resolved.softmax !== 'spatial') {
    throw new Error(`MRB: softmax must be 'channel' or 'spatial'; got ${JSON.stringify(resolved.softmax)}.`);
  }
  return Object.freeze(resolved);
}

/** AMT's two-conv head `Sequential(conv3x3(in, mid), LeakyReLU(0.1), conv3x3(mid, out))`: tensors `.0.*`, `.2.*`. */
class TwoConv {
  readonly first: Conv2d;
  readonly second: Conv2d;

  constructor(scope: Scope, inChannels: number, mid: number, outChannels: number) {
    this.first = new Conv2d(child(scope, 0), inChannels, mid, 3);
    this.second = new Conv2d(child(scope, 2), mid, outChannels, 3);
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    return this.second.apply(this.first.apply(x, {leakyRelu: MRB_LEAKY_RELU_ALPHA}));
  }
}

/**
 * The motion refinement block (spec §1.7, CFCM §1.8). Everything runs at 1/8 of the flow's resolution:
 *
 * ```
 * flow8 = resize(flow, 1/8)·(1/8);  feat8 = resize(feat, 1/featDown)
 * flo   = lrelu(convf2(lrelu(convf1 7×7(flow8))))                      coarse flow feature, flowDim
 * cor   = lrelu(convc2(lrelu(convc1 1×1(BCV))))                        BCF, corrDim2   (BCV: spec §1.6)
 * CMF   = cat(flo, cor)                                                A7: flow first
 * Attn  = CFCM(CMF, ctx) = lrelu(v_proj(CMF)) + Para·softmax(q_proj(ctx)⊙k_proj(ctx))
 * out   = gru.2(lrelu(gru.0(cat(Attn, flow8, feat8))))
 * flow += resize(flow_head(out), 8)·8;  feat += resize(feat_head(out), featDown)
 * ```
 *
 * Tensors (PyTorch names under the scope, in state-dict order): `convc1`, `convc2` (with `useCa`), `convf1`,
 * `convf2`, `cfcm.para`, `cfcm.v_proj`, `cfcm.q_proj`, `cfcm.k_proj` (q/k/para with `useSfa`), `gru.0`, `gru.2`,
 * `flow_head.0/2`, `feat_head.0/2` (with `featHead`). DAEK's MRB has 2,439,417 parameters; the teacher's (no
 * feat_head) 1,996,793 (spec §5).
 */
export class MRB {
  /** The configuration with every default filled in. */
  readonly config: ResolvedMrbConfig;
  private readonly convc1: Conv2d | null;
  private readonly convc2: Conv2d | null;
  private readonly convf1: Conv2d;
  private readonly convf2: Conv2d;
  private readonly cfcmWeights: CfcmWeights;
  private readonly gru: TwoConv;
  private readonly flowHead: TwoConv;
  private readonly featHead: TwoConv | null;

  /**
   * @param scope where the tensors live (`mrb.0`, `mrb_tea`; `''` for names relative to the module).
   * @param config widths and switches; the defaults are DAEK's final student MRB.
   */
  constructor(scope: Scope, config: MrbConfig = {}) {
    const c = resolveConfig(config);
    this.config = c;
    this.convc1 = c.useCa ? new Conv2d(child(scope, 'convc1'), c.corrChannels, c.corrDim, 1, {padding: 0}) : null;
    this.convc2 = c.useCa ? new Conv2d(child(scope, 'convc2'), c.corrDim, c.corrDim2, 3) : null;
    this.convf1 = new Conv2d(child(scope, 'convf1'), 4, 2 * c.flowDim, 7);
    this.convf2 = new Conv2d(child(scope, 'convf2'), 2 * c.flowDim, c.flowDim, 3);
    const cfcmScope = child(scope, 'cfcm');
    // PyTorch registers Para before the projections (nn.Parameter assigned first), so it comes first here too.
    const para = c.useSfa ? scope.store.declare({name: paramName(cfcmScope, 'para'), torchShape: [1], layout: 'plain',
      role: 'para', fanIn: 1, trainable: true}) : null;
    // The 1×1 projections are Conv2d layers: their tfjs kernels [1, 1, in, out] are exactly CfcmProjection's.
    const projection = (name: string, inChannels: number) => {
      const conv = new Conv2d(child(cfcmScope, name), inChannels, c.fcDim, 1, {padding: 0});
      return {kernel: conv.weight as tf.Tensor, bias: conv.bias as tf.Tensor};
    };
    const cmfChannels = c.flowDim + (c.useCa ? c.corrDim2 : 0);
    const value = projection('v_proj', cmfChannels);
    this.cfcmWeights = para ? {value, query: projection('q_proj', c.ctxChannels), key: projection('k_proj', c.ctxChannels), para} : {value};
    this.gru = new TwoConv(child(scope, 'gru'), c.fcDim + 4 + c.featChannels, c.hidden, c.hidden);
    this.flowHead = new TwoConv(child(scope, 'flow_head'), c.hidden, c.hidden, 4);
    this.featHead = c.featHead ? new TwoConv(child(scope, 'feat_head'), c.hidden, c.hidden, c.featChannels) : null;
  }

  /**
   * Refine the flow (and the feature); see {@link MrbInputs} for the shapes. Differentiable with respect to the block's variables and every input
   * tensor (and the correlation's feature maps when `corr` is built under the same gradient tape).
   */
  apply(inputs: MrbInputs): MrbOutputs {
    const {flow, feat, corr, ctx, featDown, debug, skipFeatHead} = inputs;
    this.validate(inputs);
    const c = this.config;
    const report = (name: MrbDebugName, t: tf.Tensor) => debug?.(name, t);
    const [flowOut, featOut] = tf.tidy((): tf.Tensor4D[] => {
      // A5: refine the full-res flow at 1/8. The resizes skip their NaN check (a device sync each); the correlation
      // lookup still checks its coordinates on cpu/wasm, so a NaN flow is reported there when useCa is on.
      const flow8 = resizeFlow(flow, 1 / 8, {checkFinite: false});
      report('flow8', flow8);
      let cmf = this.convf2.apply(this.convf1.apply(flow8, {leakyRelu: MRB_LEAKY_RELU_ALPHA}), {leakyRelu: MRB_LEAKY_RELU_ALPHA});
      if (this.convc1 && this.convc2) {
        const bcv = bidirCorrelationFeature(corr as BidirCorrelation, flow8);
        report('bcv', bcv);
        const cor = this.convc2.apply(this.convc1.apply(bcv, {leakyRelu: MRB_LEAKY_RELU_ALPHA}), {leakyRelu: MRB_LEAKY_RELU_ALPHA});
        cmf = tf.concat([cmf, cor], 3);
      }
      report('cmf', cmf);
      const attn = cfcm(cmf, c.useSfa ? ctx : null, this.cfcmWeights, {softmax: c.softmax, useSfa: c.useSfa});
      report('attn', attn);
      const parts: tf.Tensor4D[] = [attn, flow8];
      if (feat) parts.push(featDown === 1 ? feat : resizeBilinear(feat, {scale: 1 / featDown}));
      const out = this.gru.apply(tf.concat(parts, 3));
      report('gru_out', out);
      const dflow8 = this.flowHead.apply(out);
      report('dflow8', dflow8);
      const refinedFlow = tf.add(flow, resizeFlow(dflow8, 8, {checkFinite: false})) as tf.Tensor4D;
      if (!feat || skipFeatHead) return [refinedFlow];
      if (!this.featHead) return [refinedFlow, tf.clone(feat)];
      const dfeat8 = this.featHead.apply(out);
      report('dfeat8', dfeat8);
      const dfeat = featDown === 1 ? dfeat8 : resizeBilinear(dfeat8, {scale: featDown});
      return [refinedFlow, tf.add(feat, dfeat) as tf.Tensor4D];
    });
    return {flow: flowOut!, feat: featOut ?? null};
  }

  /** Check every input against the configuration and each other. Shapes only (no device sync). */
  private validate(inputs: MrbInputs): void {
    const c = this.config;
    if (inputs == null || typeof inputs !== 'object') throw new Error('MRB.apply: expected {flow, feat, corr, ctx, featDown}.');
    const {flow, feat, corr, ctx, featDown} = inputs;
    const describe = (t: unknown) => t instanceof tf.Tensor ? `${t.dtype} [${t.shape}]` : String(t);
    const isFloat4D = (t: unknown): t is tf.Tensor4D => t instanceof tf.Tensor && t.rank === 4 && t.dtype === 'float32';
    if (!isFloat4D(flow) || flow.shape[3] !== 4) {
      throw new Error(`MRB.apply: flow must be a float32 [B, H, W, 4] full-resolution flow; got ${describe(flow)}.`);
    }
    const [batch, height, width] = flow.shape;
    if (height % 8 !== 0 || width % 8 !== 0) {
      throw new Error(`MRB.apply: the flow's height and width must be multiples of 8 (the MRB runs at 1/8); got ${height}x${width}. ` +
          'Pad the frames (spec §1.1: to a multiple of 32).');
    }
    const h8 = height / 8;
    const w8 = width / 8;
    if (!Number.isInteger(featDown) || featDown < 1) {
      throw new Error(`MRB.apply: featDown must be a positive integer (1, 2 or 4: feature scale over 1/8); got ${featDown}.`);
    }
    if (c.featChannels === 0) {
      if (feat != null) throw new Error('MRB.apply: this MRB has featChannels 0, so feat must be null.');
    } else {
      const expected = [batch, h8 * featDown, w8 * featDown, c.featChannels];
      if (!isFloat4D(feat) || feat.shape.some((d, i) => d !== expected[i])) {
        throw new Error(`MRB.apply: feat must be float32 [${expected}] (the feature at 1/8 × featDown ${featDown}); got ${describe(feat)}.`);
      }
    }
    if (c.useCa) {
      if (corr == null || typeof corr.lookup !== 'function') {
        throw new Error('MRB.apply: corr must be a BidirCorrelation (createBidirCorrelation of the 1/8 fnet maps) when useCa is true.');
      }
      const [cb, ch, cw] = corr.featureShape;
      if (cb !== batch || ch !== h8 || cw !== w8) {
        throw new Error(`MRB.apply: corr was built from [${corr.featureShape}] feature maps but the flow needs [${batch}, ${h8}, ${w8}, ·] (1/8).`);
      }
      if (corr.outputChannels !== c.corrChannels) {
        throw new Error(`MRB.apply: corr gives ${corr.outputChannels} channels but this MRB expects corrChannels ${c.corrChannels}.`);
      }
    } else if (corr != null) {
      throw new Error('MRB.apply: useCa is false, so corr must be null.');
    }
    if (c.useSfa) {
      const expected = [batch, h8, w8, c.ctxChannels];
      if (!isFloat4D(ctx) || ctx.shape.some((d, i) => d !== expected[i])) {
        throw new Error(`MRB.apply: ctx must be float32 [${expected}] (context at 1/8); got ${describe(ctx)}.`);
      }
    } else if (ctx != null) {
      throw new Error('MRB.apply: useSfa is false, so ctx must be null.');
    }
  }
}
