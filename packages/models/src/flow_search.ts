// Flow search refinement: a test-time extension of the DAEK spec, not part of the paper. After the network
// runs, each pixel's last flow pair moves by the symmetric offset (F_t→0 + d, F_t→1 − d) that best matches the two
// warped frames over a window, on a 3x3 grid whose step shrinks coarse to fine. Each pixel may start from the better
// of several flows (the network's at full and at a coarser scale), and a prior pulls every candidate toward that
// start. The Python reference is `refine` in training/scripts/refine_probe.py; test/fixtures/flow_search holds its
// output.
import * as tf from '@tensorflow/tfjs';
import {backwardWarp} from '@daek/flow-ops';
import {splitFlow, warpAndBlend, type NetworkOutputs} from './outputs.js';

/** Options of {@link refineFlowBySearch}. */
export interface FlowSearchOptions {
  /** Grid steps in pixels, coarse to fine: each searches offsets of −step, 0, +step in x and y (default `[1, 0.5, 0.25]`). */
  steps?: readonly number[];
  /** Side of the square window the matching cost is averaged over: an odd integer >= 1 (default 13). */
  window?: number;
  /**
   * Pull toward the start flow: every candidate's cost gains `prior` times its mean absolute distance from the
   * pixel's start flow (pixels, over the 4 channels). It keeps a repeating texture from matching a neighbouring
   * period. A finite number >= 0; 0 turns it off (default 0.02).
   */
  prior?: number;
  /**
   * Also run the network on the frames scaled by this factor and let each pixel start its search from whichever of
   * the two flows (full scale, and this one brought to full size) matches better over the window: motion too large
   * for the full-scale pass is often right at the coarser one. Used by createInterpolator's engines, which run the
   * network twice; {@link refineFlowBySearch} takes the extra flow as its `otherStarts`. A number in (0, 1), or
   * `false` for one pass (default 0.5).
   */
  coarseStart?: number | false;
}

/**
 * The defaults of {@link FlowSearchOptions}: steps `[1, 0.5, 0.25]`, window 13, prior 0.02, coarse start 0.5.
 * Chosen on held-out training clips (training/scripts/refine_sweep.py): window 13 scored above 9 on both the 640x360
 * and the native-size held-out triplets, while 17 and more, a 2-px first step and a 0.125-px last step did not help
 * (part 8). The coarse start and the prior were added in part 9 (training/README).
 */
export const DEFAULT_FLOW_SEARCH: Readonly<Required<FlowSearchOptions>> = Object.freeze({steps: Object.freeze([1, 0.5, 0.25]), window: 13,
  prior: 0.02, coarseStart: 0.5});

/** {@link FlowSearchOptions} checked, with the defaults filled in. */
export interface ResolvedFlowSearchOptions {
  /** Grid steps in pixels, coarse to fine. */
  steps: number[];
  /** Odd window side. */
  window: number;
  /** Weight of the pull toward the start flow; 0 when off. */
  prior: number;
  /** Scale of the second network pass whose flow is a second start, or false for one pass. */
  coarseStart: number | false;
}

/**
 * Check flow search options and fill in the defaults; throws an error that names the option, the problem and
 * the fix. `where` prefixes the message (`createInterpolator: refine`, ...).
 */
export function resolveFlowSearchOptions(options: FlowSearchOptions = {}, where = 'refineFlowBySearch'): ResolvedFlowSearchOptions {
  if (typeof options !== 'object' || options === null) {
    throw new Error(`${where}: expected an options object such as {steps: [1, 0.5, 0.25], window: 13, prior: 0.02, ` +
      `coarseStart: 0.5}, got ${String(options)}.`);
  }
  const steps = options.steps ?? DEFAULT_FLOW_SEARCH.steps;
  const window = options.window ?? DEFAULT_FLOW_SEARCH.window;
  const prior = options.prior ?? DEFAULT_FLOW_SEARCH.prior;
  const coarseStart = options.coarseStart ?? DEFAULT_FLOW_SEARCH.coarseStart;
  if (!Array.isArray(steps) || steps.length === 0) {
    throw new Error(`${where}: steps: expected a non-empty array of grid steps in pixels, coarse to fine, such as [1, 0.5, 0.25]; ` +
      `got ${JSON.stringify(steps)}.`);
  }
  const bad = steps.find((step) => typeof step !== 'number' || !Number.isFinite(step) || step <= 0);
  if (bad !== undefined) {
    throw new Error(`${where}: steps: every step must be a positive finite number of pixels; got ${String(bad)} in ` +
      `[${steps.map(String).join(', ')}]. Drop it, or use e.g. [1, 0.5, 0.25].`);
  }
  if (typeof window !== 'number' || !Number.isInteger(window) || window < 1 || window % 2 === 0) {
    throw new Error(`${where}: window: expected an odd integer >= 1 (the window is centred on each pixel), such as 13; ` +
      `got ${String(window)}.`);
  }
  if (typeof prior !== 'number' || !Number.isFinite(prior) || prior < 0) {
    throw new Error(`${where}: prior: expected a finite number >= 0 (the cost per pixel of distance from the start ` +
      `flow; 0 turns it off), such as 0.02; got ${String(prior)}.`);
  }
  if (coarseStart !== false && (typeof coarseStart !== 'number' || !(coarseStart > 0 && coarseStart < 1))) {
    throw new Error(`${where}: coarseStart: expected a scale between 0 and 1 (exclusive) for the second network ` +
      `pass, such as 0.5, or false for one pass; got ${String(coarseStart)}.`);
  }
  return {steps: [...steps], window, prior, coarseStart};
}

/**
 * One line for logs that names the search and its settings, `flow search refinement (steps 1, 0.5, 0.25; window 13;
 * prior 0.02; coarse start 0.5)`:
 * both engines' executors describe themselves with it.
 */
export function describeFlowSearch(search: ResolvedFlowSearchOptions): string {
  return `flow search refinement (steps ${search.steps.join(', ')}; window ${search.window}; prior ${search.prior}; ` +
    (search.coarseStart === false ? 'one pass)' : `coarse start ${search.coarseStart})`);
}

function checkShapes(where: string, img0: tf.Tensor4D, img1: tf.Tensor4D, flow: tf.Tensor4D, otherStarts: readonly tf.Tensor4D[]): void {
  for (const [name, t] of [['img0', img0], ['img1', img1], ['flow', flow]] as const) {
    if (!(t instanceof tf.Tensor) || t.rank !== 4) {
      throw new Error(`${where}: ${name}: expected a rank-4 NHWC tensor, got ${t instanceof tf.Tensor ? `shape [${t.shape}]` : String(t)}.`);
    }
  }
  if (img0.shape.join() !== img1.shape.join()) {
    throw new Error(`${where}: img0 [${img0.shape}] and img1 [${img1.shape}] differ in shape; pass the same padded pair the network saw.`);
  }
  const [b, h, w] = img0.shape;
  if (flow.shape.join() !== [b, h, w, 4].join()) {
    throw new Error(`${where}: flow: expected [${b},${h},${w},4] (F_t→0 dx, dy, F_t→1 dx, dy at the frames' size), got ` +
      `[${flow.shape}]. Use the network's last full-resolution flow, outputs.flows[outputs.flows.length - 1].`);
  }
  if (!Array.isArray(otherStarts)) throw new Error(`${where}: otherStarts: expected an array of flows, got ${String(otherStarts)}.`);
  otherStarts.forEach((start, i) => {
    if (!(start instanceof tf.Tensor) || start.shape.join() !== flow.shape.join()) {
      throw new Error(`${where}: otherStarts[${i}]: expected a [${flow.shape}] flow like flow (bring a coarser pass's flow ` +
        `to full size with coarseStartFlow), got ${start instanceof tf.Tensor ? `shape [${start.shape}]` : String(start)}.`);
    }
  });
}

/**
 * Mean over a `window`x`window` box, centred, of the summed L1 difference of the two warped frames. The border
 * average counts only pixels inside the image: tf.avgPool 'same' does (checked in the test), as does the reference's
 * avg_pool2d(count_include_pad=False).
 */
function matchingCost(img0: tf.Tensor4D, img1: tf.Tensor4D, flow: tf.Tensor4D, window: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [f0, f1] = splitFlow(flow);
    const warped0 = backwardWarp(img0, f0, {checkFinite: false});
    const warped1 = backwardWarp(img1, f1, {checkFinite: false});
    const cost = tf.sum(tf.abs(tf.sub(warped0, warped1)), 3, true) as tf.Tensor4D;
    return window === 1 ? cost : tf.avgPool(cost, window, 1, 'same');
  });
}

/**
 * Per pixel, the cheaper of the held (cost, flow) pair and a new one: the new one only where its cost is strictly
 * less, so on a tie the earlier stays, as in the reference. Returns new tensors; the inputs are not disposed.
 */
function keepCheaper(best: tf.Tensor4D, chosen: tf.Tensor4D, cost: tf.Tensor4D, candidate: tf.Tensor4D): [tf.Tensor4D, tf.Tensor4D] {
  return tf.tidy(() => {
    const better = tf.less(cost, best);
    return [tf.where(better, cost, best), tf.where(tf.broadcastTo(better, candidate.shape), candidate, chosen)] as [tf.Tensor4D, tf.Tensor4D];
  });
}

/** Per pixel, the first of `starts` with the least window cost (a later one must be strictly cheaper). */
function pickStart(img0: tf.Tensor4D, img1: tf.Tensor4D, starts: readonly tf.Tensor4D[], window: number): tf.Tensor4D {
  return tf.tidy(() => {
    let best = matchingCost(img0, img1, starts[0]!, window);
    let chosen = starts[0]!;
    for (const start of starts.slice(1)) {
      [best, chosen] = keepCheaper(best, chosen, matchingCost(img0, img1, start, window), start);
    }
    return tf.clone(chosen);
  });
}

/**
 * Refine a bidirectional flow by a local search (an extension of the DAEK spec, not in the paper). Each pixel starts
 * from the flow among `flow` and `otherStarts` whose warped frames differ least over the window (the first wins a
 * tie). Then, for each grid step s, coarse to fine, every pixel tries the 9 symmetric offsets
 * `[dx·s, dy·s, −dx·s, −dy·s]` (dx, dy in −1, 0, 1; dy outer) around its current flow and keeps the one of least
 * cost: the window-averaged difference of the warped frames plus `prior` times the candidate's mean absolute
 * distance from the start; the first candidate wins a tie. Linear motion through the middle frame is what makes the
 * offset symmetric.
 *
 * @param img0 `[B,H,W,C]` frame 0 (the padded frame the network saw).
 * @param img1 `[B,H,W,C]` frame 1.
 * @param flow `[B,H,W,4]` start flow: F_t→0 (dx, dy), F_t→1 (dx, dy) in pixels.
 * @param otherStarts More `[B,H,W,4]` start flows, such as {@link coarseStartFlow}'s (default none). The
 * `coarseStart` option is not read here: the caller runs that pass.
 * @returns The refined `[B,H,W,4]` flow, owned by the caller; the inputs are not disposed.
 */
export function refineFlowBySearch(img0: tf.Tensor4D, img1: tf.Tensor4D, flow: tf.Tensor4D, options: FlowSearchOptions = {},
    otherStarts: readonly tf.Tensor4D[] = []): tf.Tensor4D {
  const {steps, window, prior} = resolveFlowSearchOptions(options);
  checkShapes('refineFlowBySearch', img0, img1, flow, otherStarts);
  // The outer tidy frees everything if a kernel throws; inside, candidates are made and dropped one at a time, so
  // memory stays at a few frames whatever the frame size.
  return tf.tidy(() => {
    const start = otherStarts.length > 0 ? pickStart(img0, img1, [flow, ...otherStarts], window) : tf.clone(flow);
    let current = tf.clone(start);
    for (const step of steps) {
      let best: tf.Tensor4D | null = null;
      let chosen = current;
      for (const dy of [-1, 0, 1]) {
        for (const dx of [-1, 0, 1]) {
          const candidate = tf.tidy(() => tf.add(current, tf.tensor1d([dx * step, dy * step, -dx * step, -dy * step])) as tf.Tensor4D);
          const cost = prior === 0 ? matchingCost(img0, img1, candidate, window) : tf.tidy(() => tf.add(
            matchingCost(img0, img1, candidate, window), tf.mul(prior, tf.mean(tf.abs(tf.sub(candidate, start)), 3, true))) as tf.Tensor4D);
          if (best === null) {
            [best, chosen] = [cost, candidate];
            continue;
          }
          const previous: [tf.Tensor4D, tf.Tensor4D] = [best, chosen];
          [best, chosen] = keepCheaper(best, chosen, cost, candidate);
          tf.dispose([...previous, cost, candidate]);
        }
      }
      tf.dispose([best!, current]);
      current = chosen;
    }
    start.dispose();
    return current;
  });
}

/**
 * The middle frame with a searched flow (an extension of the DAEK spec, not in the paper): both frames warped by
 * {@link refineFlowBySearch}'s flow and blended by the network's own mask, plus the network's synthesis residual,
 * `clamp(warp(img0, f0)·m + warp(img1, f1)·(1 − m) + (output − lastBlend), 0, 1)` with `m = sigmoid(maskLogit)`.
 *
 * @param img0 `[B,H,W,3]` frame 0, the padded frame the network saw.
 * @param img1 `[B,H,W,3]` frame 1.
 * @param outputs The network's outputs for this pair (last flow, mask logit, last blend, output); not disposed.
 * @param otherStarts More start flows for the search (see {@link refineFlowBySearch}).
 * @returns The refined `[B,H,W,3]` frame, owned by the caller.
 */
export function refinedMiddleFrame(img0: tf.Tensor4D, img1: tf.Tensor4D, outputs: NetworkOutputs, options: FlowSearchOptions = {},
    otherStarts: readonly tf.Tensor4D[] = []): tf.Tensor4D {
  const flow = outputs.flows[outputs.flows.length - 1];
  const lastBlend = outputs.blends[outputs.blends.length - 1];
  if (!flow || !lastBlend) throw new Error('refinedMiddleFrame: outputs hold no flows or blends; pass the outputs of a network forward pass.');
  const refined = refineFlowBySearch(img0, img1, flow, options, otherStarts);
  try {
    return tf.tidy(() => {
      const {merged} = warpAndBlend(img0, img1, refined, outputs.maskLogit);
      return tf.clipByValue(tf.add(merged, tf.sub(outputs.output, lastBlend)), 0, 1) as tf.Tensor4D;
    });
  } finally {
    refined.dispose();
  }
}
