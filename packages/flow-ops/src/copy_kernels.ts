// Concat and Slice for the wasm backend. tfjs-backend-wasm 4.22 runs both in JS with one `subarray().set()` per
// innermost row: on NHWC tensors a channel concat or slice copies 1-16 floats per pixel, so most of the time goes
// to allocating views (Concat, Slice and DepthToSpace were 23% of IFNet's wasm time at 720p). These copy short
// rows element by element and long rows with one `set`. Same values, bit for bit; gradients are tfjs's own (they
// are registered per kernel name, and run on these kernels too).
import * as tf from '@tensorflow/tfjs';

interface WasmBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

type Typed = Float32Array | Int32Array | Uint8Array;

/** Rows at least this long are copied with `set` (a view per row pays off); shorter ones element by element. */
const SET_ROW = 32;

function size(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Copy `rows` rows of `len` elements from `src` (row stride `srcStride`) to `dst` (row stride `dstStride`). */
function copyRows(src: Typed, srcOffset: number, srcStride: number, dst: Typed, dstOffset: number, dstStride: number,
    rows: number, len: number): void {
  if (len >= SET_ROW) {
    for (let r = 0; r < rows; r++) {
      const s = srcOffset + r * srcStride;
      dst.set(src.subarray(s, s + len), dstOffset + r * dstStride);
    }
    return;
  }
  for (let r = 0; r < rows; r++) {
    const s = srcOffset + r * srcStride;
    const d = dstOffset + r * dstStride;
    for (let k = 0; k < len; k++) dst[d + k] = src[s + k]!;
  }
}

type KernelArgs = Parameters<tf.KernelFunc>[0];

function concatKernel(original: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const inputs = args.inputs as unknown as tf.TensorInfo[];
    const nonEmpty = inputs.filter((t) => size(t.shape) > 0);
    if (nonEmpty.length < 2 || inputs[0]!.dtype === 'string') return original(args);
    const backend = args.backend as unknown as WasmBackend;
    const axis = tf.util.parseAxisParam((args.attrs as {axis: number}).axis, inputs[0]!.shape)[0]!;
    const shapes = inputs.map((t) => t.shape);
    tf.backend_util.assertParamsConsistent(shapes, axis);
    const outShape = tf.backend_util.computeOutShape(shapes, axis);
    const out = backend.makeOutput(outShape, inputs[0]!.dtype); // may grow the heap: take views after it
    const outView = backend.typedArrayFromHeap(out);
    const outer = size(outShape.slice(0, axis));
    const total = size(outShape.slice(axis));
    let offset = 0;
    for (const input of nonEmpty) {
      const inner = size(input.shape.slice(axis));
      copyRows(backend.typedArrayFromHeap(input), 0, inner, outView, offset, total, outer, inner);
      offset += inner;
    }
    return out;
  };
}

function sliceKernel(original: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const x = (args.inputs as {x: tf.TensorInfo}).x;
    const attrs = args.attrs as {begin: number | number[]; size?: number | number[]};
    if (x.dtype === 'string' || x.shape.length === 0) return original(args);
    const [begin, sizes] = tf.slice_util.parseSliceParams(x as tf.Tensor, attrs.begin, attrs.size);
    if (tf.slice_util.isSliceContinous(x.shape, begin, sizes) || size(sizes) === 0) return original(args);
    const backend = args.backend as unknown as WasmBackend;
    const out = backend.makeOutput(sizes, x.dtype);
    const src = backend.typedArrayFromHeap(x);
    const dst = backend.typedArrayFromHeap(out);
    const rank = x.shape.length;
    const strides = tf.util.computeStrides(x.shape);
    // Innermost row: the last axis; for rank >= 2 copy a whole second-to-last axis per call.
    const len = sizes[rank - 1]!;
    const rowsPerCall = rank >= 2 ? sizes[rank - 2]! : 1;
    const rowStride = rank >= 2 ? strides[rank - 2]! : 0;
    const leading = sizes.slice(0, Math.max(rank - 2, 0));
    const index = leading.map(() => 0);
    const count = size(leading);
    let dstOffset = 0;
    for (let n = 0; n < count; n++) {
      let srcOffset = begin[rank - 1]! + (rank >= 2 ? begin[rank - 2]! * rowStride : 0);
      for (let a = 0; a < leading.length; a++) srcOffset += (begin[a]! + index[a]!) * strides[a]!;
      copyRows(src, srcOffset, rowStride, dst, dstOffset, len, rowsPerCall, len);
      dstOffset += rowsPerCall * len;
      for (let a = leading.length - 1; a >= 0; a--) { // odometer over the leading axes
        if (++index[a]! < leading[a]!) break;
        index[a] = 0;
      }
    }
    return out;
  };
}

const replaced = new Map<string, tf.KernelConfig>();

/**
 * Replace the wasm backend's `Concat` and `Slice` kernels with faster copies (same values; tfjs's gradients).
 * {@link useBackend}('wasm') calls this. Idempotent; {@link unregisterWasmCopyKernels} puts tfjs's back.
 */
export function registerWasmCopyKernels(): void {
  if (replaced.size > 0) return;
  for (const [name, make] of [[tf.Concat, concatKernel], [tf.Slice, sliceKernel]] as const) {
    const original = tf.getKernel(name, 'wasm');
    if (!original) throw new Error(`registerWasmCopyKernels: the wasm backend has no ${name} kernel; load it first.`);
    replaced.set(name, original);
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({kernelName: name, backendName: 'wasm', kernelFunc: make(original.kernelFunc)});
  }
}

/** Put tfjs-backend-wasm's own `Concat` and `Slice` back (e.g. to compare). No-op if not replaced. */
export function unregisterWasmCopyKernels(): void {
  for (const [name, original] of replaced) {
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(original);
  }
  replaced.clear();
}
