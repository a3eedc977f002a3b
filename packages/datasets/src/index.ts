// Public API of @daek/datasets, browser entry: what needs no file system, decoder or worker threads (samples and
// batches, synthetic scenes, augmentation, scene cuts, RGB images as tensors, seeded randomness). The loaders, image
// and video I/O and the parallel synthetic generator are Node-only: node.ts (the "node" export condition) adds them.

// --- the loader interface, samples and batches ---
export {SampleError} from './dataset.js';
export type {
  BatchOptions, ErrorPolicy, LoaderOptions, PassOptions, PassSummary, SkippedSample, TripletDataset,
} from './dataset.js';
export {disposeTriplet} from './sample.js';
export type {RawTriplet, TripletSample} from './sample.js';
export {batchTriplets, disposeBatch, stackTriplets} from './batch.js';
export type {BatchTripletsOptions, TripletBatch} from './batch.js';

// --- frame schedules and scene cuts ---
export {exclusionRanges} from './frame-schedule.js';
export type {FrameRange, FrameScheduleOptions} from './frame-schedule.js';
export {DEFAULT_SCENE_CUT_THRESHOLD, sceneDistance} from './scene-cut.js';
export type {SceneCutOptions} from './scene-cut.js';

// --- synthetic triplets ---
export {createSyntheticScene} from './synthetic-scene.js';
export type {
  BrightnessGain, ImageTexture, LayerPose, ProceduralTexture, SyntheticLayer, SyntheticScene, SyntheticSceneOptions, SyntheticTexture,
} from './synthetic-scene.js';
export {renderSyntheticFrame} from './synthetic-render.js';
export {SYNTHETIC_NO_LAYER, renderSyntheticFlow} from './synthetic-flow.js';
export type {SyntheticFlow} from './synthetic-flow.js';

// --- optical-flow files (Middlebury .flo) ---
export {decodeFlo, encodeFlo, FLO_MAGIC} from './flo.js';
export type {FlowField} from './flo.js';

// --- augmentation (spec §3.2) ---
export {applyAugmentation, applyAugmentationToRaw, createAugmenter, drawAugmentation} from './augmentation.js';
export type {AugmentableSample, AugmentationChoice, AugmentationOptions, Augmenter, Rotation} from './augmentation.js';

// --- 8-bit RGB images as tensors ---
export {checkRgbImage, imageToTensor, tensorToImage} from './rgb-image.js';
export type {RgbImage} from './rgb-image.js';

// --- seeded randomness ---
export {createRandom, deriveSeed} from './random.js';
export type {Random} from './random.js';
