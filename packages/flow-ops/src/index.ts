// Public API of @daek/flow-ops. Every op runs on every tfjs backend and is differentiable where it says so.

export {useBackend} from './backend.js';
export type {BackendInfo, BackendName} from './backend.js';

// --- sampling and warping (bilinear sampler kernel with registered gradient) ---
export {backwardWarp} from './backward_warp.js';
export type {BackwardWarpOptions} from './backward_warp.js';
export {bilinearSampler} from './bilinear_sampler.js';
export type {BilinearSamplerOptions, SampledWithMask} from './bilinear_sampler.js';
export {coordsGrid} from './coords_grid.js';
export {BILINEAR_SAMPLE, BILINEAR_SAMPLE_GRAD_COORDS, BILINEAR_SAMPLE_GRAD_IMAGE} from './sampling/kernel_names.js';
export type {SamplePadding} from './sampling/kernel_names.js';
export type {FiniteCheck} from './validate.js';

// --- resize, padding, visualisation ---
