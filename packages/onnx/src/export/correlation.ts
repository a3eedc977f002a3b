// The bidirectional correlation (spec §1.6; @daek/correlation) as ONNX: MatMul + AveragePool + GridSample lookups
// (all-pairs), or the memory-light form that never forms the (hw)^2 volume: the pooled KEY features are read in a
// (2r+2)^2 block around each window with GridSample and dotted with the query, in channel chunks so that the
// sampled tensor stays small (B·chunk·hw·(2r+2)^2 floats).
import {A} from '../graph/builder.js';
import {pixelGrid, type ExportContext} from './ops.js';

/** How the correlation is written. */
export interface CorrelationSpec {
  /** `all-pairs` (AMT's volume) or `memory-light` (spec §7.2). */
  mode: 'all-pairs' | 'memory-light';
  /** Pyramid levels. */
  levels: number;
  /** Window radius r. */
  radius: number;
  /** Channels of the feature maps (for the 1/sqrt(C) scale and the chunks). */
  channels: number;
  /** Memory-light: channels per GridSample (default 8). */
  channelChunk?: number;
}

/** A built correlation: call {@link BuiltCorrelation.feature} with the 1/8 flow. */
export interface BuiltCorrelation {
  /** DAEK's BCV at t = 0.5: `[B, 2·levels·(2r+1)^2, h, w]` from the `[B,4,h,w]` flow at the features' scale. */
  feature(flow8: string): string;
}

/** 1/sqrt(C) with C rounded to float32 first, as AMT (and @daek/correlation). */
function correlationScale(channels: number): number {
  return 1 / Math.fround(Math.sqrt(Math.fround(channels)));
}

/** `[1,1,(2r+1)^2,2]` window offsets (x, y): entry a·(2r+1)+b is (a−r, b−r), AMT's order (outer index moves x). */
function windowOffsets(ctx: ExportContext, radius: number): string {
  const side = 2 * radius + 1;
  const values: number[] = [];
  for (let a = 0; a < side; a++) for (let b = 0; b < side; b++) values.push(a - radius, b - radius);
  return ctx.g.floats(values, [1, 1, side * side, 2]);
}

/**
 * GridSample grid for one level: `coords` `[B,hw,1,2]` (x, y at level 0) / 2^level + window offsets, mapped
 * to [-1, 1] for align_corners=0 (`(2p + 1)/size − 1`), which stays exact for a 1-pixel level (AMT's
 * align-corners normalisation divides by size − 1 there; @daek/correlation samples in pixels too).
 */
function levelGrid(ctx: ExportContext, coords: string, level: number, radius: number, levelRef: string): string {
  const {g} = ctx;
  const centre = level === 0 ? coords : g.mul(coords, g.scalar(1 / 2 ** level));
  const window = g.add(centre, windowOffsets(ctx, radius));
  const sizes = g.op('Unsqueeze', [g.concat([g.dimFloat(levelRef, 3), g.dimFloat(levelRef, 2)].map((s) =>
    g.op('Unsqueeze', [s, g.ints([0])])), 0), g.ints([0, 1, 2])]);
  return g.sub(g.div(g.add(g.mul(window, g.scalar(2)), g.scalar(1)), sizes), g.scalar(1));
}

function gridSample(ctx: ExportContext, x: string, grid: string): string {
  return ctx.g.op('GridSample', [x, grid], {mode: A.s('bilinear'), padding_mode: A.s('zeros'), align_corners: A.i(0)},
    'corr_lookup');
}

/** `[B,N,K]` per-pixel results -> `[B,K,h,w]` at the size of `ref` (`[B,·,h,w]`). */
function toImage(ctx: ExportContext, rows: string, ref: string, k: number): string {
  const {g} = ctx;
  const shape = g.concat([g.dim(ref, 0), g.dim(ref, 2), g.dim(ref, 3), g.ints([k])], 0);
  return g.transpose(g.reshape(rows, shape), [0, 3, 1, 2]);
}

/** `[B,2,h,w]` positions -> `[B, h·w, 1, 2]` rows of (x, y). */
function coordRows(ctx: ExportContext, coords: string): string {
  return ctx.g.reshape(ctx.g.transpose(coords, [0, 2, 3, 1]), ctx.g.ints([0, -1, 1, 2]));
}

/**
 * Build the correlation of two `[B,C,h,w]` feature maps (`fmap0`, `fmap1`).
 */
export function buildCorrelation(ctx: ExportContext, fmap0: string, fmap1: string, spec: CorrelationSpec): BuiltCorrelation {
  const {g} = ctx;
  const {levels, radius} = spec;
  const window = (2 * radius + 1) ** 2;
  const scale = correlationScale(spec.channels);
  // Each direction: a function from coordinate rows [B,hw,1,2] to [B,levels·window,h,w].
  let directions: [(coords: string, ref: string) => string, (coords: string, ref: string) => string];
  if (spec.mode === 'all-pairs') {
    const flat = (f: string) => g.reshape(f, g.ints([0, 0, -1]));  // [B,C,hw]
    const query = g.transpose(flat(g.mul(fmap0, g.scalar(scale))), [0, 2, 1]); // [B,hw,C]
    const volume = g.op('MatMul', [query, flat(fmap1)], {}, 'corr_volume'); // [B,hw0,hw1]
    const mapsShape = g.concat([g.ints([-1, 1]), g.dim(fmap0, 2), g.dim(fmap0, 3)], 0);
    const pyramid = (v: string) => {
      const out = [g.reshape(v, mapsShape)]; // [B·hw, 1, h, w]
      for (let i = 1; i < levels; i++) {
        out.push(g.op('AveragePool', [out[i - 1]!], {kernel_shape: A.ints([2, 2]), strides: A.ints([2, 2])}, 'corr_pool'));
      }
      return out;
    };
    const lookup = (maps: string[]) => (coords: string, ref: string) => {
      const perLevel = maps.map((m, i) => {
        const grid = g.reshape(levelGrid(ctx, coords, i, radius, m), g.ints([-1, 1, window, 2]));
        const sampled = gridSample(ctx, m, grid); // [B·hw, 1, 1, window]
        return toImage(ctx, g.reshape(sampled, g.ints([-1, 1, window])), ref, window);
      });
      return g.concat(perLevel, 1);
    };
    directions = [lookup(pyramid(volume)), lookup(pyramid(g.transpose(volume, [0, 2, 1])))];
  } else {
    const chunk = Math.max(1, spec.channelChunk ?? 8);
    const pyramid = (f: string) => {
      const out = [f];
      for (let i = 1; i < levels; i++) {
        out.push(g.op('AveragePool', [out[i - 1]!], {kernel_shape: A.ints([2, 2]), strides: A.ints([2, 2])}, 'feat_pool'));
      }
      return out;
    };
    const split = (x: string): string[] => {
      const parts: string[] = [];
      for (let c = 0; c < spec.channels; c += chunk) parts.push(g.channels(x, c, Math.min(spec.channels, c + chunk)));
      return parts;
    };
    // All (2r+1)^2 positions of a window share one fractional offset, so the window's bilinear reads touch only a
    // (2r+2)^2 block of whole pixels: read that block once (GridSample 'nearest' at integer positions, zeros
    // outside), take its (2r+2)^2 dot products, then blend them with the shared weights (as @daek/correlation's
    // fused kernel). A quarter of the sampling work of 49 bilinear reads.
    const side = 2 * radius + 1;
    const block = side + 1;
    const blockOffsets: number[] = [];
    for (let u = 0; u < block; u++) for (let v = 0; v < block; v++) blockOffsets.push(u - radius, v - radius);
    const offsets = g.floats(blockOffsets, [1, 1, block * block, 2]);
    const lookup = (query: string, keys: string[]) => (coords: string, ref: string) => {
      const q = g.reshape(query, g.ints([0, 0, -1, 1])); // [B, C, hw, 1]
      const qParts = split(q);
      const perLevel = keys.map((key, i) => {
        const centre = i === 0 ? coords : g.mul(coords, g.scalar(1 / 2 ** i)); // [B, hw, 1, 2]
        const origin = g.op('Floor', [centre]);
        const frac = g.sub(centre, origin);
        const positions = g.add(origin, offsets); // [B, hw, block², 2], whole pixels
        const sizes = g.op('Unsqueeze', [g.concat([g.dimFloat(key, 3), g.dimFloat(key, 2)].map((d) =>
          g.op('Unsqueeze', [d, g.ints([0])])), 0), g.ints([0, 1, 2])]);
        const grid = g.sub(g.div(g.add(g.mul(positions, g.scalar(2)), g.scalar(1)), sizes), g.scalar(1));
        let dots: string | null = null;
        split(key).forEach((kp, j) => {
          const sampled = g.op('GridSample', [kp, grid], {mode: A.s('nearest'), padding_mode: A.s('zeros'),
            align_corners: A.i(0)}, 'corr_block'); // [B, chunk, hw, block²]
          const part = g.op('ReduceSum', [g.mul(sampled, qParts[j]!), g.ints([1])], {keepdims: A.i(0)});
          dots = dots === null ? part : g.add(dots, part);
        });
        // [B, hw, u, v] with u (x) outer; blend the four shifted side x side views.
        const d = g.reshape(dots!, g.concat([g.dim(dots!, 0), g.dim(dots!, 1), g.ints([block, block])], 0));
        const view = (du: number, dv: number) => g.op('Slice', [d, g.ints([du, dv]), g.ints([du + side, dv + side]), g.ints([2, 3])]);
        const fx = g.reshape(g.op('Slice', [frac, g.ints([0]), g.ints([1]), g.ints([3])]), g.ints([0, 0, 1, 1]));
        const fy = g.reshape(g.op('Slice', [frac, g.ints([1]), g.ints([2]), g.ints([3])]), g.ints([0, 0, 1, 1]));
        const one = g.scalar(1);
        const gx = g.sub(one, fx);
        const gy = g.sub(one, fy);
        const blended = g.add(g.add(g.mul(view(0, 0), g.mul(gx, gy)), g.mul(view(1, 0), g.mul(fx, gy))),
          g.add(g.mul(view(0, 1), g.mul(gx, fy)), g.mul(view(1, 1), g.mul(fx, fy))));
        return toImage(ctx, g.mul(g.reshape(blended, g.ints([0, 0, -1])), g.scalar(scale)), ref, window);
      });
      return g.concat(perLevel, 1);
    };
    directions = [lookup(fmap0, pyramid(fmap1)), lookup(fmap1, pyramid(fmap0))];
  }
  return {
    feature(flow8) {
      // AMT at t = 0.5: coords0 = grid + 2·F_t→1, coords1 = grid + 2·F_t→0.
      const grid = pixelGrid(ctx, flow8, 'corr');
      const two = g.scalar(2);
      const coords0 = coordRows(ctx, g.add(grid, g.mul(g.channels(flow8, 2, 4), two)));
      const coords1 = coordRows(ctx, g.add(grid, g.mul(g.channels(flow8, 0, 2), two)));
      return g.concat([directions[0](coords0, flow8), directions[1](coords1, flow8)], 1);
    },
  };
}
