// The memory-light window lookup as one fused kernel on cpu and wasm (spec §7.2). All (2r+1)^2 positions of
// a window share one fractional offset (the window steps are whole pixels), so the window's bilinear reads
// touch only a (2r+2)^2 block of whole pixels: take those (2r+2)^2 dot products once, then blend them with
// the shared bilinear weights. 64 dot products per pixel and level instead of 49 x 4 taps, and nothing
// but the result is allocated. Same numbers as sampling then dot (the composite path, used on GPU backends).
import * as tf from '@tensorflow/tfjs';
import {HOST_BACKENDS, runHostKernel} from '@daek/flow-ops';
import {isHostBackend} from './validate.js';

/** Kernel `{query [B,h,w,C], key [B,H,W,C], coords [B,h,w,2]}` → `[B,h,w,(2r+1)^2]`. */
export const WINDOW_CORRELATION = 'DaekWindowCorrelation';
/** Its gradient: `{dy, query, key, coords}` → `[dQuery, dKey, dCoords]`. */
export const WINDOW_CORRELATION_GRAD = 'DaekWindowCorrelationGrad';

/** Attributes of both kernels. */
export interface WindowCorrelationAttrs {
  /** Window radius r. */
  radius: number;
  /** Pyramid level i: the window centre is coords / 2^i. */
  level: number;
  /** Factor applied to every dot product (1/sqrt(C)). */
  scale: number;
  [key: string]: number;
}

interface Dims {
  batch: number; height: number; width: number; channels: number; keyHeight: number; keyWidth: number;
}

function dims(query: tf.TensorInfo, key: tf.TensorInfo): Dims {
  const [batch, height, width, channels] = query.shape;
  return {batch, height, width, channels, keyHeight: key.shape[1], keyWidth: key.shape[2]};
}

/** One dot product <query[q..q+C), key[k..k+C)>, 4 partial sums. */
function dot(query: Float32Array, q: number, key: Float32Array, k: number, channels: number): number {
  const tail = channels - (channels % 4);
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, c = 0;
  for (; c < tail; c += 4) {
    s0 += query[q + c] * key[k + c];
    s1 += query[q + c + 1] * key[k + c + 1];
    s2 += query[q + c + 2] * key[k + c + 2];
    s3 += query[q + c + 3] * key[k + c + 3];
  }
  for (; c < channels; c++) s0 += query[q + c] * key[k + c];
  return (s0 + s1) + (s2 + s3);
}

/**
 * The (2r+2)^2 block of dot products <query[n], key[b, y0+v, x0+u]> for one pixel, 0 outside the key map,
 * written into `block[u*(2r+2) + v]`. For radius 3 (an 8-wide block, the usual case) a block row that lies
 * inside the map takes all 8 products in one pass over the channels, reusing each query value 8 times.
 */
function blockDots(query: Float32Array, queryOffset: number, key: Float32Array, keyBase: number, x0: number,
    y0: number, side: number, d: Dims, block: Float64Array): void {
  const {channels: C, keyHeight: H, keyWidth: W} = d;
  const rowInsideX = side === 8 && x0 >= 0 && x0 + 8 <= W;
  for (let v = 0; v < side; v++) {
    const yy = y0 + v;
    if (!(yy >= 0 && yy < H)) {
      for (let u = 0; u < side; u++) block[u * side + v] = 0;
      continue;
    }
    const row = keyBase + yy * W * C;
    if (rowInsideX) {
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
      const k = row + x0 * C;
      for (let c = 0; c < C; c++) {
        const q = query[queryOffset + c], kc = k + c;
        a0 += q * key[kc]; a1 += q * key[kc + C]; a2 += q * key[kc + 2 * C]; a3 += q * key[kc + 3 * C];
        a4 += q * key[kc + 4 * C]; a5 += q * key[kc + 5 * C]; a6 += q * key[kc + 6 * C]; a7 += q * key[kc + 7 * C];
      }
      block[v] = a0; block[8 + v] = a1; block[16 + v] = a2; block[24 + v] = a3;
      block[32 + v] = a4; block[40 + v] = a5; block[48 + v] = a6; block[56 + v] = a7;
      continue;
    }
    for (let u = 0; u < side; u++) {
      const xx = x0 + u;
      block[u * side + v] = xx >= 0 && xx < W ? dot(query, queryOffset, key, row + xx * C, C) : 0;
    }
  }
}

/** Where pixel n's window starts at this level, and its shared bilinear fractions. */
function windowOrigin(coords: Float32Array, n: number, inverse: number, radius: number) {
  const cx = coords[2 * n] * inverse, cy = coords[2 * n + 1] * inverse;
  const fx0 = Math.floor(cx), fy0 = Math.floor(cy);
  return {x0: fx0 - radius, y0: fy0 - radius, fx: cx - fx0, fy: cy - fy0};
}

function forward(query: Float32Array, key: Float32Array, coords: Float32Array, out: Float32Array, d: Dims,
    attrs: WindowCorrelationAttrs): void {
  const {radius, level, scale} = attrs;
  const window = 2 * radius + 1, side = window + 1;
  const block = new Float64Array(side * side);
  const inverse = 1 / 2 ** level;
  const pixels = d.height * d.width;
  for (let b = 0; b < d.batch; b++) {
    const keyBase = b * d.keyHeight * d.keyWidth * d.channels;
    for (let p = 0; p < pixels; p++) {
      const n = b * pixels + p;
      const {x0, y0, fx, fy} = windowOrigin(coords, n, inverse, radius);
      blockDots(query, n * d.channels, key, keyBase, x0, y0, side, d, block);
      const w00 = (1 - fx) * (1 - fy) * scale, w10 = fx * (1 - fy) * scale;
      const w01 = (1 - fx) * fy * scale, w11 = fx * fy * scale;
      const o = n * window * window;
      // AMT's order: the outer index a moves x, the inner index b moves y.
      for (let a = 0; a < window; a++) {
        for (let bb = 0; bb < window; bb++) {
          const i = a * side + bb;
          out[o + a * window + bb] = w00 * block[i] + w10 * block[i + side] + w01 * block[i + 1] + w11 * block[i + side + 1];
        }
      }
    }
  }
}

function gradient(dy: Float32Array, query: Float32Array, key: Float32Array, coords: Float32Array,
    dQuery: Float32Array, dKey: Float32Array, dCoords: Float32Array, d: Dims, attrs: WindowCorrelationAttrs): void {
  const {radius, level, scale} = attrs;
  const window = 2 * radius + 1, side = window + 1;
  const block = new Float64Array(side * side);
  const blockGrad = new Float64Array(side * side);
  const inverse = 1 / 2 ** level;
  const pixels = d.height * d.width;
  const {channels: C, keyHeight: H, keyWidth: W} = d;
  for (let b = 0; b < d.batch; b++) {
    const keyBase = b * H * W * C;
    for (let p = 0; p < pixels; p++) {
      const n = b * pixels + p;
      const {x0, y0, fx, fy} = windowOrigin(coords, n, inverse, radius);
      blockDots(query, n * C, key, keyBase, x0, y0, side, d, block);
      blockGrad.fill(0);
      let gx = 0, gy = 0;
      const o = n * window * window;
      for (let a = 0; a < window; a++) {
        for (let bb = 0; bb < window; bb++) {
          const g = dy[o + a * window + bb] * scale;
          const i = a * side + bb;
          blockGrad[i] += g * (1 - fx) * (1 - fy);
          blockGrad[i + side] += g * fx * (1 - fy);
          blockGrad[i + 1] += g * (1 - fx) * fy;
          blockGrad[i + side + 1] += g * fx * fy;
          gx += g * ((1 - fy) * (block[i + side] - block[i]) + fy * (block[i + side + 1] - block[i + 1]));
          gy += g * ((1 - fx) * (block[i + 1] - block[i]) + fx * (block[i + side + 1] - block[i + side]));
        }
      }
      dCoords[2 * n] = gx * inverse;
      dCoords[2 * n + 1] = gy * inverse;
      const q = n * C;
      for (let u = 0; u < side; u++) {
        const xx = x0 + u;
        if (!(xx >= 0 && xx < W)) continue;
        for (let v = 0; v < side; v++) {
          const yy = y0 + v;
          const g = blockGrad[u * side + v];
          if (!(yy >= 0 && yy < H) || g === 0) continue;
          const k = keyBase + (yy * W + xx) * C;
          for (let c = 0; c < C; c++) {
            dQuery[q + c] += g * key[k + c];
            dKey[k + c] += g * query[q + c];
          }
        }
      }
    }
  }
}

let registered = false;

/** Register both kernels on cpu and wasm and the gradient. Idempotent. */
function registerWindowCorrelation(): void {
  if (registered) return;
  registered = true;
  for (const backendName of HOST_BACKENDS) {
    if (tf.getKernel(WINDOW_CORRELATION, backendName) == null) {
      tf.registerKernel({kernelName: WINDOW_CORRELATION, backendName, kernelFunc: ({inputs, backend, attrs}) => {
        const {query, key, coords} = inputs as {query: tf.TensorInfo; key: tf.TensorInfo; coords: tf.TensorInfo};
        const a = attrs as unknown as WindowCorrelationAttrs;
        const [batch, height, width] = query.shape;
        return runHostKernel(backend, [query, key, coords], [[batch, height, width, (2 * a.radius + 1) ** 2]],
            ([q, k, c], [out]) => forward(q, k, c, out, dims(query, key), a))[0];
      }});
    }
    if (tf.getKernel(WINDOW_CORRELATION_GRAD, backendName) == null) {
      tf.registerKernel({kernelName: WINDOW_CORRELATION_GRAD, backendName, kernelFunc: ({inputs, backend, attrs}) => {
        const {dy, query, key, coords} = inputs as Record<'dy' | 'query' | 'key' | 'coords', tf.TensorInfo>;
        return runHostKernel(backend, [dy, query, key, coords], [query.shape, key.shape, coords.shape],
            ([g, q, k, c], [dq, dk, dc]) => gradient(g, q, k, c, dq, dk, dc, dims(query, key),
                attrs as unknown as WindowCorrelationAttrs));
      }});
    }
  }
  if (tf.getGradient(WINDOW_CORRELATION) == null) {
    tf.registerGradient({
      kernelName: WINDOW_CORRELATION,
      inputsToSave: ['query', 'key', 'coords'],
      gradFunc: (dy, saved, attrs) => {
        const [query, key, coords] = saved;
        const [dQuery, dKey, dCoords] = tf.engine().runKernel(WINDOW_CORRELATION_GRAD,
            {dy: dy as tf.Tensor, query, key, coords}, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
        return {query: () => dQuery, key: () => dKey, coords: () => dCoords};
      },
    });
  }
}

/** True when the active backend runs {@link windowCorrelation} as one fused kernel. */
export function hasWindowCorrelationKernel(): boolean {
  return isHostBackend(tf.getBackend());
}

/**
 * `out[b,y,x, a*(2r+1)+b'] = scale * <query[b,y,x], bilinear(key[b], coords[b,y,x]/2^level + (a-r, b'-r))>`,
 * zero padding, as one kernel with a registered gradient (query, key and coords). cpu and wasm only:
 * check {@link hasWindowCorrelationKernel} first. Inputs are trusted (checked by the caller).
 */
export function windowCorrelation(query: tf.Tensor4D, key: tf.Tensor4D, coords: tf.Tensor4D,
    attrs: WindowCorrelationAttrs): tf.Tensor4D {
  registerWindowCorrelation();
  return tf.engine().runKernel(WINDOW_CORRELATION, {query, key, coords}, attrs) as tf.Tensor4D;
}
