import * as tf from '@tensorflow/tfjs';

/**
 * The bilinear resize as a tfjs op: one kernel name, one kernel function for every backend (it
 * composes tfjs ops, which are not taped inside a kernel) and a registered gradient.
 *
 * Why not `tf.image.resizeBilinear` alone: its gradient ignores `halfPixelCenters` on every backend
 * (shared/design/backends.md §6), and its forward uses the in/out ratio, which differs from PyTorch's
 * given scale factor on sizes that are not exact multiples. The resize is linear and separable, so
 * `y = Mh · x · Mwᵀ` with constant interpolation matrices built here in JS; the gradient is
 * `Mhᵀ · dy · Mw`, again two matMuls, with the transposes stored ready-made (wasm's matMul with
 * transpose flags is 13× slower).
 */

/** Kernel name of the bilinear resize. Inputs `{x: [B,H,W,C] float32}`, attrs {@link ResizeBilinearAttrs}. */
export const RESIZE_BILINEAR = 'DaekResizeBilinear';

/**
 * Attributes of {@link RESIZE_BILINEAR}. `inverseScale*` is the float32 step between output pixels
 * in input pixels (PyTorch's `1/scale_factor`, or `in/out` when resizing to a size).
 */
export interface ResizeBilinearAttrs {
  /** Input height H. */
  inHeight: number;
  /** Input width W. */
  inWidth: number;
  /** Output height. */
  outHeight: number;
  /** Output width. */
  outWidth: number;
  /** Rows of input per row of output (float32). */
  inverseScaleY: number;
  /** Columns of input per column of output (float32). */
  inverseScaleX: number;
  [key: string]: number;
}

/**
 * Row-major `[outSize, inSize]` matrix of one axis of PyTorch's
 * `F.interpolate(mode='bilinear', align_corners=False)`: `src = (d+0.5)·inverseScale − 0.5` rounded
 * to float32 and clamped to ≥ 0, `i0 = floor(src)`, `i1 = min(i0+1, in−1)`, `λ = src − i0`. When
 * `outSize === inSize` PyTorch copies whatever the factor (UpSample.h, "scale_factor = 1, simply
 * copy"), so this is the identity.
 */
export function interpolationMatrix(inSize: number, outSize: number, inverseScale: number): Float32Array {
  const m = new Float32Array(outSize * inSize);
  if (outSize === inSize) {
    for (let d = 0; d < outSize; d++) m[d * inSize + d] = 1;
    return m;
  }
  const ratio = Math.fround(inverseScale);
  for (let d = 0; d < outSize; d++) {
    // double arithmetic rounded once to float32, as ATen's area_pixel_compute_source_index<float>
    let src = Math.fround(ratio * (d + 0.5) - 0.5);
    if (src < 0) src = 0;
    const i0 = Math.min(Math.floor(src), inSize - 1);
    const i1 = Math.min(i0 + 1, inSize - 1);
    const lambda1 = Math.min(Math.max(Math.fround(src - i0), 0), 1);
    const lambda0 = Math.fround(1 - lambda1);
    m[d * inSize + i0] += lambda0;
    m[d * inSize + i1] += lambda1;
  }
  return m;
}

/** True when this axis is PyTorch's copy case. */
function isIdentity(inSize: number, outSize: number): boolean {
  return inSize === outSize;
}

/**
 * True when `tf.image.resizeBilinear(halfPixelCenters)` computes exactly this axis: it steps by
 * in/out, which equals PyTorch's step whenever the factor divides the size (every resize of the
 * DAEK network, whose sizes are multiples of 32).
 */
function tfResizeMatches(inSize: number, outSize: number, inverseScale: number): boolean {
  return isIdentity(inSize, outSize) || Math.fround(inSize / outSize) === Math.fround(inverseScale);
}

// Cached constant matrices, per backend instance (a tensor lives on one backend), least recently used last.
const MAX_CACHED = 64;
const caches = new WeakMap<object, Map<string, tf.Tensor2D>>();

function backendCache(): Map<string, tf.Tensor2D> {
  const backend = tf.engine().backend as object;
  let cache = caches.get(backend);
  if (!cache) {
    cache = new Map();
    caches.set(backend, cache);
  }
  return cache;
}

/**
 * The interpolation matrix of one axis as a kept tensor: `[out, in]`, or `[in, out]` when
 * `transposed`. Built on first use and cached per (in, out, inverse scale, orientation).
 */
function axisMatrix(inSize: number, outSize: number, inverseScale: number, transposed: boolean): tf.Tensor2D {
  const cache = backendCache();
  const key = `${inSize}:${outSize}:${Math.fround(inverseScale)}:${transposed ? 'T' : 'N'}`;
  const hit = cache.get(key);
  if (hit && !hit.isDisposed) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const m = interpolationMatrix(inSize, outSize, inverseScale);
  let values = m;
  if (transposed) {
    values = new Float32Array(m.length);
    for (let o = 0; o < outSize; o++) {
      for (let i = 0; i < inSize; i++) values[i * outSize + o] = m[o * inSize + i];
    }
  }
  const tensor = tf.keep(tf.tensor2d(values, transposed ? [inSize, outSize] : [outSize, inSize]));
  cache.set(key, tensor);
  while (cache.size > MAX_CACHED) {
    const [oldest, evicted] = cache.entries().next().value as [string, tf.Tensor2D];
    cache.delete(oldest);
    evicted.dispose();
  }
  return tensor;
}

/**
 * Dispose every cached interpolation matrix of the active backend (they are rebuilt on demand).
 * Returns how many were freed.
 */
export function clearResizeMatrices(): number {
  const cache = backendCache();
  const count = cache.size;
  for (const m of cache.values()) m.dispose();
  cache.clear();
  return count;
}

/**
 * `left · x · right` on an NHWC tensor: `left` `[outRows, H]` mixes rows, `right` `[W, outCols]`
 * mixes columns; `null` skips an axis. Every product is one plain 2-D matMul (a broadcast batch
 * matMul of the small matrix is 10× slower on wasm), so the channel axis is moved out of the way.
 */
export function applySeparable(x: tf.Tensor4D, left: tf.Tensor2D | null, right: tf.Tensor2D | null): tf.Tensor4D {
  return tf.tidy(() => {
    const [batch, , width, channels] = x.shape;
    let y: tf.Tensor4D = x;
    if (left) {
      const [outRows, rows] = left.shape;
      // [B,H,W,C] -> [H, B·W·C]
      const flat = batch === 1 ? y.reshape([rows, width * channels])
          : y.reshape([batch, rows, width * channels]).transpose([1, 0, 2]).reshape([rows, batch * width * channels]);
      const mixed = tf.matMul(left, flat as tf.Tensor2D);
      y = batch === 1 ? mixed.reshape([1, outRows, width, channels])
          : mixed.reshape([outRows, batch, width, channels]).transpose([1, 0, 2, 3]);
    }
    if (right) {
      const [cols, outCols] = right.shape;
      const rows = y.shape[1];
      // [B,H,W,C] -> [B·H·C, W]
      const flat = channels === 1 ? y.reshape([batch * rows, cols])
          : y.transpose([0, 1, 3, 2]).reshape([batch * rows * channels, cols]);
      const mixed = tf.matMul(flat as tf.Tensor2D, right);
      y = channels === 1 ? mixed.reshape([batch, rows, outCols, 1])
          : mixed.reshape([batch, rows, channels, outCols]).transpose([0, 1, 3, 2]);
    }
    return y === x ? tf.clone(x) : y;
  });
}

/** The forward resize through the interpolation matrices (any size and factor). */
export function resizeWithMatrices(x: tf.Tensor4D, a: ResizeBilinearAttrs): tf.Tensor4D {
  const left = isIdentity(a.inHeight, a.outHeight) ? null : axisMatrix(a.inHeight, a.outHeight, a.inverseScaleY, false);
  const right = isIdentity(a.inWidth, a.outWidth) ? null : axisMatrix(a.inWidth, a.outWidth, a.inverseScaleX, true);
  return applySeparable(x, left, right);
}

/** The gradient: the transposed interpolation, `Mhᵀ · dy · Mw`. */
export function resizeGradient(dy: tf.Tensor4D, a: ResizeBilinearAttrs): tf.Tensor4D {
  const left = isIdentity(a.inHeight, a.outHeight) ? null : axisMatrix(a.inHeight, a.outHeight, a.inverseScaleY, true);
  const right = isIdentity(a.inWidth, a.outWidth) ? null : axisMatrix(a.inWidth, a.outWidth, a.inverseScaleX, false);
  return applySeparable(dy, left, right);
}

function forward(x: tf.Tensor4D, a: ResizeBilinearAttrs): tf.Tensor4D {
  // tfjs's own forward is exact (backends.md §6) and 20-100× faster than dense matrices; use it
  // whenever its in/out step is PyTorch's step.
  if (tfResizeMatches(a.inHeight, a.outHeight, a.inverseScaleY) && tfResizeMatches(a.inWidth, a.outWidth, a.inverseScaleX)) {
    return tf.image.resizeBilinear(x, [a.outHeight, a.outWidth], false, true);
  }
  return resizeWithMatrices(x, a);
}

/**
 * The kernel's input as a tensor. `runKernel` hands over the caller's tensor itself; a bare
 * TensorInfo gets a wrapper that holds its own reference, because `makeTensorFromTensorInfo` does
 * not add one and disposing the wrapper would free the caller's data.
 */
function inputTensor(info: tf.TensorInfo): tf.Tensor4D {
  if (info instanceof tf.Tensor) return info as tf.Tensor4D;
  const engine = tf.engine();
  (engine.backend as unknown as {incRef(dataId: object): void}).incRef(info.dataId);
  return engine.makeTensorFromTensorInfo(info) as tf.Tensor4D;
}

const registeredBackends = new Set<string>();

/**
 * Register {@link RESIZE_BILINEAR} for the active backend (kernels are per backend name; doing it
 * on first use covers any backend, loaded or not at import time) and its gradient. Idempotent.
 */
export function ensureResizeKernel(): void {
  const backendName = tf.getBackend();
  if (!registeredBackends.has(backendName)) {
    registeredBackends.add(backendName);
    if (tf.getKernel(RESIZE_BILINEAR, backendName) == null) {
      tf.registerKernel({
        kernelName: RESIZE_BILINEAR,
        backendName,
        kernelFunc: ({inputs, attrs}) => tf.tidy(() => forward(inputTensor((inputs as {x: tf.TensorInfo}).x),
            attrs as unknown as ResizeBilinearAttrs)),
      });
    }
  }
  if (tf.getGradient(RESIZE_BILINEAR) == null) {
    tf.registerGradient({
      kernelName: RESIZE_BILINEAR,
      gradFunc: (dy, _saved, attrs) => ({
        x: () => resizeGradient(dy as tf.Tensor4D, attrs as unknown as ResizeBilinearAttrs),
      }),
    });
  }
}
