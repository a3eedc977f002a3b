// The Node entry of @daek/datasets (the "node" export condition, also '@daek/datasets/node'): everything of the
// browser entry plus what needs Node: the dataset loaders, video (ffmpeg) and frame folders, image I/O (sharp),
// the parallel synthetic generator (worker threads) and the Vimeo-layout export.
export * from './index.js';

// --- datasets on disk ---
export {openVimeoSeptuplet, openVimeoTriplet} from './vimeo.js';
export type {VimeoSeptupletOptions, VimeoSplit, VimeoTripletOptions} from './vimeo.js';
export {openUcf101} from './ucf101.js';
export type {Ucf101Options} from './ucf101.js';
export {openSnuFilm} from './snu-film.js';
export type {SnuFilmDifficulty, SnuFilmOptions, SnuFilmPathMode} from './snu-film.js';
export {openMiddlebury} from './middlebury.js';
export {isListEntryError, LIST_ENTRY_REJECTED, ListEntryError} from './list-entry.js';
export type {ListEntryOrigin} from './list-entry.js';
export type {MiddleburyLayout, MiddleburyOptions} from './middlebury.js';

// --- video files and frame folders ---
export {openVideo} from './video.js';
export type {FrameSize, VideoOptions} from './video.js';
export {openFrameFolder} from './frame-folder.js';
export {openTripletFolders} from './triplet-folders.js';
export type {TripletFileNames, TripletFoldersOptions} from './triplet-folders.js';
export type {FrameFolderOptions} from './frame-folder.js';

// --- synthetic triplets (worker threads) ---
export {createSyntheticTriplets} from './synthetic.js';
export type {SyntheticTripletDataset, SyntheticTripletOptions} from './synthetic.js';

// --- image I/O (sharp) ---
export {decodeImage, encodeImage, readImage, writeImage} from './image.js';
export {writeFileAtomic} from './write-file.js';
export type {WriteFs} from './write-file.js';
export type {ClampedRgb, EncodeOptions, ImageFormat} from './image.js';

// --- export as a Vimeo-layout triplet set (daek-data export) ---
export {EXPORT_FLOW_FILES, exportVimeoTriplets, readHoldout} from './export.js';
export type {ExportedSource, ExportedTextures, ExportOptions, ExportProgress, ExportSummary} from './export.js';
export {EXPORT_USAGE, openExportSources} from './export-cli.js';
export type {ExportRequest} from './export-cli.js';
