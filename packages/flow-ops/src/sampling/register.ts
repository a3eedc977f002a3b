import * as tf from '@tensorflow/tfjs';
import {HOST_BACKENDS, runHostKernel} from '../host_kernel.js';
import {BILINEAR_SAMPLE, BILINEAR_SAMPLE_GRAD_COORDS, BILINEAR_SAMPLE_GRAD_IMAGE, type BilinearSampleAttrs} from './kernel_names.js';
import {sampleForward, sampleGradCoords, sampleGradImage, type SampleDims} from './sample_host.js';
import {absoluteCoords, sampleForwardOps, sampleGradCoordsOps, sampleGradImageOps} from './sample_generic.js';

/** Backends that get the tfjs-ops implementation. Kernels are looked up by name, so listing a backend that is not loaded costs nothing. */
const DEVICE_BACKENDS = ['webgpu', 'webgl', 'tensorflow'];

function dims(image: tf.TensorInfo, coords: tf.TensorInfo): SampleDims {
  const [batch, height, width, channels] = image.shape;
  const [, outHeight, outWidth] = coords.shape;
  return {batch, height, width, channels, outHeight, outWidth};
}

function padding(attrs: unknown): BilinearSampleAttrs['padding'] {
  return (attrs as BilinearSampleAttrs).padding;
}

function relative(attrs: unknown): boolean {
  return (attrs as BilinearSampleAttrs).coordinates === 'relative';
}

function register(config: tf.KernelConfig): void {
  if (tf.getKernel(config.kernelName, config.backendName) == null) tf.registerKernel(config);
}

/**
 * Wrap a tfjs-ops implementation as a kernel: inputs arrive as TensorInfos, so each is wrapped in a
 * Tensor that holds its own reference to the data (incRef), released when the tidy disposes it.
 */
function deviceKernel(names: string[], body: (tensors: tf.Tensor[], attrs: unknown) => tf.Tensor): tf.KernelFunc {
  return ({inputs, attrs, backend}) => tf.tidy(() => {
    const engine = tf.engine();
    const tensors = names.map((name) => {
      const info = inputs[name] as tf.TensorInfo;
      (backend as unknown as {incRef(dataId: object): void}).incRef(info.dataId);
      return engine.makeTensorFromTensorInfo(info, backend as tf.KernelBackend);
    });
    return body(tensors, attrs);
  });
}

let registered = false;

/** Register the sampler kernels for every backend and their gradient. Idempotent. */
export function registerSamplerKernels(): void {
  if (registered) return;
  registered = true;
  for (const backendName of HOST_BACKENDS) {
    register({kernelName: BILINEAR_SAMPLE, backendName, kernelFunc: ({inputs, backend, attrs}) => {
      const {image, coords} = inputs as {image: tf.TensorInfo; coords: tf.TensorInfo};
      const d = dims(image, coords);
      return runHostKernel(backend, [image, coords], [[d.batch, d.outHeight, d.outWidth, d.channels]],
          ([img, crd], [out]) => sampleForward(img, crd, out, d, padding(attrs), relative(attrs)))[0];
    }});
    register({kernelName: BILINEAR_SAMPLE_GRAD_IMAGE, backendName, kernelFunc: ({inputs, backend, attrs}) => {
      const {dy, image, coords} = inputs as {dy: tf.TensorInfo; image: tf.TensorInfo; coords: tf.TensorInfo};
      const d = dims(image, coords);
      return runHostKernel(backend, [dy, coords], [image.shape],
          ([g, crd], [out]) => sampleGradImage(g, crd, out, d, padding(attrs), relative(attrs)))[0];
    }});
    register({kernelName: BILINEAR_SAMPLE_GRAD_COORDS, backendName, kernelFunc: ({inputs, backend, attrs}) => {
      const {dy, image, coords} = inputs as {dy: tf.TensorInfo; image: tf.TensorInfo; coords: tf.TensorInfo};
      const d = dims(image, coords);
      return runHostKernel(backend, [dy, image, coords], [coords.shape],
          ([g, img, crd], [out]) => sampleGradCoords(g, img, crd, out, d, padding(attrs), relative(attrs)))[0];
    }});
  }
  for (const backendName of DEVICE_BACKENDS) {
    register({kernelName: BILINEAR_SAMPLE, backendName, kernelFunc: deviceKernel(['image', 'coords'],
        ([image, coords], attrs) => sampleForwardOps(image as tf.Tensor4D, absoluteCoords(coords as tf.Tensor4D, relative(attrs)), padding(attrs)))});
    register({kernelName: BILINEAR_SAMPLE_GRAD_IMAGE, backendName, kernelFunc: deviceKernel(['dy', 'image', 'coords'],
        ([dy, image, coords], attrs) => sampleGradImageOps(dy as tf.Tensor4D, image.shape, absoluteCoords(coords as tf.Tensor4D, relative(attrs)), padding(attrs)))});
    register({kernelName: BILINEAR_SAMPLE_GRAD_COORDS, backendName, kernelFunc: deviceKernel(['dy', 'image', 'coords'],
        ([dy, image, coords], attrs) => sampleGradCoordsOps(dy as tf.Tensor4D, image as tf.Tensor4D, absoluteCoords(coords as tf.Tensor4D, relative(attrs)), padding(attrs)))});
  }
  if (tf.getGradient(BILINEAR_SAMPLE) == null) {
    tf.registerGradient({
      kernelName: BILINEAR_SAMPLE,
      inputsToSave: ['image', 'coords'],
      gradFunc: (dy, saved, attrs) => {
        const [image, coords] = saved;
        const run = (name: string) => tf.engine().runKernel(name, {dy: dy as tf.Tensor, image, coords},
            attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
        return {image: () => run(BILINEAR_SAMPLE_GRAD_IMAGE), coords: () => run(BILINEAR_SAMPLE_GRAD_COORDS)};
      },
    });
  }
}
