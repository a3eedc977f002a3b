// Public API of @daek/correlation: AMT's bidirectional correlation block for TensorFlow.js, in two modes
// with the same numbers (all-pairs volume, or memory-light pooled features), plus DAEK's BCV call.

export {createBidirCorrelation} from './bidir_correlation.js';
export type {BidirCorrelation, BidirCorrelationLookup} from './bidir_correlation.js';
export {CORRELATION_MODES, DEFAULT_CHUNK_BYTES, DEFAULT_LEVELS, DEFAULT_RADIUS} from './options.js';
export type {BidirCorrelationOptions, CorrelationMode} from './options.js';
export {bidirCorrelationFeature} from './bidir_correlation_feature.js';
export type {BidirCorrelationFeatureOptions} from './bidir_correlation_feature.js';
export {correlationPyramid} from './correlation_pyramid.js';
export type {CorrelationPyramid} from './correlation_pyramid.js';
export {estimateBytes} from './memory_estimate.js';
export type {CorrelationMemoryEstimate, CorrelationMemoryOptions} from './memory_estimate.js';
export {windowOffsetValues} from './window.js';
