// Public API of @daek/flow-ops. Every op runs on every tfjs backend and is differentiable where it says so.

export {registerBackendLoader, useBackend} from './backend.js';
export type {BackendInfo, BackendLoader, BackendName, UseBackendOptions, WasmBackendModule} from './backend.js';
export {registerConvGradients, registerWasmConvGradients, unregisterConvGradients} from './conv_grad/register.js';
export type {ConvGradientBackend} from './conv_grad/register.js';
export {registerWasmCopyKernels, unregisterWasmCopyKernels} from './copy_kernels.js';

// --- sampling and warping (bilinear sampler kernel with registered gradient) ---
export {backwardWarp} from './backward_warp.js';
export type {BackwardWarpOptions} from './backward_warp.js';
export {bilinearSampler} from './bilinear_sampler.js';
export type {BilinearSamplerOptions, SampledWithMask} from './bilinear_sampler.js';
export {coordsGrid} from './coords_grid.js';
export {BILINEAR_SAMPLE, BILINEAR_SAMPLE_GRAD_COORDS, BILINEAR_SAMPLE_GRAD_IMAGE} from './sampling/kernel_names.js';
export type {SamplePadding} from './sampling/kernel_names.js';
export type {FiniteCheck} from './validate.js';

// --- for kernel authors: loops over host memory on the cpu and wasm backends ---
export {HOST_BACKENDS, runHostKernel} from './host_kernel.js';

// --- resize, padding, visualisation ---
export {clearResizeCache, resizeBilinear} from './resize.js';
export type {ResizeOptions, ResizeScale} from './resize.js';
export {RESIZE_BILINEAR} from './resize_kernel.js';
export type {ResizeBilinearAttrs} from './resize_kernel.js';
export {resizeFlow} from './resize_flow.js';
export type {ResizeFlowOptions} from './resize_flow.js';
export {cropPadding, padToMultiple} from './padding.js';
export type {PadMode, Padded, Padding, PadToMultipleOptions} from './padding.js';
export {flowToColor, middleburyColorWheel} from './flow_to_color.js';
export type {FlowToColorOptions} from './flow_to_color.js';
