// Public API of @daek/benchmark (private app): the daek-bench CLI and the pieces it is built from, for scripts
// that score their own methods with exactly the same metrics and protocol.

// --- the CLI ---
export {main, workFromWhereNpmRan} from './cli.js';
export {COMMANDS, DEFAULT_SYNTHETIC_COUNT, parseCommandLine, USAGE, UsageError} from './args.js';
export type {HelpRequest, ParsedArgs, RunRequest} from './args.js';
export {DEFAULT_METHODS, runBench} from './run.js';
export type {BenchOptions} from './run.js';

// --- metrics (spec §6; parity with RIFE's and AMT's scripts) ---
export {
  interpolationError, psnrFloat, psnrRife, psnrUint8, quantize, roundHalfEven, scoreTriplet, ssimMatlab,
} from './metrics.js';
export type {ImageArray, Prediction, SsimOptions, TripletScores} from './metrics.js';

// --- methods ---
export type {Method, MethodInfo, PaddingInfo, WeightsInfo} from './methods/method.js';
export {averageHalfEven, createFrameAverage} from './methods/frame_average.js';
export {
  createMinterpolate, DEFAULT_MINTERPOLATE_OPTIONS, fromPlanes, MINTERPOLATE_MIN_SIZE, minterpolateMiddle, toPlanes,
} from './methods/minterpolate.js';
export type {MinterpolateOptions} from './methods/minterpolate.js';
export {checkFfmpeg, ffmpegCommand, ffprobeCommand, runTool} from './ffmpeg.js';
export {createReference, DEFAULT_REFERENCE_PATTERN} from './methods/reference.js';
export type {ReferenceMethod, ReferenceOptions} from './methods/reference.js';
export {createModelMethod, loadModels, presetNames, shippedWeights} from './methods/method_model.js';
export type {
  BenchEngine, CountsParameters, InterpolatorLike, InterpolatorSettings, LoadedModels, ModelFamily, ModelMethodOptions, ModelsModule, PresetEntry,
} from './methods/method_model.js';
export {createMethod, METHOD_GRAMMAR, parseMethodSpec, parseWeightsFlags, presetAliases, SAME_MODEL, weightsFor} from './methods/parse.js';
export type {MethodContext, MethodSpec} from './methods/parse.js';

// --- evaluation sets, scoring loop, timing ---
export {
  checkSet, frameFolderSet, MIDDLEBURY_SEQUENCES, middleburySet, SNU_DIFFICULTIES, snuFilmSet, syntheticSet, tripletFolderSet, ucf101Set,
  vimeoSet,
} from './eval_sets.js';
export type {EvalSet, SyntheticSetOptions} from './eval_sets.js';
export {evaluateSet, meanScores, runKey} from './evaluate.js';
export type {EvaluateOptions, SetResult} from './evaluate.js';
export {measureRuntime, median} from './timing.js';
export type {RuntimeOptions, RuntimeResult} from './timing.js';
export {CSV_HEADER, formatRow, readTripletCsv, TripletLog} from './triplet_log.js';
export type {TripletRow} from './triplet_log.js';
export {formatDuration, Progress} from './progress.js';
export type {ProgressOptions, ProgressStream} from './progress.js';
export {sha256Of} from './hash.js';
export {describeBackend, formatMachine, machineInfo} from './machine.js';
export type {MachineInfo} from './machine.js';

// --- the paper's numbers ---
export {
  FULL_SET_SIZES, PAPER_CITATION, PAPER_NOTES, PAPER_TABLE_1, PAPER_TABLE_2, PAPER_TABLE_3, PUBLISHED_MIDDLEBURY, PUBLISHED_UCF101,
} from './paper.js';
export type {AblationRow, PaperNote, PsnrSsim, PublishedScore, Table1Column, Table1Row} from './paper.js';

// --- reports ---
export {chartPng, chartSvg} from './report/chart.js';
export type {ChartBar, ChartGroup, ChartSpec} from './report/chart.js';
export {describeCount, describePadding, describeWeights, METRIC_PROTOCOL, protocolLines} from './report/protocol.js';
export {ablationReport, markdownTable, middleburyReport, runtimeReport, table1Report, table1RowFor} from './report/tables.js';
export type {ReportBody} from './report/tables.js';
export {reportFiles, writeReport} from './report/write.js';
export {describeWriteError, ensureFolder, ResultWriteError, writeAtomically} from './report/safe_write.js';
export type {Report, ReportFiles} from './report/write.js';
export type {BackendRuntime, Command, MethodRun, RunData, RuntimeSettings} from './report/run_data.js';

// --- decimate: a quality check on the user's own footage ---
export {DECIMATE_USAGE, parseDecimateArgs} from './decimate/args.js';
export {decimateCommand} from './decimate/command.js';
export {DECIMATE_METHODS, runDecimate} from './decimate/run.js';
export type {DecimateFiles, DecimateMethodResult, DecimateOptions, DecimateReport, DecimateRow, WorstFrame} from './decimate/run.js';
export {cropImage, sideBySide, worstWindow} from './decimate/crops.js';
export type {CropWindow} from './decimate/crops.js';
