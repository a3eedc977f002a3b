// The motion refinement block with CFCM (spec §1.7, §1.8; @daek/models nn/mrb.ts, @daek/attention cfcm.ts) as
// ONNX, NCHW, at 1/8 of the flow's resolution.
import {A} from '../graph/builder.js';
import type {BuiltCorrelation} from './correlation.js';
import {conv, resize, resizeFlow, weight, type ExportContext} from './ops.js';

/** LeakyReLU slope of the MRB and of CFCM's value projection. */
const LRELU = 0.1;

/** What the MRB's configuration switches on. */
export interface MrbSpec {
  /** Correlation branch (convc1/convc2). */
  useCa: boolean;
  /** Self-feature attention (Q, K, Para). */
  useSfa: boolean;
  /** CFCM softmax axis. */
  softmax: 'channel' | 'spatial';
}

function twoConv(ctx: ExportContext, x: string, prefix: string): string {
  return conv(ctx, conv(ctx, x, `${prefix}.0`, {}, {leakyRelu: LRELU}), `${prefix}.2`);
}

/** CFCM: `lrelu(v_proj(cmf)) + Para·softmax(q_proj(ctx) ⊙ k_proj(ctx))`. */
function cfcm(ctx: ExportContext, cmf: string, context: string | null, prefix: string, spec: MrbSpec): string {
  const {g} = ctx;
  const value = conv(ctx, cmf, `${prefix}.v_proj`, {padding: 0}, {leakyRelu: LRELU});
  if (!spec.useSfa || context === null) return value;
  const q = conv(ctx, context, `${prefix}.q_proj`, {padding: 0});
  const k = conv(ctx, context, `${prefix}.k_proj`, {padding: 0});
  const logits = g.mul(q, k);
  let score: string;
  if (spec.softmax === 'channel') {
    score = g.op('Softmax', [logits], {axis: A.i(1)});
  } else {
    // Over the h·w positions, per batch element and channel.
    const flat = g.op('Softmax', [g.reshape(logits, g.ints([0, 0, -1]))], {axis: A.i(2)});
    score = g.reshape(flat, g.shape(logits));
  }
  return g.add(value, g.mul(score, weight(ctx, `${prefix}.para`, [1])));
}

/** Inputs of one MRB, NCHW. */
export interface MrbValues {
  /** `[B,4,H,W]` full-resolution flow. */
  flow: string;
  /** The feature at 1/8·featDown, or null. */
  feat: string | null;
  /** The correlation, or null without `useCa`. */
  corr: BuiltCorrelation | null;
  /** `[B,2·cnetDim,H/8,W/8]` context, or null without `useSfa`. */
  ctx: string | null;
  /** 1, 2, 4: the feature's scale over 1/8. */
  featDown: number;
  /** Skip the feature head (MRB_2 at inference). */
  skipFeatHead: boolean;
  /** Whether this block has a feature head. */
  hasFeatHead: boolean;
}

/** The block `prefix` (`mrb.0`, ...): the refined flow and feature. */
export function exportMrb(ctx: ExportContext, prefix: string, input: MrbValues, spec: MrbSpec): {flow: string; feat: string | null} {
  const {g} = ctx;
  const flow8 = resizeFlow(ctx, input.flow, 1 / 8);
  let cmf = conv(ctx, conv(ctx, flow8, `${prefix}.convf1`, {}, {leakyRelu: LRELU}), `${prefix}.convf2`, {}, {leakyRelu: LRELU});
  if (spec.useCa) {
    if (!input.corr) throw new Error('exportOnnx: an MRB with useCa needs the correlation.');
    const bcv = input.corr.feature(flow8);
    const cor = conv(ctx, conv(ctx, bcv, `${prefix}.convc1`, {padding: 0}, {leakyRelu: LRELU}), `${prefix}.convc2`, {},
      {leakyRelu: LRELU});
    cmf = g.concat([cmf, cor], 1);
  }
  const attn = cfcm(ctx, cmf, input.ctx, `${prefix}.cfcm`, spec);
  const parts = [attn, flow8];
  if (input.feat) parts.push(resize(ctx, input.feat, 1 / input.featDown));
  const out = twoConv(ctx, g.concat(parts, 1), `${prefix}.gru`);
  const dflow8 = twoConv(ctx, out, `${prefix}.flow_head`);
  const flow = g.add(input.flow, resizeFlow(ctx, dflow8, 8));
  if (!input.feat || input.skipFeatHead) return {flow, feat: null};
  if (!input.hasFeatHead) return {flow, feat: input.feat};
  const dfeat = resize(ctx, twoConv(ctx, out, `${prefix}.feat_head`), input.featDown);
  return {flow, feat: g.add(input.feat, dfeat)};
}
