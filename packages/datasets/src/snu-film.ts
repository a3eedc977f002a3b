// SNU-FILM (Choi et al., AAAI 2020), spec §6: four difficulty lists of three paths per line (I0 GT I1).
import {existsSync} from 'node:fs';
import path from 'node:path';
import {createDataset, type LoaderOptions, type TripletDataset} from './dataset.js';
import {readListLines, readTripletFiles, requireDirectory} from './layout.js';
import {checkEntryText, isListEntryError, RootGuard, type ListEntryOrigin} from './list-entry.js';

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
  const origins = readListLines(listFile, name, LAYOUT).map(({text, line}) => {
    const parts = text.split(/\s+/);
    if (parts.length !== 3) {
      throw new Error(`${name}: ${listFile} line ${line}: expected three paths "I0 GT I1", received ${parts.length}: "${text}"`);
    }
    return parts.map((entry): ListEntryOrigin => ({dataset: name, listFile, line, entry})) as [ListEntryOrigin, ListEntryOrigin, ListEntryOrigin];
  });
  const asListed = (p: string) => path.resolve(framesRoot, p);
  const lastThreeUnder = (p: string) => path.join(framesRoot, lastThree(p));
  let mode = options.paths ?? 'auto';
  if (!['auto', 'as-listed', 'last-3'].includes(mode)) {
    throw new Error(`${name}: options.paths: expected 'auto', 'as-listed' or 'last-3', received '${String(mode)}'`);
  }
  // Every entry must resolve under framesRoot: no '..', no absolute path joined as written, no symlink out of it.
  const guard = new RootGuard(framesRoot);
  const check = (origin: ListEntryOrigin, how: 'as-listed' | 'last-3') => {
    checkEntryText(origin, framesRoot, {allowAbsolute: how === 'last-3'});
    guard.checkSync(origin, how === 'last-3' ? lastThreeUnder(origin.entry) : asListed(origin.entry));
  };
  if (mode === 'auto' && origins.length > 0) {
    const first = origins[0][0];
    let refused: unknown = null;
    try {
      check(first, 'as-listed');
    } catch (error) {
      if (!isListEntryError(error)) throw error;
      refused = error;
    }
    if (!refused && existsSync(asListed(first.entry))) mode = 'as-listed';
    else if (existsSync(lastThreeUnder(first.entry))) mode = 'last-3';
    else if (refused) throw refused;
    else {
      throw new Error(`${name}: cannot find the first frame of ${listFile}: tried ${asListed(first.entry)} (as listed) and ` +
          `${lastThreeUnder(first.entry)} (last three components); set options.framesRoot to the folder the paths are relative to`);
    }
  }
  const how = mode === 'last-3' ? 'last-3' : 'as-listed';
  for (const line of origins) for (const origin of line) check(origin, how);
  const resolve = how === 'last-3' ? lastThreeUnder : asListed;
  const ids = origins.map((line) => lastThree(line[1].entry));
  return createDataset({
    kind: 'list',
    name,
    ids,
    read: async (index) => {
      const line = origins[index];
      const [frame0, gt, frame1] = line.map((origin) => resolve(origin.entry));
      for (let k = 0; k < 3; k++) await guard.check(line[k], [[frame0, gt, frame1][k]]);
      return {raw: await readTripletFiles({frame0, gt, frame1}, {id: ids[index], t: 0.5})};
    },
  }, options);
}
