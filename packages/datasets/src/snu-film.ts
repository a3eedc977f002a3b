// SNU-FILM (Choi et al., AAAI 2020), spec §6: four difficulty lists of three paths per line (I0 GT I1).
import {existsSync} from 'node:fs';
import path from 'node:path';
import {createDataset, type LoaderOptions, type TripletDataset} from './dataset.js';
import {readListFile, readTripletFiles, requireDirectory} from './layout.js';

/** The four SNU-FILM lists. */
export type SnuFilmDifficulty = 'easy' | 'medium' | 'hard' | 'extreme';

/**
 * How list paths resolve: `'as-listed'` joins each path to `framesRoot` as written (IFRNet); `'last-3'` keeps
 * only its last three components, `<set>/<clip>/<frame>.png`, under `framesRoot` (AMT's `parse_path`);
 * `'auto'` (default) takes whichever finds the first line's frames.
 */
export type SnuFilmPathMode = 'auto' | 'as-listed' | 'last-3';

/** Options of {@link openSnuFilm}. */
export interface SnuFilmOptions extends LoaderOptions {
  /** Which list, `test-<difficulty>.txt`. */
  difficulty: SnuFilmDifficulty;
  /** Folder the list paths are relative to (default: `root`). */
  framesRoot?: string;
  /** How list paths resolve (default `'auto'`). */
  paths?: SnuFilmPathMode;
}

const LAYOUT = '<root>/test-easy.txt, test-medium.txt, test-hard.txt, test-extreme.txt, each line three paths ' +
    '"I0 GT I1" such as data/SNU-FILM/test/GOPRO_test/GOPR0384_11_00/000009.png ..., relative to framesRoot ' +
    '(as listed) or reduced to their last three components <set>/<clip>/<frame>.png under framesRoot';

function lastThree(p: string): string {
  return p.split(/[\\/]+/).filter(Boolean).slice(-3).join('/');
}

/**
 * Open one SNU-FILM list. Each line is one sample (t = 0.5) with the paths in the order I0 GT I1. The id
 * is the GT path's last three components (`GOPRO_test/GOPR0384_11_00/000017.png`). Frames are usually
 * 1280x720; any size is read as is (padding to a multiple of 32 belongs to the model, spec §6).
 *
 * @param root the folder holding the `test-*.txt` lists.
 *
 * @example
 * ```ts
 * const extreme = openSnuFilm('/data/SNU-FILM', {difficulty: 'extreme', framesRoot: '/data'});
 * ```
 */
export function openSnuFilm(root: string, options: SnuFilmOptions): TripletDataset {
  const difficulty = options?.difficulty;
  const name = `snu-film:${difficulty}`;
  const valid: SnuFilmDifficulty[] = ['easy', 'medium', 'hard', 'extreme'];
  if (!valid.includes(difficulty)) {
    throw new Error(`snu-film: options.difficulty: expected one of ${valid.join(', ')}, received '${String(difficulty)}'`);
  }
  requireDirectory(root, name, LAYOUT);
  const framesRoot = options.framesRoot ?? root;
  requireDirectory(framesRoot, `${name} (framesRoot)`, LAYOUT);
  const listFile = path.join(root, `test-${difficulty}.txt`);
  const lines = readListFile(listFile, name, LAYOUT).map((line, i) => {
    const parts = line.split(/\s+/);
    if (parts.length !== 3) {
      throw new Error(`${name}: ${listFile} line ${i + 1}: expected three paths "I0 GT I1", received ${parts.length}: "${line}"`);
    }
    return parts as [string, string, string];
  });
  const asListed = (p: string) => path.resolve(framesRoot, p);
  const lastThreeUnder = (p: string) => path.join(framesRoot, lastThree(p));
  let mode = options.paths ?? 'auto';
  if (!['auto', 'as-listed', 'last-3'].includes(mode)) {
    throw new Error(`${name}: options.paths: expected 'auto', 'as-listed' or 'last-3', received '${String(mode)}'`);
  }
  if (mode === 'auto' && lines.length > 0) {
    const first = lines[0][0];
    if (existsSync(asListed(first))) mode = 'as-listed';
    else if (existsSync(lastThreeUnder(first))) mode = 'last-3';
    else {
      throw new Error(`${name}: cannot find the first frame of ${listFile}: tried ${asListed(first)} (as listed) and ` +
          `${lastThreeUnder(first)} (last three components); set options.framesRoot to the folder the paths are relative to`);
    }
  }
  const resolve = mode === 'last-3' ? lastThreeUnder : asListed;
  const ids = lines.map((line) => lastThree(line[1]));
  return createDataset({
    kind: 'list',
    name,
    ids,
    read: async (index) => {
      const [frame0, gt, frame1] = lines[index].map(resolve);
      return {raw: await readTripletFiles({frame0, gt, frame1}, {id: ids[index], t: 0.5})};
    },
  }, options);
}
