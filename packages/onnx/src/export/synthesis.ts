// RIFE's synthesis network (Contextnet + Unet; @daek/models nn/synthesis.ts) as ONNX, NCHW.
import {conv, convPrelu, convTranspose, preluSlope, resizeFlow, warp, type ExportContext} from './ops.js';

function conv2(ctx: ExportContext, x: string, prefix: string, stride = 2): string {
  return convPrelu(ctx, convPrelu(ctx, x, `${prefix}.conv1`, stride, 1), `${prefix}.conv2`, 1, 1);
}

function contextnet(ctx: ExportContext, image: string, flow: string): string[] {
  const out: string[] = [];
  let x = image;
  let f = flow;
  for (let level = 1; level <= 4; level++) {
    x = conv2(ctx, x, `contextnet.conv${level}`);
    f = resizeFlow(ctx, f, 0.5);
    out.push(warp(ctx, x, f, `context${level}`));
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
  const c0 = contextnet(ctx, v.img0, g.channels(v.flow, 0, 2));
  const c1 = contextnet(ctx, v.img1, g.channels(v.flow, 2, 4));
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
