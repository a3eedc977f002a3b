// The bidirectional correlation (spec §1.6; @daek/correlation) as ONNX: MatMul + AveragePool + GridSample lookups
// (all-pairs), or the memory-light form that never forms the (hw)^2 volume: the pooled KEY features of the
// (2r+2)^2 block around each window are gathered and dotted with the query (B·hw·(2r+2)^2·C floats per level).
import {A} from '../graph/builder.js';
import {DataType} from '../proto.js';
import {pixelGrid, type ExportContext} from './ops.js';

/** How the correlation is written. */
export interface CorrelationSpec {
  /** `all-pairs` (AMT's volume) or `memory-light` (spec §7.2). */
  mode: 'all-pairs' | 'memory-light';
  /** Pyramid levels. */
  levels: number;
  /** Window radius r. */
  radius: number;
  /** Channels of the feature maps (for the 1/sqrt(C) scale). */
  channels: number;
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
 * align-corners normalisation divides by size − 1 there; @daek/correlation samples in pixels too). Written as
 * `coords·a + b` with `a` `[1,1,1,2]` and `b` `[1,1,window,2]` computed on the small tensors, so the
 * `[B,hw,window,2]` grid costs one broadcast Add (five full-size ops before: a sixth of the lookup's time).
 */
function levelGrid(ctx: ExportContext, coords: string, level: number, radius: number, levelRef: string): string {
  const {g} = ctx;
  const sizes = g.op('Unsqueeze', [g.concat([g.dimFloat(levelRef, 3), g.dimFloat(levelRef, 2)].map((s) =>
    g.op('Unsqueeze', [s, g.ints([0])])), 0), g.ints([0, 1, 2])]); // [1,1,1,2]
  const a = g.div(g.scalar(2 / 2 ** level), sizes);
  const b = g.sub(g.div(g.add(g.mul(windowOffsets(ctx, radius), g.scalar(2)), g.scalar(1)), sizes), g.scalar(1));
  return g.add(g.mul(coords, a), b);
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
 * The memory-light lookup for one direction (spec §7.2): the pooled KEY features are never correlated with every
 * query, only read where a window needs them. All (2r+1)^2 positions of a window share one fractional offset, so
 * its bilinear reads touch one (2r+2)^2 block of whole pixels: gather that block's feature vectors, take its
 * (2r+2)^2 dot products with the query in one batched MatMul, then blend them separably with the shared weights.
 * - Each level's map is padded with 2r+2 zeros on every side and the block origin clamped into the padding, so
 *   taps outside the map read zeros (GridSample's 'zeros') with no masks.
 * - The gather table holds, per padded pixel, the 2r+2 pixels below it, channel-last (`[B·H'·W', (2r+2)·C]`): one
 *   index reads a whole block column, so a block is 2r+2 contiguous reads. The tables are built once per frame
 *   (the features do not change between MRBs); only the lookups repeat.
 * Memory grows with hw·(2r+2)^2·C per level, never with (hw)^2. GridSample 'nearest' blocks (the form before)
 * ran 3-4x slower in ONNX Runtime.
 */
function gatherLookup(ctx: ExportContext, levels: number, radius: number, scale: number) {
  const {g} = ctx;
  const side = 2 * radius + 1;
  const block = side + 1;
  const pad = block; // a clamped block lies wholly inside the padding
  const lowest = -(radius + 2); // origins below this (or above size + r) read only padding
  const us = g.ints(Array.from({length: block}, (_, u) => u), [1, 1, block]); // block columns, from x − r
  const i64 = (x: string) => g.op('Cast', [x], {to: A.i(DataType.INT64)});
  const slice = (x: string, axis: number, from: number, to: number) =>
    g.op('Slice', [x, g.ints([from]), g.ints([to]), g.ints([axis])]);
  return (query: string, key: string) => {
    // Once per frame: the query columns, scaled ([B, hw, C, 1]), and per level the table and its sizes.
    const q = g.op('Unsqueeze', [g.transpose(g.reshape(g.mul(query, g.scalar(scale)), g.ints([0, 0, -1])), [0, 2, 1]),
      g.ints([3])]);
    const channels = g.dim(key, 1);
    const tables: {table: string; map: string; wp: string; hwp: string}[] = [];
    let map = key;
    for (let i = 0; i < levels; i++) {
      if (i > 0) map = g.op('AveragePool', [map], {kernel_shape: A.ints([2, 2]), strides: A.ints([2, 2])}, 'feat_pool');
      // Channel-last, padded by `pad` (plus block − 1 more rows below, for the columns of the last rows).
      const padded = g.op('Pad', [g.transpose(map, [0, 2, 3, 1]), g.ints([0, pad, pad, 0, 0, pad + block - 1, pad, 0])],
        {mode: A.s('constant')}, 'corr_pad'); // [B, H'+block−1, W', C]
      const rows = g.sub(g.dim(padded, 1), g.ints([block - 1])); // H'
      const columns = g.concat(Array.from({length: block}, (_, v) =>
        g.op('Slice', [padded, g.ints([v]), g.add(rows, g.ints([v])), g.ints([1])])), 3); // [B, H', W', block·C]
      const table = g.reshape(columns, g.concat([g.ints([-1]), g.mul(channels, g.ints([block]))], 0));
      const wp = g.dim(padded, 2);
      tables.push({table, map, wp, hwp: g.mul(rows, wp)});
    }
    return (coords: string, ref: string) => {
      const centres = g.reshape(coords, g.ints([0, -1, 2])); // [B, hw, 2]
      const perLevel = tables.map(({table, map, wp, hwp}, i) => {
        const centre = i === 0 ? centres : g.mul(centres, g.scalar(1 / 2 ** i));
        const origin = g.op('Floor', [centre]);
        const frac = g.sub(centre, origin); // [B, hw, 2]
        const limits = g.op('Unsqueeze', [g.concat([g.dim(map, 3), g.dim(map, 2)], 0), g.ints([0, 1])]); // [1,1,2] (w, h)
        const highest = g.op('Cast', [g.add(limits, g.ints([radius]))], {to: A.i(DataType.FLOAT)});
        // Padded coordinates of the block's first pixel (origin − r).
        const first = g.add(i64(g.op('Min', [g.op('Max', [origin, g.scalar(lowest)]), highest])), g.ints([pad - radius], []));
        const batchStart = g.mul(g.reshape(g.op('Range', [g.ints([0], []), g.op('Squeeze', [g.dim(map, 0), g.ints([0])]),
          g.ints([1], [])]), g.ints([-1, 1, 1])), hwp); // [B,1,1]
        const base = g.add(g.add(batchStart, g.mul(slice(first, 2, 1, 2), wp)), slice(first, 2, 0, 1)); // [B, hw, 1]
        const gathered = g.op('Gather', [table, g.add(base, us)], {axis: A.i(0)}, 'corr_block'); // [B, hw, block, block·C]
        const vectors = g.reshape(gathered, g.concat([g.ints([0, 0, block * block]), channels], 0)); // u outer, v inner
        const dots = g.op('MatMul', [vectors, q], {}, 'corr_dots'); // [B, hw, block², 1]
        // Separable blend of the block's dot products: along x (u) with fx, then along y (v) with fy.
        const d = g.reshape(dots, g.ints([0, 0, block, block]));
        const fx = g.reshape(slice(frac, 2, 0, 1), g.ints([0, 0, 1, 1]));
        const fy = g.reshape(slice(frac, 2, 1, 2), g.ints([0, 0, 1, 1]));
        const lerp = (x: string, axis: number, f: string) => {
          const lo = slice(x, axis, 0, side);
          return g.add(lo, g.mul(f, g.sub(slice(x, axis, 1, block), lo)));
        };
        return g.reshape(lerp(lerp(d, 2, fx), 3, fy), g.ints([0, 0, side * side])); // [B, hw, window], x outer
      });
      return toImage(ctx, g.concat(perLevel, 2), ref, levels * side * side);
    };
  };
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
    const rows = (f: string) => g.transpose(flat(g.mul(f, g.scalar(scale))), [0, 2, 1]); // [B,hw,C]
    // One MatMul per direction: the second volume is the transpose of the first, but transposing (hw)^2 floats
    // costs more than computing them again with C = fnetDim multiply-adds each.
    const volume0 = g.op('MatMul', [rows(fmap0), flat(fmap1)], {}, 'corr_volume'); // [B,hw0,hw1]
    const volume1 = g.op('MatMul', [rows(fmap1), flat(fmap0)], {}, 'corr_volume'); // [B,hw1,hw0]
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
        return g.reshape(gridSample(ctx, m, grid), g.ints([-1, 1, window])); // [B·hw, 1, window]
      });
      return toImage(ctx, g.concat(perLevel, 2), ref, levels * window);
    };
    directions = [lookup(pyramid(volume0)), lookup(pyramid(volume1))];
  } else {
    const lookup = gatherLookup(ctx, levels, radius, scale);
    directions = [lookup(fmap0, fmap1), lookup(fmap1, fmap0)];
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
