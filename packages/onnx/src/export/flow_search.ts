// The flow search refinement (@daek/models flow_search.ts, a test-time extension of the DAEK spec, not in the paper)
// as a small weightless ONNX graph. It runs after the network's graph on the network's outputs: the last flow
// `flow`, the mask `mask` (sigmoid of the last mask logit) and the frame `merged`. Its blend before the search,
// lastBlend, is recomputed from `flow` and `mask`, so the network's .onnx files need no change.
import {resolveFlowSearchOptions, type FlowSearchOptions} from '@daek/models';
import {A, GraphBuilder, imageValueInfo} from '../graph/builder.js';
import {encodeModel} from '../proto.js';
import {framePair, halves, warpPair, type ExportContext} from './ops.js';

/** The input names of {@link flowSearchGraph}'s graph. */
export const FLOW_SEARCH_INPUTS = ['img0', 'img1', 'flow', 'mask', 'merged'] as const;

/** The output names of {@link flowSearchGraph}'s graph: the refined `[B,3,H,W]` frame and `[B,4,H,W]` flow. */
export const FLOW_SEARCH_OUTPUTS = ['refined', 'refinedFlow'] as const;

/** The `ExportContext` of a graph without weights. */
function weightlessContext(g: GraphBuilder): ExportContext {
  return {g, weights: new Map(), convTranspose: 'native'};
}

/** `[B,1,H,W]`: the channel sum of |warp(img0, f0) − warp(img1, f1)|, box-averaged over `window` (in-image pixels only). */
function matchingCost(ctx: ExportContext, pair: string, flow: string, window: number): string {
  const {g} = ctx;
  const [warped0, warped1] = halves(ctx, warpPair(ctx, pair, flow, 'full'));
  const cost = g.op('ReduceSum', [g.op('Abs', [g.sub(warped0!, warped1!)]), g.ints([1])], {keepdims: A.i(1)}, 'cost');
  if (window === 1) return cost;
  const pad = (window - 1) / 2;
  // count_include_pad=0: a border pixel's mean counts only the pixels inside the image (avg_pool2d's
  // count_include_pad=False in the reference, tf.avgPool 'same' in the tfjs engine).
  return g.op('AveragePool', [cost], {kernel_shape: A.ints([window, window]), strides: A.ints([1, 1]),
    pads: A.ints([pad, pad, pad, pad]), count_include_pad: A.i(0), ceil_mode: A.i(0)}, 'window_mean');
}

/** `warp(img0, f0)·m + warp(img1, f1)·(1 − m)`. */
function blend(ctx: ExportContext, pair: string, flow: string, mask: string): string {
  const {g} = ctx;
  const [warped0, warped1] = halves(ctx, warpPair(ctx, pair, flow, 'full'));
  return g.add(g.mul(warped0!, mask), g.mul(warped1!, g.sub(g.scalar(1), mask)));
}

/**
 * The flow search refinement of @daek/models (`refineFlowBySearch` then `refinedMiddleFrame`) as a weightless
 * ONNX graph, opset 17, float32, dynamic batch, height and width.
 *
 * Inputs (NCHW float32): `img0`, `img1` `[B,3,H,W]` (the padded frames the network saw), and the network graph's
 * outputs for them: `flow` `[B,4,H,W]` (last flow: F_t→0 dx, dy, F_t→1 dx, dy), `mask` `[B,1,H,W]` (sigmoid of the
 * last mask logit), `merged` `[B,3,H,W]` (the network's frame).
 *
 * For each grid step s of `steps`, coarse to fine, every pixel tries the 9 symmetric offsets
 * `[dx·s, dy·s, −dx·s, −dy·s]` (dy outer, dx inner, each −1, 0, 1) added to its current flow; the cost is the
 * channel sum of |warp(img0, f0) − warp(img1, f1)| averaged over a centred `window`x`window` box of in-image pixels;
 * a candidate replaces the best so far only when its cost is strictly less (the first wins a tie). Outputs:
 * `refined` `[B,3,H,W]` = `clamp(warp(img0, f0')·m + warp(img1, f1')·(1 − m) + (merged − lastBlend), 0, 1)`, where
 * lastBlend is the same blend with the unrefined `flow`; and `refinedFlow` `[B,4,H,W]`, the searched flow.
 *
 * Warps are GridSample (bilinear, border, align_corners=1), as in the network's graph.
 *
 * @param options Grid steps and window, checked as `refineFlowBySearch` checks them (defaults `[1, 0.5, 0.25]`, 13).
 * @returns The `.onnx` bytes.
 * @throws Error naming the option, the problem and the fix when `options` is invalid.
 */
export function flowSearchGraph(options: FlowSearchOptions = {}): Uint8Array {
  const {steps, window} = resolveFlowSearchOptions(options, 'flowSearchGraph');
  const g = new GraphBuilder('float32');
  const ctx = weightlessContext(g);
  const [img0, img1, flow, mask, merged] = FLOW_SEARCH_INPUTS.map((name) => g.reserve(name)) as
    [string, string, string, string, string];
  const pair = framePair(ctx, img0, img1);
  let current = flow;
  for (const step of steps) {
    let best: string | null = null;
    let chosen = current;
    for (const dy of [-1, 0, 1]) {
      for (const dx of [-1, 0, 1]) {
        // The same float32 offsets as the tfjs engine (tf.tensor1d([dx·s, dy·s, −dx·s, −dy·s])).
        const offset = g.floats(Float32Array.from([dx * step, dy * step, -dx * step, -dy * step]), [1, 4, 1, 1]);
        const candidate = g.add(current, offset);
        const cost = matchingCost(ctx, pair, candidate, window);
        if (best === null) {
          [best, chosen] = [cost, candidate];
          continue;
        }
        // Strictly smaller only: on a tie the earlier candidate stays.
        const better = g.op('Less', [cost, best], {}, 'better');
        best = g.op('Where', [better, cost, best], {}, 'best');
        chosen = g.op('Where', [better, candidate, chosen], {}, 'chosen');
      }
    }
    current = chosen;
  }
  const residual = g.sub(merged, blend(ctx, pair, flow, mask));
  const refined = g.op('Clip', [g.add(blend(ctx, pair, current, mask), residual), g.scalar(0), g.scalar(1)]);
  g.output(refined, FLOW_SEARCH_OUTPUTS[0]);
  g.output(current, FLOW_SEARCH_OUTPUTS[1]);
  const graph = g.graph('daek_flow_search', [imageValueInfo(img0, 3), imageValueInfo(img1, 3), imageValueInfo(flow, 4),
    imageValueInfo(mask, 1), imageValueInfo(merged, 3)],
  [imageValueInfo(FLOW_SEARCH_OUTPUTS[0], 3), imageValueInfo(FLOW_SEARCH_OUTPUTS[1], 4)]);
  return encodeModel(graph, `DAEK.js flow search refinement (steps ${steps.join(', ')}; window ${window}), a test-time ` +
    'extension of the DAEK spec. Inputs img0, img1 [B,3,H,W], flow [B,4,H,W], mask [B,1,H,W], merged [B,3,H,W] (a ' +
    'DAEK.js network graph\'s outputs for img0, img1). Outputs refined [B,3,H,W], refinedFlow [B,4,H,W].');
}
