// Public API of @daek/trainer (private app): the daek-train CLI and the pieces it is built from, for scripts that
// train with the same loop, data pipeline and checkpoints.

// --- the CLI ---
export {main, SIGNAL_STATUS} from './cli.js';
export {DEFAULT_OUT, FLAG_NAMES, parseCommandLine, USAGE, UsageError} from './args.js';
export type {HelpRequest, ParsedArgs, RunRequest} from './args.js';

// --- the run ---
export {checkTrainableBackend, DEFAULT_SETTINGS, train} from './run.js';
export type {RunSettings, TrainOptions, TrainResult} from './run.js';
export {trainStep} from './step.js';
export type {FrameBatch, StepLoss} from './step.js';
export {benchmarkSteps} from './benchmark.js';
export {estimateStepBytes, formatGiB, measureStepMemory, MEMORY_MARGIN, memoryBudget, planMicroBatch, PROBE_CROPS} from './memory.js';
export type {MemoryBudget, MemoryPlan, MemoryPlanInput, MemoryProbe, StepMemoryModel} from './memory.js';
export {DEFAULT_RUNTIME, readRunFile, RUN_FILE, RUN_FORMAT, RUNTIME_FLAGS, writeRunFile} from './run_file.js';
export type {RunFile, RuntimeSettings} from './run_file.js';
export type {BenchmarkOptions, BenchmarkResult} from './benchmark.js';

// --- model, data, validation ---
export {buildTrainModel, daekConfigOf, disposeModel, exportStudent, ifnetConfigOf, presetNames, TINY_DAEK, TINY_IFNET, variableNames} from './model.js';
export type {ModelKind, ModelSpec, ParameterCount, TrainModel} from './model.js';
export {
  describeSource, disposeFrames, epochOrder, holdoutRanges, openSource, openTrainSet, parseDataSource, parseDataSources, readAll, toBatch,
  TrainData,
} from './data.js';
export type {DataKind, DataSource, OpenOptions, PositionedBatch, SetPart, TrainDataOptions, TrainSet} from './data.js';
export {frameAveragePsnr, modelPsnr, psnrFromMse} from './validation.js';

// --- checkpoints, log, plots, progress ---
export {
  checkpointName, listCheckpoints, loadCheckpoint, readState, removeStaleTemporaries, STATE_FORMAT, STATE_VERSION, writeCheckpoint,
} from './checkpoint.js';
export type {
  CheckpointContents, CheckpointEntry, RngState, RunHistory, ScheduleState, TrainerState, WriteCheckpointOptions,
} from './checkpoint.js';
export {JsonlLog} from './log.js';
export type {EventRecord, LogRecord, StepRecord, ValidationRecord} from './log.js';
export {lineChartSvg, LOSS_WINDOW, ticks, trailingMean, writeChartPng, writeRunPlots} from './plot.js';
export type {LineChart, Series} from './plot.js';
export {formatDuration, formatLoss, StepProgress} from './progress.js';
export type {ProgressStream, StepProgressOptions} from './progress.js';
