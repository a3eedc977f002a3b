// The evaluation sets a run can use, each opened through @daek/datasets, with an up-front check that lists
// every file a missing or partial dataset folder lacks (rather than failing on the 2,000th triplet).
import {existsSync, readdirSync, readFileSync, statSync} from 'node:fs';
import path from 'node:path';
import {
  createSyntheticTriplets, isListEntryError, openFrameFolder, openMiddlebury, openSnuFilm, openTripletFolders, openUcf101, openVimeoTriplet,
  type SnuFilmDifficulty, type TripletDataset,
} from '@daek/datasets';
import {FULL_SET_SIZES} from './paper.js';

/** One evaluation set of a run. */
export interface EvalSet {
  /** Stable key: `vimeo`, `ucf101`, `snu-easy` .. `snu-extreme`, `middlebury`, `synthetic`, `frames:<name>`, `triplets:<name>`. */
  key: string;
  /** Column label, e.g. `Vimeo-90K`, `SNU-FILM hard`. */
  label: string;
  /** The folder given on the command line (absolute), or a description of the generator. */
  source: string;
  /** The dataset folder (absolute); undefined for generated sets. */
  root?: string;
  /** The command-line flag that named it. */
  flag: string;
  /** Size of the full set the published numbers use, when there is one. */
  fullSize?: number;
  /** Open the dataset (at most `limit` triplets). */
  open(limit?: number): TripletDataset;
  /** Files the layout needs that do not exist (empty when complete). */
  missing(): string[];
  /** The expected layout, for error messages. */
  layout: string;
}

/** Largest number of missing files an error message lists one by one. */
const LIST_AT_MOST = 20;

function missingFiles(files: Iterable<string>): string[] {
  const out: string[] = [];
  for (const file of files) if (!existsSync(file)) out.push(file);
  return out;
}

function isDirectory(dir: string): boolean {
  return existsSync(dir) && statSync(dir).isDirectory();
}

/** Sub-folder names in code-unit order, as the loaders (and Python's `sorted`) order them. */
function subfolders(dir: string): string[] {
  if (!isDirectory(dir)) return [];
  return readdirSync(dir, {withFileTypes: true}).filter((e) => e.isDirectory()).map((e) => e.name)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

const VIMEO_LAYOUT = '<root>/tri_testlist.txt and <root>/sequences/<00001>/<0001>/im1.png, im2.png (gt), im3.png ' +
    '(the vimeo_triplet folder of the Vimeo-90K download)';
const UCF_LAYOUT = '<root>/<id>/frame_00.png, frame_01_gt.png, frame_02.png (DVF\'s ucf101_interp_ours, 379 folders)';
const SNU_LAYOUT = '<root>/test-easy.txt, test-medium.txt, test-hard.txt, test-extreme.txt (lines "I0 GT I1"), with ' +
    'the listed frames under --snu-film-frames (default <root>), as listed or by their last three components';
const MIDDLEBURY_LAYOUT = 'the official <root>/other-data/<Seq>/frame10.png, frame11.png + <root>/other-gt-interp/<Seq>/' +
    'frame10i11.png, or flat <root>/<Seq>/frame10.png, frame10i11.png, frame11.png';

/** The 12 Middlebury "Other" sequences with interpolation ground truth (RIFE `MiddleBury_Other.py`). */
export const MIDDLEBURY_SEQUENCES = ['Beanbags', 'Dimetrodon', 'DogDance', 'Grove2', 'Grove3', 'Hydrangea', 'MiniCooper',
  'RubberWhale', 'Urban2', 'Urban3', 'Venus', 'Walking'] as const;

/** Vimeo-90K triplet test set (`--vimeo`). */
export function vimeoSet(root: string): EvalSet {
  const dir = path.resolve(root);
  return {
    key: 'vimeo', label: 'Vimeo-90K', source: dir, root: dir, flag: '--vimeo', fullSize: FULL_SET_SIZES.vimeo, layout: VIMEO_LAYOUT,
    open: (limit) => openVimeoTriplet(dir, {split: 'test', limit}),
    missing: () => {
      const list = path.join(dir, 'tri_testlist.txt');
      if (!existsSync(list)) return [list];
      const entries = readFileSync(list, 'utf8').split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
      return missingFiles(entries.flatMap((e) => ['im1.png', 'im2.png', 'im3.png'].map((f) => path.join(dir, 'sequences', e, f))));
    },
  };
}

/** UCF101-DVF (`--ucf101`): every sub-folder is a triplet. */
export function ucf101Set(root: string): EvalSet {
  const dir = path.resolve(root);
  return {
    key: 'ucf101', label: 'UCF101', source: dir, root: dir, flag: '--ucf101', fullSize: FULL_SET_SIZES.ucf101, layout: UCF_LAYOUT,
    open: (limit) => openUcf101(dir, {limit}),
    missing: () => {
      const ids = subfolders(dir);
      if (ids.length === 0) return [path.join(dir, '<id>', 'frame_00.png')];
      return missingFiles(ids.flatMap((id) => ['frame_00.png', 'frame_01_gt.png', 'frame_02.png'].map((f) => path.join(dir, id, f))));
    },
  };
}

/** The SNU-FILM difficulties in Table I order. */
export const SNU_DIFFICULTIES: readonly SnuFilmDifficulty[] = ['easy', 'medium', 'hard', 'extreme'];

function lastThree(p: string): string {
  return p.split(/[\\/]+/).filter(Boolean).slice(-3).join('/');
}

/** One SNU-FILM list (`--snu-film`, frames under `framesRoot`). */
export function snuFilmSet(root: string, difficulty: SnuFilmDifficulty, framesRoot?: string): EvalSet {
  const dir = path.resolve(root);
  const frames = path.resolve(framesRoot ?? root);
  const key = `snu-${difficulty}`;
  return {
    key, label: `SNU-FILM ${difficulty}`, source: `${dir} (frames: ${frames})`, root: dir, flag: '--snu-film',
    fullSize: FULL_SET_SIZES[key], layout: SNU_LAYOUT,
    open: (limit) => openSnuFilm(dir, {difficulty, framesRoot: frames, limit}),
    missing: () => {
      const list = path.join(dir, `test-${difficulty}.txt`);
      if (!existsSync(list)) return [list];
      if (!isDirectory(frames)) return [frames];
      const paths = readFileSync(list, 'utf8').split(/\r?\n/).map((l) => l.trim()).filter(Boolean).flatMap((l) => l.split(/\s+/));
      // a frame is present when it resolves either way the loader accepts
      return paths.filter((p) => !existsSync(path.resolve(frames, p)) && !existsSync(path.join(frames, lastThree(p))))
          .map((p) => path.resolve(frames, p));
    },
  };
}

/** Middlebury Other (`--middlebury`), flat or official layout. */
export function middleburySet(root: string): EvalSet {
  const dir = path.resolve(root);
  return {
    key: 'middlebury', label: 'Middlebury Other', source: dir, root: dir, flag: '--middlebury', fullSize: FULL_SET_SIZES.middlebury,
    layout: MIDDLEBURY_LAYOUT,
    open: (limit) => openMiddlebury(dir, {limit}),
    missing: () => {
      const official = isDirectory(path.join(dir, 'other-gt-interp'));
      return missingFiles(MIDDLEBURY_SEQUENCES.flatMap((seq) => official
        ? [path.join(dir, 'other-data', seq, 'frame10.png'), path.join(dir, 'other-gt-interp', seq, 'frame10i11.png'),
          path.join(dir, 'other-data', seq, 'frame11.png')]
        : ['frame10.png', 'frame10i11.png', 'frame11.png'].map((f) => path.join(dir, seq, f))));
    },
  };
}

/** Options of {@link syntheticSet}. */
export interface SyntheticSetOptions {
  /** Number of triplets. */
  count: number;
  /** Frame width (default 448, Vimeo-90K's). */
  width?: number;
  /** Frame height (default 256). */
  height?: number;
  /** Seed (default 1). */
  seed?: number;
}

/** The embedded synthetic set (`--synthetic N`): @daek/datasets createSyntheticTriplets, exact ground truth. */
export function syntheticSet(options: SyntheticSetOptions): EvalSet {
  const {count, width = 448, height = 256, seed = 1} = options;
  return {
    key: 'synthetic', label: 'synthetic', flag: '--synthetic', layout: 'generated',
    source: `@daek/datasets createSyntheticTriplets({seed: ${seed}, count: ${count}, width: ${width}, height: ${height}})`,
    open: (limit) => createSyntheticTriplets({seed, count, width, height, limit}),
    missing: () => [],
  };
}

/** A set read from one folder that must exist (no file list to check up front). */
function folderSet(root: string, kind: 'frames' | 'triplets', layout: string, open: (dir: string, limit?: number) => TripletDataset): EvalSet {
  const dir = path.resolve(root);
  // `video-clips/triplets` reads better than `triplets triplets`.
  const name = path.basename(dir) === kind ? `${path.basename(path.dirname(dir))}/${kind}` : path.basename(dir);
  return {
    key: `${kind}:${name}`, label: `${kind} ${name}`, source: dir, root: dir, flag: `--${kind}`, layout,
    open: (limit) => open(dir, limit),
    missing: () => (isDirectory(dir) ? [] : [dir]),
  };
}

/** A folder of numbered frames (`--frames`): triplets (s, s+1, s+2) with scene cuts dropped. */
export function frameFolderSet(root: string): EvalSet {
  return folderSet(root, 'frames', 'a folder of numbered frames, e.g. 000001.png, 000002.png, ...',
    (dir, limit) => openFrameFolder(dir, {limit}));
}

/**
 * Folders of ready-made triplets (`--triplets`), one folder a triplet at any depth, `frame0.png`, `gt.png`,
 * `frame1.png`: e.g. the evaluation triplets of the real clips, `../shared/data/video-clips/triplets`.
 */
export function tripletFolderSet(root: string): EvalSet {
  return folderSet(root, 'triplets', '<dir>/<any path>/frame0.png, gt.png, frame1.png (one folder a triplet)',
    (dir, limit) => openTripletFolders(dir, {limit}));
}

/**
 * Throw unless the set's folder exists and holds every file its layout needs, listing what is missing
 * (the first 20 paths and a count), the flag, and the layout expected.
 */
export function checkSet(set: EvalSet): void {
  const root = set.root;
  if (root === undefined) return;
  if (!isDirectory(root)) {
    throw new Error(`${set.flag} ${root}: folder not found. Expected ${set.layout}`);
  }
  // The loaders refuse a list entry that leaves the dataset root: report it as rejected, never as missing.
  try {
    set.open(1);
  } catch (error) {
    if (isListEntryError(error)) throw new Error(`${set.flag} ${root}: rejected: ${error.message}`);
    // any other problem (a missing list file...) is listed below with the rest
  }
  const missing = set.missing();
  if (missing.length === 0) return;
  const shown = missing.slice(0, LIST_AT_MOST).map((f) => `  missing: ${f}`).join('\n');
  const more = missing.length > LIST_AT_MOST ? `\n  ... and ${missing.length - LIST_AT_MOST} more` : '';
  throw new Error(`${set.flag} ${root}: the ${set.label} folder is incomplete: ${missing.length} file(s) missing.\n` +
      `${shown}${more}\nExpected ${set.layout}`);
}
