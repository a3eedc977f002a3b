// AMT's BasicEncoder (DAEK's fnet with InstanceNorm, cnet with BatchNorm in evaluation mode; @daek/models
// nn/encoder.ts) as ONNX, NCHW.
import {A} from '../graph/builder.js';
import {conv, weight, weightShape, type ExportContext} from './ops.js';

/** Epsilon of both norms (PyTorch's default). */
const EPSILON = 1e-5;

function norm(ctx: ExportContext, x: string, prefix: string, kind: 'instance' | 'batch', channels: number): string {
  const {g} = ctx;
  if (kind === 'instance') {
    // affine=False: scale 1, bias 0; per sample and channel, biased variance.
    return g.op('InstanceNormalization', [x, g.floats(new Array(channels).fill(1)), g.floats(new Array(channels).fill(0))],
      {epsilon: A.f(EPSILON)});
  }
  return g.op('BatchNormalization', [x, weight(ctx, `${prefix}.weight`), weight(ctx, `${prefix}.bias`),
    weight(ctx, `${prefix}.running_mean`), weight(ctx, `${prefix}.running_var`)], {epsilon: A.f(EPSILON)});
}

function residualBlock(ctx: ExportContext, x: string, prefix: string, kind: 'instance' | 'batch', stride: number): string {
  const {g} = ctx;
  const out = weightShape(ctx, `${prefix}.conv1.weight`)[0]!;
  let y = g.op('Relu', [norm(ctx, conv(ctx, x, `${prefix}.conv1`, {stride, padding: 1}), `${prefix}.norm1`, kind, out)]);
  y = g.op('Relu', [norm(ctx, conv(ctx, y, `${prefix}.conv2`, {padding: 1}), `${prefix}.norm2`, kind, out)]);
  const skip = stride === 1 ? x :
    norm(ctx, conv(ctx, x, `${prefix}.downsample.0`, {stride, padding: 0}), `${prefix}.norm3`, kind, out);
  return g.op('Relu', [g.add(skip, y)]);
}

/** The encoder `prefix` (`fnet`, `cnet`) on `[N,3,H,W]` images: `[N,outDim,H/8,W/8]`. */
export function exportEncoder(ctx: ExportContext, x: string, prefix: string, kind: 'instance' | 'batch'): string {
  const {g} = ctx;
  const width = weightShape(ctx, `${prefix}.conv1.weight`)[0]!;
  let y = g.op('Relu', [norm(ctx, conv(ctx, x, `${prefix}.conv1`, {stride: 2, padding: 3}), `${prefix}.norm1`, kind, width)]);
  for (const [layer, stride] of [['layer1', 1], ['layer2', 2], ['layer3', 2]] as const) {
    y = residualBlock(ctx, y, `${prefix}.${layer}.0`, kind, stride);
    y = residualBlock(ctx, y, `${prefix}.${layer}.1`, kind, 1);
  }
  return conv(ctx, y, `${prefix}.conv2`, {padding: 0});
}
