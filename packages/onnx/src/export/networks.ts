// DAEK's and IFNet's inference graphs (student only; @daek/models daek.ts, ifnet.ts) from the exporter modules.
import type {DaekConfig} from '@daek/models';
import {buildCorrelation, type BuiltCorrelation} from './correlation.js';
import {exportEncoder} from './encoder.js';
import {exportMeb} from './meb.js';
import {exportMrb} from './mrb.js';
import {framePair, halves, warpPair, type ExportContext} from './ops.js';
import {exportSynthesis} from './synthesis.js';

/** The graph's three outputs, NCHW. */
export interface NetworkValues {
  /** `[B,3,H,W]` interpolated frame. */
  merged: string;
  /** `[B,4,H,W]` final flow. */
  flow: string;
  /** `[B,1,H,W]` sigmoid of the final mask logit. */
  mask: string;
}

/** The per-stage warp and blend (RIFE IFNet.py L84-85, L99). */
function warpAndBlend(ctx: ExportContext, img0: string, img1: string, flow: string, maskLogit: string) {
  const {g} = ctx;
  const mask = g.op('Sigmoid', [maskLogit]);
  const [warped0, warped1] = halves(ctx, warpPair(ctx, framePair(ctx, img0, img1), flow, 'full'));
  const merged = g.add(g.mul(warped0, mask), g.mul(warped1, g.sub(g.scalar(1), mask)));
  return {mask, warped0, warped1, merged};
}

/** Configuration of the coarse-to-fine loop. */
interface Stages {
  scales: readonly [number, number, number];
  featChannels: number;
  /** Called after each MEB: refine the flow/feature (DAEK's MRB), or null. */
  refine: ((k: number, flow: string, feat: string | null) => {flow: string; feat: string | null}) | null;
}

function stages(ctx: ExportContext, img0: string, img1: string, s: Stages): NetworkValues {
  const {g} = ctx;
  let flow: string | null = null;
  let logit: string | null = null;
  let feat: string | null = null;
  let stage: ReturnType<typeof warpAndBlend> | null = null;
  for (let k = 0; k < 3; k++) {
    const scale = s.scales[k]!;
    if (flow && logit && stage) {
      const x = [img0, img1, stage.warped0, stage.warped1, logit];
      const d = exportMeb(ctx, `block${k}`, {x, flow, scale, feat, featUp: 2 * s.scales[k - 1]! / scale}, s.featChannels);
      flow = g.add(flow, d.flow);
      logit = g.add(logit, d.mask);
      feat = d.feat;
    } else {
      const d = exportMeb(ctx, `block${k}`, {x: [img0, img1], flow: null, scale, feat: null, featUp: 1},
        s.featChannels);
      ({flow, feat} = d);
      logit = d.mask;
    }
    if (s.refine) ({flow, feat} = s.refine(k, flow, feat));
    stage = warpAndBlend(ctx, img0, img1, flow, logit);
  }
  const merged = exportSynthesis(ctx, {img0, img1, warped0: stage!.warped0, warped1: stage!.warped1, maskLogit: logit!,
    flow: flow!, merged: stage!.merged});
  return {merged, flow: flow!, mask: stage!.mask};
}

/** RIFE's IFNet inference graph. */
export function exportIfnetGraph(ctx: ExportContext, img0: string, img1: string, scales: readonly [number, number, number]): NetworkValues {
  return stages(ctx, img0, img1, {scales, featChannels: 0, refine: null});
}

/** DAEK's student inference graph for `config` (the teacher never runs at inference). */
export function exportDaekGraph(ctx: ExportContext, img0: string, img1: string, config: DaekConfig,
    correlation: DaekConfig['correlation']): NetworkValues {
  const {g} = ctx;
  const c = config;
  let corr: BuiltCorrelation | null = null;
  let context: string | null = null;
  if (c.useMrb) {
    // Both images through each encoder at once (stacked on the batch axis, as AMT's list call).
    const both = framePair(ctx, img0, img1);
    if (c.useCa) {
      const [f0, f1] = g.opN('Split', [exportEncoder(ctx, both, 'fnet', 'instance')], 2, {axis: {i: 0}}, 'fmap');
      corr = buildCorrelation(ctx, f0!, f1!, {mode: correlation, levels: c.corrLevels, radius: c.corrRadius,
        channels: c.fnetDim});
    }
    if (c.useSfa) {
      const [c0, c1] = g.opN('Split', [exportEncoder(ctx, both, 'cnet', 'batch')], 2, {axis: {i: 0}}, 'cmap');
      context = g.concat([c0!, c1!], 1);
    }
  }
  const refine = c.useMrb ? (k: number, flow: string, feat: string | null) => exportMrb(ctx, `mrb.${k}`, {
    flow, feat, corr, ctx: context, featDown: 2 ** k, skipFeatHead: k === 2, hasFeatHead: c.featChannels > 0,
  }, {useCa: c.useCa, useSfa: c.useSfa, softmax: c.softmax}) : null;
  return stages(ctx, img0, img1, {scales: c.scales, featChannels: c.featChannels, refine});
}
