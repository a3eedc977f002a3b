// MEB / RIFE's IFBlock (spec §1.4; @daek/models nn/meb.ts) as ONNX, NCHW.
import {convPrelu, convTranspose, resize, resizeFlow, type ExportContext} from './ops.js';

/** Inputs of one MEB, NCHW. */
export interface MebValues {
  /**
   * Full-resolution image-like inputs `[B,c_i,H,W]`, concatenated on channels. Each is resized on its own, so the
   * concatenation happens at the block's scale (resizing is per channel: the same values, a 1/S² smaller copy).
   */
  x: readonly string[];
  /** Current flow `[B,4,H,W]`, or null for the first block. */
  flow: string | null;
  /** RIFE's scale S. */
  scale: number;
  /** Previous feature at its native scale, or null. */
  feat: string | null;
  /** Factor that brings `feat` to this block's input scale. */
  featUp: number;
}

/** The block `prefix` (`block0`, ...): returns the full-resolution flow and mask logit and the native-scale feature. */
export function exportMeb(ctx: ExportContext, prefix: string, input: MebValues, featChannels: number):
    {flow: string; mask: string; feat: string | null} {
  const {g} = ctx;
  const {scale} = input;
  const parts = input.x.map((part) => resize(ctx, part, 1 / scale));
  if (input.feat) parts.push(resize(ctx, input.feat, input.featUp));
  if (input.flow) parts.push(resizeFlow(ctx, input.flow, 1 / scale));
  let x = g.concat(parts, 1);
  x = convPrelu(ctx, x, `${prefix}.conv0.0`, 2, 1);
  x = convPrelu(ctx, x, `${prefix}.conv0.1`, 2, 1);
  let y = x;
  for (let i = 0; i < 8; i++) y = convPrelu(ctx, y, `${prefix}.convblock.${i}`);
  const tmp = convTranspose(ctx, g.add(y, x), `${prefix}.lastconv`);
  const head = featChannels > 0 ? g.channels(tmp, 0, 5) : tmp;
  const up = resize(ctx, head, 2 * scale);
  return {
    flow: g.mul(g.channels(up, 0, 4), g.scalar(2 * scale)),
    mask: g.channels(up, 4, 5),
    feat: featChannels > 0 ? g.channels(tmp, 5, 5 + featChannels) : null,
  };
}
