// The flow search refinement (@daek/models flow_search.ts, a test-time extension of the DAEK spec, not in the paper)
// as a small weightless ONNX graph. It runs after the network's graph on the network's outputs: the last flow
// `flow`, the mask `mask` (sigmoid of the last mask logit) and the frame `merged`; with a coarse start, also on the
// flow of a second network run on the frames scaled down (`coarseFlow`, brought to full size by the caller). Its
// blend before the search, lastBlend, is recomputed from `flow` and `mask`, so the network's .onnx files need no
// change.
import {describeFlowSearch, resolveFlowSearchOptions, type FlowSearchOptions} from '@daek/models';
import {A, GraphBuilder, imageValueInfo} from '../graph/builder.js';
import {encodeModel} from '../proto.js';
import {framePair, halves, warpPair, type ExportContext} from './ops.js';

/**
 * The input names every {@link flowSearchGraph} graph has. A graph with a coarse start (the resolved `coarseStart`
 * is a number) also takes {@link FLOW_SEARCH_COARSE_INPUT}; {@link flowSearchInputs} gives the list for options.
 */
export const FLOW_SEARCH_INPUTS = ['img0', 'img1', 'flow', 'mask', 'merged'] as const;

/**
 * The sixth input of a {@link flowSearchGraph} graph with a coarse start: `[B,4,H,W]`, the network's last flow for
 * the frames scaled by `coarseStart`, brought to full size (`coarseStartFlow` of @daek/models).
 */
export const FLOW_SEARCH_COARSE_INPUT = 'coarseFlow';

/** One input name of a {@link flowSearchGraph} graph. */
export type FlowSearchInputName = typeof FLOW_SEARCH_INPUTS[number] | typeof FLOW_SEARCH_COARSE_INPUT;

/**
 * The input names of {@link flowSearchGraph}`(options)`'s graph, in order: {@link FLOW_SEARCH_INPUTS}, plus
 * {@link FLOW_SEARCH_COARSE_INPUT} when the resolved `coarseStart` is a number (the default, 0.5).
 *
 * @throws Error naming the option when `options` is invalid.
 */
export function flowSearchInputs(options: FlowSearchOptions = {}): readonly FlowSearchInputName[] {
  const {coarseStart} = resolveFlowSearchOptions(options, 'flowSearchInputs');
  return coarseStart === false ? FLOW_SEARCH_INPUTS : [...FLOW_SEARCH_INPUTS, FLOW_SEARCH_COARSE_INPUT];
}

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
 * last mask logit), `merged` `[B,3,H,W]` (the network's frame). When the resolved `coarseStart` is a number, a sixth
 * input `coarseFlow` `[B,4,H,W]`: the network's last flow for the frames scaled by `coarseStart`, already brought to
 * full size (`coarseStartFlow` of @daek/models); {@link flowSearchInputs} lists the inputs for given options.
 *
 * The cost of a flow is the channel sum of |warp(img0, f0) − warp(img1, f1)| averaged over a centred
 * `window`x`window` box of in-image pixels. With `coarseFlow`, each pixel first starts from `coarseFlow` where its
 * cost is strictly less than `flow`'s, else from `flow` (the network's full-scale flow wins a tie); without it, from
 * `flow`. Then, for each grid step s of `steps`, coarse to fine, every pixel tries the 9 symmetric offsets
 * `[dx·s, dy·s, −dx·s, −dy·s]` (dy outer, dx inner, each −1, 0, 1) added to its current flow; a candidate's cost
 * gains `prior` times the mean over the 4 channels of |candidate − start| (after the window mean; no such ops when
 * `prior` is 0), and it replaces the best so far only when its cost is strictly less (the first wins a tie).
 * Outputs: `refined` `[B,3,H,W]` = `clamp(warp(img0, f0')·m + warp(img1, f1')·(1 − m) + (merged − lastBlend), 0, 1)`,
 * where lastBlend is the same blend with the network's unrefined `flow` (never the coarse start); and `refinedFlow`
 * `[B,4,H,W]`, the searched flow. With `prior: 0, coarseStart: false` the graph is the one-pass search of before.
 *
 * Warps are GridSample (bilinear, border, align_corners=1), as in the network's graph.
 *
 * @param options Grid steps, window, prior and coarse start, checked as `refineFlowBySearch` checks them (defaults
 * `[1, 0.5, 0.25]`, 13, 0.02, 0.5: `DEFAULT_FLOW_SEARCH`). Only whether `coarseStart` is a number shapes the graph;
 * its value is the caller's (the scale of the second network pass).
 * @returns The `.onnx` bytes.
 * @throws Error naming the option, the problem and the fix when `options` is invalid.
 */
export function flowSearchGraph(options: FlowSearchOptions = {}): Uint8Array {
  const search = resolveFlowSearchOptions(options, 'flowSearchGraph');
  const {steps, window, prior, coarseStart} = search;
  const g = new GraphBuilder('float32');
  const ctx = weightlessContext(g);
  const [img0, img1, flow, mask, merged] = FLOW_SEARCH_INPUTS.map((name) => g.reserve(name)) as
    [string, string, string, string, string];
  const coarseFlow = coarseStart === false ? null : g.reserve(FLOW_SEARCH_COARSE_INPUT);
  const pair = framePair(ctx, img0, img1);
  // The start: per pixel, coarseFlow only where its window cost is strictly less than the network's flow's.
  let start = flow;
  if (coarseFlow !== null) {
    const costFlow = matchingCost(ctx, pair, flow, window);
    const costCoarse = matchingCost(ctx, pair, coarseFlow, window);
    const coarser = g.op('Less', [costCoarse, costFlow], {}, 'coarse_better');
    start = g.op('Where', [coarser, coarseFlow, flow], {}, 'start');
  }
  // ReduceMean takes its axes as an attribute up to opset 17.
  const priced = (candidate: string, cost: string) => prior === 0 ? cost : g.add(cost, g.mul(g.scalar(prior),
    g.op('ReduceMean', [g.op('Abs', [g.sub(candidate, start)])], {axes: A.ints([1]), keepdims: A.i(1)}, 'distance')));
  let current = start;
  for (const step of steps) {
    let best: string | null = null;
    let chosen = current;
    for (const dy of [-1, 0, 1]) {
      for (const dx of [-1, 0, 1]) {
        // The same float32 offsets as the tfjs engine (tf.tensor1d([dx·s, dy·s, −dx·s, −dy·s])).
        const offset = g.floats(Float32Array.from([dx * step, dy * step, -dx * step, -dy * step]), [1, 4, 1, 1]);
        const candidate = g.add(current, offset);
        const cost = priced(candidate, matchingCost(ctx, pair, candidate, window));
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
    imageValueInfo(mask, 1), imageValueInfo(merged, 3), ...(coarseFlow === null ? [] : [imageValueInfo(coarseFlow, 4)])],
  [imageValueInfo(FLOW_SEARCH_OUTPUTS[0], 3), imageValueInfo(FLOW_SEARCH_OUTPUTS[1], 4)]);
  return encodeModel(graph, `DAEK.js ${describeFlowSearch(search)}, a test-time extension of the DAEK spec. Inputs ` +
    'img0, img1 [B,3,H,W], flow [B,4,H,W], mask [B,1,H,W], merged [B,3,H,W] (a DAEK.js network graph\'s outputs for ' +
    `img0, img1)${coarseFlow === null ? '' : `, coarseFlow [B,4,H,W] (the network graph's flow for img0, img1 scaled ` +
    `by ${coarseStart}, brought to full size)`}. Outputs refined [B,3,H,W], refinedFlow [B,4,H,W].`);
}
