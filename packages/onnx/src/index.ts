// Public API of @daek/onnx: ONNX export of DAEK and IFNet, and the ONNX Runtime engine.

// Export.
export {exportOnnx, GRAPH_FORMAT, isInferenceTensor, matchingPreset, METADATA_KEYS, readNetworkWeights} from './export_onnx.js';
export type {ExportOnnxOptions, TorchTensor} from './export_onnx.js';
export {FLOW_SEARCH_COARSE_INPUT, FLOW_SEARCH_INPUTS, FLOW_SEARCH_OUTPUTS, flowSearchGraph, flowSearchInputs} from './export/flow_search.js';
export type {FlowSearchInputName} from './export/flow_search.js';
export {A, GraphBuilder, imageValueInfo} from './graph/builder.js';
export type {Attr, WeightStorage} from './graph/builder.js';
export {IR_VERSION, OPSET} from './proto.js';
export {PACKAGE_VERSION} from './version.js';

// Runtime.
export {createOnnxSession, readModelBytes} from './runtime/session.js';
export type {
  OnnxExecutionProvider, OnnxModelSource, OnnxRunOutputs, OnnxRuntimeName, OnnxSession, OnnxSessionOptions,
} from './runtime/session.js';
export {readModelInfo} from './runtime/model_info.js';
export type {OnnxModelInfo} from './runtime/model_info.js';
export {createOnnxExecutor, LOW_MEMORY_ABOVE, sessionExecutor} from './runtime/executor.js';
export {createFlowSearchSession} from './runtime/flow_search.js';
export type {FlowSearchOutputs, FlowSearchRunOptions, FlowSearchSession, FlowSearchSessionOptions} from './runtime/flow_search.js';
export type {LargeFrameSessions} from './runtime/executor.js';
export {
  isOutOfMemory, OnnxBackendUnavailableError, OnnxModelError, OnnxOutOfMemoryError, OnnxRuntimeMissingError,
} from './runtime/errors.js';
export type {OnnxInputSize, OnnxModelProblem} from './runtime/errors.js';
export {SHIPPED_ONNX, shippedOnnx} from './shipped.js';
export type {ShippedOnnxFiles} from './shipped.js';
