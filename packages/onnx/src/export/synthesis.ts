// RIFE's synthesis network (Contextnet + Unet; @daek/models nn/synthesis.ts) as ONNX, NCHW.
import {conv, convPrelu, convTranspose, framePair, halves, preluSlope, resizeFlow, warpPair, type ExportContext} from './ops.js';

function conv2(ctx: ExportContext, x: string, prefix: string, stride = 2): string {
  return convPrelu(ctx, convPrelu(ctx, x, `${prefix}.conv1`, stride, 1), `${prefix}.conv2`, 1, 1);
}

/**
 * Contextnet on both frames at once (`pair` `[2B,3,H,W]`, one weight set; flow `[B,4,H,W]`): per level, frame 0's
 * and frame 1's warped features.
 */
function contextnet(ctx: ExportContext, pair: string, flow: string): [string, string][] {
  const out: [string, string][] = [];
  let x = pair;
  let f = flow;
  for (let level = 1; level <= 4; level++) {
    x = conv2(ctx, x, `contextnet.conv${level}`);
    f = resizeFlow(ctx, f, 0.5);
    out.push(halves(ctx, warpPair(ctx, x, f, `context${level}`)));
  }
  return out;
}

/** Inputs of the synthesis step, NCHW, full resolution. */
export interface SynthesisValues {
  img0: string; img1: string; warped0: string; warped1: string; maskLogit: string; flow: string; merged: string;
}

/** `clamp(merged + 2·unet − 1, 0, 1)`. */
export function exportSynthesis(ctx: ExportContext, v: SynthesisValues): string {
  const {g} = ctx;
  const context = contextnet(ctx, framePair(ctx, v.img0, v.img1), v.flow);
  const c0 = context.map(([a]) => a);
  const c1 = context.map(([, b]) => b);
  const s0 = conv2(ctx, g.concat([v.img0, v.img1, v.warped0, v.warped1, v.maskLogit, v.flow], 1), 'unet.down0');
  const s1 = conv2(ctx, g.concat([s0, c0[0]!, c1[0]!], 1), 'unet.down1');
  const s2 = conv2(ctx, g.concat([s1, c0[1]!, c1[1]!], 1), 'unet.down2');
  const s3 = conv2(ctx, g.concat([s2, c0[2]!, c1[2]!], 1), 'unet.down3');
  const up = (x: string, i: number) => convTranspose(ctx, x, `unet.up${i}.0`, preluSlope(ctx, `unet.up${i}.1`));
  let x = up(g.concat([s3, c0[3]!, c1[3]!], 1), 0);
  x = up(g.concat([x, s2], 1), 1);
  x = up(g.concat([x, s1], 1), 2);
  x = up(g.concat([x, s0], 1), 3);
  const unet = g.op('Sigmoid', [conv(ctx, x, 'unet.conv')]);
  const residual = g.sub(g.mul(unet, g.scalar(2)), g.scalar(1));
  return g.op('Clip', [g.add(v.merged, residual), g.scalar(0), g.scalar(1)]);
}
