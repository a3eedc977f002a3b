// Public API of @daek/interp (private app): the daek-interp command and the pieces it is built from.

// --- the CLI ---
export {main} from './cli.js';
export type {MainContext} from './cli.js';
export {DEFAULT_DEPTH, DEFAULT_ENGINE, parseCommandLine, USAGE} from './args.js';
export type {Command, HelpCommand, JobCommand} from './args.js';
export {InterpError, StoppedError} from './errors.js';
export type {InterpErrorCode} from './errors.js';

// --- jobs ---
export {interpolateVideo, workFolder} from './video.js';
export type {RunContext, StreamCounts, VideoJob, VideoSummary} from './video.js';
export {interpolateFolder, interpolateFrames, listFrames, loadImage} from './images.js';
export type {FolderJob, FramesJob, ImagesSummary} from './images.js';

// --- engines ---
export {asRgbImage, AUTO_SCALE_ABOVE, autoScale, disposeQuietly} from './engine.js';
export type {Engine, EngineFactory, EngineName, EngineOptions, ScaleChoice} from './engine.js';
export {createEngine} from './engines.js';
export {createModelEngine, scaledMiddle} from './model_engine.js';

// --- timing, bisection, pairs, tiles ---
export {formatRational, multiply, parseRational, rational, toNumber} from './rational.js';
export type {Rational} from './rational.js';
export {buildSchedule, classifyTiming} from './schedule.js';
export type {ConstantTiming, FpsRequest, InputTiming, MultiRequest, RateRequest, Schedule, Source, VariableTiming} from './schedule.js';
export {gridIndex, PairBisection} from './bisection.js';
export type {MiddleFn} from './bisection.js';
export {emptyStats, PairFrames} from './pair.js';
export type {PairSettings, PairStats, SceneCutMode} from './pair.js';
export {tiledMiddle} from './tiles.js';
export type {TileOptions} from './tiles.js';
