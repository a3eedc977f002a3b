// The layer-level exporters every network shares (NCHW): Conv2d, RIFE's conv (Conv + PReLU), ConvTranspose2d,
// the PyTorch-semantics bilinear resize, the flow resize, the backward warp and pixel coordinate grids.
import {A, type GraphBuilder} from '../graph/builder.js';

/** A network's weights in PyTorch layout, by state-dict name. */
export type TorchWeights = ReadonlyMap<string, {data: Float32Array; shape: readonly number[]}>;

/** What every exporter module needs: the graph and the weights. */
export interface ExportContext {
  /** The graph being built. */
  g: GraphBuilder;
  /** Weights in PyTorch layout. */
  weights: TorchWeights;
  /** How `ConvTranspose2d` is written: a real ConvTranspose, or a 3x3 conv into 4 phases + DepthToSpace. */
  convTranspose: 'native' | 'phase';
}

/** The initializer of a weight (PyTorch layout), by name. Throws a clear error when the network lacks it. */
export function weight(ctx: ExportContext, name: string, dims?: readonly number[]): string {
  const found = ctx.weights.get(name);
  if (!found) throw new Error(`exportOnnx: the network has no tensor ${name} (an unsupported configuration?).`);
  // One initializer per tensor and shape, however often a module reads it.
  const key = `weight:${name}:${(dims ?? found.shape).join('x')}`;
  const cached = ctx.g.memo.get(key);
  if (cached) return cached;
  const value = ctx.g.weight(name, found.data, dims ?? found.shape);
  ctx.g.memo.set(key, value);
  return value;
}

/** The PyTorch shape of a weight. */
export function weightShape(ctx: ExportContext, name: string): readonly number[] {
  const found = ctx.weights.get(name);
  if (!found) throw new Error(`exportOnnx: the network has no tensor ${name}.`);
  return found.shape;
}

/** An activation fused after a convolution. */
export type Activation = {prelu: string} | {leakyRelu: number} | 'relu' | null;

/** PyTorch `nn.Conv2d` `prefix` (symmetric padding), then an optional activation. */
export function conv(ctx: ExportContext, x: string, prefix: string, options: {stride?: number; padding?: number} = {},
    activation: Activation = null): string {
  const shape = weightShape(ctx, `${prefix}.weight`);
  const k = shape[2]!;
  const pad = options.padding ?? (k - 1) / 2;
  const stride = options.stride ?? 1;
  const inputs = [x, weight(ctx, `${prefix}.weight`)];
  if (ctx.weights.has(`${prefix}.bias`)) inputs.push(weight(ctx, `${prefix}.bias`));
  const y = ctx.g.op('Conv', inputs, {kernel_shape: A.ints([k, k]), strides: A.ints([stride, stride]),
    pads: A.ints([pad, pad, pad, pad]), dilations: A.ints([1, 1]), group: A.i(1)}, prefix);
  return activate(ctx, y, activation);
}

/** Apply an activation. */
export function activate(ctx: ExportContext, y: string, activation: Activation): string {
  if (activation === null) return y;
  if (activation === 'relu') return ctx.g.op('Relu', [y]);
  if ('leakyRelu' in activation) return ctx.g.op('LeakyRelu', [y], {alpha: A.f(activation.leakyRelu)});
  return ctx.g.op('PRelu', [y, activation.prelu]);
}

/** PReLU slopes `prefix.weight` `[C]` as a `[C,1,1]` initializer. */
export function preluSlope(ctx: ExportContext, prefix: string): string {
  const c = weightShape(ctx, `${prefix}.weight`)[0]!;
  return weight(ctx, `${prefix}.weight`, [c, 1, 1]);
}

/** RIFE's `conv(in, out, k, stride, padding)` = Conv2d `.0` + PReLU `.1`. */
export function convPrelu(ctx: ExportContext, x: string, prefix: string, stride = 1, padding = 1): string {
  return conv(ctx, x, `${prefix}.0`, {stride, padding}, {prelu: preluSlope(ctx, `${prefix}.1`)});
}

// Which 4x4 tap feeds each (phase, 3x3 offset) of a stride-2, padding-1 transposed convolution, per axis.
const PHASE_TAP = [[3, 1, -1], [-1, 2, 0]] as const;

/**
 * `nn.ConvTranspose2d(in, out, 4, 2, 1)` `prefix` (exactly 2H x 2W), then an optional PReLU. Written as a real
 * ConvTranspose, or (`ctx.convTranspose === 'phase'`) as one 3x3 conv into the four output phases followed by
 * DepthToSpace (CRD), the form the tfjs layer computes.
 */
export function convTranspose(ctx: ExportContext, x: string, prefix: string, prelu: string | null = null): string {
  const [cin, cout] = weightShape(ctx, `${prefix}.weight`) as [number, number];
  const bias = weight(ctx, `${prefix}.bias`);
  let y: string;
  if (ctx.convTranspose === 'native') {
    y = ctx.g.op('ConvTranspose', [x, weight(ctx, `${prefix}.weight`), bias], {kernel_shape: A.ints([4, 4]),
      strides: A.ints([2, 2]), pads: A.ints([1, 1, 1, 1]), dilations: A.ints([1, 1]), group: A.i(1)}, prefix);
  } else {
    // Phase kernel [cout*4, cin, 3, 3]; output channel o*4 + ry*2 + rx is phase (ry, rx) of channel o (DCR order
    // would interleave differently: CRD reads channel c*4 + ry*2 + rx).
    const w = ctx.weights.get(`${prefix}.weight`)!.data;
    const phase = new Float32Array(cout * 4 * cin * 9);
    for (let o = 0; o < cout; o++) {
      for (let ry = 0; ry < 2; ry++) {
        for (let rx = 0; rx < 2; rx++) {
          for (let dy = 0; dy < 3; dy++) {
            for (let dx = 0; dx < 3; dx++) {
              const ky = PHASE_TAP[ry]![dy]!;
              const kx = PHASE_TAP[rx]![dx]!;
              if (ky < 0 || kx < 0) continue;
              for (let i = 0; i < cin; i++) {
                phase[(((o * 4 + ry * 2 + rx) * cin + i) * 3 + dy) * 3 + dx] = w[((i * cout + o) * 4 + ky) * 4 + kx]!;
              }
            }
          }
        }
      }
    }
    const kernel = ctx.g.weight(`${prefix}.phase_weight`, phase, [cout * 4, cin, 3, 3]);
    const phases = ctx.g.op('Conv', [x, kernel], {kernel_shape: A.ints([3, 3]), strides: A.ints([1, 1]),
      pads: A.ints([1, 1, 1, 1]), dilations: A.ints([1, 1]), group: A.i(1)}, `${prefix}.phases`);
    const up = ctx.g.op('DepthToSpace', [phases], {blocksize: A.i(2), mode: A.s('CRD')});
    y = ctx.g.add(up, ctx.g.reshape(bias, ctx.g.ints([1, cout, 1, 1])));
  }
  return prelu ? ctx.g.op('PRelu', [y, prelu]) : y;
}

/**
 * Bilinear resize by `scale` with PyTorch's `F.interpolate(scale_factor=s, align_corners=False)` semantics, as
 * @daek/flow-ops' `resizeBilinear`: output `floor(H·s)`, source `max(0, (d + 0.5)/s − 0.5)` with the given factor.
 */
export function resize(ctx: ExportContext, x: string, scale: number): string {
  if (scale === 1) return x;
  const {g} = ctx;
  return g.op('Resize', [x, '', g.floats([1, 1, scale, scale])], {mode: A.s('linear'),
    coordinate_transformation_mode: A.s('pytorch_half_pixel')}, 'Resize');
}

/** A flow resized and its vectors scaled with it (@daek/flow-ops' `resizeFlow`). */
export function resizeFlow(ctx: ExportContext, flow: string, scale: number): string {
  if (scale === 1) return flow;
  return ctx.g.mul(resize(ctx, flow, scale), ctx.g.scalar(scale));
}

/**
 * The `[1,2,H,W]` pixel grid (channel 0 = x = column, 1 = y = row) at the size of NCHW `ref`, built from its
 * runtime shape; cached under `key` (values of the same size share one grid).
 */
export function pixelGrid(ctx: ExportContext, ref: string, key: string): string {
  const {g} = ctx;
  const cached = g.memo.get(`grid:${key}`);
  if (cached) return cached;
  const h = g.dimFloat(ref, 2);
  const w = g.dimFloat(ref, 3);
  const zero = g.scalar(0);
  const one = g.scalar(1);
  const xs = g.op('Range', [zero, w, one], {}, 'xs');
  const ys = g.op('Range', [zero, h, one], {}, 'ys');
  const size = g.concat([g.ints([1, 1]), g.dim(ref, 2), g.dim(ref, 3)], 0);
  const gx = g.op('Expand', [g.reshape(xs, g.ints([1, 1, 1, -1])), size]);
  const gy = g.op('Expand', [g.reshape(ys, g.ints([1, 1, -1, 1])), size]);
  const grid = g.concat([gx, gy], 1);
  g.memo.set(`grid:${key}`, grid);
  return grid;
}

/**
 * Two backward warps in one GridSample: `pair` `[2B,C,H,W]` (frame-0 images, then frame-1 images, on the batch
 * axis) with `flow` `[B,4,H,W]`'s channels 0-1 and 2-3 respectively; returns `[2B,C,H,W]` in the same order. One
 * node gives ONNX Runtime 2B·C planes to spread over its threads (3-channel images: 6 on 2 threads, not 3).
 */
export function warpPair(ctx: ExportContext, pair: string, flow: string, key: string): string {
  const {g} = ctx;
  return warp(ctx, pair, g.concat([g.channels(flow, 0, 2), g.channels(flow, 2, 4)], 0), key);
}

/** `[2B,...]` -> its two `[B,...]` halves (frame 0's, frame 1's). */
export function halves(ctx: ExportContext, pair: string): [string, string] {
  const [a, b] = ctx.g.opN('Split', [pair], 2, {axis: {i: 0}}, 'halves');
  return [a!, b!];
}

/** img0 and img1 stacked on the batch axis, once per graph. */
export function framePair(ctx: ExportContext, img0: string, img1: string): string {
  const cached = ctx.g.memo.get('pair:frames');
  if (cached) return cached;
  const pair = ctx.g.concat([img0, img1], 0);
  ctx.g.memo.set('pair:frames', pair);
  return pair;
}

/** `[1,2,1,1]` factors that map pixel positions to GridSample's align-corners [-1, 1] range: 2/(W−1), 2/(H−1). */
function alignCornersFactors(ctx: ExportContext, ref: string, key: string): string {
  const {g} = ctx;
  const cached = g.memo.get(`warpnorm:${key}`);
  if (cached) return cached;
  const two = g.scalar(2);
  const one = g.scalar(1);
  const sx = g.div(two, g.sub(g.dimFloat(ref, 3), one));
  const sy = g.div(two, g.sub(g.dimFloat(ref, 2), one));
  const both = g.concat([g.op('Unsqueeze', [sx, g.ints([0])]), g.op('Unsqueeze', [sy, g.ints([0])])], 0);
  const factors = g.reshape(both, g.ints([1, 2, 1, 1]));
  g.memo.set(`warpnorm:${key}`, factors);
  return factors;
}

/**
 * Backward warp, @daek/flow-ops' `backwardWarp` (RIFE's `warp`): `image` `[B,C,H,W]` read at pixel + `flow`
 * `[B,2,H,W]` with bilinear interpolation, border padding and the align-corners pixel grid: one GridSample.
 * `key` names the resolution (for the cached grid).
 */
export function warp(ctx: ExportContext, image: string, flow: string, key: string): string {
  const {g} = ctx;
  const positions = g.add(flow, pixelGrid(ctx, flow, key));
  const normalised = g.sub(g.mul(positions, alignCornersFactors(ctx, flow, key)), g.scalar(1));
  const grid = g.transpose(normalised, [0, 2, 3, 1]);
  return g.op('GridSample', [image, grid], {mode: A.s('bilinear'), padding_mode: A.s('border'),
    align_corners: A.i(1)}, 'warp');
}
