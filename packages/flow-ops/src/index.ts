// Public API of @daek/flow-ops. Every op runs on every tfjs backend and is differentiable where it says so.

export {useBackend} from './backend.js';
export type {BackendInfo, BackendName} from './backend.js';

// --- sampling and warping (bilinear sampler kernel with registered gradient) ---

// --- resize, padding, visualisation ---
