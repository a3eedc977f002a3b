import type * as tf from '@tensorflow/tfjs';

/**
 * Kernels that run as plain loops over the host memory of the `cpu` and `wasm` backends. Both keep
 * tensor data in JS-visible memory, so a loop is exact and far faster than composing gather ops.
 */
export const HOST_BACKENDS = ['cpu', 'wasm'] as const;

interface CpuLikeBackend {
  readSync(dataId: object): ArrayLike<number>;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: Float32Array): tf.TensorInfo;
}
interface WasmLikeBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Run `compute` over float32 views of the inputs and freshly zeroed outputs, on cpu or wasm.
 * On wasm the outputs are allocated first: allocating can grow the heap, which detaches earlier views.
 */
export function runHostKernel(backend: unknown, inputs: tf.TensorInfo[], outputShapes: number[][],
    compute: (inputs: Float32Array[], outputs: Float32Array[]) => void): tf.TensorInfo[] {
  for (const input of inputs) {
    if (input.dtype !== 'float32') throw new Error(`host kernel: expected float32 inputs, got ${input.dtype}`);
  }
  const wasm = backend as Partial<WasmLikeBackend>;
  if (typeof wasm.makeOutput === 'function' && typeof wasm.typedArrayFromHeap === 'function') {
    const outInfos = outputShapes.map((shape) => wasm.makeOutput!(shape, 'float32'));
    const inViews = inputs.map((info) => wasm.typedArrayFromHeap!(info));
    const outViews = outInfos.map((info) => wasm.typedArrayFromHeap!(info));
    for (const view of outViews) view.fill(0);
    compute(inViews, outViews);
    return outInfos;
  }
  const cpu = backend as CpuLikeBackend;
  const inViews = inputs.map((info) => cpu.readSync(info.dataId) as Float32Array);
  const outViews = outputShapes.map((shape) => new Float32Array(size(shape)));
  compute(inViews, outViews);
  return outViews.map((values, i) => cpu.makeTensorInfo(outputShapes[i], 'float32', values));
}
