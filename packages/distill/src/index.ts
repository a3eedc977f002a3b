// Public API of @daek/distill: DAEK's training losses (RIFE's Laplacian loss, the masked distillation loss, the
// total loss), PyTorch's AdamW and the learning-rate schedule (spec §2, §3.1).

// --- losses ---
export {lapLoss, laplacianPyramid} from './laplacian.js';
export type {LapLossOptions} from './laplacian.js';
export {gaussDown, gaussUp, GAUSS_TAPS} from './gaussian.js';
export {distillLoss, errorMask} from './distill-loss.js';
export type {DistillForm, DistillInputs, DistillLoss, DistillOptions} from './distill-loss.js';
export {totalLoss} from './total-loss.js';
export type {LossTerms, TeacherKind, TotalLossOptions} from './total-loss.js';
export {stopGradient} from './stop-gradient.js';

// --- optimisation ---
export {AdamW} from './adamw.js';
export type {AdamWConfig, NamedTensor} from './adamw.js';
export {learningRate} from './learning-rate.js';
export type {LearningRateOptions} from './learning-rate.js';
