import * as tf from '@tensorflow/tfjs';
import {HOST_BACKENDS} from './host_kernel.js';
import {assertImageLike} from './resize.js';

/** Hue segments of the Middlebury colour wheel (Baker et al. 2011): red-yellow, yellow-green, … magenta-red. */
const SEGMENTS = {RY: 15, YG: 6, GC: 4, CB: 11, BM: 13, MR: 6} as const;

/** Flow components beyond this magnitude mean "unknown" in the Middlebury `.flo` format (1e9). */
const UNKNOWN_FLOW = 1e9;

/**
 * The 55 colours of the Middlebury wheel as `[55×3]` RGB values 0..255, row `k` at angle
 * `k/55` of a turn starting at red (flow pointing right).
 */
export function middleburyColorWheel(): Uint8Array {
  const wheel: number[] = [];
  const ramp = (i: number, n: number) => Math.floor((255 * i) / n);
  for (let i = 0; i < SEGMENTS.RY; i++) wheel.push(255, ramp(i, SEGMENTS.RY), 0);
  for (let i = 0; i < SEGMENTS.YG; i++) wheel.push(255 - ramp(i, SEGMENTS.YG), 255, 0);
  for (let i = 0; i < SEGMENTS.GC; i++) wheel.push(0, 255, ramp(i, SEGMENTS.GC));
  for (let i = 0; i < SEGMENTS.CB; i++) wheel.push(0, 255 - ramp(i, SEGMENTS.CB), 255);
  for (let i = 0; i < SEGMENTS.BM; i++) wheel.push(ramp(i, SEGMENTS.BM), 0, 255);
  for (let i = 0; i < SEGMENTS.MR; i++) wheel.push(255, 0, 255 - ramp(i, SEGMENTS.MR));
  return Uint8Array.from(wheel);
}

/** Options of {@link flowToColor}. */
export interface FlowToColorOptions {
  /**
   * Flow magnitude (pixels) shown at full saturation; larger vectors are drawn darker (×0.75), as in
   * the Middlebury code. Default: the largest finite magnitude of each image, so every image uses
   * the whole wheel.
   */
  maxFlow?: number;
}

/**
 * Draw a flow field with the Middlebury colour code (Baker et al., "A Database and Evaluation
 * Methodology for Optical Flow", IJCV 2011; the 55-colour wheel of its `flowToColor.m`): the hue
 * gives the direction (right = red, down = yellow, left = cyan, up = blue-violet; y points down),
 * the saturation the magnitude (zero flow is white, the largest flow the pure wheel colour).
 *
 * - Normalised per image by its largest magnitude, or by `options.maxFlow`.
 * - A pixel whose dx or dy is NaN, ±Infinity or beyond 1e9 (the `.flo` "unknown" marker) is drawn
 *   black and left out of the normalisation; this op never throws on values.
 * - Only 2-channel flows: a 4-channel `[F_t→0, F_t→1]` flow is rejected rather than half dropped;
 *   draw each pair (`tf.split(flow, 2, -1)`).
 * - Returns **int32** values 0..255, because tfjs has no uint8 tensors; `tf.browser.toPixels`
 *   takes int32 in that range as it is. Not differentiable (a picture, not a loss).
 * - On cpu and wasm it is a loop over the tensor's host memory (wasm's gather, split and tile are
 *   slow: 3 s at 720p as ops); elsewhere tfjs ops. The two agree within 1 level of 255.
 *
 * @param flow float32 `[B,H,W,2]` or `[H,W,2]`, `(dx, dy)` in pixels.
 * @returns int32 RGB `[B,H,W,3]` or `[H,W,3]`, values 0..255.
 *
 * @example
 * ```ts
 * const rgb = flowToColor(flow);                  // [H,W,3] int32
 * await tf.browser.toPixels(rgb, canvas);
 * ```
 */
export function flowToColor<T extends tf.Tensor3D | tf.Tensor4D>(flow: T, options: FlowToColorOptions = {}): T {
  const op = 'flowToColor';
  assertImageLike(op, 'flow', flow, '2');
  const channels = flow.shape[flow.rank - 1];
  if (channels !== 2) {
    throw new Error(`${op}: 'flow' must have 2 channels (dx, dy): [B,H,W,2] or [H,W,2]; got shape [${flow.shape}]` +
        (channels === 4 ? '. For a 4-channel [F_t→0, F_t→1] flow, draw each pair: tf.split(flow, 2, -1)' : ''));
  }
  const {maxFlow} = options;
  if (maxFlow !== undefined && !(typeof maxFlow === 'number' && Number.isFinite(maxFlow) && maxFlow > 0)) {
    throw new Error(`${op}: 'options.maxFlow' must be a finite number > 0 (pixels); got ${String(maxFlow)}`);
  }
  const rank4 = flow.rank === 4;
  const shape = [...flow.shape.slice(0, -1), 3] as [number, number, number] | [number, number, number, number];
  // Host memory: a plain loop beats wasm's slow gathers and tiles.
  if ((HOST_BACKENDS as readonly string[]).includes(tf.getBackend())) {
    const [batch, height, width] = rank4 ? flow.shape : [1, ...flow.shape];
    return tf.tensor(flowToColorHost(flow.dataSync() as Float32Array, batch, height * width, maxFlow), shape, 'int32') as T;
  }
  return tf.tidy(() => tf.reshape(flowToColorOps((rank4 ? flow : tf.expandDims(flow, 0)) as tf.Tensor4D, maxFlow), shape)) as T;
}

/** Wheel position 0..55 of a vector: Middlebury's (atan2(−dy, −dx)/π + 1)/2·54, with flow pointing right at 0. */
function wheelPosition(dx: number, dy: number): number {
  const turn = Math.atan2(dy, dx) / Math.PI;
  return (turn < 0 ? turn + 2 : turn) * 27;
}

function isKnown(dx: number, dy: number): boolean {
  return Number.isFinite(dx) && Number.isFinite(dy) && Math.abs(dx) <= UNKNOWN_FLOW && Math.abs(dy) <= UNKNOWN_FLOW;
}

/** The colour code as a loop over host memory: `[pixels·2]` per image in, `[pixels·3]` 0..255 out. */
export function flowToColorHost(flow: Float32Array, batch: number, pixels: number, maxFlow?: number): Int32Array {
  const wheel = middleburyColorWheel();
  const out = new Int32Array(batch * pixels * 3);
  for (let b = 0; b < batch; b++) {
    const offset = b * pixels;
    let largest = 0;
    for (let p = offset; p < offset + pixels; p++) {
      const dx = flow[2 * p], dy = flow[2 * p + 1];
      if (isKnown(dx, dy)) largest = Math.max(largest, Math.sqrt(dx * dx + dy * dy));
    }
    const norm = maxFlow ?? Math.max(largest, 1e-30);
    for (let p = offset; p < offset + pixels; p++) {
      const dx = flow[2 * p], dy = flow[2 * p + 1];
      if (!isKnown(dx, dy)) continue;
      const scaled = Math.sqrt(dx * dx + dy * dy) / norm;
      const radius = maxFlow !== undefined ? scaled : Math.min(scaled, 1);
      const position = wheelPosition(dx, dy);
      const k0 = Math.min(Math.floor(position), 54), k1 = k0 === 54 ? 0 : k0 + 1;
      const f = position - k0;
      for (let c = 0; c < 3; c++) {
        const hue = ((1 - f) * wheel[3 * k0 + c] + f * wheel[3 * k1 + c]) / 255;
        const shaded = radius <= 1 ? 1 - radius * (1 - hue) : hue * 0.75;
        out[3 * p + c] = Math.floor(255 * shaded);
      }
    }
  }
  return out;
}

/** The colour code as tfjs ops (GPU backends): `[B,H,W,2]` → int32 `[B,H,W,3]`. */
export function flowToColorOps(flow: tf.Tensor4D, maxFlow?: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [u, v] = tf.split(flow, 2, 3);
    const within = (t: tf.Tensor) => tf.logicalAnd(tf.isFinite(t), tf.lessEqual(tf.abs(t), UNKNOWN_FLOW));
    const known = tf.logicalAnd(within(u), within(v));
    const zero = tf.zerosLike(u);
    const dx = tf.where(known, u, zero);
    const dy = tf.where(known, v, zero);
    const magnitude = tf.sqrt(tf.add(tf.square(dx), tf.square(dy)));
    // Dividing by the max itself makes the largest vector exactly 1 (Middlebury divides u and v by
    // max+eps and recomputes the radius, which can round to just above 1 and dim that pixel).
    const radius = maxFlow !== undefined ? tf.div(magnitude, maxFlow)
      : tf.minimum(tf.div(magnitude, tf.maximum(tf.max(magnitude, [1, 2], true), 1e-30)), 1);
    // atan2(dy, dx) turned into [0, 2): flow pointing right lands on red on every backend, where
    // Middlebury's atan2(−dy, −dx) = ±π there depends on signed-zero handling.
    const turn = tf.div(tf.atan2(dy, dx), Math.PI);
    const position = tf.mul(tf.where(tf.less(turn, 0), tf.add(turn, 2), turn), 27);
    const base = tf.clipByValue(tf.floor(position), 0, 54);
    const fraction = tf.sub(position, base);
    const index0 = tf.cast(base, 'int32');
    const index1 = tf.where(tf.equal(index0, tf.scalar(54, 'int32')), tf.zerosLike(index0), tf.add(index0, tf.scalar(1, 'int32')));
    const wheel = tf.div(tf.tensor2d(middleburyColorWheel(), [55, 3], 'float32'), 255);
    const [b, h, w] = flow.shape;
    const color0 = tf.reshape(tf.gather(wheel, tf.reshape(index0, [-1])), [b, h, w, 3]);
    const color1 = tf.reshape(tf.gather(wheel, tf.reshape(index1, [-1])), [b, h, w, 3]);
    const hue = tf.add(tf.mul(tf.sub(1, fraction), color0), tf.mul(fraction, color1));
    // Masks as 0/1 factors: they broadcast over the 3 colours, where tf.where would need a tile.
    const inRange = tf.cast(tf.lessEqual(radius, 1), 'float32');
    const shaded = tf.add(tf.mul(inRange, tf.sub(1, tf.mul(radius, tf.sub(1, hue)))),
        tf.mul(tf.sub(1, inRange), tf.mul(hue, 0.75)));
    return tf.cast(tf.floor(tf.mul(tf.mul(shaded, 255), tf.cast(known, 'float32'))), 'int32') as tf.Tensor4D;
  });
}
