// Public API of @daek/datasets: every loader returns a TripletDataset of {frame0, gt, frame1, t, id}.

// --- the loader interface, samples and batches ---
export {SampleError} from './dataset.js';
export type {
  BatchOptions, ErrorPolicy, LoaderOptions, PassOptions, PassSummary, SkippedSample, TripletDataset,
} from './dataset.js';
export {disposeTriplet} from './sample.js';
export type {RawTriplet, TripletSample} from './sample.js';
export {batchTriplets, disposeBatch, stackTriplets} from './batch.js';
export type {BatchTripletsOptions, TripletBatch} from './batch.js';

// --- datasets on disk ---
export {openVimeoSeptuplet, openVimeoTriplet} from './vimeo.js';
export type {VimeoSeptupletOptions, VimeoSplit, VimeoTripletOptions} from './vimeo.js';
export {openUcf101} from './ucf101.js';
export type {Ucf101Options} from './ucf101.js';
export {openSnuFilm} from './snu-film.js';
export type {SnuFilmDifficulty, SnuFilmOptions, SnuFilmPathMode} from './snu-film.js';
export {openMiddlebury} from './middlebury.js';
export type {MiddleburyLayout, MiddleburyOptions} from './middlebury.js';

// --- video files and frame folders ---
export {openVideo} from './video.js';
export type {FrameSize, VideoOptions} from './video.js';
export {openFrameFolder} from './frame-folder.js';
export {openTripletFolders} from './triplet-folders.js';
export type {TripletFileNames, TripletFoldersOptions} from './triplet-folders.js';
export type {FrameFolderOptions} from './frame-folder.js';
export {exclusionRanges} from './frame-schedule.js';
export type {FrameRange, FrameScheduleOptions} from './frame-schedule.js';
export {DEFAULT_SCENE_CUT_THRESHOLD, sceneDistance} from './scene-cut.js';
export type {SceneCutOptions} from './scene-cut.js';

// --- synthetic triplets ---
export {createSyntheticTriplets} from './synthetic.js';
export type {SyntheticTripletOptions} from './synthetic.js';
export {createSyntheticScene} from './synthetic-scene.js';
export type {
  BrightnessGain, ImageTexture, LayerPose, ProceduralTexture, SyntheticLayer, SyntheticScene, SyntheticSceneOptions, SyntheticTexture,
} from './synthetic-scene.js';
export {renderSyntheticFrame} from './synthetic-render.js';

// --- augmentation (spec §3.2) ---
export {applyAugmentation, applyAugmentationToRaw, createAugmenter, drawAugmentation} from './augmentation.js';
export type {AugmentableSample, AugmentationChoice, AugmentationOptions, Augmenter, Rotation} from './augmentation.js';

// --- image I/O ---
export {decodeImage, encodeImage, imageToTensor, readImage, tensorToImage, writeImage} from './image.js';
export type {EncodeOptions, ImageFormat, RgbImage} from './image.js';

// --- seeded randomness ---
export {createRandom, deriveSeed} from './random.js';
export type {Random} from './random.js';
