import * as tf from '@tensorflow/tfjs';
import {runHostKernel} from '../host_kernel.js';

/**
 * Helpers for kernels written as compositions of other kernels. Inside a kernelFunc the engine does
 * not record to the gradient tape (its kernel depth is > 0), so tf ops there are plain kernel calls;
 * run them inside `tf.tidy` and return the result tensor, which the engine accepts as the output.
 */

/** Wrap a kernel input as a Tensor with its own reference to the data (released when disposed). */
export function inputTensor(info: tf.TensorInfo, backend: tf.KernelBackend): tf.Tensor {
  (backend as unknown as {incRef(dataId: object): void}).incRef(info.dataId);
  return tf.engine().makeTensorFromTensorInfo(info, backend);
}

/**
 * A host-memory loop as a step between tf ops: `compute` gets float32 views of `inputs` and of
 * zero-filled outputs of `outputShapes`, which come back as Tensors owned by the current scope.
 * `compute` must not call tf (an allocation may move the wasm heap under the views).
 */
export function hostStep(backend: tf.KernelBackend, inputs: tf.Tensor[], outputShapes: number[][],
    compute: (inputs: Float32Array[], outputs: Float32Array[]) => void): tf.Tensor[] {
  const infos = runHostKernel(backend, inputs, outputShapes, compute);
  return infos.map((info) => tf.engine().makeTensorFromTensorInfo(info, backend));
}
