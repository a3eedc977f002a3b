// Public API of @daek/models: the DAEK network and its ablation presets, RIFE's IFNet, weight I/O and the
// createInterpolator() entry point.

// Interpolation API (tfjs-models style).
export {
  asModelName, bisectionPath, buildNetwork, createInterpolator, DEFAULT_MODEL, isModelName, MEMORY_LIGHT_ABOVE, minimumFrameSize,
  MODEL_NAMES, SHIPPED_WEIGHTS, shippedWeights,
} from './interpolator.js';
export type {
  InterpolateOptions, Interpolator, InterpolatorConfig, LoadProgress, ModelName, Network,
} from './interpolator.js';
export type {FrameInput, PixelFrame} from './frames.js';
export {loadOnnxEngine, reversalEnsembleExecutor, tfjsExecutor} from './executor.js';
export type {EngineName, FrameExecutor, OnnxEngineModule, OnnxExecutorRequest} from './executor.js';
// Flow search refinement: a test-time extension of the DAEK spec (createInterpolator({refine: true})), not in the paper.
export {DEFAULT_FLOW_SEARCH, describeFlowSearch, refinedMiddleFrame, refineFlowBySearch, resolveFlowSearchOptions} from './flow_search.js';
export type {FlowSearchOptions, ResolvedFlowSearchOptions} from './flow_search.js';
export {coarseStartFlow} from './coarse_start.js';
export type {FlowPass} from './coarse_start.js';

// Networks.
export {DAEK} from './daek.js';
export type {ParameterCounts} from './daek.js';
export {IFNet} from './ifnet.js';
export type {IFNetConfig, ResolvedIFNetConfig} from './ifnet.js';
export {DAEK_FINAL, DAEK_PRESETS, DAEK_S_OVERRIDES, resolveDaekConfig} from './presets.js';
export type {DaekConfig, DaekPreset, DaekPresetName, MrbWidths, TeacherKind} from './presets.js';
export {blend, disposeOutputs, splitFlow} from './outputs.js';
export type {ForwardOptions, NetworkOutputs, TeacherOutputs} from './outputs.js';

// Building blocks, for researchers reusing one module.
export {ParamStore, tfShape, tfToTorch, torchToTf} from './params.js';
export type {ParamLayout, ParamRole, ParamSpec, StoredParam} from './params.js';
export {child, Conv2d, ConvPReLU, ConvTranspose2d, DeconvPReLU, paramName, PReLU} from './nn/layers.js';
export type {Conv2dOptions, Scope} from './nn/layers.js';
export {Meb} from './nn/meb.js';
export type {MebConfig, MebInput, MebOutput} from './nn/meb.js';
export {BasicEncoder, batchMoments, BatchNorm2d, BATCH_NORM_MOMENTUM, InstanceNorm2d, NORM_EPSILON, ResidualBlock} from './nn/encoder.js';
export type {BasicEncoderConfig, BatchMoments, EncoderNorm, NormMode} from './nn/encoder.js';
export {DEFAULT_MRB_CONFIG, MRB, MRB_LEAKY_RELU_ALPHA} from './nn/mrb.js';
export type {MrbConfig, MrbDebugName, MrbInputs, MrbOutputs, ResolvedMrbConfig} from './nn/mrb.js';
export {Contextnet, Unet} from './nn/synthesis.js';
export type {UnetInput} from './nn/synthesis.js';

// Weights.
export {loadNetworkWeights, saveNetwork, storedModelConfig, structuralDifferences} from './weights_source.js';
export type {LoadNetworkWeightsOptions, SaveNetworkOptions, StoredModelConfig, WeightsSource} from './weights_source.js';
export {shippedFiles} from './shipped.js';
export type {ShippedFiles} from './shipped.js';
export {DEFAULT_MAX_PTH_BYTES, readPth, stateDictSource} from './io/pth.js';
export type {ReadPthOptions, TorchDtype, TorchStateDict, TorchTensor, TorchTensorData} from './io/pth.js';
export {DAEK_MAP, IDENTITY_MAP, mapKeys, MODULE_PREFIX, NAME_MAPS, RIFE_IFNET_MAP} from './io/name_maps.js';
export type {IgnoreRule, MappedKeys, NameMap, NameRule} from './io/name_maps.js';
export {checkStateDict, loadStateDict, stateDictFromStore} from './io/load_state_dict.js';
export type {LoadStateDictOptions, LoadStateDictReport, StateDictExportOptions, StateDictInput} from './io/load_state_dict.js';
export {loadWeights, readWeightsConfig, saveWeights, WEIGHTS_FORMAT, WEIGHTS_FORMAT_VERSION} from './io/tfjs_format.js';
export type {
  LoadWeightsOptions, LoadWeightsResult, SaveWeightsOptions, SaveWeightsResult, WeightsInfo, WeightsLocation,
  WeightsMetadata, WeightsTensorInfo,
} from './io/tfjs_format.js';
// The file IOHandler (nodeFileHandler, DEFAULT_SHARD_BYTES) is exported by the Node entry, node.ts.
export {clearWeightsCache, fetchWeightsHandler, WEIGHTS_CACHE_NAME} from './io/fetch_weights.js';
export type {DownloadProgress, FetchWeightsOptions} from './io/fetch_weights.js';
export {WeightsError} from './io/problems.js';
export {decodeFloat16, encodeFloat16} from './io/float16.js';
