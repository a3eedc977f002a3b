// The exact optical flow of a synthetic scene: for every pixel of the frame at time t, where the scene point it
// shows is at time 0 and at time 1. Computed from the layer poses (affine in the texture-local point), with the
// renderer's own pixel centres, poses and coverage, so it is exact for the frames renderSyntheticFrame draws.
import {layerAlpha, placeLayer} from './synthetic-render.js';
import type {SyntheticScene} from './synthetic-scene.js';

/** Value of {@link SyntheticFlow.layers} where no layer covers the pixel (a scene without a background plane). */
export const SYNTHETIC_NO_LAYER = -1;

/**
 * The exact flow of a synthetic scene from the frame at time `t` to frame0 and frame1, in the convention of RIFE's
 * F_t->0 / F_t->1 (backward warping). Both flows are `width * height * 2` float32, row-major, (u, v) interleaved:
 * pixel (x, y) (column x, row y, 0-based) is at offset `(y * width + x) * 2`, u = dx in pixels (+x right),
 * v = dy in pixels (+y down). frame0 sampled at (x + u0, y + v0), in the same pixel-index coordinates (integer
 * values at pixel centres, e.g. bilinear sampling or `grid_sample(align_corners=True)` on an index grid), shows
 * what the frame at t shows at (x, y); likewise frame1 with (u1, v1).
 */
export interface SyntheticFlow {
  /** Frame width in pixels. */
  width: number;
  /** Frame height in pixels. */
  height: number;
  /** The time of the frame the flow starts from. */
  t: number;
  /** Flow from the frame at `t` to frame0 (time 0): F_t->0. */
  toFrame0: Float32Array;
  /** Flow from the frame at `t` to frame1 (time 1): F_t->1. */
  toFrame1: Float32Array;
  /**
   * Per pixel (row-major, `width * height`), the index in `scene.layers` of the layer the flow follows (the topmost
   * layer whose coverage at the pixel centre is >= 0.5), or {@link SYNTHETIC_NO_LAYER} (-1) where no layer covers it (then the
   * flow is 0). Layer boundaries, where the flow is discontinuous and soft edges blend two layers, are where this
   * changes between neighbours.
   */
  layers: Int32Array;
}

/**
 * The exact optical flow of `scene` from the frame at time `t` (default `scene.t`, the ground truth) to frame0 and
 * frame1; see {@link SyntheticFlow} for the layout and the (RIFE, backward-warping) convention.
 *
 * Pixel convention: as in the renderer, pixel (x, y) is the point (x + 0.5, y + 0.5) of the continuous frame (whose
 * origin is the top-left corner of the top-left pixel, the frame of {@link LayerPose}'s x and y). Each layer maps a
 * texture-local point q to `pose(s).xy + pose(s).scale * R(pose(s).angle) q` at time s, every pose parameter linear
 * in s. The flow of pixel p to time s is `pose(s)(pose(t)^-1(p)) - p`: exact, with no approximation beyond
 * float64 arithmetic rounded to float32. The poses, cosines and sines are the renderer's own (`placeLayer`).
 *
 * Coverage rule: the point of a pixel belongs to the topmost layer (last in `scene.layers`) whose coverage (the
 * renderer's soft-edge alpha, `0.5 - signed distance to the outline in frame pixels`) at the pixel centre at time
 * `t` is >= 0.5, i.e. whose outline contains the pixel centre. A `'plane'` layer covers every pixel; a pixel no
 * layer covers gets flow 0 and layer {@link SYNTHETIC_NO_LAYER}. Within the one-pixel soft edge the rendered pixel blends two
 * layers, so no single flow is exact there; the rule picks the one that contributes at least half.
 *
 * The brightness gain changes colours, not positions: it does not affect the flow. Points that are occluded at time
 * 0 or 1, or leave the frame, still get their geometric flow (it may point outside the frame).
 *
 * @param scene the scene (for example from {@link createSyntheticScene}).
 * @param t the time of the frame the flow starts from, in [0, 1] (default `scene.t`).
 * @throws Error when `t` is not in [0, 1] or a layer scale is not positive.
 */
export function renderSyntheticFlow(scene: SyntheticScene, t: number = scene.t): SyntheticFlow {
  if (!(t >= 0 && t <= 1)) throw new Error(`renderSyntheticFlow(t): expected a number in [0, 1], received ${t}`);
  const {width, height} = scene;
  const count = width * height;
  const layers = new Int32Array(count).fill(SYNTHETIC_NO_LAYER);
  // Coverage at time t, bottom to top: a layer that covers a pixel takes it from the ones below.
  scene.layers.forEach((layer, index) => {
    for (const pose of [layer.start, layer.end]) {
      if (!(pose.scale > 0)) throw new Error(`synthetic scene: a layer scale must be positive, received ${pose.scale}`);
    }
    const {pose, cos: c, sin: s, inverseScale, x0, x1, y0, y1} = placeLayer(layer, t, width, height);
    for (let j = y0; j < y1; j++) {
      const dy = j + 0.5 - pose.y;
      for (let i = x0; i < x1; i++) {
        const dx = i + 0.5 - pose.x;
        const qx = (c * dx + s * dy) * inverseScale;
        const qy = (c * dy - s * dx) * inverseScale;
        if (layerAlpha(layer, pose.scale, qx, qy) >= 0.5) layers[j * width + i] = index;
      }
    }
  });

  // Per layer, the affine maps from a frame point at t to the same texture point at 0 and at 1:
  // p_s = P_s + S_s R(a_s) q with q = R(-a_t) (p - P_t) / S_t, i.e. p_s = P_s + M_s (p - P_t).
  const maps = scene.layers.map((layer) => {
    const here = placeLayer(layer, t, width, height);
    const map = (time: number) => {
      const there = placeLayer(layer, time, width, height);
      const k = there.pose.scale * here.inverseScale;
      const [ct, st, cs, ss] = [here.cos, here.sin, there.cos, there.sin];
      // R(a_s) R(-a_t) = [[cs, -ss], [ss, cs]] [[ct, st], [-st, ct]]
      return {
        a: k * (cs * ct + ss * st), b: k * (cs * st - ss * ct),
        c: k * (ss * ct - cs * st), d: k * (ss * st + cs * ct),
        x: there.pose.x, y: there.pose.y,
      };
    };
    return {x: here.pose.x, y: here.pose.y, to0: map(0), to1: map(1)};
  });
  const toFrame0 = new Float32Array(count * 2);
  const toFrame1 = new Float32Array(count * 2);
  for (let j = 0; j < height; j++) {
    const py = j + 0.5;
    for (let i = 0; i < width; i++) {
      const o = j * width + i;
      const index = layers[o];
      if (index === SYNTHETIC_NO_LAYER) continue;
      const px = i + 0.5;
      const m = maps[index];
      const dx = px - m.x, dy = py - m.y;
      const {to0, to1} = m;
      toFrame0[2 * o] = to0.x + to0.a * dx + to0.b * dy - px;
      toFrame0[2 * o + 1] = to0.y + to0.c * dx + to0.d * dy - py;
      toFrame1[2 * o] = to1.x + to1.a * dx + to1.b * dy - px;
      toFrame1[2 * o + 1] = to1.y + to1.c * dx + to1.d * dy - py;
    }
  }
  return {width, height, t, toFrame0, toFrame1, layers};
}

