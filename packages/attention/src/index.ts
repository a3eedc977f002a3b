// Public API of @daek/attention: CFCM (paper Eqs. (2)-(5), spec §1.8) as a function and as a serialisable layer.

export {CFCM_DEFAULT_DIM, CFCM_LEAKY_RELU_ALPHA, cfcm, cfcmOutputs, cfcmParameterCount} from './cfcm.js';
export type {
  CfcmOptions, CfcmOutputs, CfcmProjection, CfcmSize, CfcmSoftmax, CfcmValueActivation, CfcmWeights,
} from './cfcm.js';

export {CFCM_CLASS_NAME, CfcmLayer, cfcmLayer} from './cfcm-layer.js';
export type {CfcmLayerConfig, LayerBaseArgs} from './cfcm-layer.js';

export {cfcmWeightsFromTorch, cfcmWeightsToTorch} from './torch-weights.js';
export type {CfcmTorchOptions, TorchStateDict, TorchTensor} from './torch-weights.js';
